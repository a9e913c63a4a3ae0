"""Single-draft speculative sampling: exactness, acceptance, edge cases, bad input."""

from fractions import Fraction

import numpy as np
import pytest

from specbound import acceptance_probability, speculative_sampling, total_variation
from specbound.distributions import dirichlet
from specbound.errors import InvalidArgumentError
from specbound.simulations.agreement import chisquare_gof
from specbound.simulations.estimate import from_proportion

# Thresholds: chi-square p >= 1e-6 and |z| <= 5 (false alarm 5.7e-7 each); fixed seeds.


def test_acceptance_reference_values_exact():
    """The note's reference TVs, checked against exact rational arithmetic."""
    cases = [
        (
            [Fraction(1, 2), Fraction(3, 10), Fraction(1, 5)],
            [Fraction(1, 5), Fraction(3, 10), Fraction(1, 2)],
            Fraction(3, 10),
        ),
        ([Fraction(3, 4), Fraction(1, 4)], [Fraction(1, 2), Fraction(1, 2)], Fraction(1, 4)),
        (
            [Fraction(1, 2), Fraction(1, 4), Fraction(1, 4)],
            [Fraction(1, 2), Fraction(1, 2), Fraction(0)],
            Fraction(1, 4),
        ),
    ]
    for p, q, tv in cases:
        exact_tv = sum(abs(a - b) for a, b in zip(p, q, strict=True)) / 2
        assert exact_tv == tv
        assert total_variation([float(x) for x in p], [float(x) for x in q]) == pytest.approx(
            float(tv), abs=1e-15
        )
        assert acceptance_probability([float(x) for x in p], [float(x) for x in q]) == (
            pytest.approx(1 - float(tv), abs=1e-15)
        )


def test_tv_equals_half_l1_on_random_pairs():
    rng = np.random.default_rng(0)
    for _ in range(100):
        n = int(rng.integers(1, 50))
        p, q = dirichlet(n, 0.5, rng), dirichlet(n, 0.5, rng)
        assert total_variation(p, q) == pytest.approx(0.5 * np.abs(p - q).sum(), abs=1e-14)


@pytest.mark.parametrize("n", [1, 2, 1023, 1024, 1025])
def test_output_is_target_and_acceptance_is_one_minus_tv(n):
    rng = np.random.default_rng(n)
    p, q = dirichlet(n, 0.5, rng), dirichlet(n, 0.5, rng)
    tokens, accepted = speculative_sampling(p, q, 300_000, rng=rng)
    assert tokens.dtype.kind == "i" and accepted.dtype == bool
    assert chisquare_gof(tokens, p).pvalue >= 1e-6
    est = from_proportion(int(accepted.sum()), accepted.size)
    assert abs(est.z(acceptance_probability(p, q))) <= 5


def test_one_hot_target_always_outputs_its_token():
    p = np.zeros(100)
    p[42] = 1.0
    q = dirichlet(100, 1.0, 1)
    tokens, accepted = speculative_sampling(p, q, 50_000, rng=0)
    assert np.all(tokens == 42)
    assert np.all(accepted == (tokens == 42) & accepted)


def test_disjoint_supports_never_accept():
    p = np.array([0.5, 0.5, 0, 0])
    q = np.array([0, 0, 0.3, 0.7])
    tokens, accepted = speculative_sampling(p, q, 10_000, rng=1)
    assert not accepted.any()
    assert set(np.unique(tokens)) <= {0, 1}


def test_zero_probability_draft_tokens_are_never_proposed():
    p = np.array([0.25, 0.25, 0.25, 0.25])
    q = np.array([0.0, 0.5, 0.5, 0.0])
    tokens, accepted = speculative_sampling(p, q, 100_000, rng=2)
    assert set(np.unique(tokens[accepted])) <= {1, 2}
    assert chisquare_gof(tokens, p).pvalue >= 1e-6


def test_same_seed_same_output():
    p, q = dirichlet(30, 1, 0), dirichlet(30, 1, 1)
    a = speculative_sampling(p, q, 1000, rng=7)
    b = speculative_sampling(p, q, 1000, rng=7)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_bad_input_names_the_argument():
    with pytest.raises(InvalidArgumentError, match=r"^draft: vocabulary size 3 differs"):
        speculative_sampling([0.5, 0.5], [0.2, 0.3, 0.5], 10)
    with pytest.raises(InvalidArgumentError, match=r"^size: must be >= 1, got 0"):
        speculative_sampling([0.5, 0.5], [0.5, 0.5], 0)
    with pytest.raises(InvalidArgumentError, match=r"^target: contains NaN"):
        speculative_sampling([np.nan, 0.5], [0.5, 0.5], 10)
    with pytest.raises(InvalidArgumentError, match=r"^draft: probabilities sum to 0.7"):
        acceptance_probability([0.5, 0.5], [0.3, 0.4])
