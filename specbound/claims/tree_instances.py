"""Instances of the draft-tree claims and the real verifiers that walk them.

Acceptance vectors (the reference example A's ERSD rank law and GSD positional vector,
Zipf laws, real-text laws), random and imperfect trees, and for each vector the real
verification run at every node by the simulated side
(:mod:`specbound.simulations.token_walks`): a token drawn from the token law, an
exponential race of the pair, or SpecInfer rejection of i.i.d. drafts. The claims are
in :mod:`specbound.claims.trees`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np

from specbound.bounds.exponential_races import rank_distribution
from specbound.claims import scaled
from specbound.claims.exponential_race_instances import race_pair
from specbound.simulations.estimate import Estimate, from_values
from specbound.simulations.text_ngram import text_pair
from specbound.simulations.token_walks import (
    Outcomes,
    law_outcomes,
    race_outcomes,
    rank_tokens,
    specinfer_outcomes,
    walk_tree,
)
from specbound.trees import DraftTree, optimal_tree, tree_from_paths, tree_value

TRIALS = 100_000

#: The ERSD rank law of p = (0.5, 0.3, 0.15, 0.05), q = (0.3, 0.4, 0.2, 0.1)
#: (``theory/exponential_races.md`` section 4), and the GSD positional vector.
ERSD_A = np.array([0.789024, 0.155250, 0.047601, 0.008125])
GSD_A = np.array([0.8, 0.06, 0.042, 0.0294])


@cache
def text_rank_law() -> np.ndarray:
    """ERSD rank law of the real-text pair (non-increasing, a positional vector)."""
    _, target, draft = text_pair()
    return rank_distribution(target, draft)


#: How the verifier decides at a node: tree -> (outcome id of every node, outcome sampler).
Verifier = Callable[[DraftTree], tuple[np.ndarray, Outcomes]]


def tokens_of(law: np.ndarray, draft: np.ndarray | None = None) -> Verifier:
    """Token-level verifier: the target draws a token from ``law`` (token ids) at every node.

    A child's token is its rank in ``law`` sorted decreasingly, or in ``draft`` when the
    tree was ranked by a draft (the imperfect-drafter bound).
    """
    row = np.asarray(law, dtype=np.float64)[None, :]

    def verifier(tree: DraftTree) -> tuple[np.ndarray, Outcomes]:
        zeros = np.zeros(tree.size + 1, dtype=np.int64)
        if draft is None:
            token = rank_tokens(row, zeros, tree.parent, tree.child_index)
        else:
            token = np.argsort(-draft, kind="stable")[tree.child_index]
        return token, law_outcomes(row, zeros)

    return verifier


def race_of(target: np.ndarray, draft: np.ndarray) -> Verifier:
    """ERSD verifier: an exponential race of (target, draft) at every node; child = rank."""
    return lambda tree: (tree.child_index, race_outcomes(target, draft))


def specinfer_of(target: np.ndarray, draft: np.ndarray, k: int) -> Verifier:
    """GSD verifier: SpecInfer rejection of k i.i.d. drafts at every node; child = position."""
    return lambda tree: (tree.child_index, specinfer_outcomes(target, draft, k))


def walk(build: Callable[[], DraftTree], verifier: Verifier, trials: int, rng) -> np.ndarray:
    """Accepted tokens of ``trials`` walks of the real verifier down ``build()``."""
    tree = build()
    ids, outcomes = verifier(tree)
    return walk_tree(tree.parent, ids, outcomes, trials, rng)


def walk_estimate(build: Callable[[], DraftTree], verifier: Verifier):
    """Simulate: E[accepted] of the real verifier walking ``build()`` (TRIALS walks)."""

    def simulate(rng, scale) -> Estimate:
        return from_values(walk(build, verifier, scaled(TRIALS, scale), rng))

    return simulate


EXAMPLE_A = race_of(*race_pair("example A"))
GSD_EXAMPLE_A = specinfer_of(*race_pair("example A"), GSD_A.size)
#: The (0.8, 0.1, 0.05) vector as a token law: the remaining 0.05 on an undrafted token.
SHORT = np.array([0.8, 0.1, 0.05, 0.05])


def text_race() -> Verifier:
    """ERSD verifier of the real-text pair (its rank law is :func:`text_rank_law`)."""
    _, target, draft = text_pair()
    return race_of(target, draft)


def text_sorted_target() -> np.ndarray:
    """The real-text target law sorted in decreasing order (best child first)."""
    return np.sort(text_pair()[1])[::-1]


def zipf_law(n: int, exponent: float) -> np.ndarray:
    """r^-exponent over ranks 1..n, normalised (decreasing)."""
    w = np.arange(1, n + 1, dtype=np.float64) ** -exponent
    return w / w.sum()


def shuffled(p: np.ndarray, seed: int) -> np.ndarray:
    """The law ``p`` with its tokens relabelled at random (the verifier sees token ids)."""
    return p[np.random.default_rng(seed).permutation(p.size)]


def random_tree(acceptance: np.ndarray, size: int, seed: int) -> DraftTree:
    """A random prefix-closed tree: each new node is a random free slot of a random node."""
    g = np.random.default_rng(seed)
    m = acceptance.size
    paths: list[tuple[int, ...]] = []
    have: set[tuple[int, ...]] = set()
    while len(paths) < size:
        base = () if not paths or g.random() < 0.2 else paths[g.integers(len(paths))]
        child = (*base, int(g.integers(m)))
        if child not in have:
            have.add(child)
            paths.append(child)
    return tree_from_paths(acceptance, paths)


def imperfect_tree(target: np.ndarray, draft: np.ndarray, size: int) -> DraftTree:
    """The optimal tree for ``draft`` evaluated under ``target`` (imperfect-drafter bound).

    Ranks are the draft's order; under the target, draft-rank r is accepted with
    probability ``target[draft_order[r]]``.
    """
    order = np.argsort(-draft, kind="stable")
    tq = optimal_tree(draft[order], size)
    return tree_value(target[order], tq.parent, tq.child_index)
