"""Figures: the speed-of-light bound against the optimal tree, and the implied speed-up.

Pankratov & Alistarh, arXiv 2512.11718 (EACL 2026), as implemented in
:mod:`specbound.bounds.branching_walk` (the paper's, Chernoff and renewal bounds, the
asymptotic value, the runtime model) and
:mod:`specbound.simulations.random_trees` (optimal trees in i.i.d. environments).
"""

from __future__ import annotations

from functools import cache

import numpy as np
from matplotlib.figure import Figure

from specbound.bounds.branching_walk import (
    asymptotic_accepted,
    chernoff_bound,
    entropy_moment_estimates,
    renewal_bound,
    speed_of_light_bound,
)
from specbound.distributions import zipf
from specbound.figures import FigureContext, FigureOutput, FigureSpec
from specbound.simulations.random_trees import (
    DirichletLaw,
    EmpiricalLaw,
    SoftmaxGaussianLaw,
    environment_values,
    law_moments,
    verifier_accepted,
)
from specbound.simulations.text_ngram import TEXT_LABEL, text_law
from specbound.trees import optimal_tree

#: (marker, line style) per law of the speed-up figure.
MARKERS = (("o", "-"), ("s", "--"), ("^", "-"), ("v", ":"), ("D", "-."))

#: Saturation capacity of the verifier cost model T_ver(P) = 1 + P / P_SAT.
P_SAT = 64


def verifier_time(size) -> np.ndarray:
    """Cost model of the speed-up figure: T_ver(P) = 1 + P/64 (autoregressive call = 1).

    A memory-bound verifier: checking P drafted tokens costs about one forward pass
    until P approaches P_SAT, then grows linearly (compute bound).
    """
    return 1.0 + np.asarray(size, dtype=float) / P_SAT


@cache
def _curves(seed: int, quick: bool, progress: bool | None) -> list[dict]:
    """For each law: moments, exact/MC optimum on a P grid (random laws: environments)."""
    rng = np.random.default_rng([seed, 8])
    grid = np.unique(np.round(np.logspace(0, 5, 41)).astype(int))
    out = []
    for name, p in (
        ("(0.9, 0.1) deterministic", np.array([0.9, 0.1])),
        ("zipf(1.5), n=10 deterministic", zipf(10, 1.5)),
    ):
        mom = entropy_moment_estimates(p)
        pts = grid if not quick else grid[grid <= 10_000]
        tree = optimal_tree(p, int(pts.max()))
        order = np.argsort(-tree.path_probability, kind="stable")
        exact = np.cumsum(tree.path_probability[order])[pts - 1]
        dots = pts[:: 4 if not quick else 8]
        walks = 20_000 if not quick else 2_000
        mc_mean, mc_se = [], []
        for k in dots:
            x = verifier_accepted(optimal_tree(p, int(k)), walks, rng)
            mc_mean.append(x.mean())
            mc_se.append(x.std(ddof=1) / np.sqrt(x.size))
        out.append(
            dict(
                name=name,
                mu=mom.mu,
                mu2=mom.mu2,
                phi=mom.phi,
                grid=pts,
                exact=exact,
                dots=dots,
                mean=np.array(mc_mean),
                se=np.array(mc_se),
                kind=f"{walks:,} verifier walks",
            )
        )
    laws = (
        (DirichletLaw(0.5, 10), 10**5 if not quick else 10**3, 20 if not quick else 10),
        (SoftmaxGaussianLaw(2.5, 200), 10**4 if not quick else 10**3, 40 if not quick else 10),
        (text_law(), 10**4 if not quick else 10**3, 20 if not quick else 10),
    )
    for law, pmax, envs in laws:
        mom = law_moments(law, 20_000 if not quick else 2_000, rng)
        mu, mu2 = mom.mu, mom.mu2
        dots = grid[grid <= pmax][::4]
        vals = environment_values(law, dots, envs, rng=rng, progress=progress)
        name = TEXT_LABEL if isinstance(law, EmpiricalLaw) else law.name
        out.append(
            dict(
                name=f"{name} random env",
                mu=mu,
                mu2=mu2,
                phi=mom.phi,
                grid=grid,
                exact=None,
                dots=dots,
                mean=vals.mean(axis=0),
                se=vals.std(axis=0, ddof=1) / np.sqrt(envs),
                kind=f"{envs} environments",
            )
        )
    return out


