"""Subcommand ``specbound tree``: the optimal draft tree for a per-child acceptance vector.

Tunstall / top-k greedy without a depth limit, exact Sequoia-style DP with one
(Kobus & Gunduz arXiv 2504.15475 C5; Pankratov & Alistarh arXiv 2512.11718 C2;
Chen et al. arXiv 2402.12374), as implemented in :mod:`specbound.trees`.
"""

from __future__ import annotations

import argparse

import numpy as np

from specbound.commands import (
    add_random_options,
    integer,
    option_names,
    progress_flag,
    read_array,
    simulation_size,
)
from specbound.distributions import check_int
from specbound.trees import as_acceptance, optimal_tree


def register(subparsers) -> None:
    """Add ``specbound tree``."""
    p = subparsers.add_parser(
        "tree",
        help="optimal draft tree for a per-child acceptance vector",
        description="Optimal draft tree of SIZE non-root nodes when the child of rank r of "
        "every node is accepted with probability ACCEPTANCE[r] (a rank law, a positional "
        "acceptance vector, or a sorted next-token distribution). A vector that is not "
        "sorted best first is read in drafting order (a node drafts a prefix of the "
        "candidates) and solved exactly; --sort lets a node draft any ranks instead. "
        "Prints E[accepted] and tokens per step, compares with a chain and a batch, and "
        "draws small trees.",
    )
    p.add_argument(
        "--acceptance",
        required=True,
        help="per-child acceptance in drafting order, e.g. 0.8,0.1,0.05 (or a .npy/.csv file)",
    )
    p.add_argument("--size", required=True, type=integer, help="non-root nodes (drafted tokens)")
    p.add_argument("--max-depth", type=integer, default=None, help="largest node depth (>= 1)")
    p.add_argument(
        "--sort",
        action="store_true",
        help="use the entries best first (any ranks may be drafted: an ERSD rank law) "
        "instead of the drafting order",
    )
    p.add_argument(
        "--draw-limit",
        type=integer,
        default=64,
        help="draw the tree as text when it has at most this many nodes (default 64)",
    )
    add_random_options(
        p, "also estimate E[accepted] by TRIALS Monte Carlo verifier walks", metavar="TRIALS"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the optimal tree's value (and drawing, comparison, Monte Carlo estimate)."""
    acc = as_acceptance(read_array(args.acceptance, "acceptance"), require_sorted=False)
    size = check_int(args.size, "size", 0)
    draw_limit = check_int(args.draw_limit, "draw_limit", 0)
    tree = optimal_tree(acc, size, max_depth=args.max_depth, sort=args.sort)
    trials = simulation_size(args, "trials", work=tree.depth + 1)
    limit = "none" if args.max_depth is None else str(args.max_depth)
    print(f"acceptance: {acc.size} ranks, total {acc.sum():.6g}, best {acc.max():.6g}")
    print(f"optimal tree: size {tree.size}, depth {tree.depth} (limit {limit})")
    print(f"  E[accepted]      {tree.expected_accepted:.10g}")
    print(f"  tokens per step  {tree.tokens_per_step:.10g}")
    # the candidates a chain and a batch use: best first with --sort, else drafting order
    ranked = np.sort(acc)[::-1] if args.sort else acc
    best = float(ranked[0])
    # chain of k first children: sum_{i=1}^{k} b^i (at most max_depth long)
    length = size if args.max_depth is None else min(size, args.max_depth)
    chain = float(length) if best >= 1.0 else best * (1.0 - best**length) / (1.0 - best)
    batch = float(ranked[: min(size, acc.size)].sum())
    print("compare (E[accepted]):")
    print(f"  chain of {length}: {chain:.10g}")
    print(f"  batch of {min(size, acc.size)}: {batch:.10g}")
    if trials:
        from specbound.simulations.tree_verification import estimate_accepted

        with option_names(trials="simulate"):
            est = estimate_accepted(tree, trials, args.seed, progress=progress_flag(args))
        print(
            f"Monte Carlo ({trials} verifier walks): {est.mean:.6g} ± {est.se:.2g} "
            f"(z = {est.z(tree.expected_accepted):+.2f})"
        )
    if 0 < tree.size <= draw_limit:
        print()
        print(tree.draw(max_nodes=draw_limit))
    return 0
