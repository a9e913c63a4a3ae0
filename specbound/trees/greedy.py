"""Best-first (Tunstall / top-P) optimal trees: the heap greedy and the threshold search.

Without a depth limit the optimal tree of ``size`` nodes is the set of the ``size``
rank paths of largest path probability :math:`\\pi` (Tunstall code tree of Kobus &
Gunduz, arXiv 2504.15475; top-P tree of Pankratov & Alistarh, arXiv 2512.11718).
Small trees pop a binary heap (``_greedy_heap``); large ones grow a super-level set
{pi >= tau} level by level with numpy for a threshold predicted from the growth rate
(``_malthusian``, ``_expand``, ``_fill_ties``, ``_greedy_threshold``). ``_greedy``
dispatches between them.
"""

from __future__ import annotations

import heapq

import numpy as np

from specbound.trees.tree import DraftTree, _from_arrays


def _greedy_heap(acc: np.ndarray, size: int) -> DraftTree:
    """Best-first (Tunstall) greedy with a binary heap, O(size log size), pure Python.

    The heap holds, for every node already in the tree, its best missing child, and
    for every node's last added child, its next sibling; popping the largest path
    probability ``size`` times builds the top-``size`` set (Tunstall tree, arXiv 2504.15475).
    """
    a = acc.tolist()
    m = len(a)
    parent = [0] * size
    rank = [0] * size
    prob = [0.0] * size
    # entries: (-pi, seq, parent node, rank, pi of parent); seq breaks ties first-in first-out
    heap = [(-a[0], 0, -1, 0, 1.0)]
    seq = 1
    push, pop = heapq.heappush, heapq.heappop
    for i in range(size):
        neg, _, par, r, pipar = pop(heap)
        pi = -neg
        parent[i] = par
        rank[i] = r
        prob[i] = pi
        push(heap, (-(pi * a[0]), seq, i, 0, pi))
        seq += 1
        if r + 1 < m:
            push(heap, (-(pipar * a[r + 1]), seq, par, r + 1, pipar))
            seq += 1
    par_arr = np.array(parent, dtype=np.int64)
    depth = np.ones(size, dtype=np.int64)
    for i, p in enumerate(parent):  # parents precede children
        if p >= 0:
            depth[i] = depth[p] + 1
    return DraftTree(par_arr, np.array(rank, dtype=np.int64), depth, np.array(prob), acc)


