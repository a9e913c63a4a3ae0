"""Subcommand ``specbound multidraft``: optimal multi-draft acceptance and every scheme's.

Examples
--------
``specbound multidraft --target 0.1,0.9 --draft 0.5,0.5 --k 1,2,3 --lp`` prints, per K,
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
import math

import numpy as np
from tqdm.auto import tqdm

from specbound.commands import positive_int_list, print_table, read_array, read_distribution
from specbound.distributions import as_distribution, as_distributions, check_int
from specbound.errors import InvalidArgumentError
from specbound.simulations.estimate import show_progress

#: Largest n^K for the tuple-enumerating columns (importance weights, LP).
MAX_TUPLES_CLI = 1_000_000


def register(subparsers) -> None:
    """Add the ``multidraft`` subcommand."""
    p = subparsers.add_parser(
        "multidraft",
        help="optimal multi-draft acceptance and every scheme's (Khisti et al. 2025)",
        description=(
            "Optimal acceptance P* of K drafts (min-cut closed form) and the exact acceptance "
            "of the truncated-LP tournament, importance weights, SpecInfer, SpecTr and NSS."
        ),
    )
    p.add_argument(
        "--target",
        required=True,
        help="target law p: '0.5,0.3,0.2', a file, or text-target:V:WORD",
    )
    p.add_argument(
        "--draft",
        required=True,
        help="draft law q (1 row: K i.i.d. drafts) or K rows ('a,b;c,d' or a file); "
        "text-draft:V:WORD for real text",
    )
    p.add_argument("--k", default=None, help="numbers of i.i.d. drafts, e.g. 1,2,4,8")
    p.add_argument(
        "--draft-temperatures",
        default=None,
        help="K drafts from the one draft law at these temperatures, e.g. 0.5,1,1.5 "
        "(q^(1/T) normalised; --draft is read as probabilities)",
    )
    p.add_argument("--lp", action="store_true", help="also solve the coupling LP (cvxpy)")
    p.add_argument("--s", default="5", help="truncation threshold of the truncated LP (5)")
    p.add_argument("--solver", default=None, help="LP solver: HIGHS (default) or CLARABEL")
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
    from specbound.lp.truncated import tournament

    p = read_distribution(args.target, "target")
    raw = read_array(args.draft, "draft")
    s = check_int(_int(args.s, "s"), "s", 1)
    if raw.ndim == 2 and raw.shape[0] > 1:
        if args.k is not None or args.draft_temperatures is not None:
            option = "k" if args.k is not None else "draft_temperatures"
            raise InvalidArgumentError(
                f"{option}: the draft has {raw.shape[0]} rows (non-identical drafts); give one row"
            )
        cases = [as_distributions(raw, "draft")]
    elif args.draft_temperatures is not None:
        if args.k is not None:
            raise InvalidArgumentError("k: omit --k with --draft-temperatures (K = their number)")
        temps = _floats(args.draft_temperatures, "draft_temperatures")
        cases = [temperature_drafts(as_distribution(raw.ravel(), "draft"), temps)]
    else:
        q = as_distribution(raw.ravel(), "draft")
        cases = [np.tile(q, (k, 1)) for k in positive_int_list(args.k or "1,2,4,8", "k")]
    for q in cases:
        if q.shape[1] != p.size:
            raise InvalidArgumentError(
                f"draft: vocabulary size {q.shape[1]} differs from target's {p.size}"
            )
    n = p.size
    head = ["K", "optimum", "|T*|", "w/o repl.", "tournament", "importance", "SpecInfer"]
    head += ["SpecTr", "NSS"]
    if args.lp:
        head += ["LP", "LP s"]
    rows = []
    quiet = not show_progress(None) or len(cases) < 3
    for q in tqdm(cases, desc="K", disable=quiet, leave=False):
        k = q.shape[0]
        opt = optimum(p, q)
        small = n**k <= MAX_TUPLES_CLI
        row = [
            str(k),
            _fmt(opt.acceptance),
            str(opt.minimising_set.size),
            _fmt(_without_replacement(p, q)),
            _fmt(tournament(p, q, s).acceptance) if k >= 2 else _fmt(opt.acceptance),
            _fmt(importance_weighted_acceptance(p, q) if small else None),
            _fmt(specinfer_acceptance(p, q)),
            _fmt(spectr_acceptance(p, q) if identical(q) else None),
            _fmt(nss_acceptance(p, q)),
        ]
        if args.lp:
            if small:
                res = coupling_lp(p, q, solver=args.solver)
                row += [_fmt(res.acceptance), f"{res.solve_time:.3f}"]
            else:
                row += ["-", "-"]
        rows.append(row)
    temps = "" if args.draft_temperatures is None else f", drafts at T = {args.draft_temperatures}"
    print(
        f"multi-draft acceptance, n = {n}, truncated LP s = {min(s, n)}{temps} (arXiv 2410.18234)"
    )
    print_table(head, rows)
    if any(n ** q.shape[0] > MAX_TUPLES_CLI for q in cases):
        print(f"('-': n^K above {MAX_TUPLES_CLI:,} tuples, not enumerated)")
    if any(row[3] == "-" for row in rows):
        print("(w/o repl. '-': i.i.d. drafts only; K >= 3 needs at most 16 tokens with q > 0)")
    return 0


def _without_replacement(p: np.ndarray, q: np.ndarray) -> float | None:
    """P* with the K candidates drawn without replacement (i.i.d. drafts only; K >= 3
    needs at most 16 drafted tokens), else None."""
    from specbound.lp.exact_sets import BRUTE_MAX_N
    from specbound.lp.optimum import identical
    from specbound.lp.without_replacement import optimum_without_replacement

    k, drafted = q.shape[0], int(np.count_nonzero(q[0]))
    if not identical(q) or drafted < k or (k >= 3 and drafted > BRUTE_MAX_N):
        return None
    return optimum_without_replacement(p, q[0], k).acceptance


def _floats(text: str, name: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise InvalidArgumentError(
            f"{name}: expected comma-separated numbers, got {text!r}"
        ) from None
    if not values:
        raise InvalidArgumentError(f"{name}: no value given")
    return values


def _int(text: str, name: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidArgumentError(f"{name}: expected an integer, got {text!r}") from None
