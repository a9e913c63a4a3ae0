"""Exact optimal trees for a positional acceptance vector in any order (prefix drafting).

The positional (GSD / Sequoia) model: the i-th drafted child of any node is the accepted
one with probability ``a[i]`` (candidates verified one after another), and a node's
children are a *prefix* of the candidates: child ``i + 1`` exists only if child ``i``
does. A measured vector is often not sorted (Sequoia, arXiv 2402.12374, measures one per
position), so the best-first greedy, which may pick any set of ranks, only solves a
relaxation. This module solves the prefix-constrained problem exactly.

Let :math:`G(i, b)` be the best value of the children at positions ``i, i+1, ...`` of a
node when they hold exactly ``b`` nodes in all, and :math:`F(b) = G(0, b)` the best
forest of ``b`` nodes below a node. Child ``i`` carrying a subtree of ``s`` nodes
(itself included) contributes :math:`a_i (1 + F(s - 1))`, so

.. math:: G(i, 0) = 0, \\qquad
          G(i, b) = \\max_{1 \\le s \\le b} a_i\\,(1 + F(s - 1)) + G(i + 1, b - s),

with :math:`G(m, b) = -\\infty` for ``b > 0`` (no candidate left). Every term on the
right has a budget below ``b``, so the whole column :math:`G(\\cdot, b)` is one numpy
step over (positions x subtree sizes). With a depth limit the state gains the number
of levels left, :math:`F_d(b) = G_d(0, b)` with :math:`a_i(1 + F_{d-1}(s - 1))`, and the
column is one step over (levels x positions x sizes): this is Sequoia's recursion
(its ``tree_search.py`` drafts prefixes too). Value = expected accepted draft tokens
per step; tokens per step = value + 1.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from specbound.distributions import check_int
from specbound.errors import InvalidArgumentError
from specbound.trees.acceptance import as_acceptance
from specbound.trees.tree import DraftTree, _from_arrays

__all__ = ["positional_optimal_tree", "positional_optimal_values"]

#: Largest number of (levels x positions x sizes) candidate entries the DP may visit.
MAX_WORK = 2_000_000_000


def _positional_dp(
    acc: np.ndarray, size: int, max_depth: int | None
) -> tuple[np.ndarray, np.ndarray, int]:
    """Kernel: (values (levels, size + 1), choices (levels, m, size + 1), m) of the DP.

    ``values[-1][b]`` is the best forest of ``b`` nodes below a node with every level
    available (``-inf`` when ``b`` nodes do not fit); ``choices[d, i, b]`` is the subtree
    size ``s`` given to child ``i`` (0 when ``b = 0``). Without a depth limit there is
    one level.
    """
    m = min(acc.size, max(size, 1))
    a = acc[:m]
    levels = 1 if max_depth is None else max_depth
    work = levels * m * size * (size + 1) // 2
    if work > MAX_WORK:
        raise InvalidArgumentError(
            f"size: the exact positional DP would visit {work:.3g} entries (limit "
            f"{MAX_WORK:.0e}; cost levels x positions x size^2 / 2); use a smaller size, "
            "max_depth or vector, or sort=True for the sorted relaxation"
        )
    neg = -np.inf
    # g[d, i, size - b] = G_d(i, b), stored reversed so that the terms G(i + 1, b - s),
    # s = 1..b, are one contiguous slice
    g = np.full((levels, m + 1, size + 1), neg)
    g[:, :, size] = 0.0
    # af[d, i, t] = a_i (1 + F_{d-1}(t)): child i carrying t nodes below it
    af = np.full((levels, m, size + 1), neg)
    dtype = np.int16 if size < np.iinfo(np.int16).max else np.int32
    choice = np.zeros((levels, m, size + 1), dtype=dtype)
    rows_d = np.arange(levels)[:, None]
    rows_i = np.arange(m)[None, :]
    for b in range(1, size + 1):
        t = b - 1
        if max_depth is None:
            below = g[:, 0, size - t]  # F(t), known: every budget < b is done
        else:
            below = np.empty(levels)
            below[0] = 0.0 if t == 0 else neg  # F_0: nothing fits below the last level
            below[1:] = g[:-1, 0, size - t]
        ok = np.isfinite(below)
        gain = np.where(ok, 1.0 + below, 0.0)[:, None] * a[None, :]
        af[:, :, t] = np.where(ok[:, None], gain, neg)
        # cand[d, i, s - 1] = af[d, i, s - 1] + G_d(i + 1, b - s), s = 1..b
        cand = af[:, :, :b] + g[:, 1:, size - b + 1 :]
        arg = np.argmax(cand, axis=2)
        g[:, :m, size - b] = cand[rows_d, rows_i, arg]
        choice[:, :, b] = arg + 1
    return g[:, 0, ::-1], choice, m


def _check(
    acceptance: ArrayLike, size: int, max_depth: int | None
) -> tuple[np.ndarray, int, int | None]:
    acc = as_acceptance(acceptance, require_sorted=False)
    size = check_int(size, "size", 0)
    if max_depth is not None:
        max_depth = check_int(max_depth, "max_depth", 1)
        if max_depth >= size:
            max_depth = None  # a chain of ``size`` nodes fits: no constraint
    return acc, size, max_depth


def positional_optimal_values(
    acceptance: ArrayLike, max_size: int, max_depth: int | None = None
) -> np.ndarray:
    """Best expected accepted draft tokens of a prefix-drafted tree, for every size at once.

    Parameters
    ----------
    acceptance : (m,) array_like
        Positional acceptance vector in drafting order (any order; in [0, 1], sum <= 1):
        ``acceptance[i]`` is the probability that the i-th drafted child of a node is
        the accepted one, the same at every node.
    max_size : int
        Largest tree size (drafted tokens), >= 0.
    max_depth : int, optional
        Largest node depth, >= 1.

    Returns
    -------
    (max_size + 1,) float64
        ``[k]`` = :math:`\\max_T \\sum_{v \\in T} \\prod a` over trees of ``k`` nodes whose
        siblings are prefixes of the candidates (expected accepted draft tokens per
        step; add 1 for tokens per step); ``-inf`` where ``k`` nodes do not fit in
        ``max_depth`` levels. One DP run gives every size (see the module docstring).

    Raises
    ------
    InvalidArgumentError
        Bad ``acceptance``, ``max_size < 0``, ``max_depth < 1``, or a DP larger than
        :data:`MAX_WORK` entries.

    Examples
    --------
    >>> np.round(positional_optimal_values([0.3, 0.6], 3), 6)  # 0.3 + 0.6 + 0.6*0.3
    array([0.  , 0.3 , 0.9 , 1.08])
    """
    acc, size, depth = _check(acceptance, max_size, max_depth)
    return _positional_dp(acc, size, depth)[0][-1].copy()


def positional_optimal_tree(
    acceptance: ArrayLike, size: int, max_depth: int | None = None
) -> DraftTree:
    """The exact best tree of ``size`` nodes when siblings are a prefix of the candidates.

    The value of a tree is :math:`\\sum_{v\\in T}\\prod_{j} a_{r_j(v)}` (expected accepted
    draft tokens per step) with the constraint that a node with ``c`` children uses
    candidates ``0..c-1``. For a non-increasing vector this is the greedy (Tunstall /
    top-P) optimum of :func:`~specbound.trees.optimal_tree`; for any other order the
    greedy on the sorted vector is only an upper bound (a relaxation that may draft
    candidate 2 without candidate 1). Exact DP of the module docstring,
    O(levels x m x size^2 / 2) with m = min(len(acceptance), size) positions and
    levels = ``max_depth`` (1 without a limit): budgets up to 1024 with 64 positions
    in 0.05-0.2 s without a depth limit (3-7 s with ``max_depth=16`` when the limit
    binds; the unconstrained optimum is returned when it already fits).

    Parameters
    ----------
    acceptance : (m,) array_like
        Positional acceptance vector in drafting order (any order; in [0, 1], sum <= 1).
    size : int
        Number of non-root nodes (drafted tokens), >= 0.
    max_depth : int, optional
        Largest allowed node depth, >= 1.

    Returns
    -------
    DraftTree
        ``child_index`` is the candidate position (siblings use 0..c-1), so
        ``acceptance[child_index]`` is each node's acceptance. Ties are broken towards
        the smaller first subtree.

    Raises
    ------
    InvalidArgumentError
        Bad arguments, ``size`` nodes that do not fit in ``max_depth`` levels, or a DP
        larger than :data:`MAX_WORK` entries.

    Examples
    --------
    >>> t = positional_optimal_tree([0.3, 0.6], 2)  # candidate 2 needs candidate 1
    >>> t.rank_paths(), round(t.expected_accepted, 6)
    ([(0,), (1,)], 0.9)
    """
    acc, size, depth = _check(acceptance, size, max_depth)
    if depth is not None:
        free = positional_optimal_tree(acc, size)
        if free.depth <= depth:  # the unconstrained optimum already fits
            return free
    values, choice, _ = _positional_dp(acc, size, depth)
    if not np.isfinite(values[-1][size]):
        raise InvalidArgumentError(
            f"size: {size} nodes do not fit in max_depth = {max_depth} levels with "
            f"{acc.size} candidates per node"
        )
    levels = choice.shape[0]
    parent: list[int] = []
    rank: list[int] = []
    queue = [(-1, size, levels - 1)]  # (node, nodes below it, level index of its children)
    head = 0
    while head < len(queue):
        node, rem, d = queue[head]
        head += 1
        i = 0
        while rem > 0:
            s = int(choice[d, i, rem])
            parent.append(node)
            rank.append(i)
            queue.append((len(parent) - 1, s - 1, d - 1 if depth is not None else d))
            rem -= s
            i += 1
    return _from_arrays(np.array(parent, dtype=np.int64), np.array(rank, dtype=np.int64), acc)
