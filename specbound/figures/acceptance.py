"""Figure: acceptance of single-draft speculative sampling against TV(target, draft)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from specbound.bounds.rejections import acceptance_probability, total_variation
from specbound.distributions import pair_at_tv, target_draft_pair
from specbound.figures import FigureContext, FigureOutput, FigureSpec
from specbound.simulations.estimate import from_proportion
from specbound.simulations.speculative import speculative_sampling


def acceptance_vs_tv(ctx: FigureContext) -> FigureOutput:
    """Exact line 1 - TV and Monte Carlo acceptance (dots, 95% error bars) for random pairs.

    Pairs: Dirichlet targets at prescribed TV on a grid, and softmax target/draft
    pairs at random temperatures and noise; vocabulary 50-2000.
    """
    rng = np.random.default_rng([ctx.seed, 1])
    trials = ctx.trials(20_000, 4_000)
    pairs = [
        pair_at_tv(int(rng.integers(50, 2000)), tv, rng=rng) for tv in np.linspace(0, 0.9, 10)
    ]
    for _ in range(ctx.trials(30, 10)):
        n = int(rng.integers(50, 2000))
        t, noise = rng.uniform(0.5, 3.0), rng.uniform(0.0, 2.0)
        pairs.append(target_draft_pair(n, draft_temperature=t, noise=noise, rng=rng))
    tv, exact, mean, se = [], [], [], []
    for p, q in pairs:
        _, acc = speculative_sampling(p, q, trials, rng)
        est = from_proportion(int(acc.sum()), trials)
        tv.append(total_variation(p, q))
        exact.append(acceptance_probability(p, q))
        mean.append(est.mean)
        se.append(est.se)
    fig = Figure(figsize=(5.5, 4))
    ax = fig.add_subplot()
    grid = np.linspace(0, 1, 2)
    ax.plot(grid, 1 - grid, color="k", lw=1, label="exact: 1 - TV")
    ax.errorbar(tv, mean, yerr=1.96 * np.asarray(se), fmt="o", ms=3, label="Monte Carlo (95% CI)")
    ax.set_xlabel("TV(target, draft)")
    ax.set_ylabel("P(draft token accepted)")
    ax.set_title(
        f"Speculative sampling: acceptance = 1 - TV ({len(pairs)} pairs, {trials:,} trials each)\n"
        "pairs: Dirichlet targets at set TV, softmax target/draft pairs; vocabulary 50-2000",
        fontsize=9,
    )
    ax.legend()
    cols = {"tv": tv, "exact": exact, "simulated": mean, "se": se, "trials": [trials] * len(tv)}
    return FigureOutput(fig, cols)


FIGURES = [
    FigureSpec(
        "acceptance_vs_tv",
        "Single-draft speculative sampling: Monte Carlo acceptance against the exact 1 - TV.",
        acceptance_vs_tv,
    )
]
