"""Laws, environments and simulated sides shared by the branching-walk claims (``bw.*``).

Pankratov & Alistarh, arXiv 2512.11718 (EACL 2026), as implemented here from
``theory/branching_walk.md``. Deterministic laws (the same law at every node) have
exact optimal trees (``specbound.trees``); random environments (assumption (E):
i.i.d. laws at the nodes) are a Dirichlet law and real text, the word-bigram target
laws of :func:`~specbound.simulations.text_ngram.text_law`. Simulated sides: the
verifier walking a tree (C1), or the optimal tree built in independently sampled
environments, averaged over environments. The claims are in ``branching_walk``,
``branching_walk_bounds`` and ``branching_walk_drafters``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np

from specbound.bounds.branching_walk import entropy_moment_estimates
from specbound.claims import scaled
from specbound.distributions import zipf
from specbound.simulations.estimate import Estimate, from_values
from specbound.simulations.random_trees import (
    DirichletLaw,
    LawSampler,
    environment_values,
    law_moments,
    verifier_accepted,
)
from specbound.simulations.text_ngram import TEXT_LABEL, text_law
from specbound.trees import DraftTree, optimal_tree

PAPER = "Pankratov & Alistarh 25"
SOURCE = "arXiv 2512.11718; theory/branching_walk.md"
WALKS = 20_000
ENVIRONMENTS = 20

#: Deterministic (same law at every node) non-lattice laws, sorted best-first.
DETERMINISTIC = {
    "(0.9, 0.1)": np.array([0.9, 0.1]),
    "(0.5, 0.3, 0.2)": np.array([0.5, 0.3, 0.2]),
    "zipf(1.5), n=10": zipf(10, 1.5),
}
RANDOM_LAW = DirichletLaw(0.5, 10)
#: A flatter Dirichlet environment (the doubling claims).
FLAT_LAW = DirichletLaw(0.2, 10)
#: Budgets of the real-text random-environment cases of the bound claims.
TEXT_SIZES = (10, 100, 1000)

Moments = tuple[float, float, float]

#: Random environments of the claims, by label; their moments are exact (closed form or rows).
ENVIRONMENT_LAWS: dict[str, Callable[[], LawSampler]] = {
    RANDOM_LAW.name: lambda: RANDOM_LAW,
    FLAT_LAW.name: lambda: FLAT_LAW,
    TEXT_LABEL: text_law,
}


@cache
def environment_moments(label: str) -> Moments:
    """Exact (mu, mu2, phi) of the environment law ``label`` (nats).

    :func:`~specbound.simulations.random_trees.law_moments`: Dirichlet closed forms
    (digamma / trigamma), the real-text environment's rows (the law L of (E) is the
    empirical law of its rows).
    """
    m = law_moments(ENVIRONMENT_LAWS[label]())
    return m.mu, m.mu2, m.phi


@cache
def exact_tree(label: str, size: int) -> DraftTree:
    """The exact optimal tree of budget ``size`` of the deterministic law ``label``."""
    return optimal_tree(DETERMINISTIC[label], size)


def deterministic_moments(label: str) -> Moments:
    """(mu, mu2, phi) of the deterministic law ``label`` (nats)."""
    est = entropy_moment_estimates(DETERMINISTIC[label])
    return est.mu, est.mu2, est.phi


def walk(tree: Callable[[], DraftTree]) -> Callable[[np.random.Generator, float], Estimate]:
    """Simulate: the verifier walking ``tree()`` (E[X | T] by Monte Carlo)."""

    def simulate(rng: np.random.Generator, scale: float) -> Estimate:
        return from_values(verifier_accepted(tree(), scaled(WALKS, scale), rng))

    return simulate


def verifier_optimum(label: str, size: int) -> Callable[[np.random.Generator, float], Estimate]:
    """Simulate: the verifier walking the exact optimal tree (E[X_opt] by Monte Carlo)."""
    return walk(lambda: exact_tree(label, size))


def environment_count(scale: float) -> int:
    """Environments simulated at ``scale`` (1 = full size), at least 10."""
    return max(10, round(ENVIRONMENTS * scale))


def environment_optimum(
    law: Callable[[], LawSampler], size: int
) -> Callable[[np.random.Generator, float], Estimate]:
    """Simulate: E[X_opt(P)] over independent environments (optimal tree built in each)."""

    def simulate(rng: np.random.Generator, scale: float) -> Estimate:
        values = environment_values(law(), size, environment_count(scale), rng=rng)
        return from_values(values[:, 0])

    return simulate
