"""The ``specbound multidraft`` command: optimal multi-draft acceptance and every scheme's.

Examples
--------
``specbound multidraft --target 0.1,0.9 --draft 0.5,0.5 --drafts 1,2,3 --lp`` prints, per K,
the optimum P* = min_T [p(T) + 1 - q(T)^K] (Khisti et al., arXiv 2410.18234), its
minimising set, and the exact acceptance of the tournament of truncated LPs, importance
weights, SpecInfer, SpecTr K-SEQ and NSS (and the cvxpy LP with ``--lp``). A draft given
as K rows (``"0.5,0.5;0.4,0.6"`` or a file) means K non-identical drafts;
``--draft-temperatures 0.5,1,1.5`` makes K drafts from the one draft law at K
temperatures (q^(1/T) / Z: the draft is read as probabilities, whose logs are the logits
up to a constant). For i.i.d. drafts the column "w/o repl." is the optimum when the K
candidates are drawn without replacement (:mod:`specbound.lp.without_replacement`).
"""

from __future__ import annotations

import argparse
import itertools
import math

import numpy as np
from tqdm.auto import tqdm

from specbound.commands import (
    add_random_options,
    option_names,
    positive_int_list,
    read_array,
    simulation_size,
)
from specbound.commands.options import (
    LAW_FORMS,
    add_drafts,
    add_format,
    command_parser,
    read_law,
    read_law_or_rows,
)
from specbound.commands.output import Column, emit
from specbound.distributions import as_distribution, as_distributions, check_int
from specbound.errors import InvalidArgumentError
from specbound.limits import check_allocation, check_work
from specbound.simulations.estimate import from_proportion, show_progress

#: Largest n^K for the tuple-enumerating columns (importance weights, LP).
MAX_TUPLES_CLI = 1_000_000


def register(subparsers) -> None:
    """Add the ``multidraft`` subcommand."""
    p = command_parser(
        subparsers,
        "multidraft",
        "optimal multi-draft acceptance and every scheme's (Khisti et al. 2025)",
        "Optimal acceptance P* of K drafts (min-cut closed form, arXiv 2410.18234) and the "
        "exact acceptance of the truncated-LP tournament, importance weights, SpecInfer, "
        "SpecTr and NSS. One token is verified per step: each draft proposes one token.",
    )
    p.add_argument(
        "--target",
        required=True,
        help=f"target law p: {LAW_FORMS}",
    )
    p.add_argument(
        "--draft",
        required=True,
        help="draft law q (one law: K i.i.d. drafts, any form of --target) or K rows "
        "('a,b;c,d' or a file): K different drafts",
    )
    add_drafts(p, "numbers K of i.i.d. drafts, e.g. 1,2,4,8", default="1,2,4,8", old=("--k",))
    p.add_argument(
        "--draft-temperatures",
        default=None,
        help="K drafts from the one draft law at these temperatures, e.g. 0.5,1,1.5 "
        "(q^(1/T) normalised; --draft is read as probabilities; default: none)",
    )
    p.add_argument("--lp", action="store_true", help="also solve the coupling LP (cvxpy)")
    p.add_argument("--s", default="5", help="truncation threshold of the truncated LP")
    p.add_argument("--solver", default=None, help="LP solver: HIGHS (default) or CLARABEL")
    add_random_options(
        p, "Monte Carlo trials of the SpecInfer sampler per K, beside its exact column (0: none)"
    )
    add_format(p)
    p.set_defaults(func=run)


def _fmt(x: float | None) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.6f}"


