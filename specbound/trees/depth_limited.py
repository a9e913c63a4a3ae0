"""Depth-limited optimal trees: the exact (max, +) knapsack DP over (depth, nodes).

The Sequoia recursion (Chen et al., arXiv 2402.12374):
:math:`V_D(n)` is the best value of a forest of ``n`` nodes with ``D`` levels left, a
child of rank ``r`` carrying ``s`` nodes contributing
:math:`\\alpha(r)\\,(1 + V_{D-1}(s-1))` accepted draft tokens per step.
``_compact_ranks`` relabels siblings to a prefix of the ranks.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from specbound.errors import InvalidArgumentError
from specbound.trees.tree import DraftTree, _from_arrays

#: Entries of the (rows x subtree sizes) temporary of one DP step (memory bound).
_DP_BLOCK = 1 << 21


def _depth_limited_dp(acc: np.ndarray, size: int, max_depth: int) -> DraftTree:
    """Exact optimal tree of ``size`` nodes and depth <= ``max_depth`` (Sequoia-style DP).

    Let :math:`V_D(n)` be the best value of a forest of ``n`` nodes hanging below a node
    with ``D`` levels available. A child of rank ``r`` carrying a subtree of ``s`` nodes
    (itself included) contributes :math:`h_D(s) = \\alpha(r)\\,(1 + V_{D-1}(s-1))`, so
    :math:`V_D` is a (max, +) knapsack over the ranks,

    .. math:: B_r(n) = \\max_{0 \\le s \\le n/(r+1)} B_{r-1}(n-s) + \\alpha(r)(1 + V_{D-1}(s-1)),

    (term 0 when ``s = 0``), :math:`V_D = B_{m-1}`, :math:`V_0(n) = 0` if ``n = 0`` else
    :math:`-\\infty` (infeasible). The bound ``s <= n/(r+1)`` is exact: with the ranks
    sorted, giving a larger subtree to a better child never hurts (rearrangement), so
    some optimum has subtree sizes non-increasing in rank, and such an allocation
    satisfies it. Cost O(max_depth * size^2 * H(m)) with m = min(len(acceptance), size)
    ranks and H the harmonic number, vectorised over ``n``. Sequoia (Chen et al.,
    arXiv 2402.12374) solves the same recursion.
    """
    m = min(acc.size, size)
    a = acc[:m]
    n1 = size + 1
    neg = -np.inf
    v_prev = np.full(n1, neg)
    v_prev[0] = 0.0
    values = [v_prev]
    choices: list[list[np.ndarray]] = [[]]
    for d in range(1, max_depth + 1):
        # h[s] = 1 + V_{d-1}(s - 1): a child's subtree of s >= 1 nodes (itself included)
        h = np.full(n1, neg)
        h[1:] = 1.0 + values[d - 1][:-1]
        b = np.full(n1, neg)
        b[0] = 0.0
        level_choices = []
        for r in range(m):
            smax = size // (r + 1)
            hs = h[: smax + 1]
            contrib = np.where(np.isfinite(hs), a[r] * np.where(np.isfinite(hs), hs, 0.0), neg)
            contrib[0] = 0.0
            best = np.empty(n1, dtype=np.int32)
            new_b = np.empty(n1)
            # windows[n, j] = b[n - smax + j] (b padded with -inf): cand[n, s] = b[n - s] + c[s]
            padded = np.concatenate([np.full(smax, neg), b])
            windows = sliding_window_view(padded, smax + 1)[:, ::-1]
            rows = max(1, _DP_BLOCK // (smax + 1))  # bound the temporary's memory
            for lo in range(0, n1, rows):
                cand = windows[lo : lo + rows] + contrib[None, :]
                arg = np.argmax(cand, axis=1)
                best[lo : lo + rows] = arg
                new_b[lo : lo + rows] = cand[np.arange(arg.size), arg]
            level_choices.append(best)
            b = new_b
        values.append(b)
        choices.append(level_choices)
    if not np.isfinite(values[max_depth][size]):
        raise InvalidArgumentError(
            f"size: {size} nodes do not fit in max_depth = {max_depth} levels with "
            f"{acc.size} ranks"
        )
    # reconstruct breadth first: a parent precedes its children
    parent: list[int] = []
    rank: list[int] = []
    queue = [(-1, size, max_depth)]  # (node index, nodes below it, levels left)
    head = 0
    while head < len(queue):
        node, n, d = queue[head]
        head += 1
        if n == 0:
            continue
        sizes = []
        for r in range(m - 1, -1, -1):
            s = int(choices[d][r][n])
            sizes.append((r, s))
            n -= s
        for r, s in reversed(sizes):
            if s > 0:
                parent.append(node)
                rank.append(r)
                queue.append((len(parent) - 1, s - 1, d - 1))
    par = np.array(parent, dtype=np.int64)
    return _from_arrays(par, _compact_ranks(par, np.array(rank, dtype=np.int64)), acc)


def _compact_ranks(parent: np.ndarray, child_index: np.ndarray) -> np.ndarray:
    """Relabel each node's children with ranks 0..c-1, keeping their order.

    With a non-increasing acceptance vector every child gets a rank at least as good,
    so the value cannot drop; applied to an optimal tree (where ties, e.g. zero
    acceptances, could leave a gap such as ranks {0, 2}) it returns an optimal tree
    whose siblings use a prefix of the ranks, as a positional (GSD) drafter requires.
    """
    if parent.size == 0:
        return child_index
    order = np.lexsort((child_index, parent))
    sorted_par = parent[order]
    start = np.flatnonzero(np.r_[True, sorted_par[1:] != sorted_par[:-1]])
    group_start = np.repeat(start, np.diff(np.r_[start, parent.size]))
    out = np.empty_like(child_index)
    out[order] = np.arange(parent.size) - group_start
    return out
