"""``optimal_tree``: the draft tree of a given size maximising expected accepted tokens.

Dispatches to the best-first greedy (:mod:`specbound.trees.greedy`), to the Sequoia-style
DP when a depth limit binds (:mod:`specbound.trees.depth_limited`), and to the exact
prefix-drafting DP for a vector that is not sorted (:mod:`specbound.trees.positional`);
handles validation and the ``sort=True`` relabelling.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from specbound.distributions import check_int
from specbound.errors import InvalidArgumentError
from specbound.limits import check_allocation, check_work
from specbound.trees.acceptance import as_acceptance
from specbound.trees.depth_limited import _depth_limited_dp
from specbound.trees.greedy import _greedy
from specbound.trees.positional import positional_optimal_tree
from specbound.trees.tree import DraftTree

__all__ = ["check_tree_size", "optimal_tree"]

#: Peak bytes per node of :func:`optimal_tree` (measured: ~1.1 GB for 10^7 nodes).
NODE_BYTES = 128


def check_tree_size(
    size: int, name: str = "size", max_depth: int | None = None, ranks: int = 1
) -> int:
    """Refuse a tree of ``size`` nodes whose construction exceeds the resource limits.

    Memory ``NODE_BYTES`` per node (the best-first greedy), and with a binding
    ``max_depth`` the DP's O(max_depth * ranks * size) memory and
    O(max_depth * size^2 * log ranks) work (:mod:`specbound.limits`); ``name`` is the
    argument named in the error (``k`` for ERSD, ``capacity`` for speed-of-light).
    """
    check_allocation(name, size, NODE_BYTES, what="nodes")
    if max_depth is not None:
        m = min(ranks, size)
        check_allocation(name, (max_depth, m + 1, size + 1), np.int64, what="DP entries")
        check_work(name, max_depth * float(size) ** 2 * (1 + np.log(m + 1)), "DP steps")
    return size


def optimal_tree(
    acceptance: ArrayLike, size: int, max_depth: int | None = None, *, sort: bool = False
) -> DraftTree:
    """The draft tree of ``size`` nodes maximising the expected accepted tokens.

    Under stateless acceptance the value of a tree is :math:`\\sum_{v\\in T}\\pi(v)`, so
    without a depth limit the optimum is the set of the ``size`` rank paths of largest
    :math:`\\pi` (prefix-closed because :math:`\\alpha \\le 1`): the Tunstall-code tree of
    Kobus & Gunduz (arXiv 2504.15475) and the top-P tree of Pankratov & Alistarh
    (arXiv 2512.11718) for a deterministic environment. It is built best-first.
    With ``max_depth`` the optimum is found by an exact dynamic program over
    (depth budget, nodes) in the style of Sequoia (arXiv 2402.12374); if the
    unconstrained optimum already has depth <= ``max_depth`` it is returned.

    A vector that is not non-increasing is read as a positional acceptance vector in
    drafting order (a measured GSD / Sequoia vector): a node's children are a prefix of
    the candidates, child ``i + 1`` only with child ``i``. The greedy is not optimal
    then, and the exact DP of :func:`~specbound.trees.positional_optimal_tree` is used
    (O(levels x m x size^2 / 2); budgets up to 1024 with 64 positions in 0.05-0.2 s).
    ``sort=True`` instead lets a node draft any set of ranks (an ERSD rank law): for a
    positional vector that is a relaxation, an upper bound that no prefix-drafted tree
    attains in general.

    Parameters
    ----------
    acceptance : (m,) array_like
        Per-child acceptance probabilities in [0, 1], summing to at most 1 (a rank law,
        a positional acceptance vector or a sorted next-token distribution), the same
        at every node. Best child first (non-increasing) for the greedy; any other
        order is solved exactly as a positional vector (see above).
    size : int
        Number of non-root nodes (drafted tokens), >= 0.
    max_depth : int, optional
        Largest allowed node depth, >= 1.
    sort : bool
        Use the entries in decreasing order (any set of ranks may be drafted) instead of
        the drafting order; ``child_index`` then holds original indices into
        ``acceptance``.

    Returns
    -------
    DraftTree
        Ties between equal path probabilities are broken arbitrarily (the value is
        unaffected); siblings always use a prefix of the ranks (of the sorted ranks with
        ``sort=True``).

    Raises
    ------
    InvalidArgumentError
        Bad ``acceptance`` (see :func:`as_acceptance`), ``size < 0``, ``max_depth < 1``,
        more nodes than fit in ``max_depth`` levels, or (unsorted vector) a positional
        DP larger than :data:`specbound.trees.positional.MAX_WORK` entries.
    ResourceLimitError
        ``size`` beyond the memory or work limit (:func:`check_tree_size`).

    Notes
    -----
    Algorithms, as implemented here:

    * ``size < 4096``: the best-first heap greedy of the notes (pop the largest
      frontier node, push its best child and its next sibling), O(size log size).
    * ``size >= 4096``: the same set found with numpy. The top-``size`` set is a
      super-level set {pi >= tau}; the set is grown level by level for a threshold
      predicted from its growth rate, #{pi >= e^{-T}} ~ C e^{theta T} with
      sum_r alpha(r)^theta = 1, and cut to ``size`` nodes (ties broken breadth first).
      Path probabilities are the same floating-point products as the heap's, so the
      multiset of values is bit-identical; for lattice laws whose levels overshoot
      the memory cap, or trees deeper than ``max(500, size / 20)`` levels, it falls
      back to the heap. About 0.1-0.7 s for 10^6 nodes (benchmarks/results/trees.md).
    * ``max_depth`` binding: the DP of :func:`_depth_limited_dp`,
      O(max_depth * size^2 * log m) time and O(max_depth * m * size) memory, i.e.
      practical up to a few thousand nodes (size 1024, depth 16, 32 ranks: < 1 s).

    Examples
    --------
    >>> round(optimal_tree([0.9, 0.1], 3).expected_accepted, 6)  # chain 0.9 + 0.81 + 0.729
    2.439
    >>> round(optimal_tree([0.9, 0.1], 3, max_depth=1).expected_accepted, 6)
    Traceback (most recent call last):
    ...
    specbound.errors.InvalidArgumentError: size: 3 nodes do not fit in max_depth = 1 ...
    >>> round(optimal_tree([0.9, 0.1], 3, max_depth=2).expected_accepted, 6)  # 0.9 + 0.81 + 0.1
    1.81
    >>> round(optimal_tree([0.3, 0.6], 2).expected_accepted, 6)  # prefix: 0.3 + 0.6
    0.9
    >>> round(optimal_tree([0.3, 0.6], 2, sort=True).expected_accepted, 6)  # 0.6 + 0.36
    0.96
    """
    acc_in = as_acceptance(acceptance, require_sorted=False)
    if not sort and np.any(np.diff(acc_in) > 0):
        return positional_optimal_tree(acc_in, size, max_depth)
    size = check_int(size, "size", 0)
    if max_depth is not None:
        max_depth = check_int(max_depth, "max_depth", 1)
    check_tree_size(size)
    order = None
    acc = acc_in
    if sort:
        order = np.argsort(-acc_in, kind="stable")
        acc = acc_in[order]
    tree = _greedy(acc, size)
    if max_depth is not None and tree.depth > max_depth:
        fits = sum(float(acc.size) ** d for d in range(1, min(max_depth, 64) + 1))
        if size > fits:
            raise InvalidArgumentError(
                f"size: {size} nodes do not fit in max_depth = {max_depth} levels with "
                f"{acc.size} ranks"
            )
        check_tree_size(size, "size", max_depth, acc.size)
        tree = _depth_limited_dp(acc, size, max_depth)
    if order is not None:
        tree = DraftTree(
            tree.parent, order[tree.child_index], tree.node_depth, tree.path_probability, acc_in
        )
    return tree
