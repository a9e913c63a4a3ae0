"""The ``specbound speed-of-light`` command: entropy moments, bounds and the optimal tree vs P.

Pankratov & Alistarh, arXiv 2512.11718 (EACL 2026), as implemented in
:mod:`specbound.bounds.branching_walk` and :mod:`specbound.simulations.random_trees`.

Law specifications (``--law``):

* ``dirichlet:A:N``  i.i.d. environment, every node's law ~ Dir(A 1_N) (exact moments)
* ``softmax:S:N``    i.i.d. environment, softmax of N(0, S^2) logits on N tokens
  (moments estimated from sampled laws, with standard errors)
* ``zipf:S:N``       deterministic environment, the Zipf(S) law on N tokens at every node
* ``text-target:V``  i.i.d. environment of real text: word-bigram next-token laws of the
  Python documentation (vocabulary V) at 4000 random text positions (exact moments of
  that empirical law); ``text-target:V:WORD`` the deterministic law after WORD
  (``text-draft`` likewise for the draft model; ``text:V`` is the deprecated spelling)
* ``0.9,0.1``        deterministic environment, these probabilities at every node
  (or a .npy/.csv file: one law = deterministic, several rows = their empirical law)
"""

from __future__ import annotations

import argparse
import math

import numpy as np

from specbound.bounds.branching_walk import (
    asymptotic_accepted,
    asymptotic_min_size,
    chernoff_bound,
    renewal_bound,
    speed_of_light_bound,
)
from specbound.commands import (
    add_random_options,
    integer,
    option_names,
    positive_int_list,
    progress_flag,
    read_array,
    read_distribution,
)
from specbound.commands.options import add_budget, add_format, command_parser, deprecation
from specbound.commands.output import Column, emit
from specbound.distributions import as_distribution, as_distributions, check_int, zipf
from specbound.errors import InvalidArgumentError


def parse_law(text: str):
    """(law sampler, deterministic probabilities or None, label) from a ``--law`` spec."""
    from specbound.simulations.random_trees import (
        DirichletLaw,
        EmpiricalLaw,
        FixedLaw,
        SoftmaxGaussianLaw,
    )

    kind, _, rest = text.partition(":")
    kind = kind.strip().lower()
    if kind == "text":
        deprecation("--law text:V", "--law text-target:V")
        kind = "text-target"
    if kind in ("text-target", "text-draft"):
        vocab, _, word = rest.partition(":")
        if word:
            p = np.sort(read_distribution(f"{kind}:{rest}", "law"))[::-1]
            return FixedLaw(p), p, f"real text, {kind[5:]} law after {word!r}, vocabulary {vocab}"
        if kind == "text-draft":
            raise InvalidArgumentError("law: the real-text environment is text-target:V")
        from specbound.simulations.text_ngram import text_position_laws

        try:
            size = int(vocab)
        except ValueError:
            raise InvalidArgumentError(f"law: expected text-target:V, got {text!r}") from None
        law = EmpiricalLaw(text_position_laws(check_int(size, "law", 2)))
        return law, None, f"real text bigrams, vocabulary {size} ({law.rows.shape[0]} positions)"
    if kind in {"dirichlet", "softmax", "zipf"}:
        parts = rest.split(":")
        if len(parts) != 2:
            raise InvalidArgumentError(f"law: expected {kind}:PARAM:N, got {text!r}")
        try:
            param, n = float(parts[0]), int(parts[1])
        except ValueError:
            raise InvalidArgumentError(f"law: cannot read {kind}:PARAM:N from {text!r}") from None
        n = check_int(n, "law", 1)
        if kind == "dirichlet":
            law = DirichletLaw(param, n)
            return law, None, law.name
        if kind == "softmax":
            law = SoftmaxGaussianLaw(param, n)
            return law, None, law.name
        p = zipf(n, param)
        return FixedLaw(p), p, f"zipf({param:g}), n={n} (deterministic)"
    arr = read_array(text, "law")
    if arr.ndim == 1:
        p = np.sort(as_distribution(arr, "law"))[::-1]
        return FixedLaw(p), p, f"{FixedLaw(p).name} (deterministic)"
    rows = as_distributions(arr, "law")
    law = EmpiricalLaw(rows)
    return law, None, law.name


