"""Instances shared by the exponential-race claims (Kobus & Gunduz, arXiv 2504.15475).

Seeded (target, draft) pairs by name (reference example A, softmax, Dirichlet,
TV-controlled, zero-mass, disjoint, the KL counterexample, real-text bigram laws
after the most frequent word) and their exact rank laws
(:func:`~specbound.bounds.exponential_races.rank_distribution`). The claims are in
``exponential_races``, ``exponential_races_trees`` and ``exponential_races_relations``.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from specbound.bounds.exponential_races import rank_distribution
from specbound.distributions import dirichlet, disjoint_pair, pair_at_tv, target_draft_pair
from specbound.simulations.text_ngram import text_pair

PAPER = "Kobus+25 (ERSD)"
TEXT = "real text 'the' n=200"
TEXT_SMALL = "real text 'the' n=16"
SOURCE = "arXiv 2504.15475; theory/exponential_races.md"


@cache
def race_pair(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The (target, draft) instance ``name`` of the ERSD claims (seeded; cached)."""
    if name == "example A":
        return np.array([0.5, 0.3, 0.15, 0.05]), np.array([0.3, 0.4, 0.2, 0.1])
    if name == "softmax n=40":
        return target_draft_pair(40, rng=1)
    if name == "dirichlet n=20":
        return dirichlet(20, 0.5, 13), dirichlet(20, 0.5, 14)
    if name == "tv=0.5 n=32":
        return pair_at_tv(32, 0.5, rng=12)
    if name == "zeros n=16":  # p = 0 and q = 0 tokens, q(X) = 0 possible
        return (
            np.r_[dirichlet(12, 1.0, 15), np.zeros(4)],
            np.r_[np.zeros(3), dirichlet(13, 1.0, 16)],
        )
    if name == "disjoint n=20":
        return disjoint_pair(20, 4)
    if name == "kl counterexample n=2":  # H[R] < ln 2 < D(p||q) = 4.503
        return np.array([0.01, 0.99]), np.array([0.99, 0.01])
    if name == "dirichlet n=12":
        return dirichlet(12, 0.7, 21), dirichlet(12, 0.7, 22)
    if name == "softmax n=150":
        return target_draft_pair(150, rng=6)
    if name == "softmax n=1000":
        return target_draft_pair(1000, rng=5)
    if name == "n=1023 tv=0.3":
        return pair_at_tv(1023, 0.3, rng=2)
    if name == "softmax n=128000":
        return target_draft_pair(128_000, rng=3)
    if name in (TEXT, TEXT_SMALL):  # real-text word bigrams after the most frequent word
        _, target, draft = text_pair(200 if name == TEXT else 16)
        return target, draft
    raise KeyError(name)


@cache
def rank_law(name: str) -> np.ndarray:
    """ERSD rank law of the instance ``name`` (exact, :func:`rank_distribution`)."""
    return rank_distribution(*race_pair(name))
