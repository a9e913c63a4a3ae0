"""Figures: optimal drafting trees against standard shapes, and a small optimal tree.

Kobus & Gunduz (arXiv 2504.15475, Tunstall tree) and Pankratov & Alistarh
(arXiv 2512.11718, top-P tree), as implemented in :mod:`specbound.trees`; Monte Carlo dots
are verifier walks (:mod:`specbound.simulations.tree_verification`).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from specbound.bounds.exponential_races import rank_distribution
from specbound.distributions import zipf
from specbound.figures import FigureContext, FigureOutput, FigureSpec
from specbound.simulations.tree_verification import estimate_accepted
from specbound.trees import batch_tree, chain_tree, kary_tree, optimal_tree

#: The pair behind the small tree: its ERSD rank law alpha(r) is the per-rank acceptance.
SMALL_PAIR = ((0.5, 0.3, 0.15, 0.05), (0.3, 0.4, 0.2, 0.1))


def tokens_per_step_vs_size(ctx: FigureContext) -> FigureOutput:
    """Tokens per step of optimal, chain, batch, binary and 4-ary trees against tree size.

    Rank law alpha(r) proportional to r^-1.8 over 1000 ranks (the second synthetic law of
    exponential_races.md section 4, truncated at 1000 instead of 32000 ranks). Lines are
    exact (sum of path probabilities + 1); dots are Monte Carlo verifier walks with 95%
    error bars.
    """
    acc = zipf(1000, 1.8)
    rng = np.random.default_rng([ctx.seed, 6])
    trials = ctx.trials(20_000, 2_000)
    sizes = np.unique(np.round(np.logspace(0, 4, 33)).astype(int))
    series = {
        "optimal": [(k, lambda k=k: optimal_tree(acc, k)) for k in sizes],
        "chain": [(k, lambda k=k: chain_tree(acc, k)) for k in sizes],
        "batch": [(k, lambda k=k: batch_tree(acc, k)) for k in sizes if k <= acc.size],
        "binary": [(2 ** (d + 1) - 2, lambda d=d: kary_tree(acc, 2, d)) for d in range(1, 13)],
        "4-ary": [
            ((4 ** (d + 1) - 4) // 3, lambda d=d: kary_tree(acc, 4, d)) for d in range(1, 7)
        ],
    }
    cols: dict[str, list] = {k: [] for k in ("series", "size", "exact", "simulated", "se")}
    fig = Figure(figsize=(10, 4.2))
    ax = fig.add_subplot(1, 2, 1)
    for i, (name, items) in enumerate(series.items()):
        color = f"C{i}"
        xs, ys, mx, my, me = [], [], [], [], []
        for j, (k, build) in enumerate(items):
            tree = build()
            xs.append(k)
            ys.append(tree.tokens_per_step)
            sim, se = float("nan"), float("nan")
            if j % 3 == 0 or j == len(items) - 1:  # Monte Carlo at every third size
                est = estimate_accepted(tree, trials, rng)
                sim, se = est.mean + 1.0, est.se
                mx.append(k)
                my.append(sim)
                me.append(1.96 * se)
            for key, val in zip(
                ("series", "size", "exact", "simulated", "se"),
                (name, int(k), tree.tokens_per_step, sim, se),
                strict=True,
            ):
                cols[key].append(val)
        ax.plot(xs, ys, color=color, lw=1.2, label=f"{name} (exact)")
        ax.errorbar(mx, my, yerr=me, fmt="o", ms=3, color=color, capsize=2)
    ax.set_xscale("log")
    ax.set_xlabel("tree size k (drafted tokens)")
    ax.set_ylabel("tokens per step E[accepted] + 1")
    ax.set_title(
        "per-rank acceptance (rank law) $\\alpha(r) \\propto r^{-1.8}$, 1000 ranks,\n"
        "the same at every node",
        fontsize=9,
    )
    ax.legend(fontsize=8, title=f"dots: Monte Carlo, {trials:,} walks", title_fontsize=8)
    ax2 = fig.add_subplot(1, 2, 2)
    target, draft = SMALL_PAIR
    small = optimal_tree(rank_distribution(target, draft), 16)
    small.plot(ax=ax2)
    xy = ax2.collections[-1].get_offsets()[1:]
    for (x, y), rank in zip(xy, small.child_index, strict=True):
        ax2.annotate(
            f"r{rank + 1}", (x, y), textcoords="offset points", xytext=(-14, -9), fontsize=6
        )
    bar = fig.colorbar(ax2.collections[-1], ax=ax2, fraction=0.05)
    bar.set_label("path probability pi(v) = P(node accepted)", fontsize=8)
    ax2.set_title(
        f"optimal 16-node ERSD tree (E[G] = {small.tokens_per_step:.4f} tokens per step)\n"
        f"target {target}, draft {draft}; rK: child of rank K, number: pi(v)",
        fontsize=8,
    )
    fig.tight_layout()
    return FigureOutput(fig, cols)


FIGURES = [
    FigureSpec(
        "trees_tokens_per_step",
        "Draft trees: exact tokens per step (lines) and verifier Monte Carlo (dots, 95% CI) of "
        "the optimal (Tunstall / top-k) tree against chain, batch, binary and 4-ary trees, "
        "rank law r^-1.8; right: the optimal 16-node tree of the ERSD rank law of target "
        "(.5, .3, .15, .05) and draft (.3, .4, .2, .1) (colour and number: path probability).",
        tokens_per_step_vs_size,
    )
]