def accepted_vs_capacity(ctx: FigureContext) -> FigureOutput:
    """E[X_opt(P)] against P (log axis) with the bounds and the asymptotic value.

    Five laws: two deterministic (exact optimum line, verifier Monte Carlo dots) and
    three i.i.d. random environments (dots: mean over environments, 95% error bars),
    the last one the next-token laws of real text (word bigrams at random positions
    of the Python documentation, :func:`specbound.simulations.text_ngram.text_law`).
    The sixth panel holds the legend.
    Bounds: the paper's bound with its explicit constant, the abstract's form with
    c = 0 (P >= 3), the Chernoff bound, the renewal bound ln P/mu + mu2/mu^2; the
    asymptotic value (not a bound). The y axis shows every line in full.
    """
    curves = _curves(ctx.seed, ctx.quick, ctx.progress)
    fig = Figure(figsize=(15, 8))
    cols: dict[str, list] = {k: [] for k in ("law", "series", "capacity", "value", "se")}

    def add(law, series, ps, vals, ses=None):
        for i, (p, v) in enumerate(zip(ps, vals, strict=True)):
            cols["law"].append(law)
            cols["series"].append(series)
            cols["capacity"].append(int(p))
            cols["value"].append(float(v))
            cols["se"].append(float("nan") if ses is None else float(ses[i]))

    for i, c in enumerate(curves):
        ax = fig.add_subplot(2, 3, i + 1)
        g = c["grid"]
        mu, mu2 = c["mu"], c["mu2"]
        lines = {
            "paper's bound, explicit constant: (mu + mu2)(ln P + 1)/mu^2": [
                speed_of_light_bound(mu, mu2, int(p)) for p in g
            ],
            "paper's bound, c = 0: (mu + mu2) ln P/mu^2 (P >= 3)": [
                speed_of_light_bound(mu, mu2, int(p), 0.0) for p in g
            ],
            "Chernoff bound: ln P/(-ln phi) + 1/(1 - phi)": [
                chernoff_bound(c["phi"], int(p)) for p in g
            ],
            "renewal bound: ln P/mu + mu2/mu^2": [renewal_bound(mu, mu2, int(p)) for p in g],
            "asymptotic value (not a bound): ln(mu P)/mu + mu2/(2 mu^2) - 1": [
                asymptotic_accepted(mu, mu2, int(p)) for p in g
            ],
        }
        styles = ["-", "--", (0, (5, 1, 1, 1)), "-.", ":"]
        for (label, vals), st in zip(lines.items(), styles, strict=True):
            ax.plot(g, vals, linestyle=st, lw=1.2, label=label)
            add(c["name"], label, g, vals)
        if c["exact"] is not None:
            ax.plot(c["grid"], c["exact"], "k-", lw=1.5, label="exact optimum")
            add(c["name"], "exact optimum", c["grid"], c["exact"])
        ax.errorbar(
            c["dots"],
            c["mean"],
            yerr=1.96 * c["se"],
            fmt="o",
            ms=3,
            color="k",
            label="Monte Carlo (95% bars; panel title: walks or environments)",
        )
        add(c["name"], f"Monte Carlo ({c['kind']})", c["dots"], c["mean"], c["se"])
        ax.set_xscale("log")
        ax.set_ylim(0, 1.05 * max(max(v) for v in lines.values()))
        title = f"{c['name']}: mu={mu:.3f}, mu2={mu2:.3f}\nMonte Carlo: {c['kind']}"
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("tree capacity P (drafted nodes)")
        ax.set_ylabel("E[accepted per call]")
        if i == 0:
            handles, labels = ax.get_legend_handles_labels()
    legend_ax = fig.add_subplot(2, 3, 6)
    legend_ax.axis("off")
    legend_ax.legend(
        handles,
        labels,
        loc="center",
        fontsize=8,
        title="E[X_opt(P)]: accepted draft tokens per call of the best top-P tree\n"
        "(a drafter proposing the P likeliest continuations)",
        title_fontsize=8,
    )
    fig.suptitle(
        "Speed of light: optimal tree vs the upper bounds (Pankratov & Alistarh, "
        "arXiv 2512.11718, bounds as implemented here)"
    )
    fig.tight_layout()
    return FigureOutput(fig, cols)


