"""Subcommand ``specbound ersd``: tokens per step of ERSD and GSD trees vs the bound.

Example::

    specbound ersd --target 0.5,0.3,0.15,0.05 --draft 0.3,0.4,0.2,0.1 --k 1,2,4,8,64

prints, for each drafting budget k, the optimal ERSD tree's expected tokens per
target call, the optimal GSD (i.i.d. SpecInfer drafts) tree's, and the entropy
bound (ln n + ln(k+1)) / H[R] (Kobus & Gunduz, arXiv 2504.15475, as implemented
here). ``--simulate N`` adds a Monte Carlo column (N ERSD steps per k).
"""

from __future__ import annotations

import argparse
import math

import numpy as np
from tqdm.auto import tqdm

from specbound.bounds.exponential_races import (
    alpha_one,
    chain_limit,
    ersd_optimal_tree,
    gsd_optimal_tree,
    rank_distribution,
    rank_entropy,
    rank_entropy_lower_bound,
)
from specbound.commands import (
    add_random_options,
    positive_int_list,
    read_distribution,
    simulation_size,
)
from specbound.distributions import check_int, check_same_size
from specbound.errors import InvalidArgumentError
from specbound.simulations.estimate import from_values, show_progress
from specbound.simulations.exponential_races import ersd_tree_steps


def register(subparsers) -> None:
    """Add ``specbound ersd``."""
    parser = subparsers.add_parser(
        "ersd",
        help="ERSD vs GSD optimal trees and the entropy bound, per drafting budget k",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument(
        "--target", required=True, help="target law p: inline, .npy/.csv, or text-target:V:WORD"
    )
    parser.add_argument(
        "--draft", required=True, help="draft law q: inline, .npy/.csv, or text-draft:V:WORD"
    )
    parser.add_argument(
        "--k", default="1,2,4,8,16,32,64,128,256,512,1024", help="comma-separated budgets k"
    )
    parser.add_argument(
        "--max-children", type=int, default=None, help="cap on GSD children per node"
    )
    parser.add_argument(
        "--max-rank",
        type=int,
        default=None,
        help="compute the rank law for ranks <= this only (large n; the certified head, "
        "seconds at n = 128k): trees use those ranks, the bound uses a lower bound on H[R]",
    )
    add_random_options(parser, "Monte Carlo ERSD steps per k (0: none)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the table; exit code 0."""
    p = read_distribution(args.target, "target")
    q = read_distribution(args.draft, "draft")
    check_same_size(p, q, "target", "draft")
    ks = positive_int_list(args.k, "k")
    trials = simulation_size(args, "steps")
    seed = check_int(args.seed, "seed", 0)
    if args.max_children is not None:
        check_int(args.max_children, "max_children", 1)
    max_rank = None if args.max_rank is None else check_int(args.max_rank, "max_rank", 1)
    alpha = rank_distribution(p, q, max_rank=max_rank)
    if max_rank is None or max_rank >= p.size:
        h = rank_entropy(alpha)
        h_text = f"H[R] = {h:.6f} nats"
    else:
        h = rank_entropy_lower_bound(alpha[:max_rank])
        h_text = f"H[R] >= {h:.6f} nats (ranks <= {max_rank}, tail {1 - alpha.sum():.2g})"
    print(f"n = {p.size}, alpha(1) = {alpha_one(p, q):.6f}, {h_text}, ", end="")
    print(f"chain limit 1/(1 - alpha(1)) = {chain_limit(p, q):.6g}")
    header = f"{'k':>6}  {'ERSD':>10}  {'GSD':>10}  {'bound':>10}"
    if trials:
        header += f"  {'ERSD simulated':>22}"
    print(header)
    bar = tqdm(ks, desc="ersd", disable=args.no_progress or not show_progress(None))
    for k in bar:
        ersd = ersd_optimal_tree(p, q, k, rank_law=alpha)
        try:
            gsd_tree = gsd_optimal_tree(p, q, k, max_children=args.max_children)
            gsd = f"{gsd_tree.tokens_per_step:10.4f}"
        except InvalidArgumentError:
            gsd = f"{'n/a':>10}"  # positional vector not non-increasing
        bound = (math.log(p.size) + math.log(k + 1)) / h if h > 0 else math.inf
        b = f"{bound:10.4f}" if math.isfinite(bound) else f"{'inf':>10}"
        line = f"{k:>6}  {ersd.tokens_per_step:10.4f}  {gsd}  {b}"
        if trials:
            g, _ = ersd_tree_steps(p, q, ersd, trials, rng=np.random.default_rng([seed, k]))
            est = from_values(g) if g.std() > 0 else None
            sim = f"{g.mean():.4f} ± {est.se:.2g}" if est else f"{g.mean():.4f} ± 0"
            line += f"  {sim:>22}"
        tqdm.write(line)
    return 0
