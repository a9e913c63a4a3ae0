"""Power of the audit's chi-square test, and the family-wise false-alarm control.

The output law of a case is tested with Pearson's chi-square on bins merged so
that each expects at least 5 counts (:func:`~specbound.simulations.agreement.chisquare_gof`).
If the sampler's law is p' instead of p, the statistic over B merged bins with N
trials is asymptotically noncentral chi-square with B - 1 degrees of freedom and
noncentrality (Mitra 1958; Cohen's power analysis)

    lambda = N sum_b (p'_b - p_b)^2 / p_b.

Over all biases of total variation eps = (1/2) sum_b |p'_b - p_b| on the merged
bins, Cauchy-Schwarz gives sum_b d_b^2 / p_b >= (sum_b |d_b|)^2 / sum_b p_b = 4 eps^2,
so lambda >= 4 N eps^2 (equality when d_b = +-2 eps p_b on two halves of the mass:
the worst direction). The test at level a rejects when the statistic exceeds
c = chi2_(B-1) upper quantile at a; it detects every bias of merged-bin TV >= eps
with probability >= 0.99 as soon as

    P(chi2_(B-1)(4 N eps^2) > c) >= 0.99,  i.e.  eps_min = sqrt(lambda_99 / (4 N)),

lambda_99 solving P(chi2_(B-1)(lambda) <= c) = 0.01 (``scipy.special.chndtrinc``).
A bias inside one merged bin (between tokens that each expect fewer than 5 counts)
is invisible to the test; the merged mass is reported. With a single merged bin
(a one-hot target) only mass on impossible tokens can be biased, and it is caught
(p-value 0) with probability 1 - (1 - eps)^N.

Family-wise false alarms: every case runs one law test (and, for single and
multi drafts, one test of acceptance above the optimum); Holm's step-down
procedure keeps P(any false alarm) <= alpha over the whole battery. The power is
stated at the Bonferroni level alpha / m, which Holm's first step uses, so it is
conservative for Holm.
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


def detectable_tv(bins: int, trials: int, level: float, power: float = POWER) -> float:
    """Smallest merged-bin TV bias detected with probability ``power`` (module docstring)."""
    if bins <= 1:
        return float(1.0 - (1.0 - power) ** (1.0 / trials))
    dof = bins - 1
    crit = float(special.chdtri(dof, level))
    lam = float(special.chndtrinc(crit, dof, 1.0 - power))
    return min(1.0, math.sqrt(lam / (4.0 * trials)))


def power_against(law: np.ndarray, target: np.ndarray, trials: int, level: float) -> float:
    """Probability that the audit's test at ``level`` flags a sampler whose output law is ``law``.

    Noncentral chi-square with lambda = N sum_b (law_b - target_b)^2 / target_b over the
    bins merged as the test merges them, or, if larger, the probability 1 - (1 - m0)^N of
    seeing an outcome of target probability 0 (mass m0 under ``law``).
    """
    support = target > 0
    hit_impossible = 1.0 - (1.0 - float(law[~support].sum())) ** trials
    labels = merge_bins(trials * target[support], MIN_EXPECTED)
    expected = np.bincount(labels, weights=target[support])
    observed = np.bincount(labels, weights=law[support])
    if expected.size < 2:
        return hit_impossible
    lam = trials * float(((observed - expected) ** 2 / expected).sum())
    crit = float(special.chdtri(expected.size - 1, level))
    return max(hit_impossible, 1.0 - float(special.chndtr(crit, expected.size - 1, lam)))


def trials_for_power(tv: float, laws: list[np.ndarray], level: float, power: float = POWER) -> int:
    """Fewest trials at which every law's test detects a merged-bin TV bias ``tv``.

    The number of merged bins grows with the trials, so the answer is iterated to a
    fixed point (it increases monotonically; a few rounds).

    Raises
    ------
    InvalidArgumentError
        If ``tv`` is not in (0, 1] or more than MAX_TRIALS would be needed.
    """
    if not 0.0 < tv <= 1.0:
        raise InvalidArgumentError(f"power: the total variation must lie in (0, 1], got {tv:g}")
    trials = 1_000
    for _ in range(60):
        need = trials
        for law in laws:
            bins, _ = merged_bins(law, trials)
            if bins <= 1:
                want = math.log(1.0 - power) / math.log1p(-tv) if tv < 1 else 1.0
            else:
                crit = float(special.chdtri(bins - 1, level))
                want = float(special.chndtrinc(crit, bins - 1, 1.0 - power)) / (4.0 * tv * tv)
            need = max(need, math.ceil(want))
        if need > MAX_TRIALS:
            raise InvalidArgumentError(
                f"power: detecting TV {tv:g} needs more than {MAX_TRIALS:.0e} trials per case"
            )
        if need == trials:
            return trials
        trials = need
    return trials


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
