"""Vectorised categorical sampling by inverse CDF.

Tokens of probability 0 are never drawn, even when the CDF's last entry is
below 1 by rounding: uniforms are scaled by the total mass.
"""

from __future__ import annotations

import numpy as np


def sample_categorical(probs: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``size`` i.i.d. tokens from ``probs`` (valid 1-D law) as int64.

    Cost O(n + size log n): one cumulative sum, then a binary search per draw.
    """
    cdf = np.cumsum(probs)
    u = rng.random(size) * cdf[-1]
    return np.searchsorted(cdf, u, side="right")


def sample_rows(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One token from each row of a (m, n) array of laws, vectorised over rows.

    Cost O(m n). Rows must be non-negative with a positive sum (need not be
    normalised).
    """
    cdf = np.cumsum(probs, axis=1)
    u = rng.random(probs.shape[0]) * cdf[:, -1]
    return (cdf <= u[:, None]).sum(axis=1)
