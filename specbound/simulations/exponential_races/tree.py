"""ERSD steps with a draft tree, simulated: the verifier walks down while it matches.

Kobus & Gunduz, arXiv 2504.15475 (tree verification, tree value): tokens per
step G = accepted drafts
+ 1, vectorised over steps, fresh clocks per depth (context-free laws). Full clocks
(:func:`ersd_tree_steps`, O(depth n) per step) or the lazy node of
:mod:`specbound.simulations.exponential_races.node` (:func:`ersd_tree_steps_fast`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from specbound.distributions import RngLike, as_rng, check_int
from specbound.errors import InvalidArgumentError
from specbound.limits import check_allocation, check_work
from specbound.simulations.exponential_races.node import _node_kernel, _PhantomRace
from specbound.simulations.exponential_races.races import (
    _CELLS,
    _log,
    _pair,
    _winners_and_ranks,
)
from specbound.trees import DraftTree


def _child_lookup(tree: DraftTree, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted keys slot * n + rank of every node, and the node index per key."""
    slot = tree.parent + 1
    rank = np.asarray(tree.child_index, dtype=np.int64)
    if rank.size and rank.max() >= n:
        raise InvalidArgumentError(f"tree: a child rank {int(rank.max())} is >= n = {n}")
    keys = slot * n + rank
    order = np.argsort(keys, kind="stable")
    if np.any(np.diff(keys[order]) == 0):
        raise InvalidArgumentError("tree: two siblings use the same rank")
    return keys[order], order


def _find_child(
    keys: np.ndarray, nodes: np.ndarray, slot: np.ndarray, rank: np.ndarray, n: int
) -> np.ndarray:
    """Node index of child (slot, rank), -1 if it is not in the tree."""
    want = slot * n + rank
    pos = np.searchsorted(keys, want)
    pos_c = np.minimum(pos, max(keys.size - 1, 0))
    hit = (pos < keys.size) & (keys[pos_c] == want) if keys.size else np.zeros(want.size, bool)
    return np.where(hit, nodes[pos_c] if keys.size else -1, -1)


def _walk_tree(
    size: int, step: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
) -> tuple[np.ndarray, np.ndarray]:
    """Walk ``size`` verifier steps down a draft tree, one depth at a time.

    Parameters
    ----------
    size : int
        Independent steps.
    step : callable (slots) -> (winner, child)
        Decides one depth for the steps still walking, whose current nodes are
        ``slots`` (0 = root, i + 1 = node i): the target race winner of each, and the
        node index of the drafted child it matches (-1: not drafted, the step ends).

    Returns
    -------
    tokens_per_step : (size,) int64
        Accepted drafts + 1.
    first_token : (size,) int64
        The winner at the root (the first emitted token).
    """
    g = np.ones(size, dtype=np.int64)
    first = np.empty(size, dtype=np.int64)
    alive = np.arange(size)
    slot = np.zeros(size, dtype=np.int64)
    depth = 0
    while alive.size:
        x, child = step(slot[alive])
        if depth == 0:
            first[alive] = x
        ok = child >= 0
        g[alive[ok]] += 1
        slot[alive[ok]] = child[ok] + 1
        alive = alive[ok]
        depth += 1
    return g, first


def ersd_tree_steps(
    target: ArrayLike,
    draft: ArrayLike,
    tree: DraftTree,
    size: int,
    rng: RngLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``size`` independent ERSD steps with a draft tree (context-free p, q).

    The children of a node at depth d are the draft-race arrivals of the clock vector
    W[d + 1] at the ranks ``tree.child_index`` (rank 0 = first arrival); the verifier
    walks down while the target race winner of W[d + 1] is a drafted child (tree verification).
    Each depth uses a fresh W ~ Exp(1)^n.

    Returns
    -------
    tokens_per_step : (size,) int64
        G = accepted drafts + 1; E[G] = tree value.
    first_token : (size,) int64
        The first emitted token of each step (law ``target``).

    Raises
    ------
    ResourceLimitError
        ``size`` x (depth + 1) x n clock draws beyond the work limit, or ``size`` beyond
        the memory limit (:mod:`specbound.limits`).
    """
    p, q = _pair(target, draft)
    size = check_int(size, "size", 1)
    n = p.size
    check_allocation("size", size, np.int64, copies=6, what="steps")
    check_work("size", float(size) * (tree.depth + 1) * n, "clock draws")
    gen = as_rng(rng)
    keys, nodes = _child_lookup(tree, n)
    log_p, log_q = _log(p), _log(q)
    rows = max(1, _CELLS // n)

    def step(slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        parts_x, parts_r = [], []
        for s in range(0, slots.size, rows):
            m = min(rows, slots.size - s)
            x, r = _winners_and_ranks(np.log(gen.standard_exponential((m, n))), log_p, log_q)
            parts_x.append(x)
            parts_r.append(r)
        x, rank = np.concatenate(parts_x), np.concatenate(parts_r)
        # a winner with q(X) = 0 never arrives in the draft race: never a drafted child
        child = _find_child(keys, nodes, slots, np.minimum(rank, n - 1), n)
        return x, np.where(q[x] > 0, child, -1)

    return _walk_tree(size, step)


def ersd_tree_steps_fast(
    target: ArrayLike,
    draft: ArrayLike,
    tree: DraftTree,
    size: int,
    rng: RngLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`ersd_tree_steps` in O(depth (m + log n)) per step, for large vocabularies.

    At a node whose children sit at draft ranks S (``tree.child_index``), the first
    M = max(S) + 1 draft arrivals are sampled with the exact lazy construction of
    :func:`ersd_node`; the target race winner is either one of them (known rank) or a
    token arriving later (phantom race). The step goes on iff the winner's rank is in
    S. Same law as :func:`ersd_tree_steps` (tested); fresh clocks per depth.

    Returns
    -------
    tokens_per_step : (size,) int64
    first_token : (size,) int64
    """
    p, q = _pair(target, draft)
    size = check_int(size, "size", 1)
    check_allocation("size", size, np.int64, copies=6, what="steps")
    check_work("size", float(size) * (tree.depth + 1), "node visits")
    gen = as_rng(rng)
    n = p.size
    keys, nodes = _child_lookup(tree, n)
    nq = int(np.count_nonzero(q > 0))
    need = np.zeros(tree.size + 1, dtype=np.int64)  # arrivals needed per slot
    np.maximum.at(need, tree.parent + 1, np.asarray(tree.child_index, dtype=np.int64) + 1)
    need = np.minimum(need, nq)
    phantom = _PhantomRace(p, q)

    def step(slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        m_alive = need[slots]
        x = np.empty(slots.size, dtype=np.int64)
        rank = np.empty(slots.size, dtype=np.int64)
        for m in np.unique(m_alive):
            sel = np.flatnonzero(m_alive == m)
            x[sel], rank[sel] = _node_kernel(p, q, int(m), sel.size, gen, phantom)
        child = _find_child(keys, nodes, slots, np.maximum(rank, 0), n)
        return x, np.where(rank >= 0, child, -1)

    return _walk_tree(size, step)