def _expand(
    acc: np.ndarray, tau: float, cap: int, max_levels: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | int:
    """Every node with path probability ``>= tau``, breadth first, as arrays.

    Returns ``(parent, child_index, node_depth, path_probability)`` or, when the set has
    more than ``cap`` nodes or ``max_levels`` levels, ``-1`` (too many nodes) or ``-2``
    (too deep). Path probabilities are the products parent * acceptance[rank], computed
    in the same order as the heap greedy, hence bit-identical to it.
    """
    desc = -acc  # increasing, for searchsorted
    slack = 1.0 - 1e-14  # children whose product might round to >= tau; masked exactly below
    cnt = int(np.searchsorted(desc, -tau, side="right"))
    lvl_pi = acc[:cnt].copy()
    lvl_par = np.full(cnt, -1, dtype=np.int64)
    lvl_rank = np.arange(cnt, dtype=np.int64)
    pis, pars, ranks, depths = [], [], [], []
    total, offset, d = 0, 0, 1
    while lvl_pi.size:
        if d > max_levels:
            return -2
        total += lvl_pi.size
        if total > cap:
            return -1
        pis.append(lvl_pi)
        pars.append(lvl_par)
        ranks.append(lvl_rank)
        depths.append(np.full(lvl_pi.size, d, dtype=np.int64))
        counts = np.searchsorted(desc, -(tau / lvl_pi) * slack, side="right")
        n_child = int(counts.sum())
        if total + n_child > cap:
            return -1
        owner = np.repeat(np.arange(lvl_pi.size, dtype=np.int64), counts)
        starts = np.cumsum(counts) - counts
        child_rank = np.arange(n_child, dtype=np.int64) - np.repeat(starts, counts)
        child_pi = lvl_pi[owner] * acc[child_rank]
        keep = child_pi >= tau
        lvl_pi = child_pi[keep]
        lvl_par = owner[keep] + offset
        lvl_rank = child_rank[keep]
        offset = total
        d += 1
    if not pis:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, np.zeros(0)
    return (
        np.concatenate(pars),
        np.concatenate(ranks),
        np.concatenate(depths),
        np.concatenate(pis),
    )


def _malthusian(acc: np.ndarray) -> float:
    """The root theta in (0, 1] of sum_r acc[r]**theta = 1 (needs >= 2 positive entries).

    The number of nodes with path probability >= e^{-T} grows like e^{theta T}.
    """
    pos = acc[acc > 0]
    f = lambda th: float(np.sum(pos**th)) - 1.0  # noqa: E731
    if f(1.0) >= 0:
        return 1.0
    lo, hi = 0.0, 1.0
    for _ in range(60):  # bisection; f is decreasing
        mid = 0.5 * (lo + hi)
        if f(mid) > 0:
            lo = mid
        else:
            hi = mid
    return max(hi, 1e-12)


#: Sizes below this use the heap greedy (faster than numpy overheads for small trees).
VECTORISED_MIN_SIZE = 4096


def _greedy_threshold(acc: np.ndarray, size: int, cap: int | None = None) -> DraftTree | None:
    """Vectorised top-``size`` tree: the set {pi >= tau} grown level by level with numpy.

    The optimal tree is the set of the ``size`` nodes of largest path probability, i.e.
    a super-level set {pi >= tau*} up to ties at tau*. A threshold tau with
    ``size <= #{pi >= tau} <= cap`` is found from the growth rate
    #{pi >= e^{-T}} ~ C e^{theta T} (``_malthusian``), by a few expansions; then the
    ``size`` largest are kept, ties at the cut broken breadth first, which keeps the set
    prefix-closed and every node's children a prefix of the ranks. Returns None when
    this does not pay (a lattice law whose level jumps overshoot the memory cap, or a
    tree too deep for level-by-level numpy); the caller then uses the heap.
    Requires 0 < acc[0] < 1 and acc[1] > 0.
    """
    theta = _malthusian(acc)
    l1 = -np.log(acc[0])
    cap = 2 * size + 100_000 if cap is None else cap
    max_levels = max(500, size // 20)
    # probe: a small expansion, then extrapolate n(T') ~ n(T) e^{theta (T' - T)} to `size`,
    # keeping a bracket [T_lo, T_hi] of too few / too many nodes
    t_lo, n_lo, t_hi = 0.0, -1, np.inf
    T = np.log(min(size, 4096)) / theta
    for _ in range(24):
        if T / l1 > max_levels:
            return None
        res = _expand(acc, float(np.exp(-T)), cap, max_levels)
        if isinstance(res, int):
            if res == -2:
                return None
            t_hi = T
        else:
            n = res[0].size
            if n >= size:
                break
            stuck = n == n_lo  # the bracket sits in a gap between two values
            t_lo, n_lo = T, n
            # a lattice jump ({pi >= tau} leaps past the cap): complete with the next ties
            filled = _fill_ties(acc, *res, size, rounds=32 if stuck else 1)
            if filled is not None:
                return filled
        T_next = t_lo + (np.log(size / max(n_lo, 1)) + np.log(1.2)) / theta
        if T_next >= t_hi:
            T_next = 0.5 * (t_lo + t_hi)
        T = T_next
    else:
        return None
    parent, rank, depth, pi = res
    n = pi.size
    cut = float(np.partition(pi, n - size)[n - size])  # the size-th largest
    sel = pi > cut
    tied = np.flatnonzero(pi == cut)[: size - int(sel.sum())]  # breadth-first order
    sel[tied] = True
    new_index = np.cumsum(sel) - 1
    par = parent[sel]
    par = np.where(par >= 0, new_index[np.maximum(par, 0)], -1)
    return DraftTree(par, rank[sel], depth[sel], pi[sel], acc)


def _fill_ties(
    acc: np.ndarray,
    parent: np.ndarray,
    rank: np.ndarray,
    depth: np.ndarray,
    pi: np.ndarray,
    size: int,
    rounds: int = 1,
) -> DraftTree | None:
    """Complete a super-level set {pi >= tau_lo} of fewer than ``size`` nodes with ties.

    Let tau be the largest path probability outside the set (the best "frontier" child:
    for each node, or the root, its next missing rank). Every node of value tau is a
    frontier child (its parent has a larger value), so the children of value tau are
    counted per owner without building them, and only the first ``size - n`` of them
    (owners in array order, ranks increasing) are created. If the nodes of value tau
    are too few, they are all added and the next value is tried, ``rounds`` times in
    all; then None (not a lattice jump: the caller goes on searching).
    """
    desc = -acc
    m = acc.size
    for _ in range(rounds):
        n = pi.size
        owner_pi = np.concatenate([[1.0], pi])
        owner_depth = np.concatenate([[0], depth])
        have = np.bincount(parent + 1, minlength=n + 1)  # children per owner (rank prefix)
        cand = np.where(have < m, owner_pi * acc[np.minimum(have, m - 1)], -1.0)
        tau = float(cand.max())
        if tau <= 0.0:
            return None
        # number of ranks r with owner_pi * acc[r] >= tau: a search with slack, then exact
        ge = np.searchsorted(desc, -(tau / owner_pi) * (1.0 - 1e-14), side="right")
        for _ in range(8):
            last = np.maximum(ge - 1, 0)
            bad = (ge > 0) & (owner_pi * acc[last] < tau)
            if not bad.any():
                break
            # drop the whole block of entries equal to acc[last] (equal products)
            ge = np.where(bad, np.searchsorted(desc, -acc[last], side="left"), ge)
        else:
            return None
        ties = np.maximum(ge - have, 0)
        need = size - n
        cum = np.cumsum(ties)
        take = np.minimum(ties, np.maximum(need - (cum - ties), 0))
        owners = np.repeat(np.arange(n + 1), take)
        starts = np.cumsum(take) - take
        new_rank = have[owners] + (np.arange(owners.size) - np.repeat(starts, take))
        new_pi = owner_pi[owners] * acc[new_rank]
        if not np.all(new_pi == tau):
            return None
        parent = np.concatenate([parent, owners - 1])
        rank = np.concatenate([rank, new_rank])
        depth = np.concatenate([depth, owner_depth[owners] + 1])
        pi = np.concatenate([pi, new_pi])
        if pi.size == size:
            return DraftTree(parent, rank, depth, pi, acc)
    return None


def _greedy(acc: np.ndarray, size: int) -> DraftTree:
    """Top-``size`` tree: special shapes, the vectorised threshold search, or the heap."""
    positive = int(np.count_nonzero(acc > 0))
    if acc[0] >= 1.0 or positive <= 1:
        # one useful rank: the chain is optimal (every other node has pi = 0 or pi < 1)
        return _from_arrays(
            np.arange(-1, size - 1, dtype=np.int64), np.zeros(size, dtype=np.int64), acc
        )
    if size >= VECTORISED_MIN_SIZE:
        tree = _greedy_threshold(acc, size)
        if tree is not None:
            return tree
    return _greedy_heap(acc, size)
