"""Input checks shared by the ERSD modules: a (target, draft) pair and rank laws.

Kobus & Gunduz, arXiv 2504.15475. ``target`` = p, ``draft`` = q; a rank law is
alpha(r) = P(R = r), r = 1..n (:func:`~specbound.bounds.exponential_races.rank_distribution`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from specbound.distributions import _as_float_array, as_distribution, check_same_size
from specbound.errors import InvalidArgumentError


def _pair(target: ArrayLike, draft: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    p = as_distribution(target, "target")
    q = as_distribution(draft, "draft")
    check_same_size(p, q, "target", "draft")
    return p, q


def _law(rank_law: ArrayLike) -> np.ndarray:
    """A validated rank law, not renormalised (its quadrature error stays visible)."""
    as_distribution(rank_law, "rank_law")
    return np.asarray(rank_law, dtype=np.float64)


def _head(rank_law: ArrayLike, name: str = "rank_law") -> np.ndarray:
    """A rank law or its first ranks: non-negative, finite, 1-D, summing to at most 1."""
    a = _as_float_array(rank_law, name)
    if a.ndim != 1 or a.size == 0 or not np.all(np.isfinite(a)) or a.min() < 0:
        raise InvalidArgumentError(f"{name}: must be a non-empty 1-D array of probabilities")
    if a.sum() > 1 + 1e-9:
        raise InvalidArgumentError(f"{name}: sums to {a.sum():.12g} > 1")
    return a
