"""Laws, environments and simulated sides shared by the branching-walk claims (``bw.*``).

Pankratov & Alistarh, arXiv 2512.11718 (EACL 2026), as implemented here from
``theory/branching_walk.md``. Deterministic laws (the same law at every node) have
exact optimal trees (``specbound.trees``); random environments (assumption (E):
i.i.d. laws at the nodes) are a Dirichlet law and real text, the word-bigram target
laws of :func:`~specbound.simulations.text_ngram.text_law`. Simulated sides: the
verifier walking a tree (acceptance identity), or the optimal tree built in independently sampled
environments, averaged over environments. Every walk runs the real verifier: the
target's token drawn from the node's own law (the deterministic law, or the law the
environment's tree builder drew, recorded by
:class:`~specbound.simulations.token_walks.RecordedLaw`), never the tree's path or
edge probabilities. The claims are in ``branching_walk``,
``branching_walk_bounds`` and ``branching_walk_drafters``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np

from specbound.bounds.branching_walk import entropy_moment_estimates
from specbound.claims import scaled
from specbound.claims.tree_instances import tokens_of
from specbound.claims.tree_instances import walk as tree_walk
from specbound.distributions import zipf
from specbound.simulations.estimate import Estimate, from_environments, from_values
from specbound.simulations.random_trees import (
    DirichletLaw,
    LawSampler,
    RandomTree,
    environment_values,
    law_moments,
    optimal_random_tree,
)
from specbound.simulations.text_ngram import TEXT_LABEL, text_law
from specbound.simulations.token_walks import (
    RecordedLaw,
    environment_laws,
    law_outcomes,
    walk_tree,
)
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


def walk(
    tree: Callable[[], DraftTree], law: Callable[[], np.ndarray], draft: np.ndarray | None = None
) -> Callable[[np.random.Generator, float], Estimate]:
    """Simulate: the verifier walking ``tree()``, the target drawing tokens from ``law()``.

    Children are tokens by rank in ``law()`` (or in ``draft``, a drafter's own law).
    """

    def simulate(rng: np.random.Generator, scale: float) -> Estimate:
        x = tree_walk(tree, tokens_of(law(), draft), scaled(WALKS, scale), rng)
        return from_values(x)

    return simulate


def verifier_optimum(label: str, size: int) -> Callable[[np.random.Generator, float], Estimate]:
    """Simulate: the verifier walking the exact optimal tree (E[X_opt] by Monte Carlo)."""
    return walk(lambda: exact_tree(label, size), lambda: DETERMINISTIC[label])


@cache
def recorded_tree(
    law: LawSampler, size: int, seed: int
) -> tuple[RandomTree, np.ndarray, np.ndarray, np.ndarray]:
    """The optimal tree of the environment seeded ``seed``, with the laws it drew.

    Returns (tree, laws, node_law, token): see
    :func:`~specbound.simulations.token_walks.environment_laws`.
    """
    recorded = RecordedLaw(law)
    tree = optimal_random_tree(recorded, size, np.random.default_rng(seed))
    return (tree, *environment_laws(tree, recorded))


def environment_walks(
    law: LawSampler, size: int, seed: int, walks: int, rng: np.random.Generator
) -> np.ndarray:
    """Accepted tokens of ``walks`` verifier walks on the environment seeded ``seed``."""
    tree, laws, node_law, token = recorded_tree(law, size, seed)
    return walk_tree(tree.parent, token, law_outcomes(laws, node_law), walks, rng)


def environment_walk(
    law: Callable[[], LawSampler], size: int, seed: int
) -> Callable[[np.random.Generator, float], Estimate]:
    """Simulate: verifier walks on the optimal tree of one recorded environment."""

    def simulate(rng: np.random.Generator, scale: float) -> Estimate:
        return from_values(environment_walks(law(), size, seed, scaled(WALKS, scale), rng))

    return simulate


def environment_count(scale: float) -> int:
    """Environments simulated at ``scale`` (1 = full size), at least 10."""
    return max(10, round(ENVIRONMENTS * scale))


def environment_optimum(
    law: Callable[[], LawSampler], size: int
) -> Callable[[np.random.Generator, float], Estimate]:
    """Simulate: E[X_opt(P)] over independent environments (optimal tree built in each).

    A mean over 20 (10 at ``--quick``) environments: judged with Student-t thresholds.
    """

    def simulate(rng: np.random.Generator, scale: float) -> Estimate:
        values = environment_values(law(), size, environment_count(scale), rng=rng)
        return from_environments(values[:, 0])

    return simulate
