"""Standard draft-tree shapes: chain, batch (one level) and complete k-ary trees.

Their values have closed forms in the acceptance vector :math:`\\alpha` (best child
first): chain :math:`\\sum_{i=1}^{k} \\alpha(1)^i`, batch :math:`\\sum_{r<k} \\alpha(r)`,
k-ary :math:`\\sum_{j=1}^{d} (\\sum_{r<b} \\alpha(r))^j` accepted draft tokens per step.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from specbound.distributions import check_int
from specbound.errors import InvalidArgumentError
from specbound.trees.acceptance import as_acceptance
from specbound.trees.tree import DraftTree, _from_arrays

__all__ = ["batch_tree", "chain_tree", "kary_tree"]


def chain_tree(acceptance: ArrayLike, size: int) -> DraftTree:
    """A chain of ``size`` best children: :math:`E[X] = \\sum_{i=1}^{k} \\alpha(1)^i`."""
    acc = as_acceptance(acceptance)
    size = check_int(size, "size", 0)
    parent = np.arange(-1, size - 1, dtype=np.int64)
    return _from_arrays(parent, np.zeros(size, dtype=np.int64), acc)


def batch_tree(acceptance: ArrayLike, size: int) -> DraftTree:
    """One level of ``size`` children of the root: :math:`E[X] = \\sum_{r<k} \\alpha(r)`.

    Raises
    ------
    InvalidArgumentError
        If ``size`` exceeds the number of ranks ``len(acceptance)``.
    """
    acc = as_acceptance(acceptance)
    size = check_int(size, "size", 0)
    if size > acc.size:
        raise InvalidArgumentError(
            f"size: a batch has at most len(acceptance) = {acc.size} children, got {size}"
        )
    return _from_arrays(np.full(size, -1, dtype=np.int64), np.arange(size, dtype=np.int64), acc)


def kary_tree(acceptance: ArrayLike, branching: int, depth: int) -> DraftTree:
    """The complete ``branching``-ary tree of the given depth (top-b children everywhere).

    Size :math:`b + b^2 + \\dots + b^d`; :math:`E[X] = \\sum_{j=1}^{d} (\\sum_{r<b} \\alpha(r))^j`.
    Nodes are in breadth-first order.
    """
    acc = as_acceptance(acceptance)
    branching = check_int(branching, "branching", 1)
    depth = check_int(depth, "depth", 0)
    if branching > acc.size:
        raise InvalidArgumentError(
            f"branching: at most len(acceptance) = {acc.size}, got {branching}"
        )
    total = sum(branching**j for j in range(1, depth + 1))
    if total > 50_000_000:
        raise InvalidArgumentError(f"depth: the tree would have {total} nodes (limit 5e7)")
    parents = []
    ranks = []
    start, count = -1, 1
    offset = 0
    for _ in range(depth):
        if start < 0:
            level_par = np.full(branching, -1, dtype=np.int64)
        else:
            level_par = np.repeat(np.arange(start, start + count, dtype=np.int64), branching)
        parents.append(level_par)
        ranks.append(np.tile(np.arange(branching, dtype=np.int64), count))
        start = offset
        count *= branching
        offset += count
    if not parents:
        return _from_arrays(np.zeros(0, np.int64), np.zeros(0, np.int64), acc)
    return _from_arrays(np.concatenate(parents), np.concatenate(ranks), acc)
