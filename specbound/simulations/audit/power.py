"""Power of the audit's chi-square test, and the family-wise false-alarm control.

The output law of a case is tested with Pearson's chi-square on B bins merged so that
each expects at least 5 counts (:func:`~specbound.simulations.agreement.chisquare_gof`),
rejecting at level a when X^2 exceeds c, the chi2_(B-1) quantile at 1 - a. If the
sampler's law is p' = p + d instead of p, with N trials:

* Worst direction. lambda = N sum_b d_b^2 / p_b >= 4 N eps^2 for a bias of total
  variation eps = (1/2) sum_b |d_b| over the merged bins (Cauchy-Schwarz: sum |d_b| <=
  sqrt(sum d_b^2 / p_b) sqrt(sum p_b)), with equality for d_b = +-2 eps p_b on two
  halves of the mass: the audit states its power in that direction.
* Distribution of X^2 there. The textbook noncentral chi2_(B-1)(lambda) (Mitra 1958)
  overstates the power when many bins expect few counts (simulated: 0.89 instead of
  0.99 at N = 2e4, B = 489). Instead the two moments of X^2 are computed with the
  counts as independent Poisson(mu_b), mu_b = N p'_b, c_b = N p_b, delta_b = mu_b - c_b:

      E[(O - c)^2 / c] = (mu + delta^2) / c,
      Var[(O - c)^2 / c] = (2 mu^2 + mu + 4 delta mu + 4 delta^2 mu) / c^2,

  summed over bins, the mean lowered by 1 and the variance by 2 for the fixed total N
  (one degree of freedom). The signs of d_b = +-2 eps p_b are the adversary's (only the
  mass must balance, and putting the minus sign on many small bins lowers the mean by
  up to 2 eps B), so the mean is bounded below with every mu_b = c_b - |delta_b| and the
  variance above with every mu_b = c_b + |delta_b|. X^2 is then matched to rho chi2_nu
  with rho = var / (2 mean), nu = 2 mean^2 / var (Patnaik 1949), so P(X^2 > c) =
  P(chi2_nu > c / rho).
* eps_min is the smallest eps whose power reaches 0.99 (bisection; the power grows
  with eps). ``--power TV`` finds the smallest N whose eps_min is <= TV (doubling,
  then bisection: the merged bins change with N). The registry claim ``audit.power``
  simulates multinomial counts at eps_min and checks the 0.99.

A bias inside one merged bin (between tokens that each expect fewer than 5 counts) is
invisible to the test; the merged mass is reported. With a single merged bin (a
one-hot target) only mass on impossible tokens can be biased, and it is caught
(p-value 0) with probability 1 - (1 - eps)^N.

Family-wise false alarms: every case runs one law test (and, for single and multi
drafts, one test of acceptance above the optimum); Holm's step-down procedure keeps
P(any false alarm) <= alpha over the whole battery. The power is stated at the
Bonferroni level alpha / m, which Holm's first step uses, so it is conservative for Holm.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from specbound.errors import InvalidArgumentError
from specbound.simulations.agreement import merge_bins

#: Detection probability the power line is stated at.
POWER = 0.99
#: Minimum expected count of a merged bin (as in chisquare_gof).
MIN_EXPECTED = 5.0
#: Largest number of trials --power may ask for.
MAX_TRIALS = 10**9


def merged_bins(law: np.ndarray, trials: int) -> tuple[int, float]:
    """(number of merged bins, target mass of the bins pooled with others) at ``trials``."""
    support = law[law > 0]
    labels = merge_bins(trials * support, MIN_EXPECTED)
    sizes = np.bincount(labels)
    pooled = float(support[sizes[labels] > 1].sum())
    return int(sizes.size), pooled


def bin_masses(law: np.ndarray, trials: int) -> np.ndarray:
    """Target mass of each bin as the test merges them at ``trials``."""
    support = law[law > 0]
    return np.bincount(merge_bins(trials * support, MIN_EXPECTED), weights=support)


def worst_power(masses: np.ndarray, trials: int, eps: float, level: float) -> float:
    """P(the test at ``level`` flags a bias of merged-bin TV ``eps`` in the worst direction).

    ``masses``: the merged bins' target masses (module docstring: two Poisson moments,
    Patnaik's matched chi-square).
    """
    if masses.size < 2:
        return float(1.0 - (1.0 - eps) ** trials)
    c = trials * masses
    delta = 2.0 * eps * c
    _, up_var = _moments(c, c + delta)
    down_mean, _ = _moments(c, c - delta)
    # the signs of d_b are the adversary's (only the mass must balance): bound the mean
    # with every bin below, the variance with every bin above
    return _matched_power(
        float(down_mean.sum()) - 1.0, float(up_var.sum()) - 2.0, masses.size, level
    )


def detectable_tv(law: np.ndarray, trials: int, level: float, power: float = POWER) -> float:
    """Smallest merged-bin TV bias of ``law`` detected with probability ``power``.

    Bisection on :func:`worst_power` (60 halvings of [0, 1]); nan for a law on one token
    (nothing can be biased).
    """
    if law.size <= 1:
        return math.nan
    masses = bin_masses(law, trials)
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if worst_power(masses, trials, mid, level) >= power:
            hi = mid
        else:
            lo = mid
    return hi


def power_against(law: np.ndarray, target: np.ndarray, trials: int, level: float) -> float:
    """Probability that the audit's test at ``level`` flags a sampler whose output law is ``law``.

    The two-moment approximation of the module docstring with the actual bias per merged
    bin, or, if larger, the probability 1 - (1 - m0)^N of seeing an outcome of target
    probability 0 (mass m0 under ``law``).
    """
    support = target > 0
    hit_impossible = 1.0 - (1.0 - float(law[~support].sum())) ** trials
    labels = merge_bins(trials * target[support], MIN_EXPECTED)
    c = trials * np.bincount(labels, weights=target[support])
    mu = trials * np.bincount(labels, weights=law[support])
    if c.size < 2:
        return hit_impossible
    mean, var = _moments(c, mu)
    return max(hit_impossible, _matched_power(mean.sum() - 1, var.sum() - 2, c.size, level))


def _moments(c: np.ndarray, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-bin mean and variance of (O - c)^2 / c for O ~ Poisson(mu)."""
    d = mu - c
    return (mu + d**2) / c, (2 * mu**2 + mu + 4 * d * mu + 4 * d**2 * mu) / c**2


