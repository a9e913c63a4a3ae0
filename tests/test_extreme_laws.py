"""Property tests on extreme but valid laws: entries anywhere in [1e-300, 1], zeros allowed.

Every public function with a probability input must return finite values in its valid
range (or ``inf`` where the docstring says so), never crash. Hypothesis is derandomised
(tests/conftest.py).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specbound.bounds.branching_walk import (
    asymptotic_accepted,
    chernoff_bound,
    dirichlet_moments,
    entropy_moment_estimates,
    renewal_bound,
    speed_of_light_bound,
)
from specbound.bounds.rejections import (
    acceptance_probability,
    expected_rejections,
    expected_rejections_and_calls,
    total_variation,
)
from specbound.distributions import as_distribution
from specbound.errors import InvalidArgumentError
from specbound.simulations import speculative_sampling
from specbound.trees import optimal_tree

EXAMPLES = settings(max_examples=40)


@st.composite
def laws(draw, n: int | None = None) -> np.ndarray:
    """A law on n <= 6 tokens: each entry 0 or 10^e with e in [-300, 0], normalised."""
    size = n if n is not None else draw(st.integers(1, 6))
    exps = draw(st.lists(st.floats(-300, 0), min_size=size, max_size=size))
    zero = draw(st.lists(st.booleans(), min_size=size, max_size=size))
    w = np.array([0.0 if z else 10.0**e for e, z in zip(exps, zero, strict=True)])
    if w.max() == 0:
        w[draw(st.integers(0, size - 1))] = 1.0
    return w / w.sum()


@st.composite
def law_pairs(draw) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 6))
    return draw(laws(n)), draw(laws(n))


@EXAMPLES
@given(law_pairs())
def test_acceptance_and_tv_in_range(pair):
    p, q = pair
    a, tv = acceptance_probability(p, q), total_variation(p, q)
    assert 0.0 <= a <= 1.0 and 0.0 <= tv <= 1.0
    assert a + tv == pytest.approx(1.0, abs=1e-12)
    assert as_distribution(p).sum() == pytest.approx(1.0, abs=1e-12)


@EXAMPLES
@given(laws(), st.integers(1, 10**6))
def test_branching_walk_bounds_hold_on_extreme_laws(p, size):
    est = entropy_moment_estimates(p)
    mu, mu2 = est.mu, est.mu2
    assert math.isfinite(mu) and math.isfinite(mu2) and mu >= 0 and mu2 >= 0
    assert mu <= math.log(p.size) + 1e-12 and 1.0 / p.size - 1e-12 <= est.phi <= 1.0
    optimum = optimal_tree(np.sort(p)[::-1], min(size, 2000)).expected_accepted
    for bound in (
        renewal_bound(mu, mu2, min(size, 2000)),
        speed_of_light_bound(mu, mu2, min(size, 2000)),
        chernoff_bound(est.phi, min(size, 2000)),
    ):
        assert not math.isnan(bound) and bound >= optimum * (1 - 1e-9) - 1e-9
    assert not math.isnan(asymptotic_accepted(mu, mu2, size))


@EXAMPLES
@given(st.floats(1e-300, 1e308), st.integers(1, 10**6))
def test_dirichlet_moments_finite_in_range(a, n):
    mu, mu2, phi = dirichlet_moments(a, n)
    assert all(math.isfinite(v) for v in (mu, mu2, phi))
    assert 0.0 <= mu <= math.log(n) * (1 + 1e-12) + 1e-12
    assert mu2 >= mu * mu * (1 - 1e-9) - 1e-300
    assert 1.0 / n * (1 - 1e-9) <= phi <= 1.0


def test_dirichlet_moments_tend_to_the_uniform_law():
    mu, mu2, phi = dirichlet_moments(1e308, 5)
    assert mu == pytest.approx(math.log(5), rel=1e-15)
    assert mu2 == pytest.approx(math.log(5) ** 2, rel=1e-15)
    assert phi == pytest.approx(0.2, rel=1e-15)


def test_peaked_law_bounds_are_finite_and_right():
    p = [1e-300, 1.0]
    est = entropy_moment_estimates(p)
    # mu = 1e-300 (1 + 300 ln 10) to first order; renewal = ln P/mu + mu2/mu^2, mu2/mu ~ 690.8
    assert est.mu == pytest.approx(1e-300 * (1 + 300 * math.log(10)), rel=1e-9)
    value = renewal_bound(est.mu, est.mu2, 10)
    expected = math.log(10) / est.mu + (est.mu2 / est.mu) / est.mu
    assert math.isfinite(value) and value == pytest.approx(expected, rel=1e-12)
    assert speed_of_light_bound(est.mu, est.mu2, 10) > value
    assert asymptotic_accepted(est.mu, est.mu2, 1) < 0  # below asymptotic_min_size


@EXAMPLES
@given(laws(), st.integers(0, 300))
def test_optimal_tree_value_in_range(p, size):
    tree = optimal_tree(np.sort(p)[::-1], size)
    assert 0.0 <= tree.expected_accepted <= size + 1e-9
    assert tree.expected_accepted == pytest.approx(float(np.sum(tree.path_probability)))


@EXAMPLES
@given(law_pairs())
def test_speculative_sampling_never_emits_a_zero_probability_token(pair):
    p, q = pair
    tokens, accepted = speculative_sampling(p, q, 500, rng=0)
    assert np.all(p[tokens] > 0)
    assert np.all(q[tokens[accepted]] > 0)


@settings(max_examples=20)
@given(st.integers(1, 4).flatmap(lambda n: st.lists(laws(n), min_size=2 * n, max_size=2 * n)))
def test_expected_rejections_in_range(rows):
    n = len(rows) // 2
    p, q = np.array(rows[:n]), np.array(rows[n:])
    for horizon in (1, 7, 10**9):
        rej = expected_rejections(p, q, 0, horizon)
        assert 0.0 <= rej <= horizon * (1 + 1e-9)
        r2, calls = expected_rejections_and_calls(p, q, 0, horizon, gamma=2)
        assert 0.0 <= r2 <= horizon * (1 + 1e-9) and 1.0 - 1e-9 <= calls <= horizon * (1 + 1e-9)


@EXAMPLES
@given(law_pairs(), st.integers(1, 64))
def test_exponential_race_quantities_in_range(pair, k):
    from specbound.bounds.exponential_races import (
        alpha_one,
        ersd_optimal_tree,
        rank_distribution,
        tokens_per_step_bound,
    )

    p, q = pair
    alpha = rank_distribution(p, q)
    assert np.all(np.isfinite(alpha)) and alpha.min() >= 0
    assert alpha.sum() == pytest.approx(1.0, abs=1e-9)
    assert 0.0 <= alpha_one(p, q) <= 1.0
    bound = tokens_per_step_bound(p, q, k)
    assert not math.isnan(bound) and bound >= 1.0
    assert 1.0 <= ersd_optimal_tree(p, q, k).tokens_per_step <= k + 1 + 1e-9


@pytest.mark.parametrize(
    ("target", "draft"),
    [
        ([1e-310, 1 - 1e-310], [1 - 1e-310, 1e-310]),
        ([1e-130, 1, 0], [1e-88, 1 - 1e-16, 1e-16]),
    ],
)
def test_rank_distribution_issue_cases(target, draft):
    from specbound.bounds.exponential_races import rank_distribution

    alpha = rank_distribution(target, draft)
    assert np.all(np.isfinite(alpha)) and alpha.sum() == pytest.approx(1.0, abs=1e-9)


@EXAMPLES
@given(st.integers(1, 5).flatmap(lambda n: st.lists(laws(n), min_size=3, max_size=3)))
def test_optimal_acceptance_in_range(rows):
    from specbound.lp import optimal_acceptance

    p, drafts = rows[0], np.array(rows[1:])
    value = optimal_acceptance(p, drafts)
    best_single = max(acceptance_probability(p, d) for d in drafts)
    assert best_single - 1e-9 <= value <= 1.0 + 1e-12


def test_invalid_laws_still_refused():
    with pytest.raises(InvalidArgumentError, match="target"):
        acceptance_probability([1e-300, 0.5], [0.5, 0.5])


@EXAMPLES
@given(st.integers(1, 5).flatmap(lambda n: st.lists(laws(n), min_size=3, max_size=3)))
def test_multi_draft_baselines_in_range(rows):
    from specbound.lp import nss_acceptance, specinfer_acceptance, spectr_acceptance

    p, drafts, same = rows[0], np.array(rows[1:]), np.array([rows[1]] * 3)
    for scheme, q in (
        (nss_acceptance, drafts),
        (specinfer_acceptance, drafts),
        (spectr_acceptance, same),
    ):
        value = scheme(p, q)  # SpecTr's K-SEQ is defined for identical drafts only
        assert 0.0 <= value <= 1.0 + 1e-12, scheme.__name__


@EXAMPLES
@given(law_pairs(), st.integers(1, 50))
def test_gsd_and_chain_quantities_in_range(pair, k):
    from specbound.bounds.exponential_races import chain_limit, gsd_positional_acceptance

    p, q = pair
    vec = gsd_positional_acceptance(p, q, k)
    assert np.all(vec >= 0) and vec.sum() <= 1.0 + 1e-9
    assert vec[0] == pytest.approx(acceptance_probability(p, q), abs=1e-12)
    limit = chain_limit(p, q)
    assert not math.isnan(limit) and limit >= 1.0


@settings(max_examples=20)
@given(st.integers(1, 3).flatmap(lambda n: st.lists(laws(n), min_size=2 * n, max_size=2 * n)))
def test_batch_and_biased_rejections_in_range(rows):
    from specbound.bounds.rejections_batch import batch_expected_rejections
    from specbound.bounds.tradeoff import biased_expected_rejections

    n = len(rows) // 2
    p, q = np.array(rows[:n]), np.array(rows[n:])
    rej, calls = batch_expected_rejections(p, q, 0, 5, 3)
    assert 0.0 <= rej <= 5 * (1 + 1e-9) and 1 - 1e-9 <= calls <= 5 * (1 + 1e-9)
    assert 0.0 <= biased_expected_rejections(p, q, 0, 5, 0.5) <= 5 * (1 + 1e-9)