def run(args: argparse.Namespace) -> int:
    """Print one row per K; returns 0."""
    from specbound.lp import coupling_lp, optimum
    from specbound.lp.baselines import nss_acceptance, specinfer_acceptance, spectr_acceptance
    from specbound.lp.optimum import identical
    from specbound.lp.selection import importance_weighted_acceptance
    from specbound.lp.temperatures import temperature_drafts
    from specbound.lp.truncated import tournament, tournament_steps
    from specbound.simulations.multidraft import specinfer_sampling

    seed = check_int(args.seed, "seed", 0)
    p = read_law(args.target, "target", seed)
    raw = read_law_or_rows(args.draft, "draft", seed)
    s = check_int(_int(args.s, "s"), "s", 1)
    given = args.drafts if args.drafts != "1,2,4,8" else None
    if raw.ndim == 2 and raw.shape[0] > 1:
        if given is not None or args.draft_temperatures is not None:
            option = "drafts" if given is not None else "draft_temperatures"
            raise InvalidArgumentError(
                f"{option}: the draft has {raw.shape[0]} rows (non-identical drafts); give one row"
            )
        cases = [as_distributions(raw, "draft")]
    elif args.draft_temperatures is not None:
        if given is not None:
            raise InvalidArgumentError(
                "drafts: omit --drafts with --draft-temperatures (K = their number)"
            )
        temps = read_array(args.draft_temperatures, "draft_temperatures").ravel()
        cases = [temperature_drafts(as_distribution(raw.ravel(), "draft"), temps)]
    else:
        q = as_distribution(raw.ravel(), "draft")
        ks = positive_int_list(args.drafts, "drafts")
        check_allocation("drafts", (sum(ks), q.size), np.float64, what="draft entries (K x n)")
        work = sum(tournament_steps(k, q.size, min(s, q.size)) for k in ks)
        check_work("drafts", work, "steps (K - 1 truncated LPs for each K)")
        cases = [np.tile(q, (k, 1)) for k in ks]
    for q in cases:
        if q.shape[1] != p.size:
            raise InvalidArgumentError(
                f"draft: vocabulary size {q.shape[1]} differs from target's {p.size}"
            )
    n = p.size
    # one trial samples K drafts and runs up to K acceptance rounds
    trials = simulation_size(args, "trials", work=sum(q.shape[0] for q in cases))
    rows = []
    quiet = args.no_progress or not show_progress(None) or len(cases) < 3
    for q in tqdm(cases, desc="K", disable=quiet, leave=False):
        k = q.shape[0]
        opt = optimum(p, q)
        small = n**k <= MAX_TUPLES_CLI
        row = {
            "K": k,
            "optimum": opt.acceptance,
            "minimising_set_size": int(opt.minimising_set.size),
            "without_replacement": _without_replacement(p, q),
            "tournament": tournament(p, q, s).acceptance if k >= 2 else opt.acceptance,
            "importance": importance_weighted_acceptance(p, q) if small else None,
            "specinfer": specinfer_acceptance(p, q),
            "spectr": spectr_acceptance(p, q) if identical(q) else None,
            "nss": nss_acceptance(p, q),
        }
        if trials:
            with option_names(size="simulate"):
                _, ok = specinfer_sampling(p, q, trials, np.random.default_rng([seed, k]))
            est = from_proportion(int(ok.sum()), trials)
            row["specinfer_simulated"], row["specinfer_se"] = est.mean, est.se
        if args.lp:
            res = coupling_lp(p, q, solver=args.solver) if small else None
            row["lp"] = None if res is None else res.acceptance
            row["lp_seconds"] = None if res is None else res.solve_time
        rows.append(row)
    hide = ({"lp", "lp_seconds"} if not args.lp else set()) | (set() if trials else SIMULATED)
    columns = [c for c in COLUMNS if c.key not in hide]
    notes = [
        "|T*|: size of a minimising token set T of p(T) + 1 - prod_k q_k(T); 0 means no set "
        "cuts the flow, so P* = 1 (the drafts can always be accepted)."
    ]
    tour = [r["tournament"] for r in rows]
    if any(b < a - 1e-12 for a, b in itertools.pairwise(tour)):
        notes.append(
            f"tournament falls as K grows: the truncated LP optimises only over the top "
            f"s = {min(s, n)} tokens and the K > 2 tournament pairs drafts greedily, so with "
            f"s much smaller than n it loses acceptance (even below one draft); raise --s."
        )
    if any(n ** q.shape[0] > MAX_TUPLES_CLI for q in cases):
        notes.append(f"('-': n^K above {MAX_TUPLES_CLI:,} tuples, not enumerated)")
    if any(r["without_replacement"] is None for r in rows):
        notes.append("(w/o repl. '-': one draft law only, with at least K tokens of q > 0)")
    temps = "" if args.draft_temperatures is None else f", drafts at T = {args.draft_temperatures}"
    if trials:
        notes.append(
            f"SpecInfer MC: acceptance of the SpecInfer sampler in {trials:,} trials per K "
            f"(seed {seed}), ± one standard error; within a few SE of the exact column."
        )
    data = {
        "command": "multidraft",
        "n": n,
        "s": min(s, n),
        "seed": seed,
        "simulated_trials": trials,
        "rows": rows,
    }
    text = [
        f"multi-draft acceptance, n = {n}, truncated LP s = {min(s, n)}{temps} (arXiv 2410.18234)"
    ]
    emit(args, data, columns, rows, text, notes)
    return 0


COLUMNS = (
    Column("K", "K"),
    Column("optimum", "optimum", _fmt),
    Column("minimising_set_size", "|T*|"),
    Column("without_replacement", "w/o repl.", _fmt),
    Column("tournament", "tournament", _fmt),
    Column("importance", "importance", _fmt),
    Column("specinfer", "SpecInfer", _fmt),
    Column("specinfer_simulated", "SpecInfer MC", _fmt),
    Column("specinfer_se", "± SE", lambda x: "-" if x is None else f"{x:.2g}"),
    Column("spectr", "SpecTr", _fmt),
    Column("nss", "NSS", _fmt, optional=True),
    Column("lp", "LP", _fmt),
    Column("lp_seconds", "LP s", lambda x: "-" if x is None else f"{x:.3f}"),
)


#: Columns shown only with ``--simulate``.
SIMULATED = {"specinfer_simulated", "specinfer_se"}


def _int(text: str, name: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidArgumentError(f"{name}: expected an integer, got {text!r}") from None


def _without_replacement(p: np.ndarray, q: np.ndarray) -> float | None:
    """P* with the K candidates drawn without replacement (certified at any n), or None
    for different drafts or fewer than K drafted tokens."""
    from specbound.lp.optimum import identical
    from specbound.lp.without_replacement import optimum_without_replacement

    k, drafted = q.shape[0], int(np.count_nonzero(q[0]))
    if not identical(q) or drafted < k:
        return None
    return optimum_without_replacement(p, q[0], k).acceptance
