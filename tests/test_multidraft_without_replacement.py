"""Samplers for drafts without replacement (issue 18 item 4): exact draws and target law.

Statistical tests at 6+ standard errors or chi-square p >= 1e-6, fixed seeds.
"""

import numpy as np

from specbound.lp.without_replacement import optimum_without_replacement, ordered_tuples
from specbound.simulations.agreement import chisquare_gof
from specbound.simulations.without_replacement import (
    rrs_without_replacement_sampling,
    sample_without_replacement,
)


def test_candidates_are_distinct_and_have_the_sequential_law():
    rng = np.random.default_rng(7)
    q = np.array([0.5, 0.3, 0.0, 0.15, 0.05])
    x = sample_without_replacement(q, 3, 200_000, rng)
    assert np.all(x[:, 0] != x[:, 1]) and np.all(x[:, 1] != x[:, 2]) and np.all(x[:, 0] != x[:, 2])
    assert not np.any(x == 2)  # never a token without mass
    tup, prob = ordered_tuples(q, 3)
    weights = np.array([25, 5, 1])
    codes = tup @ weights
    assert np.all(np.diff(codes) > 0)  # permutations come in lexicographic order
    assert chisquare_gof(np.searchsorted(codes, x @ weights), prob).pvalue >= 1e-6


def test_recursive_rejection_without_replacement_outputs_the_target():
    rng = np.random.default_rng(8)
    p = np.array([0.1, 0.2, 0.3, 0.15, 0.25])
    q = np.array([0.5, 0.3, 0.0, 0.15, 0.05])
    y, acc = rrs_without_replacement_sampling(p, q, 3, 200_000, rng)
    assert chisquare_gof(y, p).pvalue >= 1e-6
    se = np.sqrt(0.25 / y.size)
    assert acc.mean() <= optimum_without_replacement(p, q, 3).acceptance + 6 * se
    y, acc = rrs_without_replacement_sampling(p, q, 1, 100_000, rng)  # K = 1: plain SD
    assert abs(acc.mean() - np.minimum(p, q).sum()) <= 6 * np.sqrt(0.25 / y.size)
