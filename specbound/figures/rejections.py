"""Figures for Yin et al. (arXiv 2411.00841): rejections vs horizon, tokens per step
vs gamma, and the quality/rejection Pareto front (exact lines, LP points, Monte
Carlo dots with 95% error bars)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from specbound.bounds.rejection_examples import example_a
from specbound.bounds.rejection_rules import unbiased_baselines
from specbound.bounds.rejections import (
    expected_rejections,
    expected_tokens_per_step,
    total_variation,
)
from specbound.bounds.tradeoff import (
    biased_expected_rejections,
    biased_sequence_tv,
    min_rejection_with_budget,
    optimal_biased_rule,
)
from specbound.distributions import random_kernel
from specbound.figures import FigureContext, FigureOutput, FigureSpec
from specbound.simulations.estimate import Estimate, from_proportion, from_values
from specbound.simulations.markov import speculative_decoding
from specbound.simulations.rejection_rules import accept_reject

Z95 = 1.96

#: Legends of the unbiased baselines (rule name before " c=" -> text; {} = the scale c).
BASELINE_LEGEND = {
    "independent resampling": "independent resampling: accept iff a fresh Y ~ p equals X",
    "scaled": "speculative rule scaled by c = {}: b = c min(1, p/q)",
    "threshold": "threshold: accept iff p(x) >= q(x)",
}


def _columns(keys: tuple[str, ...]) -> dict[str, list]:
    return {k: [] for k in keys}


def _add_row(cols: dict[str, list], *values) -> None:
    """Append one row (one value per column, in column order)."""
    for k, v in zip(cols, values, strict=True):
        cols[k].append(v)


def _exact_and_simulated(
    ax: Axes,
    cols: dict[str, list],
    series: tuple[str, str],
    xs: np.ndarray,
    exact: list[float],
    mc_xs: tuple[int, ...],
    estimate: Callable[[int], Estimate],
) -> None:
    """One series: the exact curve over ``xs`` and Monte Carlo dots (95% CI) at ``mc_xs``.

    ``series`` is (label in the data, legend of the exact line); ``estimate(x)`` runs
    the simulation at x. Rows (label, kind, x, value, se) go to ``cols``.
    """
    label, legend = series
    (line,) = ax.plot(xs, exact, lw=1.2, label=legend)
    for x, e in zip(xs, exact, strict=True):
        _add_row(cols, label, "exact", int(x), e, 0.0)
    means, ses = [], []
    for x in mc_xs:
        est = estimate(x)
        means.append(est.mean)
        ses.append(est.se)
        _add_row(cols, label, "monte carlo", x, est.mean, est.se)
    ax.errorbar(mc_xs, means, yerr=Z95 * np.asarray(ses), fmt="o", ms=3, color=line.get_color())


def _dots_legend(ax: Axes, trials: int, unit: str, title: str | None = None) -> None:
    """Legend with the exact lines and one grey entry for the Monte Carlo dots."""
    ax.errorbar(
        [],
        [],
        yerr=[],
        fmt="o",
        ms=3,
        color="0.4",
        label=f"Monte Carlo, {trials:,} {unit}, 95% CI",
    )
    ax.legend(fontsize=8, title=title, title_fontsize=8)


def rejections_vs_horizon(ctx: FigureContext) -> FigureOutput:
    """E[rejections] vs horizon H, drafting to the end, for drafts of several qualities.

    Target: a random Dirichlet(0.5) kernel P on a vocabulary of n = 20 tokens; draft
    Q_w = (1 - w) P + w R with R another random kernel: w is the weight of the unrelated
    kernel in the draft (w = 0: a perfect draft), w in {0.2, 0.5, 0.8}.
    Exact: the sum of TV (Thm 1); dots: the real algorithm.
    """
    trials = ctx.trials(20_000, 2_000)
    rng = np.random.default_rng([ctx.seed, 41])
    p = random_kernel(20, 0.5, rng=np.random.default_rng([ctx.seed, 1]))
    other = random_kernel(20, 0.5, rng=np.random.default_rng([ctx.seed, 2]))
    horizons = np.arange(1, 41)
    mc_h = (1, 5, 10, 20, 30, 40)
    cols = _columns(("series", "kind", "horizon", "rejections", "se"))
    fig = Figure(figsize=(6, 4.2))
    ax = fig.add_subplot()
    for w in (0.2, 0.5, 0.8):
        q = (1 - w) * p + w * other
        label = f"w={w:g}"
        _exact_and_simulated(
            ax,
            cols,
            (label, f"exact, draft (1 - w) P + w R, w = {w:g}"),
            horizons,
            [expected_rejections(p, q, 0, int(h)) for h in horizons],
            mc_h,
            lambda h, q=q: from_values(
                speculative_decoding(p, q, h, trials, None, rng).rejections
            ),
        )
    ax.set_xlabel("horizon H (tokens)")
    ax.set_ylabel("E[rejections]")
    ax.set_title(
        "E[rejections] = sum of TV along the chain (Yin et al. Thm 1)\n"
        "target P: random Dirichlet(0.5) kernel, vocabulary n = 20, start token 0",
        fontsize=10,
    )
    _dots_legend(ax, trials, "runs", "R: another random kernel; w = its weight in the draft")
    return FigureOutput(fig, cols)


def tokens_per_step_vs_gamma(ctx: FigureContext) -> FigureOutput:
    """Tokens per verifier call vs gamma for several alpha: (1 - alpha^(g+1)) / (1 - alpha).

    Monte Carlo: the real algorithm on context-free laws with 1 - TV = alpha
    (target (alpha, 1 - alpha), draft (1, 0)), tokens emitted by the first call.
    """
    trials = ctx.trials(50_000, 5_000)
    rng = np.random.default_rng([ctx.seed, 42])
    gammas = np.arange(0, 13)
    mc_g = (1, 2, 4, 8, 12)
    cols = _columns(("series", "kind", "gamma", "tokens_per_step", "se"))
    q = np.tile([1.0, 0.0], (2, 1))
    fig = Figure(figsize=(6, 4.2))
    ax = fig.add_subplot()
    for alpha in (0.5, 0.7, 0.8, 0.9):
        label = f"alpha={alpha:g}"
        p = np.tile([alpha, 1 - alpha], (2, 1))

        def estimate(g: int, p: np.ndarray = p) -> Estimate:
            run = speculative_decoding(p, q, g + 1, trials, g, rng)
            return from_values(run.first_round_tokens)

        _exact_and_simulated(
            ax,
            cols,
            (label, f"exact, {label}"),
            gammas,
            [expected_tokens_per_step(alpha, int(g)) for g in gammas],
            mc_g,
            estimate,
        )
    ax.set_xlabel("gamma (draft tokens per call)")
    ax.set_ylabel("E[tokens per step]")
    ax.set_title(
        "E[tokens per step] = (1 - alpha^(gamma+1)) / (1 - alpha)\n"
        "one chain of gamma drafts, each accepted i.i.d. with probability alpha = 1 - TV",
        fontsize=10,
    )
    _dots_legend(ax, trials, "calls")
    return FigureOutput(fig, cols)


def pareto_front(ctx: FigureContext) -> FigureOutput:
    """Quality vs rejection: one step (left) and a sequence (right).

    Left, p = (.5, .3, .2), q = (.2, .3, .5) (TV = .3): the exact front
    rejection = max(0, TV - eps), the eps-budget LP at a grid of eps, the simulated
    optimal biased rule, and the unbiased baselines (loss 0, more rejections).
    Right, the 4-token chain (:func:`example_a`, H = 3): exact sequence TV of the chain
    (1 - lam) P + lam Q
    against E[rejections] for lam in [0, 1], with Monte Carlo dots.
    """
    from specbound.lp.rejection_lp import budget_lp

    trials = ctx.trials(100_000, 10_000)
    rng = np.random.default_rng([ctx.seed, 43])
    p, q = np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.3, 0.5])
    tv = total_variation(p, q)
    cols = _columns(("panel", "kind", "loss_tv", "rejection", "se"))

    def add(panel, kind, x, y, se=0.0):
        _add_row(cols, panel, kind, float(x), float(y), float(se))

    fig = Figure(figsize=(10, 4.2))
    ax1, ax2 = fig.subplots(1, 2)
    grid = np.linspace(0, 0.4, 41)
    front = [min_rejection_with_budget(p, q, e) for e in grid]
    ax1.plot(grid, front, "k-", lw=1.2, label="exact: max(0, TV - eps)")
    for e, f in zip(grid, front, strict=True):
        add("one step", "exact", e, f)
    eps_pts = np.linspace(0, 0.35, 8)
    lp_vals = [budget_lp(p, q, e).rejection for e in eps_pts]
    ax1.plot(eps_pts, lp_vals, "s", mfc="none", ms=8, label="eps-budget LP (cvxpy)")
    for e, v in zip(eps_pts, lp_vals, strict=True):
        add("one step", "lp", e, v)
    means, ses, losses = [], [], []
    for e in eps_pts:
        rule = optimal_biased_rule(p, q, e)
        _, acc = accept_reject(q, rule.acceptance, rule.residual, trials, rng)
        est = from_proportion(int((~acc).sum()), trials)
        means.append(est.mean)
        ses.append(est.se)
        losses.append(rule.loss)
        add("one step", "monte carlo", rule.loss, est.mean, est.se)
    ax1.errorbar(
        losses,
        means,
        yerr=Z95 * np.asarray(ses),
        fmt="o",
        ms=3,
        label="optimal biased rule, Monte Carlo",
    )
    for rule in unbiased_baselines(p, q)[1:]:
        name = BASELINE_LEGEND.get(rule.name.split(" c=")[0], rule.name)
        ax1.plot([0], [rule.rejection], "x", ms=7, label=name.format(rule.name.split("c=")[-1]))
        add("one step", rule.name, 0.0, rule.rejection)
    ax1.set_xlabel("TV(output, target) (quality loss)")
    ax1.set_ylabel("P(reject)")
    ax1.set_title(f"One step: p = (.5, .3, .2), q = (.2, .3, .5), TV(p, q) = {tv:.2g}", fontsize=9)
    ax1.legend(fontsize=7)

    a = example_a()
    lams = np.linspace(0, 1, 21)
    xs = [biased_sequence_tv(a.target, a.draft, a.start, 3, lam) for lam in lams]
    ys = [biased_expected_rejections(a.target, a.draft, a.start, 3, lam) for lam in lams]
    ax2.plot(xs, ys, "k-", lw=1.2, label="exact (chain K_lam)")
    for x, y in zip(xs, ys, strict=True):
        add("4-token chain H=3", "exact", x, y)
    mx, mm, ms = [], [], []
    for lam in (0.0, 0.25, 0.5, 0.75, 1.0):
        run = speculative_decoding(a.target, a.draft, 3, trials, None, rng, a.start, mix=lam)
        est = from_values(run.rejections)
        x = biased_sequence_tv(a.target, a.draft, a.start, 3, lam)
        mx.append(x)
        mm.append(est.mean)
        ms.append(est.se)
        add("4-token chain H=3", "monte carlo", x, est.mean, est.se)
    ax2.errorbar(
        mx, mm, yerr=Z95 * np.asarray(ms), fmt="o", ms=3, label="biased SD, Monte Carlo (95% CI)"
    )
    ax2.set_xlabel("TV(output sequence law, target sequence law)")
    ax2.set_ylabel("E[rejections]")
    ax2.set_title(
        "Sequence level: a 4-token Markov chain, start 3, H = 3\n"
        "target P, draft Q; biased SD outputs K_lam = (1 - lam) P + lam Q, lam in [0, 1]",
        fontsize=9,
    )
    ax2.legend(fontsize=7)
    return FigureOutput(fig, cols)


FIGURES = [
    FigureSpec(
        "rejections_vs_horizon",
        "Speculative decoding along a Markov model: exact E[rejections] (sum of TV, Yin et al. "
        "Thm 1) vs horizon for three draft qualities, with Monte Carlo of the real algorithm.",
        rejections_vs_horizon,
    ),
    FigureSpec(
        "tokens_per_step_vs_gamma",
        "Tokens per verifier call vs draft length gamma: (1 - alpha^(gamma+1)) / (1 - alpha) "
        "and Monte Carlo.",
        tokens_per_step_vs_gamma,
    ),
    FigureSpec(
        "pareto_front",
        "Quality vs rejection (Yin et al. Thms 4-5, as implemented here): exact front, "
        "eps-budget LP, simulated optimal biased rule, unbiased baselines; sequence level "
        "on a 4-token Markov chain (H = 3).",
        pareto_front,
    ),
]
