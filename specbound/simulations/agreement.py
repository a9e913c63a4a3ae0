"""Statistical tests that judge exact values against simulations.

* :func:`chisquare_gof`: Pearson chi-square goodness of fit of sampled tokens to
  an exact law, with low-expectation bins merged so that every bin expects at
  least ``min_expected`` counts (never an empty expected bin, never a NaN).
* :func:`binomial_pvalue`: exact two-sided binomial test of a count.

Under the null hypothesis the p-value is uniform, so a threshold ``alpha`` is a
false-alarm rate of ``alpha`` per test.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from specbound.distributions import as_distribution


@dataclass(frozen=True)
class GofResult:
    """Result of a chi-square goodness-of-fit test.

    Attributes
    ----------
    statistic : float
        Pearson's X^2 = sum (observed - expected)^2 / expected over merged bins.
    dof : int
        Merged bins minus one.
    pvalue : float
        P(chi2_dof >= statistic); 0.0 when a zero-probability outcome was observed.
    n : int
        Number of samples.
    bins : int
        Number of merged bins.
    """

    statistic: float
    dof: int
    pvalue: float
    n: int
    bins: int

    def __str__(self) -> str:
        return f"X²={self.statistic:.4g}, dof={self.dof}, p={self.pvalue:.3g} (n={self.n})"


def merge_bins(expected: np.ndarray, min_expected: float) -> np.ndarray:
    """Group labels that merge bins of small expectation.

    Bins are visited in increasing order of expectation and pooled greedily into
    groups expecting at least ``min_expected`` each; a final short group joins
    the previous one. Bins already at ``min_expected`` stay alone. Returns an int
    label per bin (labels 0..groups-1). Cost O(n log n) (the loop runs over the
    small bins only; this is a test utility, not a hot path).
    """
    order = np.argsort(expected, kind="stable")
    e_sorted = expected[order]
    n_small = int(np.searchsorted(e_sorted, min_expected, side="left"))
    labels_sorted = np.empty(expected.size, dtype=np.int64)
    group, mass = 0, 0.0
    for i in range(n_small):
        labels_sorted[i] = group
        mass += e_sorted[i]
        if mass >= min_expected:
            group, mass = group + 1, 0.0
    # an open short group (mass > 0) shares label `group` with the smallest large bin
    labels_sorted[n_small:] = group + np.arange(expected.size - n_small)
    if mass > 0 and n_small == expected.size and group > 0:
        labels_sorted[labels_sorted == group] = group - 1  # no large bin: join the previous
    labels = np.empty_like(labels_sorted)
    labels[order] = labels_sorted
    return labels


def chisquare_gof(
    samples: ArrayLike | None,
    probs: ArrayLike,
    *,
    counts: ArrayLike | None = None,
    min_expected: float = 5.0,
) -> GofResult:
    """Chi-square goodness of fit of categorical samples to the law ``probs``.

    Parameters
    ----------
    samples : (N,) int array-like or None
        Sampled outcomes in 0..n-1 (or pass ``counts``).
    probs : (n,) array-like
        The exact law.
    counts : (n,) array-like, optional
        Observed counts per outcome instead of ``samples``.
    min_expected : float
        Minimum expected count of a merged bin (Cochran's rule: 5).

    Returns
    -------
    GofResult
        With ``pvalue = 0`` if an outcome of probability 0 was observed, and
        ``pvalue = 1`` when everything falls in one merged bin (nothing to test).
    """
    p = as_distribution(probs, "probs")
    if counts is None:
        x = np.asarray(samples)
        if x.size and (x.min() < 0 or x.max() >= p.size):
            raise ValueError(f"samples: outcomes must lie in 0..{p.size - 1}")
        obs = np.bincount(x.ravel(), minlength=p.size).astype(np.float64)
    else:
        obs = np.asarray(counts, dtype=np.float64)
        if obs.shape != p.shape:
            raise ValueError(f"counts: shape {obs.shape} differs from probs' {p.shape}")
    n = int(obs.sum())
    if n == 0:
        raise ValueError("samples: no samples")
    impossible = (p == 0) & (obs > 0)
    if impossible.any():
        return GofResult(np.inf, 0, 0.0, n, int(p.size))
    support = p > 0
    expected = n * p[support]
    labels = merge_bins(expected, min_expected)
    e = np.bincount(labels, weights=expected)
    o = np.bincount(labels, weights=obs[support])
    if e.size < 2:
        return GofResult(0.0, 0, 1.0, n, int(e.size))
    stat = float(((o - e) ** 2 / e).sum())
    dof = int(e.size - 1)
    return GofResult(stat, dof, float(special.chdtrc(dof, stat)), n, int(e.size))


def binomial_pvalue(successes: int, trials: int, p: float) -> float:
    """Exact two-sided binomial test p-value of ``successes`` out of ``trials`` at rate ``p``."""
    from scipy import stats  # imported here: scipy.stats costs ~1.5 s at import

    return float(stats.binomtest(int(successes), int(trials), float(p)).pvalue)
