"""ERSD draft trees built on the rank law: optimal, chain and batch trees (Tunstall-optimal tree).

Kobus & Gunduz, arXiv 2504.15475, as implemented: a node's children are draft-race
arrivals at chosen ranks, accepted with alpha(rank), independently across depths
(stateless acceptance), so E[G] (tokens per target call) is the tree value of
:mod:`specbound.trees` on the per-rank vector alpha(1..n_q).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from specbound.bounds.exponential_races._inputs import _head, _pair
from specbound.bounds.exponential_races.alpha_one import alpha_one
from specbound.bounds.exponential_races.rank_law import rank_distribution
from specbound.distributions import as_distribution, check_int, check_same_size
from specbound.errors import InvalidArgumentError
from specbound.trees import DraftTree, check_tree_size, optimal_tree, tree_value


def drafted_acceptance(rank_law: ArrayLike, draft: ArrayLike) -> np.ndarray:
    """The per-rank acceptance vector a tree can use: alpha(1..n_q), n_q = #{q > 0}.

    The atom at rank n_q + 1 (target winner with q = 0) is not a draftable rank.
    ``rank_law`` may be truncated (``max_rank``): missing ranks count as 0, so trees
    built on it are valued exactly but only use the computed ranks.
    """
    a = _head(rank_law)
    q = as_distribution(draft, "draft")
    check_same_size(q, a, "draft", "rank_law")
    return a[: int(np.count_nonzero(q > 0))].copy()


def ersd_optimal_tree(
    target: ArrayLike, draft: ArrayLike, k: int, *, rank_law: ArrayLike | None = None
) -> DraftTree:
    """The k-node ERSD draft tree of largest E[G] under stateless acceptance (Tunstall).

    The k rank paths of largest pi (Tunstall-like heap greedy of
    :func:`specbound.trees.optimal_tree`, with ``sort=True``: ERSD may draft any
    set of ranks of the draft race, so an unsorted rank law is fine). ``child_index``
    holds 0-based ranks. Uses :func:`drafted_acceptance` (never a q = 0 rank).
    """
    p, q = _pair(target, draft)
    k = check_tree_size(check_int(k, "k", 1), "k")
    a = rank_distribution(p, q) if rank_law is None else rank_law
    return optimal_tree(drafted_acceptance(a, q), k, sort=True)


def ersd_chain_tree(acceptance: ArrayLike, k: int) -> DraftTree:
    """A chain of k first arrivals: E[G] = sum_{i=0}^{k} alpha(1)^i.

    Built with :func:`specbound.trees.tree_value`, so the rank law need not be sorted.
    """
    k = check_int(k, "k", 1)
    return tree_value(acceptance, np.arange(-1, k - 1), np.zeros(k, dtype=np.int64))


def ersd_batch_tree(acceptance: ArrayLike, k: int) -> DraftTree:
    """k children of the root, the first k draft arrivals: E[G] = 1 + sum_{r<=k} alpha(r) <= 2."""
    k = check_int(k, "k", 1)
    m = np.asarray(acceptance).shape[-1]
    if k > m:
        raise InvalidArgumentError(f"k: a batch has at most {m} draftable ranks, got {k}")
    return tree_value(acceptance, np.full(k, -1), np.arange(k))


def chain_limit(target: ArrayLike, draft: ArrayLike) -> float:
    """Limit of E[G] for an ERSD chain as k -> infinity: 1 / (1 - alpha(1)) (inf if 1)."""
    a1 = alpha_one(target, draft)
    return math.inf if a1 >= 1.0 else 1.0 / (1.0 - a1)