def register(subparsers) -> None:
    """Add ``specbound speed-of-light``."""
    p = command_parser(
        subparsers,
        "speed-of-light",
        "entropy moments, speed-of-light bounds and the optimal tree vs capacity P",
        "For a next-token law (deterministic, or an i.i.d. random environment: a fresh law "
        "at every tree node) print mu, mu2, phi and, for each tree capacity P, the optimal "
        "top-P tree's expected accepted tokens E[X_opt(P)] (exact for deterministic laws, "
        "mean +/- SE over random environments) next to the asymptotic value (renewal "
        "theory, not a bound) and the upper bounds: renewal bound, Chernoff bound, and the "
        "paper's bound (Pankratov & Alistarh, arXiv 2512.11718) with its explicit constant "
        "and with c = 0. The drafter is assumed perfect at ranking (the tree holds the P "
        "most likely continuations of the target itself).",
    )
    p.add_argument(
        "--law",
        required=True,
        help="dirichlet:A:N, softmax:S:N, zipf:S:N, text-target:V[:WORD] (real text), "
        "probabilities like 0.9,0.1, or a .npy/.csv file (rows: an empirical environment)",
    )
    add_budget(p, "tree capacities P (drafted nodes), e.g. 10,100,1000", old=("--capacity",))
    p.add_argument(
        "--environments",
        type=integer,
        default=40,
        help="random environments per P (random laws only)",
    )
    p.add_argument(
        "--moment-samples",
        type=integer,
        default=20_000,
        help="sampled laws for estimated moments",
    )
    p.add_argument("--jobs", type=integer, default=1, help="local worker processes")
    add_random_options(p)
    add_format(p)
    p.set_defaults(func=run)


def _fmt(x: float) -> str:
    if not math.isfinite(x):
        return str(x)  # inf, -inf
    return f"{x:.4f}" if abs(x) < 1e9 else f"{x:.4e}"


def _optimum(x) -> str:
    return x if isinstance(x, str) else f"{x:.6f}"


COLUMNS = (
    Column("P", "P"),
    Column("optimum_text", "E[X_opt]"),
    Column("asymptotic", "asymptotic", _fmt),
    Column("renewal_bound", "renewal bd", _fmt),
    Column("chernoff_bound", "Chernoff bd", _fmt),
    Column("paper_bound", "paper's bd", _fmt),
    Column("paper_bound_c0", "paper's c=0", lambda x: _fmt(x[0]) + x[1]),
)
CSV_COLUMNS = (
    Column("P", "P"),
    Column("optimum", ""),
    Column("optimum_se", ""),
    Column("asymptotic", ""),
    Column("renewal_bound", ""),
    Column("chernoff_bound", ""),
    Column("paper_bound", ""),
    Column("paper_bound_c0", ""),
)
LEGEND = (
    "E[X_opt]: expected accepted draft tokens per verifier call of the optimal top-P tree "
    "(tokens per step = accepted + 1); asymptotic: renewal-theory value ln(mu P)/mu + "
    "mu2/(2 mu^2) - 1 (not a bound); renewal bd: ln P/mu + mu2/mu^2; Chernoff bd: "
    "ln P/(-ln phi) + 1/(1 - phi); paper's bd: (mu + mu2) ln P/mu^2 + c with the explicit "
    "constant c = (mu + mu2)/mu^2 (proven for every P), and with c = 0 (proven for P >= 3). "
    "All are upper bounds on E[X_opt] except the asymptotic value."
)


def _moment(x: float) -> str:
    """Six decimals, or six significant digits for a tiny positive moment (peaked laws)."""
    return f"{x:.6f}" if x == 0 or x >= 1e-4 else f"{x:.6g}"


