"""The ``specbound ersd`` command: tokens per step of ERSD and GSD trees vs the bound.

Example::

    specbound ersd --target 0.5,0.3,0.15,0.05 --draft 0.3,0.4,0.2,0.1 --budget 1,2,4,8,64

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
from specbound.commands import add_random_options, positive_int_list, simulation_size
from specbound.commands.options import LAW_FORMS, add_budget, add_format, command_parser, read_law
from specbound.commands.output import Column, emit, number
from specbound.distributions import check_int, check_same_size
from specbound.errors import InvalidArgumentError
from specbound.simulations.estimate import from_values, show_progress
from specbound.simulations.exponential_races import ersd_tree_steps


def register(subparsers) -> None:
    """Add ``specbound ersd``."""
    parser = command_parser(
        subparsers,
        "ersd",
        "ERSD vs GSD optimal trees and the entropy bound, per drafting budget k",
        "For each budget k (drafted tree nodes): the optimal ERSD tree's expected tokens "
        "per target call, the optimal GSD tree's (i.i.d. SpecInfer drafts), and the "
        "entropy bound (ln n + ln(k+1)) / H[R] of Kobus & Gunduz (arXiv 2504.15475), "
        "which holds for any ERSD-style tree of k nodes.",
    )
    parser.add_argument("--target", required=True, help=f"target law p: {LAW_FORMS}")
    parser.add_argument("--draft", required=True, help=f"draft law q: {LAW_FORMS}")
    add_budget(
        parser,
        "comma-separated budgets k (drafted tree nodes)",
        default="1,2,4,8,16,32,64,128,256,512,1024",
        old=("--k",),
    )
    parser.add_argument(
        "--max-children", type=int, default=None, help="cap on GSD children per node (none)"
    )
    parser.add_argument(
        "--max-rank",
        type=int,
        default=None,
        help="compute the rank law for ranks <= this only (large n; the certified head, "
        "seconds at n = 128k): trees use those ranks, the bound uses a lower bound on H[R] "
        "(default: all ranks)",
    )
    add_random_options(parser, "Monte Carlo ERSD steps per k (0: none)")
    add_format(parser)
    parser.set_defaults(func=run)


COLUMNS = (
    Column("k", "k"),
    Column("ersd", "ERSD tree", number()),
    Column("gsd", "GSD tree", number()),
    Column("bound", "bound", number()),
    Column("simulated", "ERSD simulated", number()),
    Column("simulated_se", "± SE", lambda x: "-" if x is None else f"{x:.2g}"),
)


def run(args: argparse.Namespace) -> int:
    """Print the table; exit code 0."""
    p = read_law(args.target, "target", args.seed)
    q = read_law(args.draft, "draft", args.seed)
    check_same_size(p, q, "target", "draft")
    ks = positive_int_list(args.budget, "budget")
    trials = simulation_size(args, "steps")
    seed = check_int(args.seed, "seed", 0)
    if args.max_children is not None:
        check_int(args.max_children, "max_children", 1)
    max_rank = None if args.max_rank is None else check_int(args.max_rank, "max_rank", 1)
    show = not args.no_progress and show_progress(None)
    with tqdm(total=1, desc=f"rank law, n = {p.size}", leave=False, disable=not show) as wait:
        alpha = rank_distribution(p, q, max_rank=max_rank)
        wait.update()
    exact_h = max_rank is None or max_rank >= p.size
    if exact_h:
        h = rank_entropy(alpha)
        h_text = f"H[R] = {h:.6f} nats"
    else:
        h = rank_entropy_lower_bound(alpha[:max_rank])
        h_text = f"H[R] >= {h:.6f} nats (ranks <= {max_rank}, tail {1 - alpha.sum():.2g})"
    rows = []
    for k in tqdm(ks, desc="ersd trees", leave=False, disable=not show):
        ersd = ersd_optimal_tree(p, q, k, rank_law=alpha)
        try:
            gsd = gsd_optimal_tree(p, q, k, max_children=args.max_children).tokens_per_step
        except InvalidArgumentError:
            gsd = None  # positional vector not non-increasing
        bound = (math.log(p.size) + math.log(k + 1)) / h if h > 0 else math.inf
        row = {"k": k, "ersd": ersd.tokens_per_step, "gsd": gsd, "bound": bound}
        if trials:
            g, _ = ersd_tree_steps(p, q, ersd, trials, rng=np.random.default_rng([seed, k]))
            row["simulated"] = float(g.mean())
            row["simulated_se"] = from_values(g).se if g.std() > 0 else 0.0
        rows.append(row)
    columns = COLUMNS if trials else COLUMNS[:4]
    data = {
        "command": "ersd",
        "n": int(p.size),
        "alpha_1": alpha_one(p, q),
        "rank_entropy": h,
        "rank_entropy_exact": exact_h,
        "chain_limit": chain_limit(p, q),
        "simulated_steps": trials,
        "rows": rows,
    }
    text = [
        f"n = {p.size}, alpha(1) = {alpha_one(p, q):.6f}, {h_text}, "
        f"chain limit 1/(1 - alpha(1)) = {chain_limit(p, q):.6g}",
        "expected tokens per target call (accepted + 1):",
    ]
    notes = [
        "ERSD/GSD tree: optimal tree of k drafted nodes for that drafting rule (exact); "
        "bound: (ln n + ln(k+1)) / H[R], an upper bound for ERSD trees of k nodes."
    ]
    emit(args, data, columns, rows, text, notes)
    return 0
