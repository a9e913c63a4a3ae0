"""Figures: multi-draft acceptance (Khisti et al., arXiv 2410.18234, and baselines).

* ``multidraft_vs_k``: acceptance against the number of drafts K for the optimum and
  every scheme, on three target/draft families (exact curves, Monte Carlo markers).
* ``multidraft_simplex``: n = 3 targets on the simplex, uniform draft, K = 2: the
  optimum, SpecTr and SpecInfer, with the region where acceptance is one (the paper's
  Figure 2 setting).
* ``multidraft_temperature``: the optimum against the draft temperature (draft =
  softmax(z / T), target = softmax(z)) for K = 1..16, and K = 3 different drafts at
  temperatures (T/2, T, 3T/2) (certified optimum for different drafts, issue 18).
* ``multidraft_without_replacement``: the optimum with K candidates drawn without
  replacement against i.i.d. drafts, with recursive rejection sampling without
  replacement (Monte Carlo) and SpecInfer (i.i.d.) for reference.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from specbound.distributions import dirichlet, softmax, target_draft_pair, zipf
from specbound.figures import FigureContext, FigureOutput, FigureSpec
from specbound.lp.baselines import nss_acceptance, specinfer_acceptance, spectr_acceptance
from specbound.lp.optimum import optimal_acceptance, optimal_acceptance_identical
from specbound.lp.selection import importance_weighted_acceptance
from specbound.lp.temperatures import temperature_drafts
from specbound.lp.truncated import tournament
from specbound.lp.without_replacement import optimum_without_replacement
from specbound.simulations.estimate import from_proportion
from specbound.simulations.multidraft import (
    specinfer_sampling,
    spectr_sampling,
    tournament_sampling,
)
from specbound.simulations.without_replacement import rrs_without_replacement_sampling

S_TRUNC = 5
#: Largest n^K for the importance-weights curve (it enumerates the tuples).
IS_MAX_TUPLES = 300_000


def _families(seed: int) -> list[tuple[str, np.ndarray, np.ndarray]]:
    g = np.random.default_rng([seed, 7])
    n = 16
    p_soft, q_soft = target_draft_pair(n, scale=2.0, draft_temperature=1.5, noise=0.5, rng=g)
    zp = zipf(n, 1.2)
    zq = zipf(n, 0.6)[::-1].copy()
    return [
        ("Dirichlet(1) pair, n=16", dirichlet(n, 1.0, g), dirichlet(n, 1.0, g)),
        ("softmax pair (T=1.5, noise 0.5), n=16", p_soft, q_soft),
        ("Zipf(1.2) target, reversed Zipf(0.6) draft, n=16", zp, zq),
    ]


def acceptance_vs_k(ctx: FigureContext) -> FigureOutput:
    """Exact acceptance vs K (1..8) for every scheme and the optimum, three families.

    Markers: Monte Carlo acceptance of the tournament, SpecInfer and SpecTr samplers
    (95% error bars are smaller than the markers at the full trial count). Importance
    weights enumerate the n^K draft tuples, so their curve stops at the largest K with
    n^K <= :data:`IS_MAX_TUPLES` (K = 4 at n = 16), as its legend entry says.
    """
    ks = list(range(1, 9))
    n = _families(ctx.seed)[0][1].size
    is_max_k = max(k for k in ks if n**k <= IS_MAX_TUPLES)
    weights = f"importance weights (K ≤ {is_max_k}: n^K ≤ {IS_MAX_TUPLES:,} tuples)"
    trials = ctx.trials(40_000, 5_000)
    rng = np.random.default_rng([ctx.seed, 71])
    cols: dict[str, list] = {"family": [], "k": [], "scheme": [], "kind": [], "acceptance": []}
    cols["se"] = []
    fig = Figure(figsize=(13, 4))
    axes = fig.subplots(1, 3, sharey=True)
    colors = {
        "optimum P*": "k",
        f"tournament s={S_TRUNC}": "tab:purple",
        "importance weights": "tab:brown",
        "SpecInfer": "tab:blue",
        "SpecTr K-SEQ": "tab:orange",
        "NSS": "tab:gray",
    }
    samplers = {
        f"tournament s={S_TRUNC}": lambda p, q, m: tournament_sampling(
            tournament(p, q, S_TRUNC), m, rng
        ),
        "SpecInfer": lambda p, q, m: specinfer_sampling(p, q, m, rng),
        "SpecTr K-SEQ": lambda p, q, m: spectr_sampling(p, q, m, rng),
    }
    for ax, (name, p, q) in zip(axes, _families(ctx.seed), strict=True):
        curves: dict[str, list[float]] = {s: [] for s in colors}
        for k in ks:
            qs = np.tile(q, (k, 1))
            curves["optimum P*"].append(optimal_acceptance_identical(p, q, k))
            tour = tournament(p, qs, S_TRUNC).acceptance if k >= 2 else curves["optimum P*"][-1]
            curves[f"tournament s={S_TRUNC}"].append(tour)
            curves["importance weights"].append(
                importance_weighted_acceptance(p, qs) if k <= is_max_k else np.nan
            )
            curves["SpecInfer"].append(specinfer_acceptance(p, qs))
            curves["SpecTr K-SEQ"].append(spectr_acceptance(p, qs))
            curves["NSS"].append(nss_acceptance(p, qs))
        for scheme, vals in curves.items():
            style = "-" if scheme == "optimum P*" else "--"
            label = weights if scheme == "importance weights" else scheme
            ax.plot(ks, vals, style, color=colors[scheme], label=label, lw=1.5)
            cols["family"] += [name] * len(ks)
            cols["k"] += ks
            cols["scheme"] += [scheme] * len(ks)
            cols["kind"] += ["exact"] * len(ks)
            cols["acceptance"] += [float(v) for v in vals]
            cols["se"] += [0.0] * len(ks)
        for scheme, run in samplers.items():
            for k in ks[1:]:
                _, acc = run(p, np.tile(q, (k, 1)), trials)
                est = from_proportion(int(acc.sum()), trials)
                ax.errorbar(k, est.mean, yerr=1.96 * est.se, fmt="o", ms=3, color=colors[scheme])
                cols["family"].append(name)
                cols["k"].append(k)
                cols["scheme"].append(scheme)
                cols["kind"].append("monte carlo")
                cols["acceptance"].append(est.mean)
                cols["se"].append(est.se)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("number of drafts K")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("P(a draft token is accepted)")
    fig.legend(*axes[0].get_legend_handles_labels(), fontsize=8, ncol=3, loc="lower center")
    fig.subplots_adjust(bottom=0.27)
    fig.suptitle(
        f"Multi-draft acceptance vs K i.i.d. drafts, n = {n}, truncated LP s = {S_TRUNC} "
        f"(lines exact; dots Monte Carlo, {trials:,} trials, 95% bars)"
    )
    return FigureOutput(fig, cols)


def _simplex_grid(m: int) -> np.ndarray:
    i, j = np.meshgrid(np.arange(m + 1), np.arange(m + 1), indexing="ij")
    keep = i + j <= m
    a, b = i[keep] / m, j[keep] / m
    return np.stack([a, b, 1.0 - a - b], axis=1).clip(0.0, 1.0)


def simplex_picture(ctx: FigureContext) -> FigureOutput:
    """Acceptance over the n = 3 target simplex, uniform draft, K = 2; red: acceptance 1;
    a white star with a black edge: the target equal to the draft (uniform)."""
    grid = _simplex_grid(ctx.trials(60, 24))
    q = np.full((2, 3), 1.0 / 3.0)
    schemes = {
        "optimum P*": lambda p: optimal_acceptance_identical(p, q[0], 2),
        "SpecTr K-SEQ": lambda p: spectr_acceptance(p, q),
        "SpecInfer": lambda p: specinfer_acceptance(p, q),
    }
    x = grid[:, 1] + 0.5 * grid[:, 2]
    y = grid[:, 2] * np.sqrt(3) / 2
    fig = Figure(figsize=(13, 4))
    axes = fig.subplots(1, 3)
    cols: dict[str, list] = {"p0": [], "p1": [], "p2": [], "scheme": [], "acceptance": []}
    levels = np.linspace(0.5, 1.0, 11)
    for ax, (name, fn) in zip(axes, schemes.items(), strict=True):
        vals = np.array([fn(p / p.sum()) for p in grid])
        cf = ax.tricontourf(x, y, np.clip(vals, 0.5, 1.0), levels=levels, cmap="viridis")
        ones = vals >= 1 - 1e-9
        if ones.sum() >= 3:
            ax.tricontourf(
                x, y, ones.astype(float), levels=[0.5, 1.5], colors="tab:red", alpha=0.5
            )
        ax.scatter(x[ones], y[ones], s=3, color="tab:red", label="acceptance = 1")
        ax.plot([0, 1, 0.5, 0], [0, 0, np.sqrt(3) / 2, 0], color="k", lw=0.8)
        ax.plot(
            [0.5],
            [np.sqrt(3) / 6],
            "*",
            ms=12,
            mfc="white",
            mec="black",
            mew=1.0,
            ls="none",
            label="target = draft (uniform)",
        )
        for lab, pos in (("token 0", (0, 0)), ("token 1", (1, 0))):
            ax.annotate(lab, pos, fontsize=8, ha="center", va="top")
        ax.annotate("token 2", (0.5, np.sqrt(3) / 2), fontsize=8, ha="center", va="bottom")
        ax.set_title(f"{name}: {ones.mean():.0%} of grid targets at 1", fontsize=9, pad=18)
        ax.set_aspect("equal")
        ax.axis("off")
        cols["p0"] += grid[:, 0].tolist()
        cols["p1"] += grid[:, 1].tolist()
        cols["p2"] += grid[:, 2].tolist()
        cols["scheme"] += [name] * len(grid)
        cols["acceptance"] += vals.tolist()
    axes[0].legend(fontsize=7, loc="upper left")
    fig.colorbar(cf, ax=axes.tolist(), shrink=0.8, label="acceptance (clipped at 0.5)")
    fig.suptitle(
        "Two i.i.d. uniform drafts (K = 2) on n = 3 tokens: exact acceptance over the target "
        f"simplex ({len(grid)} grid targets)"
    )
    return FigureOutput(fig, cols)


def optimum_vs_temperature(ctx: FigureContext) -> FigureOutput:
    """P* vs draft temperature T, draft = softmax(z / T), target = softmax(z), n = 1000.

    Also SpecTr and SpecInfer at K = 4 (dashed) and K = 3 different drafts at
    temperatures T/2, T, 3T/2 (dotted; certified optimum). All exact.
    """
    n = 1000
    z = np.random.default_rng([ctx.seed, 73]).normal(0.0, 2.0, size=n)
    p = softmax(z)
    temps = np.logspace(np.log10(0.25), np.log10(4.0), ctx.trials(41, 15))
    ks = [1, 2, 4, 8, 16]
    cols: dict[str, list] = {"temperature": [], "k": [], "scheme": [], "acceptance": []}
    fig = Figure(figsize=(6, 4.2))
    ax = fig.add_subplot()
    for k in ks:
        vals = [optimal_acceptance_identical(p, softmax(z / t), k) for t in temps]
        ax.plot(temps, vals, label=f"optimum, K={k}")
        cols["temperature"] += temps.tolist()
        cols["k"] += [k] * len(temps)
        cols["scheme"] += ["optimum P*"] * len(temps)
        cols["acceptance"] += vals
    spread = (0.5, 1.0, 1.5)
    vals = [optimal_acceptance(p, temperature_drafts(p, [f * t for f in spread])) for t in temps]
    ax.plot(temps, vals, "k:", lw=2, label="optimum, K=3 at T/2, T, 3T/2")
    cols["temperature"] += temps.tolist()
    cols["k"] += [3] * len(temps)
    cols["scheme"] += ["optimum P*, temperatures T/2, T, 3T/2"] * len(temps)
    cols["acceptance"] += vals
    for name, fn in (("SpecTr K-SEQ", spectr_acceptance), ("SpecInfer", specinfer_acceptance)):
        vals = [fn(p, np.tile(softmax(z / t), (4, 1))) for t in temps]
        ax.plot(temps, vals, "--", label=f"{name}, K=4")
        cols["temperature"] += temps.tolist()
        cols["k"] += [4] * len(temps)
        cols["scheme"] += [name] * len(temps)
        cols["acceptance"] += vals
    ax.axvline(1.0, color="k", lw=0.5)
    ax.set_xscale("log")
    ax.set_xticks([0.25, 0.5, 1, 2, 4], labels=["0.25", "0.5", "1", "2", "4"])
    ax.minorticks_off()
    ax.set_xlabel("draft temperature T (draft = softmax(z / T))")
    ax.set_ylabel("P(a draft token is accepted)")
    ax.set_title("Optimal multi-draft acceptance vs draft temperature (n = 1000)", fontsize=10)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return FigureOutput(fig, cols)


def without_replacement(ctx: FigureContext) -> FigureOutput:
    """P* with K candidates drawn without replacement vs K i.i.d. drafts, K = 1..4.

    Three n = 16 families and a peaked softmax pair at n = 1000. Lines exact (the
    without-replacement optimum: enumeration at n = 16, the certified prefix method at
    n = 1000); dots: Monte Carlo of recursive rejection sampling without replacement;
    dashed: SpecInfer with i.i.d. drafts (exact).
    """
    ks = [1, 2, 3, 4]
    trials = ctx.trials(40_000, 4_000)
    rng = np.random.default_rng([ctx.seed, 74])
    cols: dict[str, list] = {"family": [], "k": [], "scheme": [], "acceptance": [], "se": []}
    fig = Figure(figsize=(17, 4))
    axes = fig.subplots(1, 4, sharey=True)
    p_big, q_big = target_draft_pair(
        1000,
        scale=6.0,
        draft_temperature=1.5,
        noise=0.5,
        rng=np.random.default_rng([ctx.seed, 75]),
    )
    families = [*_families(ctx.seed), ("peaked softmax pair (scale 6), n=1000", p_big, q_big)]

    def record(name, k, scheme, value, se=0.0):
        cols["family"].append(name)
        cols["k"].append(k)
        cols["scheme"].append(scheme)
        cols["acceptance"].append(float(value))
        cols["se"].append(float(se))

    for ax, (name, p, q) in zip(axes, families, strict=True):
        curves = {
            "optimum, without replacement": [
                optimum_without_replacement(p, q, k).acceptance for k in ks
            ],
            "optimum, i.i.d.": [optimal_acceptance_identical(p, q, k) for k in ks],
            "SpecInfer, i.i.d.": [specinfer_acceptance(p, np.tile(q, (k, 1))) for k in ks],
        }
        for (scheme, vals), style in zip(curves.items(), ("k-", "b-", "b--"), strict=True):
            ax.plot(ks, vals, style, label=scheme, lw=1.5)
            for k, v in zip(ks, vals, strict=True):
                record(name, k, scheme, v)
        for k in ks:
            _, acc = rrs_without_replacement_sampling(p, q, k, trials, rng)
            est = from_proportion(int(acc.sum()), trials)
            ax.errorbar(k, est.mean, yerr=1.96 * est.se, fmt="o", ms=3, color="tab:red")
            record(name, k, "recursive rejection w/o replacement (MC)", est.mean, est.se)
        gains = np.subtract(curves["optimum, without replacement"], curves["optimum, i.i.d."])
        best = int(np.argmax(gains))
        ax.set_title(
            f"{name}\nwithout replacement: at most +{gains[best]:.3f} (K={ks[best]})", fontsize=9
        )
        ax.set_xlabel("number of candidates K")
        ax.set_xticks(ks)
        ax.grid(alpha=0.3)
    axes[0].plot([], [], "o", color="tab:red", ms=3, label="recursive rejection w/o repl. (MC)")
    axes[0].set_ylabel("P(a draft token is accepted)")
    axes[0].legend(fontsize=7, loc="lower right")
    fig.suptitle("Drafts without replacement vs i.i.d. drafts: how much does it buy?", y=1.06)
    return FigureOutput(fig, cols)


FIGURES = [
    FigureSpec(
        "multidraft_vs_k",
        "Multi-draft acceptance vs the number of drafts K: the optimum P* (min-cut closed "
        "form) and every scheme, exact (lines) and Monte Carlo (dots), three families, "
        "n = 16; importance weights stop at K = 4 (they enumerate n^K <= 300,000 tuples).",
        acceptance_vs_k,
    ),
    FigureSpec(
        "multidraft_simplex",
        "n = 3, two i.i.d. uniform drafts: acceptance over the target simplex for the "
        "optimum, SpecTr and SpecInfer; red marks acceptance one, the star the uniform "
        "target (= the draft) (Khisti et al. Fig. 2).",
        simplex_picture,
    ),
    FigureSpec(
        "multidraft_temperature",
        "Optimal acceptance vs draft temperature for K = 1..16 drafts (SpecTr and SpecInfer "
        "at K = 4 dashed); target softmax(z), draft softmax(z / T), n = 1000.",
        optimum_vs_temperature,
    ),
    FigureSpec(
        "multidraft_without_replacement",
        "Optimal acceptance with K candidates drawn without replacement vs K i.i.d. drafts "
        "(exact), recursive rejection sampling without replacement (Monte Carlo) and "
        "SpecInfer, three families, n = 16.",
        without_replacement,
    ),
]
