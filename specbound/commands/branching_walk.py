"""Subcommand ``specbound speed-of-light``: entropy moments, bounds and the optimal tree vs P.

Pankratov & Alistarh, arXiv 2512.11718 (EACL 2026), as implemented in
:mod:`specbound.bounds.branching_walk` and :mod:`specbound.simulations.random_trees`.

Law specifications (``--law``):

* ``dirichlet:A:N``  i.i.d. environment, every node's law ~ Dir(A 1_N) (exact moments)
* ``softmax:S:N``    i.i.d. environment, softmax of N(0, S^2) logits on N tokens
  (moments estimated from sampled laws, with standard errors)
* ``zipf:S:N``       deterministic environment, the Zipf(S) law on N tokens at every node
* ``text:V``         i.i.d. environment of real text: word-bigram next-token laws of the
  Python documentation (vocabulary V) at 4000 random text positions (exact moments of
  that empirical law)
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
    print_table,
    progress_flag,
    read_array,
)
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
        from specbound.simulations.text_ngram import text_position_laws

        try:
            vocab = int(rest)
        except ValueError:
            raise InvalidArgumentError(f"law: expected text:V, got {text!r}") from None
        law = EmpiricalLaw(text_position_laws(check_int(vocab, "law", 2)))
        return law, None, f"real text bigrams, vocabulary {vocab} ({law.rows.shape[0]} positions)"
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
    p = subparsers.add_parser(
        "speed-of-light",
        help="entropy moments, speed-of-light bounds and the optimal tree vs capacity P",
        description="For a next-token law (deterministic or an i.i.d. random environment) "
        "print mu, mu2, phi and, for each tree capacity P, the optimal tree's expected "
        "accepted tokens E[X_opt(P)] (exact for deterministic laws, mean +/- SE over "
        "random environments) next to the asymptotic value (C6) and the bounds (C5 sharp, "
        "C4 Chernoff, the paper's form with its explicit constant and with c = 0).",
    )
    p.add_argument(
        "--law",
        required=True,
        help="dirichlet:A:N, softmax:S:N, zipf:S:N, text:V (real text), or probabilities "
        "like 0.9,0.1",
    )
    p.add_argument("--capacity", required=True, help="tree capacities P, e.g. 10,100,1000")
    p.add_argument(
        "--environments",
        type=integer,
        default=40,
        help="random environments per P (default 40; random laws only)",
    )
    p.add_argument(
        "--moment-samples",
        type=integer,
        default=20_000,
        help="sampled laws for estimated moments (default 20000)",
    )
    p.add_argument("--jobs", type=integer, default=1, help="local worker processes")
    add_random_options(p)
    p.set_defaults(func=run)


def _moment(x: float) -> str:
    """Six decimals, or six significant digits for a tiny positive moment (peaked laws)."""
    return f"{x:.6f}" if x == 0 or x >= 1e-4 else f"{x:.6g}"


def _fmt(x: float) -> str:
    if not math.isfinite(x):
        return str(x)  # inf, -inf
    return f"{x:.4f}" if abs(x) < 1e9 else f"{x:.4e}"


def run(args: argparse.Namespace) -> int:
    """Print the moments, then one row per capacity P."""
    from specbound.simulations.random_trees import optimal_accepted_curve
    from specbound.simulations.random_trees.environments import check_environments
    from specbound.trees import check_tree_size, optimal_tree

    sizes = positive_int_list(args.capacity, "capacity")
    envs = check_int(args.environments, "environments", 2)
    samples = check_int(args.moment_samples, "moment_samples", 2)
    jobs = check_int(args.jobs, "jobs", 1)
    seed = check_int(args.seed, "seed", 0)
    from specbound.simulations.random_trees import law_moments

    with option_names(n="law", vocab_size="law"):
        law, probs, label = parse_law(args.law)
    if probs is not None:
        check_tree_size(max(sizes), "capacity")
    else:
        check_environments(law, max(sizes), envs, names=("capacity", "environments"))
    rng = np.random.default_rng([seed, 8])
    with option_names(samples="moment_samples"):
        m = law_moments(law, samples, rng)
    print(f"law: {label}")
    if m.rows > 1:
        print(f"  mu  = {_moment(m.mu)} ± {m.mu_se:.2g} nats (from {m.rows} sampled laws)")
        print(f"  mu2 = {_moment(m.mu2)} ± {m.mu2_se:.2g} nats^2")
        print(f"  phi = {m.phi:.6f} ± {m.phi_se:.2g}")
    else:
        print(f"  mu  = {_moment(m.mu)} nats (exact)")
        print(f"  mu2 = {_moment(m.mu2)} nats^2 (exact)")
        print(f"  phi = {m.phi:.6f} (exact)")
    if m.mu == 0:
        print("  mu = 0: the law is one-hot, X_opt(P) = P and every bound below is infinite")
    if probs is not None:
        tree = optimal_tree(probs, max(sizes))
        curve = np.cumsum(np.sort(tree.path_probability)[::-1])
        optimum = [f"{curve[s - 1]:.6f}" for s in sizes]
        head = "E[X_opt] exact"
    else:
        ests = optimal_accepted_curve(
            law, sizes, envs, rng=rng, jobs=jobs, progress=progress_flag(args)
        )
        optimum = [f"{e.mean:.4f} ± {e.se:.2g}" for e in ests]
        head = f"E[X_opt] ({envs} envs)"
    cols = ["P", head, "C6 asymptotic", "C5 sharp", "C4 Chernoff", "paper c=explicit", "paper c=0"]
    rows = []
    small = asymptotic_min_size(m.mu, m.mu2)
    for s, opt in zip(sizes, optimum, strict=True):
        rows.append(
            [
                str(s),
                opt,
                _fmt(asymptotic_accepted(m.mu, m.mu2, s)) + ("*" if s < small else ""),
                _fmt(renewal_bound(m.mu, m.mu2, s)),
                _fmt(chernoff_bound(m.phi, s)),
                _fmt(speed_of_light_bound(m.mu, m.mu2, s)),
                _fmt(speed_of_light_bound(m.mu, m.mu2, s, constant=0.0))
                + ("" if s >= 3 else " (unproven)"),
            ]
        )
    print_table(cols, rows)
    if min(sizes) < small:
        print(f"* P below {small:.4g}: the asymptotic C6 value is negative there (not meaningful)")
    print("accepted draft tokens per verifier call (tokens per step = accepted + 1)")
    return 0
