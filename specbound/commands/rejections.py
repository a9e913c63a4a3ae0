"""Subcommand ``specbound rejections``: exact rejections and tokens per call of a Markov model.

Yin et al. (arXiv 2411.00841), Thm 1 and the finite-gamma DP (as implemented here).
Kernels are given as .npy or CSV files (or inline, rows separated by ";").
"""

from __future__ import annotations

import argparse

import numpy as np

from specbound.bounds.rejections import (
    _check_pair,
    _check_start,
    expected_rejections,
    expected_rejections_and_calls,
    row_total_variation,
)
from specbound.commands import (
    add_random_options,
    integer,
    option_names,
    progress_flag,
    read_matrix,
    simulation_size,
)
from specbound.distributions import check_int


def register(subparsers) -> None:
    """Add ``specbound rejections``."""
    p = subparsers.add_parser(
        "rejections",
        help="exact expected rejections and tokens per call along Markov kernels",
        description="Exact E[rejections] of speculative decoding along target/draft Markov "
        "kernels (sum of TV, Yin et al. arXiv 2411.00841 Thm 1), and with gamma drafts per "
        "call E[rejections], E[calls] and tokens per call H / E[calls].",
    )
    p.add_argument(
        "--target",
        required=True,
        help="target kernel (n x n): rows 'a,b;c,d', .npy/.csv, or text-target:V",
    )
    p.add_argument(
        "--draft",
        required=True,
        help="draft kernel (n x n): rows 'a,b;c,d', .npy/.csv, or text-draft:V",
    )
    p.add_argument("--horizon", required=True, type=integer, help="tokens to emit H (>= 1)")
    p.add_argument("--start", type=integer, default=0, help="start token X_0 (default 0)")
    p.add_argument(
        "--gamma", type=integer, default=None, help="draft tokens per call (default: to the end)"
    )
    add_random_options(
        p, "also run RUNS Monte Carlo sequences of the real algorithm", metavar="RUNS"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the exact values (and Monte Carlo estimates with --simulate)."""
    target = read_matrix(args.target, "target")
    draft = read_matrix(args.draft, "draft")
    p, q = _check_pair(target, draft)
    start = _check_start(args.start, p.shape[0])
    horizon = check_int(args.horizon, "horizon", 1)
    gamma = None if args.gamma is None else check_int(args.gamma, "gamma", 0)
    runs = simulation_size(args, "runs", work=horizon)
    to_end = expected_rejections(p, q, start, horizon)
    rej, calls = expected_rejections_and_calls(p, q, start, horizon, gamma)
    tau = row_total_variation(p, q)
    label = "to the end" if gamma is None or gamma >= horizon else f"gamma = {gamma}"
    print(f"vocabulary n = {p.shape[0]}, start = {start}, horizon H = {horizon}")
    print(f"per-state TV: min {tau.min():.6g}, mean {tau.mean():.6g}, max {tau.max():.6g}")
    print(f"E[rejections], drafting to the end (sum of TV): {to_end:.10g}")
    print(f"drafting {label}:")
    print(f"  E[rejections]           {rej:.10g}")
    print(f"  E[verifier calls]       {calls:.10g}")
    print(f"  tokens per call H/E[C]  {horizon / calls:.10g}")
    if runs:
        from specbound.simulations.estimate import from_values
        from specbound.simulations.markov import speculative_decoding

        with option_names(size="simulate"):
            sim = speculative_decoding(
                p, q, horizon, runs, gamma, args.seed, start, progress=progress_flag(args)
            )
        r, c = from_values(sim.rejections), from_values(sim.calls)
        print(f"Monte Carlo ({runs} runs, seed {args.seed}):")
        print(f"  rejections  {r.mean:.6g} ± {r.se:.2g}  (z = {r.z(rej):+.2f})")
        print(f"  calls       {c.mean:.6g} ± {c.se:.2g}  (z = {c.z(calls):+.2f})")
        print(f"  tokens per call  {horizon / np.mean(sim.calls):.6g}")
    return 0
