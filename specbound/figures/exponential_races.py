"""Figures for exponential-race speculative decoding (Kobus & Gunduz, arXiv 2504.15475).

* ``ersd_tokens_per_step``: expected tokens per target call vs the drafting budget k
  (log axis) for optimal ERSD trees, optimal GSD trees, ERSD chains and batches, with
  the entropy bound (ln n + ln(k+1)) / H[R], the ln k / H[R] line, and Monte Carlo
  dots (95% error bars) from simulated ERSD tree verification.
* ``ersd_rank_law``: the ERSD rank law alpha(r) against the GSD positional acceptance
  vectors (i.i.d. drafts and drafts without replacement), exact and simulated.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from specbound.bounds.exponential_races import (
    bound_from_rank_law,
    drafted_acceptance,
    ersd_batch_tree,
    ersd_chain_tree,
    ersd_optimal_tree,
    gsd_optimal_tree,
    gsd_positional_acceptance,
    gsd_positional_acceptance_without_replacement,
    rank_distribution,
    rank_entropy,
)
from specbound.distributions import target_draft_pair
from specbound.figures import FigureContext, FigureOutput, FigureSpec
from specbound.simulations.estimate import from_values
from specbound.simulations.exponential_races import ersd_tree_steps, gsd_verify, race_ranks

N = 40
#: The synthetic pair (:func:`target_draft_pair` with its defaults, seed 1), in words.
PAIR = (
    f"n = {N}: target softmax(z), draft softmax(z/1.5 + 0.5 e), z ~ N(0, 2^2), e ~ N(0, 1), seed 1"
)


def _pair() -> tuple[np.ndarray, np.ndarray]:
    return target_draft_pair(N, rng=1)


def tokens_per_step_vs_k(ctx: FigureContext) -> FigureOutput:
    """E[G] vs k for ERSD/GSD optimal trees, chains and batches; bound; MC dots."""
    p, q = _pair()
    alpha = rank_distribution(p, q)
    acc = drafted_acceptance(alpha, q)
    h = rank_entropy(alpha)
    ks = np.unique(np.round(np.logspace(0, np.log10(1024), 31)).astype(int))
    cols: dict[str, list] = {"series": [], "k": [], "tokens_per_step": [], "se": []}

    def add(series: str, k: int, value: float, se: float = float("nan")) -> None:
        cols["series"].append(series)
        cols["k"].append(int(k))
        cols["tokens_per_step"].append(float(value))
        cols["se"].append(float(se))

    curves = {
        "ERSD optimal tree": lambda k: ersd_optimal_tree(p, q, k, rank_law=alpha).tokens_per_step,
        "GSD optimal tree": lambda k: gsd_optimal_tree(p, q, k).tokens_per_step,
        "ERSD chain": lambda k: ersd_chain_tree(acc, k).tokens_per_step,
        "ERSD batch": lambda k: ersd_batch_tree(acc, k).tokens_per_step if k <= acc.size else None,
        "entropy bound (ln n + ln(k+1))/H[R], ERSD trees": lambda k: bound_from_rank_law(alpha, k),
        "ln k / H[R] (reference slope, not a bound)": lambda k: np.log(k) / h,
    }
    fig = Figure(figsize=(6.5, 4.5))
    ax = fig.add_subplot()
    styles = ["-", "-", "--", "--", ":", "-."]
    for (name, f), ls in zip(curves.items(), styles, strict=True):
        xs, ys = [], []
        for k in ks:
            v = f(int(k))
            if v is not None:
                xs.append(int(k))
                ys.append(v)
                add(name, k, v)
        ax.plot(xs, ys, ls, lw=1.4, label=name, color="k" if "bound" in name else None)
    trials = ctx.trials(40_000, 4_000)
    rng = np.random.default_rng([ctx.seed, 5])
    mk, mm, ms = [], [], []
    for k in (1, 4, 16, 64, 256, 1024):
        tree = ersd_optimal_tree(p, q, k, rank_law=alpha)
        g, _ = ersd_tree_steps(p, q, tree, trials, rng)
        est = from_values(g)
        add("ERSD simulated", k, est.mean, est.se)
        mk.append(k)
        mm.append(est.mean)
        ms.append(est.se)
    ax.errorbar(
        mk,
        mm,
        yerr=1.96 * np.asarray(ms),
        fmt="o",
        ms=4,
        color="C0",
        label=f"ERSD simulated ({trials:,} steps, 95% CI)",
    )
    ax.set_xscale("log")
    ax.set_xlabel("drafting budget k (tree nodes)")
    ax.set_ylabel("expected tokens per target call E[G]")
    ax.set_title(f"ERSD vs GSD trees and the entropy bound\n{PAIR}", fontsize=9)
    ax.legend(fontsize=7, loc="upper left")
    ax.grid(alpha=0.3)
    return FigureOutput(fig, cols)


def _wilson(freq: np.ndarray, trials: int, z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
    """95% Wilson score interval of proportions ``freq`` from ``trials`` (positive when > 0).

    Unlike freq +- z SE it never crosses zero, so the bars stay on a log axis.
    """
    d = 1 + z**2 / trials
    centre = (freq + z**2 / (2 * trials)) / d
    half = z / d * np.sqrt(freq * (1 - freq) / trials + z**2 / (4 * trials**2))
    return centre - half, centre + half


def rank_law_vs_gsd(ctx: FigureContext) -> FigureOutput:
    """alpha(r) vs the GSD positional acceptances (i.i.d. / without replacement)."""
    p, q = _pair()
    alpha = rank_distribution(p, q)
    r_max = 16
    iid = gsd_positional_acceptance(p, q, r_max)
    wor_exact = gsd_positional_acceptance_without_replacement(p, q, 3)
    trials = ctx.trials(200_000, 20_000)
    rng = np.random.default_rng([ctx.seed, 6])
    _, ranks = race_ranks(p, q, trials, rng)
    _, pos_wor = gsd_verify(p, q, r_max, trials, rng, replacement=False)
    cols: dict[str, list] = {"series": [], "position": [], "probability": [], "se": []}

    def add(series, r, v, se=float("nan")):
        cols["series"].append(series)
        cols["position"].append(int(r))
        cols["probability"].append(float(v))
        cols["se"].append(float(se))

    r = np.arange(1, r_max + 1)
    fig = Figure(figsize=(6.5, 4.5))
    ax = fig.add_subplot()
    ax.plot(r, alpha[:r_max], "-o", ms=3, label="ERSD rank law alpha(r) (exact)")
    ax.plot(r, iid, "-s", ms=3, label="GSD i.i.d. drafts (exact)")
    ax.plot(r[:3], wor_exact, "-^", ms=4, label="GSD without replacement (exact, r <= 3)")
    for i in range(r_max):
        add("ERSD rank law exact", i + 1, alpha[i])
        add("GSD iid exact", i + 1, iid[i])
    for i, v in enumerate(wor_exact):
        add("GSD without replacement exact", i + 1, v)
    for name, hits, color in (
        ("ERSD rank law simulated", ranks - 1, "C0"),
        ("GSD without replacement simulated", pos_wor, "C2"),
    ):
        freq = np.bincount(hits[hits >= 0], minlength=r_max)[:r_max] / trials
        se = np.sqrt(freq * (1 - freq) / trials)
        ok = freq > 0
        low, high = _wilson(freq[ok], trials)
        yerr = np.vstack([freq[ok] - low, high - freq[ok]])
        ax.errorbar(r[ok], freq[ok], yerr=yerr, fmt="x", ms=5, color=color, label=name)
        for i in np.flatnonzero(ok):
            add(name, i + 1, freq[i], se[i])
    ax.set_yscale("log")
    ax.set_xlabel("rank r / draft position i")
    ax.set_ylabel("P(accepted token has this rank / position)")
    ax.set_title(
        f"ERSD rank law vs GSD positional acceptance ({trials:,} trials, 95% Wilson CI)\n{PAIR}",
        fontsize=9,
    )
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return FigureOutput(fig, cols)


FIGURES = [
    FigureSpec(
        "ersd_tokens_per_step",
        "ERSD and GSD optimal trees, chains and batches: expected tokens per target call vs "
        "k, with the entropy bound (ln n + ln(k+1))/H[R] (an upper bound for ERSD trees), the "
        "ln k / H[R] reference line (not a bound) and Monte Carlo dots (Kobus & Gunduz, arXiv "
        "2504.15475; bound as implemented here). Pair: " + PAIR + ".",
        tokens_per_step_vs_k,
    ),
    FigureSpec(
        "ersd_rank_law",
        "Rank law of the target's race winner in the draft order (ERSD) against the GSD "
        "positional acceptance vectors, exact and simulated (95% Wilson intervals). Pair: "
        + PAIR
        + ".",
        rank_law_vs_gsd,
    ),
]
