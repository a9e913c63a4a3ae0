"""Entropy moments of a next-token law L: mu, mu2 and phi (nats), exact or sampled.

Pankratov & Alistarh, arXiv 2512.11718 (EACL 2026), as implemented here from the note
``theory/branching_walk.md`` (entropy moments): with the spine step xi = -ln p(x), p ~ L, x ~ p,
mu = E[xi] (expected entropy), mu2 = E[xi^2] (second log-moment) and
phi = E[e^-xi] (expected collision probability). Sample means with standard errors for
laws given as rows; closed forms for the symmetric Dirichlet law.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from specbound.distributions import as_distributions, check_int, check_real
from specbound.errors import InvalidArgumentError


@dataclass(frozen=True)
class EntropyMoments:
    """Entropy moments of a next-token law L, with standard errors when sampled.

    Attributes
    ----------
    mu : float
        E_L[H(p)] = E[xi], nats.
    mu2 : float
        E_L[sum_x p(x) ln^2 p(x)] = E[xi^2], squared nats.
    phi : float
        E_L[sum_x p(x)^2] = E[e^{-xi}].
    mu_se, mu2_se, phi_se : float
        Standard errors of the row means (0 for a single law, which is exact).
    rows : int
        Number of sampled laws averaged (1 for one law).
    """

    mu: float
    mu2: float
    phi: float
    mu_se: float
    mu2_se: float
    phi_se: float
    rows: int

    @property
    def sigma2(self) -> float:
        """Variance of the spine step, mu2 - mu^2 (nats^2)."""
        return self.mu2 - self.mu**2


def _row_moments(p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-row H(p), sum p ln^2 p and sum p^2 of valid laws (zeros skipped: 0 ln 0 = 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        logp = np.where(p > 0, np.log(np.where(p > 0, p, 1.0)), 0.0)
    plog = p * logp
    return -plog.sum(axis=1), (plog * logp).sum(axis=1), (p * p).sum(axis=1)


def entropy_moment_estimates(laws: ArrayLike) -> EntropyMoments:
    """mu, mu2 and phi of one law or of the rows of sampled laws, with standard errors.

    .. math:: \\mu = \\frac1m \\sum_i H(p_i), \\quad
              \\mu_2 = \\frac1m \\sum_i \\sum_x p_i(x) \\ln^2 p_i(x), \\quad
              \\varphi = \\frac1m \\sum_i \\sum_x p_i(x)^2

    Entropy moments as in ``theory/branching_walk.md`` (arXiv 2512.11718 as implemented here).
    mu2 is the mean of the per-law second log-moments, not (E H)^2. Cost O(m n).

    Parameters
    ----------
    laws : (n,) or (m, n) array-like
        One next-token law, or m sampled laws (rows, e.g. softmax outputs at m
        positions of text or m draws of a random law). Zeros are allowed.

    Returns
    -------
    EntropyMoments
        Means over rows; standard errors sd/sqrt(m) (0 when m = 1).

    Raises
    ------
    InvalidArgumentError
        ``laws`` is not a law or a 2-D array of laws.
    """
    return _summarise(*_row_moments(as_distributions(laws, "laws")))


def _summarise(h: np.ndarray, m2: np.ndarray, c: np.ndarray) -> EntropyMoments:
    """Means and standard errors of per-law H(p), sum p ln^2 p and sum p^2 (m rows)."""
    m = h.size

    def se(v: np.ndarray) -> float:
        return float(v.std(ddof=1) / math.sqrt(m)) if m > 1 else 0.0

    return EntropyMoments(
        float(h.mean()),
        float(m2.mean()),
        float(c.mean()),
        se(h),
        se(m2),
        se(c),
        m,
    )


def entropy_moments(laws: ArrayLike) -> tuple[float, float]:
    """(mu, mu2) in nats of one next-token law or the mean over sampled laws (rows).

    .. math:: \\mu = E_L\\Big[-\\sum_x p(x)\\ln p(x)\\Big],\\qquad
              \\mu_2 = E_L\\Big[\\sum_x p(x)\\ln^2 p(x)\\Big]

    arXiv 2512.11718 (abstract: "expected entropy" and "expected second
    log-moment"); definitions as implemented here (entropy moments). For standard errors
    and phi use :func:`entropy_moment_estimates`.

    Parameters
    ----------
    laws : (n,) or (m, n) array-like
        One law (a deterministic environment) or m sampled laws.

    Returns
    -------
    (float, float)
        mu in nats and mu2 in squared nats.

    Examples
    --------
    >>> mu, mu2 = entropy_moments([0.5, 0.5])
    >>> round(mu, 6), round(mu2, 6)
    (0.693147, 0.480453)
    """
    est = entropy_moment_estimates(laws)
    return est.mu, est.mu2


def dirichlet_moments(concentration: float, n: int) -> tuple[float, float, float]:
    """Exact (mu, mu2, phi) of the symmetric Dirichlet law Dir(a 1_n).

    With A = n a and digamma/trigamma psi0/psi1 (entropy moments):

    .. math:: \\mu = \\psi_0(A+1) - \\psi_0(a+1),\\quad
              \\mu_2 = (\\psi_0(a+1) - \\psi_0(A+1))^2 + \\psi_1(a+1) - \\psi_1(A+1),\\quad
              \\varphi = \\frac{a+1}{A+1}

    Derivation: E[sum_x p_x f(p_x)] = n E[p_1 f(p_1)] and p_1 ~ Beta(a, A - a), so
    size-biasing gives Beta(a + 1, A - a), whose log has mean psi0(a+1) - psi0(A+1)
    and variance psi1(a+1) - psi1(A+1).

    For a >= 1e8 (where A may overflow, e.g. a = 1e308) the differences are taken
    from the asymptotic series psi0(x) = ln x - 1/(2x) - 1/(12x^2) + O(x^-4) and
    psi1(x) = 1/x + 1/(2x^2) + O(x^-3) with x = a + 1, A + 1 = x r and
    r = n - (n - 1)/x (never overflows): relative error below 1e-24, and the
    values tend to the uniform law's (ln n, ln^2 n, 1/n) as a grows.

    Parameters
    ----------
    concentration : float > 0
        a, the per-token concentration.
    n : int >= 1
        Vocabulary size.
    """
    a = check_real(concentration, "concentration", 0.0)
    if a == 0:
        raise InvalidArgumentError("concentration: must be > 0")
    n = check_int(n, "n", 1)
    x = a + 1.0
    ratio = n - (n - 1) / x  # (A + 1) / (a + 1), A = n a
    if a < 1e8:
        big = n * a
        mean_log = special.digamma(x) - special.digamma(big + 1)
        var_log = special.polygamma(1, x) - special.polygamma(1, big + 1)
        phi = x / (big + 1)
    else:  # asymptotic series: psi(x) - psi(x r) without forming x r
        inv_x, inv_y = 1.0 / x, 1.0 / x / ratio
        mean_log = -math.log(ratio) - (inv_x - inv_y) / 2 - (inv_x**2 - inv_y**2) / 12
        var_log = (inv_x - inv_y) + (inv_x**2 - inv_y**2) / 2
        phi = 1.0 / ratio
    return float(-mean_log) + 0.0, float(mean_log**2 + var_log), float(phi)
