"""``optimal_tree``: the draft tree of a given size maximising expected accepted tokens.

Dispatches to the best-first greedy (:mod:`specbound.trees.greedy`) and, when a depth
limit binds, to the Sequoia-style DP (:mod:`specbound.trees.depth_limited`); handles
validation and the ``sort=True`` relabelling.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from specbound.distributions import check_int
from specbound.trees.acceptance import as_acceptance
from specbound.trees.depth_limited import _depth_limited_dp
from specbound.trees.greedy import _greedy
from specbound.trees.tree import DraftTree

__all__ = ["optimal_tree"]


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

    Parameters
    ----------
    acceptance : (m,) array_like
        Per-child acceptance probabilities, best child first (non-increasing), in
        [0, 1], summing to at most 1 (a rank law, a positional acceptance vector or a
        sorted next-token distribution), the same at every node.
    size : int
        Number of non-root nodes (drafted tokens), >= 0.
    max_depth : int, optional
        Largest allowed node depth, >= 1.
    sort : bool
        Use the entries in decreasing order instead of rejecting an unsorted vector;
        ``child_index`` then holds original indices into ``acceptance``.

    Returns
    -------
    DraftTree
        Ties between equal path probabilities are broken arbitrarily (the value is
        unaffected); siblings always use a prefix of the sorted ranks.

    Raises
    ------
    InvalidArgumentError
        Bad ``acceptance`` (see :func:`as_acceptance`), ``size < 0``, ``max_depth < 1``,
        or more nodes than fit in ``max_depth`` levels.

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
    """
    acc_in = as_acceptance(acceptance, require_sorted=not sort)
    size = check_int(size, "size", 0)
    if max_depth is not None:
        max_depth = check_int(max_depth, "max_depth", 1)
    order = None
    acc = acc_in
    if sort:
        order = np.argsort(-acc_in, kind="stable")
        acc = acc_in[order]
    tree = _greedy(acc, size)
    if max_depth is not None and tree.depth > max_depth:
        tree = _depth_limited_dp(acc, size, max_depth)
    if order is not None:
        tree = DraftTree(
            tree.parent, order[tree.child_index], tree.node_depth, tree.path_probability, acc_in
        )
    return tree
