"""The per-child acceptance vector of a draft tree: validation (entries, sum, order).

``acceptance[r]`` is the probability that the child of rank ``r`` of any node is the
accepted one (stateless acceptance, assumption (S) of Kobus & Gunduz, arXiv
2504.15475). The entries are probabilities of disjoint events: in [0, 1], summing to
at most 1. Builders of optimal trees and standard shapes require them best child
first (non-increasing); see the sorting policy in :mod:`specbound.trees`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from specbound.distributions import _read_float_array, sum_tolerance
from specbound.errors import InvalidArgumentError

__all__ = ["as_acceptance"]


def as_acceptance(
    acceptance: ArrayLike, name: str = "acceptance", require_sorted: bool = True
) -> np.ndarray:
    """Validate a per-child acceptance vector and return it as a float64 1-D array.

    Parameters
    ----------
    acceptance : (m,) array_like
        ``acceptance[r]`` is the probability that the child of rank ``r`` of a node
        is the accepted one. Entries must be finite, in [0, 1], and sum to at most
        1 + :func:`~specbound.distributions.sum_tolerance` of their dtype and size
        (disjoint events; 1e-9 for float64, ~1e-6 for a short float32 vector).
    name : str
        Argument name used in error messages.
    require_sorted : bool
        If True, the entries must be non-increasing (best child first).

    Raises
    ------
    InvalidArgumentError
        If the vector is not 1-D, empty, not finite, has an entry outside [0, 1],
        sums to more than 1, or (``require_sorted``) is not non-increasing.
    """
    arr, dtype = _read_float_array(acceptance, name)
    if arr.ndim != 1:
        raise InvalidArgumentError(f"{name}: must be 1-D, got shape {arr.shape}")
    if arr.size == 0:
        raise InvalidArgumentError(f"{name}: must not be empty")
    if not np.all(np.isfinite(arr)):
        raise InvalidArgumentError(f"{name}: entries must be finite")
    bad = np.flatnonzero((arr < 0) | (arr > 1))
    if bad.size:
        i = int(bad[0])
        raise InvalidArgumentError(
            f"{name}: entries must lie in [0, 1], got {float(arr[i])!r} at [{i}]"
        )
    total = float(arr.sum())
    tol = sum_tolerance(dtype, arr.size)
    if total > 1 + tol:
        raise InvalidArgumentError(
            f"{name}: entries are probabilities of disjoint events and must sum to at most 1, "
            f"got sum {total!r} (tolerance {tol:.2g} for {arr.size} entries of {dtype})"
        )
    if require_sorted:
        up = np.flatnonzero(np.diff(arr) > 0)
        if up.size:
            i = int(up[0]) + 1
            raise InvalidArgumentError(
                f"{name}: must be sorted best child first (non-increasing), but "
                f"[{i}] = {float(arr[i])!r} > [{i - 1}] = {float(arr[i - 1])!r}; sort it "
                "(np.sort(a)[::-1]) or pass sort=True to optimal_tree (--sort on the command line)"
            )
    return arr
