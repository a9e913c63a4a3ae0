"""Trees given by the caller (parent / child-index arrays or rank paths), validated and valued.

The value of a given tree is :math:`E[X] = \\sum_{v \\in T} \\prod_{i=1}^{d(v)} \\alpha(r_i(v))`
accepted draft tokens per step (acceptance identity, arXiv 2512.11718 /
arXiv 2504.15475). The acceptance vector may be in any order here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import ArrayLike

from specbound.errors import InvalidArgumentError
from specbound.trees.acceptance import as_acceptance
from specbound.trees.tree import DraftTree, _from_arrays

__all__ = ["tree_from_paths", "tree_value"]


def tree_value(acceptance: ArrayLike, parent: ArrayLike, child_index: ArrayLike) -> DraftTree:
    """Evaluate a given draft tree under a positional acceptance vector.

    .. math:: E[\\text{accepted}] = \\sum_{v \\in T} \\prod_{i=1}^{d(v)} \\alpha(r_i(v))

    (acceptance identity, arXiv 2512.11718 / arXiv 2504.15475).

    Parameters
    ----------
    acceptance : (m,) array_like
        Per-rank acceptance probabilities (any order; in [0, 1], sum <= 1).
    parent : (size,) array_like of int
        Parent index of each node, -1 for children of the root; ``parent[i] < i``.
    child_index : (size,) array_like of int
        Rank of each node among its siblings, in ``[0, m)``; distinct among siblings.

    Returns
    -------
    DraftTree

    Raises
    ------
    InvalidArgumentError
        Bad acceptance vector; parent not 1-D integers with ``-1 <= parent[i] < i``;
        child_index out of range or repeated among siblings; length mismatch.
    """
    acc = as_acceptance(acceptance, require_sorted=False)
    par = _as_int_array(parent, "parent")
    ci = _as_int_array(child_index, "child_index")
    if par.shape != ci.shape:
        raise InvalidArgumentError(
            f"child_index: must have the same length as parent, got {ci.size} and {par.size}"
        )
    idx = np.arange(par.size)
    bad = np.flatnonzero((par < -1) | (par >= idx))
    if bad.size:
        i = int(bad[0])
        raise InvalidArgumentError(
            f"parent: parent[{i}] = {int(par[i])} must be -1 (root) or an earlier node index"
        )
    bad = np.flatnonzero((ci < 0) | (ci >= acc.size))
    if bad.size:
        i = int(bad[0])
        raise InvalidArgumentError(
            f"child_index: child_index[{i}] = {int(ci[i])} must lie in [0, {acc.size})"
        )
    if par.size:
        keys = (par + 1) * acc.size + ci
        if np.unique(keys).size != keys.size:
            raise InvalidArgumentError("child_index: two siblings share the same child_index")
    return _from_arrays(par, ci, acc)


def _as_int_array(x: ArrayLike, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise InvalidArgumentError(f"{name}: must be 1-D, got shape {arr.shape}")
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if not np.issubdtype(arr.dtype, np.integer):
        if (
            np.issubdtype(arr.dtype, np.floating)
            and np.all(np.isfinite(arr))
            and np.all(arr == np.round(arr))
        ):
            arr = arr.astype(np.int64)
        else:
            raise InvalidArgumentError(f"{name}: must hold integers, got dtype {arr.dtype}")
    return arr.astype(np.int64)


def tree_from_paths(acceptance: ArrayLike, paths: Iterable[Sequence[int]]) -> DraftTree:
    """The tree holding the given rank paths (which must be prefix-closed), breadth first.

    Raises
    ------
    InvalidArgumentError
        If a path's prefix is missing, a path repeats, or a rank is out of range.
    """
    uniq = sorted({tuple(int(r) for r in p) for p in paths}, key=lambda p: (len(p), p))
    index = {p: i for i, p in enumerate(uniq)}
    parent = []
    for p in uniq:
        if len(p) == 0:
            raise InvalidArgumentError("paths: the empty path (the root) is implicit")
        if len(p) > 1 and p[:-1] not in index:
            raise InvalidArgumentError(f"paths: {p} is present but its prefix {p[:-1]} is not")
        parent.append(index[p[:-1]] if len(p) > 1 else -1)
    return tree_value(
        acceptance, np.array(parent, dtype=np.int64), np.array([p[-1] for p in uniq], np.int64)
    )
