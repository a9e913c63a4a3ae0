"""The Monte Carlo engine: estimates, batching, agreement statistics."""

import numpy as np
import pytest
from scipy import stats

from specbound.simulations.agreement import binomial_pvalue, chisquare_gof, merge_bins
from specbound.simulations.estimate import (
    Estimate,
    estimate_mean,
    from_proportion,
    from_values,
    z_score,
)


def test_batched_estimate_equals_one_shot_statistics():
    """Batches change nothing: same mean and SE as computing on all values at once."""
    values = np.random.default_rng(0).exponential(size=10_007)
    it = iter(np.array_split(values, [1000 * i for i in range(1, 11)]))

    def sample(m, rng):
        chunk = next(it)
        assert chunk.size == m
        return chunk

    est = estimate_mean(sample, values.size, rng=0, batch_size=1000, progress=False)
    ref = from_values(values)
    assert est.n == ref.n
    assert est.mean == pytest.approx(ref.mean, rel=1e-13)
    assert est.se == pytest.approx(ref.se, rel=1e-10)


def test_estimate_is_deterministic_under_a_seed():
    def sample(m, rng):
        return rng.random(m)

    a = estimate_mean(sample, 50_000, rng=4, batch_size=7_000, progress=False)
    b = estimate_mean(sample, 50_000, rng=4, batch_size=7_000, progress=False)
    assert a == b
    # the mean of U(0,1) is 1/2: within 5 SE (false alarm 5.7e-7)
    assert abs(a.z(0.5)) < 5


def test_estimate_checks_sample_size():
    with pytest.raises(ValueError, match="sample: returned 3 values for a batch of 10"):
        estimate_mean(lambda m, rng: np.zeros(3), 10, progress=False)


def test_z_score_and_ci():
    e = Estimate(1.0, 0.1, 100)
    assert z_score(0.5, e) == pytest.approx(5.0)
    lo, hi = e.ci(0.95)
    assert lo == pytest.approx(1 - 0.196, abs=1e-3) and hi == pytest.approx(1.196, abs=1e-3)
    assert z_score(1.0, Estimate(1.0, 0.0, 10)) == 0.0
    assert z_score(0.0, Estimate(1.0, 0.0, 10)) == np.inf
    p = from_proportion(30, 100)
    assert p.mean == 0.3 and p.se == pytest.approx(np.sqrt(0.21 / 100))


def test_merge_bins_never_leaves_small_expected_bins():
    rng = np.random.default_rng(1)
    for _ in range(200):
        e = rng.exponential(size=int(rng.integers(1, 60))) * rng.choice([0.5, 5, 50])
        labels = merge_bins(e, 5.0)
        merged = np.bincount(labels, weights=e)
        assert np.isclose(merged.sum(), e.sum())
        if e.sum() >= 10:
            assert merged.min() >= 5.0 - 1e-12


def test_chisquare_matches_scipy_without_merging():
    p = np.array([0.2, 0.3, 0.5])
    counts = np.array([210, 290, 500])
    res = chisquare_gof(None, p, counts=counts)
    ref = stats.chisquare(counts, 1000 * p)
    assert res.statistic == pytest.approx(ref.statistic)
    assert res.pvalue == pytest.approx(ref.pvalue)
    assert res.dof == 2


def test_chisquare_is_pinned_to_scipy_when_every_bin_deviates():
    """Statistic, p-value and dof equal scipy.stats.chisquare, every bin contributing.

    Without merging, and with the three small bins (expected 1, 2, 3 of 1000) merged
    into one bin expecting 6, the largest merged bin included: a sum that skips any
    bin differs from scipy's.
    """
    p = np.array([0.2, 0.3, 0.5])
    counts = np.array([190, 320, 490])
    res = chisquare_gof(None, p, counts=counts)
    ref = stats.chisquare(counts, 1000 * p)
    assert (res.statistic, res.pvalue, res.dof) == (
        pytest.approx(ref.statistic, rel=1e-12),
        pytest.approx(ref.pvalue, rel=1e-9),
        2,
    )
    p = np.array([0.001, 0.002, 0.003, 0.2, 0.294, 0.5])
    counts = np.array([3, 0, 5, 190, 300, 502])
    res = chisquare_gof(None, p, counts=counts)
    ref = stats.chisquare([8, 190, 300, 502], [6.0, 200.0, 294.0, 500.0])
    assert (res.statistic, res.pvalue, res.dof, res.bins) == (
        pytest.approx(ref.statistic, rel=1e-12),
        pytest.approx(ref.pvalue, rel=1e-9),
        3,
        4,
    )
    samples = np.repeat(np.arange(6), counts)
    assert chisquare_gof(samples, p).statistic == pytest.approx(ref.statistic, rel=1e-12)


def test_chisquare_detects_wrong_law_and_impossible_outcomes():
    rng = np.random.default_rng(2)
    p = np.full(10, 0.1)
    q = np.linspace(1, 2, 10) / np.linspace(1, 2, 10).sum()
    assert chisquare_gof(rng.choice(10, 100_000, p=q), p).pvalue < 1e-10
    res = chisquare_gof(np.array([0, 1, 2]), [0.5, 0.5, 0.0])
    assert res.pvalue == 0.0


def test_chisquare_pvalues_are_uniform_under_the_null():
    """Calibration: 400 tests of a correct sampler; KS test of the p-values against U(0, 1).

    False-alarm rate of this assertion: 1e-4 (KS p-value threshold), fixed seed.
    """
    rng = np.random.default_rng(3)
    p = rng.dirichlet(np.full(40, 0.3))
    pvals = [chisquare_gof(rng.choice(40, 2_000, p=p), p).pvalue for _ in range(400)]
    assert stats.kstest(pvals, "uniform").pvalue > 1e-4


def test_binomial_pvalue():
    assert binomial_pvalue(50, 100, 0.5) == pytest.approx(1.0)
    assert binomial_pvalue(90, 100, 0.5) < 1e-10
