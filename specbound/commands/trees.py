"""The ``specbound tree`` command: the optimal draft tree for a per-child acceptance vector.

Tunstall / top-k greedy without a depth limit, exact Sequoia-style DP with one
(Kobus & Gunduz arXiv 2504.15475, Tunstall tree; Pankratov & Alistarh arXiv 2512.11718, top-P tree;
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
    simulation_size,
)
from specbound.commands.options import (
    add_budget,
    add_format,
    command_parser,
    read_law_or_rows,
)
from specbound.commands.output import emit
from specbound.distributions import check_int
from specbound.trees import as_acceptance, optimal_tree


def register(subparsers) -> None:
    """Add ``specbound tree``."""
    p = command_parser(
        subparsers,
        "tree",
        "optimal draft tree for a per-child acceptance vector",
        "Optimal draft tree of B non-root nodes (drafted tokens) when the child of rank r "
        "of every node is accepted with probability ACCEPTANCE[r] (a rank law, a positional "
        "acceptance vector, or a sorted next-token distribution). A vector that is not "
        "sorted best first is read in drafting order (a node drafts a prefix of the "
        "candidates) and solved exactly; --sort lets a node draft any ranks instead. "
        "Prints E[accepted] and tokens per step, compares with a chain and a batch, and "
        "draws small trees.",
    )
    p.add_argument(
        "--acceptance",
        required=True,
        help="per-child acceptance in drafting order: e.g. 0.8,0.1,0.05, a .npy/.csv file, "
        "or a family zipf:S:N",
    )
    add_budget(p, "tree size: non-root nodes (drafted tokens)", old=("--size",), type=integer)
    p.add_argument("--max-depth", type=integer, default=None, help="largest node depth (none)")
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
        help="draw the tree as text when it has at most this many nodes",
    )
    add_random_options(
        p, "also estimate E[accepted] by TRIALS Monte Carlo verifier walks", metavar="TRIALS"
    )
    add_format(p, ("table", "json"), wide=False)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the optimal tree's value (and drawing, comparison, Monte Carlo estimate)."""
    raw = read_law_or_rows(args.acceptance, "acceptance", args.seed)
    acc = as_acceptance(raw, require_sorted=False)
    size = check_int(args.budget, "budget", 0)
    draw_limit = check_int(args.draw_limit, "draw_limit", 0)
    with option_names(size="budget"):
        tree = optimal_tree(acc, size, max_depth=args.max_depth, sort=args.sort)
    trials = simulation_size(args, "trials", work=tree.depth + 1)
    limit = "none" if args.max_depth is None else str(args.max_depth)
    # the candidates a chain and a batch use: best first with --sort, else drafting order
    ranked = np.sort(acc)[::-1] if args.sort else acc
    best = float(ranked[0])
    # chain of k first children: sum_{i=1}^{k} b^i (at most max_depth long)
    length = size if args.max_depth is None else min(size, args.max_depth)
    chain = float(length) if best >= 1.0 else best * (1.0 - best**length) / (1.0 - best)
    batch = float(ranked[: min(size, acc.size)].sum())
    data = {
        "command": "tree",
        "ranks": int(acc.size),
        "budget": size,
        "max_depth": args.max_depth,
        "size": int(tree.size),
        "depth": int(tree.depth),
        "expected_accepted": tree.expected_accepted,
        "tokens_per_step": tree.tokens_per_step,
        "chain_length": length,
        "chain_expected_accepted": chain,
        "batch_size": min(size, acc.size),
        "batch_expected_accepted": batch,
        "parent": tree.parent,
        "child_index": tree.child_index,
    }
    text = [
        f"acceptance: {acc.size} ranks, total {acc.sum():.6g}, best {acc.max():.6g}",
        f"optimal tree: size {tree.size}, depth {tree.depth} (limit {limit})",
        f"  E[accepted]      {tree.expected_accepted:.10g}",
        f"  tokens per step  {tree.tokens_per_step:.10g}",
        "compare (E[accepted]):",
        f"  chain of {length}: {chain:.10g}",
        f"  batch of {min(size, acc.size)}: {batch:.10g}",
    ]
    if trials:
        from specbound.simulations.tree_verification import estimate_accepted

        with option_names(trials="simulate"):
            est = estimate_accepted(tree, trials, args.seed, progress=progress_flag(args))
        data["simulated"] = {"trials": trials, "mean": est.mean, "se": est.se}
        text.append(
            f"Monte Carlo ({trials} verifier walks): {est.mean:.6g} ± {est.se:.2g} "
            f"(z = {est.z(tree.expected_accepted):+.2f})"
        )
    if 0 < tree.size <= draw_limit:
        text += ["", tree.draw(max_nodes=draw_limit)]
    emit(args, data, text=text)
    return 0