def run(args: argparse.Namespace) -> int:
    """Print the moments, then one row per capacity P."""
    from specbound.simulations.random_trees import law_moments, optimal_accepted_curve
    from specbound.simulations.random_trees.environments import check_environments
    from specbound.trees import check_tree_size, optimal_tree

    sizes = positive_int_list(args.budget, "budget")
    envs = check_int(args.environments, "environments", 2)
    samples = check_int(args.moment_samples, "moment_samples", 2)
    jobs = check_int(args.jobs, "jobs", 1)
    seed = check_int(args.seed, "seed", 0)
    with option_names(n="law", vocab_size="law"):
        law, probs, label = parse_law(args.law)
    if probs is not None:
        check_tree_size(max(sizes), "budget")
    else:
        check_environments(law, max(sizes), envs, names=("budget", "environments"))
    rng = np.random.default_rng([seed, 8])
    with option_names(samples="moment_samples"):
        m = law_moments(law, samples, rng)
    text = [f"law: {label}"]
    if m.rows > 1:
        text += [
            f"  mu  = {_moment(m.mu)} ± {m.mu_se:.2g} nats (from {m.rows} sampled laws)",
            f"  mu2 = {_moment(m.mu2)} ± {m.mu2_se:.2g} nats^2",
            f"  phi = {m.phi:.6f} ± {m.phi_se:.2g}",
        ]
    else:
        text += [
            f"  mu  = {_moment(m.mu)} nats (exact)",
            f"  mu2 = {_moment(m.mu2)} nats^2 (exact)",
            f"  phi = {m.phi:.6f} (exact)",
        ]
    if m.mu == 0:
        text.append("  mu = 0: the law is one-hot, X_opt(P) = P and every bound below is infinite")
    if probs is not None:
        tree = optimal_tree(probs, max(sizes))
        curve = np.cumsum(np.sort(tree.path_probability)[::-1])
        optimum = [(float(curve[s - 1]), None) for s in sizes]
        text.append("E[X_opt]: exact (the same law at every node)")
    else:
        ests = optimal_accepted_curve(
            law, sizes, envs, rng=rng, jobs=jobs, progress=progress_flag(args)
        )
        optimum = [(e.mean, e.se) for e in ests]
        text.append(f"E[X_opt]: mean ± SE over {envs} random environments")
    rows = []
    for s, (opt, se) in zip(sizes, optimum, strict=True):
        c0 = speed_of_light_bound(m.mu, m.mu2, s, constant=0.0)
        rows.append(
            {
                "P": s,
                "optimum": opt,
                "optimum_se": se,
                "optimum_text": f"{opt:.6f}" if se is None else f"{opt:.4f} ± {se:.2g}",
                "asymptotic": asymptotic_accepted(m.mu, m.mu2, s),
                "renewal_bound": renewal_bound(m.mu, m.mu2, s),
                "chernoff_bound": chernoff_bound(m.phi, s),
                "paper_bound": speed_of_light_bound(m.mu, m.mu2, s),
                "paper_bound_c0": c0,
                "paper_bound_c0_proven": s >= 3,
            }
        )
    shown = [
        {**r, "paper_bound_c0": (r["paper_bound_c0"], "" if r["P"] >= 3 else " (unproven)")}
        for r in rows
    ]
    json_rows = [{k: v for k, v in r.items() if k != "optimum_text"} for r in rows]
    data = {
        "command": "speed-of-light",
        "law": label,
        "mu": m.mu,
        "mu2": m.mu2,
        "phi": m.phi,
        "moments_exact": m.rows <= 1,
        "environments": None if probs is not None else envs,
        "rows": json_rows,
    }
    if args.format == "csv":
        emit(args, data, CSV_COLUMNS, rows)
    else:
        notes = [LEGEND]
        small = asymptotic_min_size(m.mu, m.mu2)
        if min(sizes) < small:
            notes.append(f"asymptotic: negative, not meaningful, for P below {small:.4g}")
        emit(args, data, COLUMNS, shown, text, notes)
    return 0
