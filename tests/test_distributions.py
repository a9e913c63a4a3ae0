"""Validation (as_distribution & co.) and the synthetic families."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from specbound.distributions import (
    as_distribution,
    as_distributions,
    as_kernel,
    as_rng,
    check_int,
    check_real,
    check_same_size,
    dirichlet,
    disjoint_pair,
    pair_at_tv,
    random_kernel,
    softmax,
    softmax_gaussian,
    target_draft_pair,
    zipf,
)
from specbound.errors import InvalidArgumentError


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ([0.5, np.nan, 0.5], r"^target: contains NaN at index 1"),
        ([0.5, np.inf, 0.5], r"^target: contains inf at index 1"),
        ([0.6, -0.1, 0.5], r"^target: contains a negative probability -0.1 at index 1"),
        ([0.3, 0.4], r"^target: probabilities sum to 0.7, not 1"),
        ([0.5, 0.5 + 1e-6], r"^target: probabilities sum to 1.000001, not 1"),
        ([[0.5, 0.5], [0.5, 0.5]], r"^target: must be 1-D, got shape \(2, 2\)"),
        ([], r"^target: is empty"),
        (["a", "b"], r"^target: must be numeric"),
        ([1 + 1j, 0], r"^target: must be real"),
        (0.5, r"^target: must be 1-D, got shape \(\)"),
    ],
)
def test_as_distribution_rejects_bad_input(bad, message):
    with pytest.raises(InvalidArgumentError, match=message):
        as_distribution(bad, name="target")


def test_errors_are_value_errors():
    with pytest.raises(ValueError, match="draft"):
        as_distribution([2.0], name="draft")


def test_as_distribution_renormalises_rounding_and_copies():
    x = np.array([0.1] * 10)  # sums to 0.9999999999999999
    out = as_distribution(x)
    assert out.dtype == np.float64 and out.ndim == 1
    assert abs(out.sum() - 1.0) <= 1e-15
    out[0] = 5.0
    assert x[0] == 0.1  # the input is not modified
    tiny_off = np.array([0.5, 0.5 + 5e-10])
    assert abs(as_distribution(tiny_off).sum() - 1) < 1e-15


def test_as_distribution_accepts_ints_and_zeros():
    np.testing.assert_array_equal(as_distribution([0, 1, 0]), [0.0, 1.0, 0.0])


def test_as_distributions_and_kernel():
    d = as_distributions([0.5, 0.5], "drafts")
    assert d.shape == (1, 2)
    with pytest.raises(InvalidArgumentError, match=r"^drafts: probabilities sum to 0.9.*row 1"):
        as_distributions([[0.5, 0.5], [0.4, 0.5]], "drafts")
    with pytest.raises(InvalidArgumentError, match=r"^drafts: has no rows"):
        as_distributions(np.zeros((0, 3)), "drafts")
    with pytest.raises(InvalidArgumentError, match=r"^target_kernel: must be a square"):
        as_kernel([[0.5, 0.5]], "target_kernel")
    with pytest.raises(InvalidArgumentError, match=r"^target_kernel: .*sum to 1.2"):
        as_kernel([[0.5, 0.5], [0.6, 0.6]], "target_kernel")


def test_scalar_checks():
    assert check_int(3, "k", 1) == 3
    assert check_int(4.0, "k", 1) == 4
    with pytest.raises(InvalidArgumentError, match=r"^k: must be >= 1, got 0"):
        check_int(0, "k", 1)
    with pytest.raises(InvalidArgumentError, match=r"^k: must be an integer"):
        check_int(1.5, "k")
    with pytest.raises(InvalidArgumentError, match=r"^k: must be an integer"):
        check_int(True, "k")
    with pytest.raises(InvalidArgumentError, match=r"^alpha: must lie in \[0, 1\], got 1.5"):
        check_real(1.5, "alpha", 0, 1)
    with pytest.raises(InvalidArgumentError, match=r"^alpha: must be finite"):
        check_real(float("nan"), "alpha")
    with pytest.raises(InvalidArgumentError, match=r"^draft: vocabulary size 3 differs"):
        check_same_size(np.ones(2), np.ones(3), "target", "draft")


def test_rng():
    g = np.random.default_rng(1)
    assert as_rng(g) is g
    assert as_rng(5).random() == np.random.default_rng(5).random()
    with pytest.raises(InvalidArgumentError, match=r"^rng: "):
        as_rng("seed")
    with pytest.raises(InvalidArgumentError, match=r"^rng: a seed must be >= 0"):
        as_rng(-3)


def test_families_are_valid_and_seeded():
    for make in (
        lambda s: dirichlet(100, 0.3, s),
        lambda s: softmax_gaussian(100, 2.0, 0.7, s),
        lambda s: random_kernel(7, 0.5, s),
    ):
        a, b = make(11), make(11)
        np.testing.assert_array_equal(a, b)
        assert np.all(a >= 0) and np.allclose(a.sum(axis=-1), 1)
    p, q = target_draft_pair(50, rng=3)
    np.testing.assert_array_equal((p, q), target_draft_pair(50, rng=3))
    z = zipf(4, 1.0)
    np.testing.assert_allclose(z, np.array([1, 1 / 2, 1 / 3, 1 / 4]) / (25 / 12))
    p, q = disjoint_pair(10, rng=0)
    assert np.all(p * q == 0) and np.isclose(np.abs(p - q).sum() / 2, 1)


@given(
    n=st.integers(2, 300),
    tv=st.floats(0, 0.95),
    seed=st.integers(0, 2**32 - 1),
)
def test_pair_at_tv_hits_the_requested_distance(n, tv, seed):
    try:
        p, q = pair_at_tv(n, tv, rng=seed)
    except InvalidArgumentError as exc:  # only beyond the reachable distance 1 - min(p)
        assert str(exc).startswith("tv: ")
        return
    assert abs(0.5 * np.abs(p - q).sum() - tv) < 1e-12


def test_pair_at_tv_rejects_out_of_range():
    with pytest.raises(InvalidArgumentError, match=r"^tv: must lie in \[0, 1\]"):
        pair_at_tv(10, 1.5)


def test_softmax_is_stable():
    np.testing.assert_allclose(softmax([1000.0, 1000.0]), [0.5, 0.5])