def speedup_vs_capacity(ctx: FigureContext) -> FigureOutput:
    """Best possible speed-up (1 + E[X_opt(P)]) / T_ver(P), T_ver(P) = 1 + P/64.

    Solid: from the optimum (exact or Monte Carlo); dashed: the ceiling from the renewal
    bound, (1 + ln P/mu + mu2/mu^2) / T_ver(P). Autoregressive decoding = 1. Each law
    has its own marker and line style so that overlapping series stay visible.
    """
    curves = _curves(ctx.seed, ctx.quick, ctx.progress)
    fig = Figure(figsize=(6.5, 4.5))
    ax = fig.add_subplot()
    cols: dict[str, list] = {k: [] for k in ("law", "series", "capacity", "speedup")}
    for i, c in enumerate(curves):
        color = f"C{i}"
        if c["exact"] is not None:
            ps, x = c["grid"], c["exact"]
        else:
            ps, x = c["dots"], c["mean"]
        s = (1 + x) / verifier_time(ps)
        marker, style = MARKERS[i % len(MARKERS)]
        ax.plot(ps, s, style, marker=marker, ms=4, mfc="none", color=color, label=c["name"])
        g = c["grid"]
        ub = (1 + np.array([renewal_bound(c["mu"], c["mu2"], int(p)) for p in g])) / (
            verifier_time(g)
        )
        ax.plot(g, ub, "--", color=color, lw=0.8)
        for series, pp, vv in (("optimum", ps, s), ("renewal-bound ceiling", g, ub)):
            for p, v in zip(pp, vv, strict=True):
                cols["law"].append(c["name"])
                cols["series"].append(series)
                cols["capacity"].append(int(p))
                cols["speedup"].append(float(v))
    ax.axhline(1.0, color="gray", lw=0.8)
    ax.plot([], [], "k--", lw=0.8, label="ceiling from the renewal bound (same colour)")
    ax.text(1.5e3, 1.15, "autoregressive decoding (speed-up 1)", fontsize=7, color="gray")
    ax.set_xscale("log")
    ax.set_xlabel("tree capacity P (drafted nodes verified per call)")
    ax.set_ylabel("best possible speed-up over autoregressive")
    ax.set_title(
        "Best possible speed-up of tree drafting: (1 + E[X_opt(P)]) / T_ver(P)\n"
        f"cost model T_ver(P) = 1 + P/{P_SAT}: a call costs one forward pass, plus 1/{P_SAT} "
        "per drafted node\n(memory-bound verification, compute-bound past P = "
        f"{P_SAT}); drafting assumed free",
        fontsize=8,
    )
    ax.legend(fontsize=7)
    fig.tight_layout()
    return FigureOutput(fig, cols)


FIGURES = [
    FigureSpec(
        "speed_of_light_vs_capacity",
        "Optimal tree E[X_opt(P)] (exact lines, Monte Carlo dots with 95% bars) against the "
        "paper's bound (explicit constant and c = 0), the Chernoff bound, the renewal bound "
        "ln P/mu + mu2/mu^2 and the asymptotic value (not a bound), for two deterministic laws "
        "and three i.i.d. random environments "
        "(the last: next-token laws of real text).",
        accepted_vs_capacity,
    ),
    FigureSpec(
        "speed_of_light_speedup",
        "Best possible speed-up (1 + E[X_opt(P)]) / T_ver(P) for the verifier cost model "
        "T_ver(P) = 1 + P/64 (one forward pass per call plus 1/64 per drafted node; drafting "
        "assumed free), with the ceiling implied by the renewal bound (dashed).",
        speedup_vs_capacity,
    ),
]
