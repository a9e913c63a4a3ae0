"""The quantity the speed-of-light bounds bound: E[X_opt(P)], computed exactly and walked.

Pankratov & Alistarh, arXiv 2512.11718 (EACL 2026), as implemented here from
``theory/branching_walk.md``. The bound claims (``bw.bound_*``, ``bw.doubling*``)
sit far inside their limits, so they cannot catch a wrong E[X_opt]; this tight
companion can. Exact side: the value sum_{v in T_opt} pi(v) of the exact optimal tree,
for a deterministic law (:func:`specbound.trees.optimal_tree`) or averaged over 20
fixed environments (seeds 1000..1019, :func:`optimal_random_tree`). Simulated side: the
verifier walking those trees, drawing the target's token from each node's own law
(the environments' laws as their tree builder drew them), never reading pi.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from specbound.claims import EQUAL, Case, Claim, scaled
from specbound.claims.branching_walk_instances import (
    DETERMINISTIC,
    ENVIRONMENT_LAWS,
    ENVIRONMENTS,
    FLAT_LAW,
    PAPER,
    RANDOM_LAW,
    SOURCE,
    TEXT_SIZES,
    exact_tree,
    recorded_tree,
    verifier_optimum,
)
from specbound.simulations.estimate import Estimate
from specbound.simulations.text_ngram import TEXT_LABEL
from specbound.simulations.token_walks import law_outcomes, walk_tree

#: Seeds of the fixed environments of the random-environment cases.
SEEDS = tuple(range(1000, 1000 + ENVIRONMENTS))
#: Walks per environment at full size.
WALKS_PER_ENVIRONMENT = 1000
#: Budgets per environment law (the bound and doubling claims' budgets).
ENVIRONMENT_SIZES = {
    RANDOM_LAW.name: (100, 1000, 2000, 10_000),
    FLAT_LAW.name: (1000, 2000),
    TEXT_LABEL: (*TEXT_SIZES, 2000),
}


@cache
def _optimum(name: str, seed: int) -> tuple:
    """The recorded optimal tree of the largest budget of law ``name`` in one environment."""
    return recorded_tree(ENVIRONMENT_LAWS[name](), max(ENVIRONMENT_SIZES[name]), seed)


def _exact_mean(name: str, size: int) -> float:
    """Mean over the fixed environments of E[X_opt(size) | environment] (prefix sums)."""
    return float(np.mean([_optimum(name, s)[0].accepted_curve()[size - 1] for s in SEEDS]))


def _walked_mean(name: str, size: int):
    """Simulate: walks on the first ``size`` nodes (the optimum of that budget) per environment.

    The mean of the per-environment walk means; its SE comes from the walks only (the
    environments are fixed, as on the exact side).
    """

    def simulate(rng: np.random.Generator, scale: float) -> Estimate:
        walks = scaled(WALKS_PER_ENVIRONMENT, scale, minimum=500)
        means, variances = [], []
        for seed in SEEDS:
            tree, laws, node_law, token = _optimum(name, seed)
            x = walk_tree(
                tree.parent[:size],
                token[:size],
                law_outcomes(laws, node_law[: size + 1]),
                walks,
                rng,
            )
            means.append(x.mean())
            variances.append(x.var(ddof=1) / walks)
        se = float(np.sqrt(np.sum(variances))) / len(SEEDS)
        return Estimate(float(np.mean(means)), se, walks * len(SEEDS))

    return simulate


def _cases() -> list[Case]:
    cases = [
        Case(
            f"{label} P={p}",
            lambda label=label, p=p: exact_tree(label, p).expected_accepted,
            verifier_optimum(label, p),
        )
        for label in DETERMINISTIC
        for p in (10, 1000, 100_000)
    ]
    for name, sizes in ENVIRONMENT_SIZES.items():
        for p in sizes:
            cases.append(
                Case(
                    f"{name} {len(SEEDS)} fixed environments P={p}",
                    lambda name=name, p=p: _exact_mean(name, p),
                    _walked_mean(name, p),
                )
            )
    return cases


CLAIMS = [
    Claim(
        id="bw.x_opt_exact",
        paper=PAPER,
        statement="E[X_opt(P)] (the quantity of the bw.bound_* and bw.doubling claims) = the "
        "exact optimal tree's value, deterministic laws and fixed random environments, vs "
        "verifier walks drawing tokens from the nodes' laws.",
        agreement=EQUAL,
        cases=_cases,
        source=SOURCE + " acceptance identity, optimal tree (tight companion of the bounds)",
    ),
]
