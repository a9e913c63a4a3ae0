"""Figures of a model-pair report (``specbound pair --out DIR``).

Two figures from a ``pair.json`` document (:meth:`~specbound.pairs.PairAnalysis.to_dict`):
the distribution of per-position acceptance, and tokens per step against the
drafting budget for every scheme, with the upper bounds on the same axes.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure


def acceptance_histogram(doc: dict) -> Figure:
    """Histogram of alpha_t = 1 - TV(p_t, q_t) over positions, with its mean."""
    alpha = np.asarray(doc["acceptance"]["per_position"])
    fig = Figure(figsize=(5.5, 3.6))
    ax = fig.add_subplot()
    ax.hist(alpha, bins=np.linspace(0, 1, 41), color="C0", alpha=0.8)
    ax.axvline(alpha.mean(), color="k", ls="--", label=f"mean {alpha.mean():.3f}")
    ax.set_xlabel("acceptance 1 - TV(p_t, q_t)")
    ax.set_ylabel("positions")
    ax.set_title(f"{alpha.size} positions, vocabulary {doc['vocab']}")
    ax.legend()
    fig.tight_layout()
    return fig


def budget_curves(doc: dict) -> Figure:
    """Tokens per step against drafted tokens: chain, K drafts, tree, ERSD chain, bounds.

    Chain (gamma drafts, i.i.d. and along the text), K identical drafts at the optimal
    coupling (one level: 1 + P*(K)), the best positional tree (exact, in drafting
    order), an ERSD chain with the mean alpha(1)
    (sum_{i<=B} alpha(1)^i), and the speed-of-light curve (deterministic trees chosen
    knowing the target: its bound and optimal-tree mean).
    """
    fig = Figure(figsize=(6.5, 4.5))
    ax = fig.add_subplot()
    ch = doc["chain"]
    ax.plot(ch["gamma"], ch["tokens_per_step_iid"], "o-", label="chain (i.i.d. mean alpha)")
    ax.plot(ch["gamma"], ch["tokens_per_step_along_text"], "s--", label="chain (along text)")
    md = doc["multidraft_identical"]
    ax.plot(md["K"], 1 + np.asarray(md["acceptance_mean"]), "^-", label="K drafts, optimal")
    tree = doc["tree"]
    ax.plot(tree["budget"], tree["tokens_per_step"], "D-", label=f"tree ({tree['relaxation']})")
    budgets = np.asarray(tree["budget"])
    a1 = doc["ersd_alpha_one_mean"]
    ersd = [float(np.sum(a1 ** np.arange(b + 1))) for b in budgets]
    ax.plot(budgets, ersd, "v:", label="ERSD chain (mean alpha(1))")
    sol = doc.get("speed_of_light")
    if sol:
        bound = sol["bound_tokens_per_step"]
        if None not in bound:
            ax.plot(sol["budget"], bound, "k-", label="speed-of-light bound")
        if "optimal_tokens_per_step" in sol:
            ax.errorbar(
                sol["budget"],
                sol["optimal_tokens_per_step"],
                yerr=1.96 * np.asarray(sol["optimal_se"]),
                fmt="k.--",
                label="deterministic tree knowing p",
            )
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("drafted tokens (gamma, K, tree budget)")
    ax.set_ylabel("tokens per step")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


#: (file name, function) of the figures written by ``specbound pair --out``.
PAIR_FIGURES = (
    ("acceptance.png", acceptance_histogram),
    ("tokens_per_step.png", budget_curves),
)