def _matched_power(mean: float, var: float, bins: int, level: float) -> float:
    """P(X^2 > c) for X^2 ~ rho chi2_nu matched to (mean, var) (Patnaik), c the level quantile."""
    rho, nu = var / (2.0 * mean), 2.0 * mean**2 / var
    crit = float(special.chdtri(bins - 1, level))
    return float(special.chdtrc(nu, crit / rho))


def trials_for_power(tv: float, laws: list[np.ndarray], level: float, power: float = POWER) -> int:
    """Fewest trials at which every law's test detects a merged-bin TV bias ``tv``.

    Doubling, then bisection, on N (the merged bins change with N).

    Raises
    ------
    InvalidArgumentError
        If ``tv`` is not in (0, 1] or more than MAX_TRIALS would be needed.
    """
    if not 0.0 < tv <= 1.0:
        raise InvalidArgumentError(f"power: the total variation must lie in (0, 1], got {tv:g}")
    laws = [law for law in laws if law.size > 1]

    def enough(n: int) -> bool:
        return all(worst_power(bin_masses(law, n), n, tv, level) >= power for law in laws)

    hi = 16
    while not enough(hi):
        if hi > MAX_TRIALS:
            raise InvalidArgumentError(
                f"power: detecting TV {tv:g} needs more than {MAX_TRIALS:.0e} trials per case"
            )
        hi *= 2
    lo = hi // 2
    while hi - lo > max(1, lo // 1000):
        mid = (lo + hi) // 2
        if enough(mid):
            hi = mid
        else:
            lo = mid
    return hi


def holm(pvalues: list[float], alpha: float) -> list[bool]:
    """Holm's step-down rejections at family-wise level ``alpha`` (same order as given)."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    reject = [False] * m
    for rank, i in enumerate(order):
        if pvalues[i] > alpha / (m - rank):
            break
        reject[i] = True
    return reject
