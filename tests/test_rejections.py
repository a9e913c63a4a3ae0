"""Exact side of Yin et al. (arXiv 2411.00841): sum of TV, finite-gamma DP, chain formula.

Reference values are the theory note's (Sec. 4), reproduced in exact rational
arithmetic (the same kernels run on object arrays of Fractions) and in floats.
"""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from specbound.bounds.rejection_examples import example_a, example_a_block, example_b
from specbound.bounds.rejections import (
    acceptance_probability,
    expected_rejections,
    expected_rejections_and_calls,
    expected_rejections_bruteforce,
    expected_tokens_per_step,
    rejections_and_calls_kernel,
    rejections_kernel,
    sequence_law,
    sequence_law_kernel,
    total_variation,
)
from specbound.distributions import random_kernel
from specbound.errors import InvalidArgumentError


def _exact(x) -> np.ndarray:
    return np.array([[F(v) for v in row] for row in x], dtype=object)


# ----------------------------------------------------------------------------- single step


@pytest.mark.parametrize(
    ("p", "q", "tv"),
    [
        ([F(1, 2), F(3, 10), F(1, 5)], [F(1, 5), F(3, 10), F(1, 2)], F(3, 10)),
        ([F(3, 4), F(1, 4)], [F(1, 2), F(1, 2)], F(1, 4)),
        ([F(1, 2), F(1, 4), F(1, 4)], [F(1, 2), F(1, 2), F(0)], F(1, 4)),
    ],
)
def test_single_step_reference(p, q, tv):
    exact = sum(abs(a - b) for a, b in zip(p, q, strict=True)) / 2
    assert exact == tv
    assert total_variation(np.array(p, float), np.array(q, float)) == pytest.approx(float(tv))
    assert acceptance_probability(np.array(p, float), np.array(q, float)) == pytest.approx(
        float(1 - tv), abs=1e-15
    )


# ----------------------------------------------------------------------------- sum of TV


def test_example_a_exact_rationals():
    a = example_a()
    rej, calls = rejections_kernel(a.target_exact, a.draft_exact, a.start, 3)
    assert rej == F(359, 576)  # = 1/6 + 11/48 + 131/576
    assert F(1, 6) + F(11, 48) + F(131, 576) == F(359, 576)
    assert calls == F(67, 48)
    assert expected_rejections(a.target, a.draft, a.start, 3) == pytest.approx(
        359 / 576, abs=1e-14
    )


def test_example_a_per_step_terms():
    a = example_a()
    terms = [
        rejections_kernel(a.target_exact, a.draft_exact, a.start, h)[0]
        - rejections_kernel(a.target_exact, a.draft_exact, a.start, h - 1)[0]
        if h > 1
        else rejections_kernel(a.target_exact, a.draft_exact, a.start, 1)[0]
        for h in (1, 2, 3)
    ]
    assert terms == [F(1, 6), F(11, 48), F(131, 576)]


def test_example_a_block():
    b = example_a_block()
    assert rejections_kernel(b.target_exact, b.draft_exact, 0, 3)[0] == F(407, 576)
    assert expected_rejections(b.target, b.draft, 0, 10) == pytest.approx(2.2975206612, abs=1e-10)
    assert expected_rejections(b.target, b.draft, 0, 50) == pytest.approx(11.3884297521, abs=1e-10)
    # long horizons: the stationary law (4, 3, 4)/11 has TV 5/22 per step
    d = expected_rejections(b.target, b.draft, 0, 400) - expected_rejections(
        b.target, b.draft, 0, 399
    )
    assert d == pytest.approx(5 / 22, abs=1e-12)


@pytest.mark.parametrize("horizon", [3, 4, 6])
def test_example_b_every_horizon(horizon):
    b = example_b()
    assert rejections_kernel(b.target_exact, b.draft_exact, 0, horizon)[0] == F(231, 400)
    assert F(1, 4) + F(1, 5) + F(51, 400) == F(231, 400)


@given(
    n=st.integers(1, 4),
    horizon=st.integers(1, 6),
    seed=st.integers(0, 10_000),
    conc=st.sampled_from([0.2, 1.0, 5.0]),
)
def test_propagation_equals_bruteforce(n, horizon, seed, conc):
    g = np.random.default_rng(seed)
    p, q = random_kernel(n, conc, g), random_kernel(n, conc, g)
    start = int(g.integers(n))
    fast = expected_rejections(p, q, start, horizon)
    brute = expected_rejections_bruteforce(p, q, start, horizon)
    assert abs(fast - brute) <= 1e-12
    assert 0.0 <= fast <= horizon


def test_extremes():
    p = random_kernel(5, 1.0, rng=3)
    assert expected_rejections(p, p, 2, 9) == 0.0
    assert expected_rejections_and_calls(p, p, 2, 9) == (0.0, 1.0)
    eye = np.eye(4)
    swap = eye[[1, 0, 3, 2]]
    assert expected_rejections(swap, eye, 0, 7) == pytest.approx(7.0)
    # context-free laws: constant tau, E[N_rej] = tau * H
    t, d = np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.3, 0.5])
    pk, qk = np.tile(t, (3, 1)), np.tile(d, (3, 1))
    assert expected_rejections(pk, qk, 1, 11) == pytest.approx(0.3 * 11, abs=1e-12)


def test_sequence_law_exact():
    a = example_a()
    law = sequence_law_kernel(a.target_exact, a.start, 3)
    assert sum(law) == 1
    # x = (0, 2, 1): P[3,0] P[0,2] P[2,1] = 1/2 * 1/4 * 1/4
    assert law[0 * 16 + 2 * 4 + 1] == F(1, 32)
    np.testing.assert_allclose(sequence_law(a.target, a.start, 3), law.astype(float), atol=1e-15)


# ----------------------------------------------------------------------------- finite gamma


@pytest.mark.parametrize(
    ("gamma", "rej", "calls"),
    [
        (1, F(235, 576), F(49, 24)),
        (2, F(277, 576), F(67, 48)),
        (3, F(359, 576), F(67, 48)),
        (7, F(359, 576), F(67, 48)),
    ],
)
def test_finite_gamma_example_a(gamma, rej, calls):
    a = example_a()
    got = rejections_and_calls_kernel(a.target_exact, a.draft_exact, a.start, 3, gamma)
    assert got == (rej, calls)
    assert 3 / got[1] == {1: F(72, 49)}.get(gamma, F(144, 67))
    fl = expected_rejections_and_calls(a.target, a.draft, a.start, 3, gamma)
    assert fl == pytest.approx((float(rej), float(calls)), abs=1e-14)


@pytest.mark.parametrize(
    ("gamma", "rej", "calls"),
    [(1, F(81, 200), F(41, 20)), (2, F(199, 400), F(29, 20)), (3, F(231, 400), F(29, 20))],
)
def test_finite_gamma_example_b(gamma, rej, calls):
    b = example_b()
    got = rejections_and_calls_kernel(b.target_exact, b.draft_exact, 0, 3, gamma)
    assert got == (rej, calls)


def _finite_gamma_bruteforce(p, q, start, horizon, gamma):
    """Independent recursion over every path of the algorithm (exact Fractions).

    State: (prefix length t, last token, j = drafted positions used in the round).
    """
    n = len(p)

    def go(t, last, j, prob):
        if t == horizon:
            return F(0), F(0)
        rej, calls = F(0), (prob if j == 0 else F(0))
        if j < gamma:
            for y in range(n):
                acc = min(p[last][y], q[last][y])
                exc = p[last][y] - acc
                if acc:
                    r, c = go(t + 1, y, j + 1, prob * acc)
                    rej, calls = rej + r, calls + c
                if exc:
                    r, c = go(t + 1, y, 0, prob * exc)
                    rej, calls = rej + r + prob * exc, calls + c
        else:
            for y in range(n):
                if p[last][y]:
                    r, c = go(t + 1, y, 0, prob * p[last][y])
                    rej, calls = rej + r, calls + c
        return rej, calls

    return go(0, start, 0, F(1))


@given(seed=st.integers(0, 5000), horizon=st.integers(1, 4), gamma=st.integers(0, 5))
def test_finite_gamma_dp_equals_path_enumeration(seed, horizon, gamma):
    g = np.random.default_rng(seed)
    n = int(g.integers(2, 4))

    def rational_kernel():
        w = g.integers(0, 4, size=(n, n))
        w[w.sum(axis=1) == 0, 0] = 1
        return _exact([[F(int(v), int(row.sum())) for v in row] for row in w])

    p, q = rational_kernel(), rational_kernel()
    start = int(g.integers(n))
    dp = rejections_and_calls_kernel(p, q, start, horizon, gamma)
    assert dp == _finite_gamma_bruteforce(p, q, start, horizon, gamma)


def test_finite_gamma_limits():
    p, q = random_kernel(6, 0.5, rng=1), random_kernel(6, 0.5, rng=2)
    to_end = expected_rejections(p, q, 0, 12)
    assert expected_rejections_and_calls(p, q, 0, 12, None)[0] == pytest.approx(to_end, abs=1e-13)
    assert expected_rejections_and_calls(p, q, 0, 12, 12)[0] == pytest.approx(to_end, abs=1e-13)
    assert expected_rejections_and_calls(p, q, 0, 12, 0) == (0.0, 12.0)
    rej = [expected_rejections_and_calls(p, q, 0, 12, g)[0] for g in range(13)]
    assert all(r <= to_end + 1e-12 for r in rej)  # bonus positions are never rejected


# ----------------------------------------------------------------------------- chain formula


@pytest.mark.parametrize(
    ("alpha", "gamma", "value"),
    [
        (F(7, 10), 1, F(17, 10)),
        (F(7, 10), 2, F(219, 100)),
        (F(7, 10), 4, F(27731, 10000)),
        (F(7, 10), 8, F(319882131, 100000000)),
        (F(1, 2), 1, F(3, 2)),
        (F(1, 2), 2, F(7, 4)),
        (F(1, 2), 4, F(31, 16)),
    ],
)
def test_chain_formula_reference(alpha, gamma, value):
    assert (1 - alpha ** (gamma + 1)) / (1 - alpha) == value
    assert sum(alpha**k for k in range(gamma + 1)) == value
    assert expected_tokens_per_step(float(alpha), gamma) == pytest.approx(float(value), abs=1e-13)


def test_chain_formula_limits():
    assert expected_tokens_per_step(1.0, 5) == 6.0
    assert expected_tokens_per_step(1 - 1e-12, 5) == pytest.approx(6.0, abs=1e-9)
    assert expected_tokens_per_step(0.0, 5) == 1.0
    assert expected_tokens_per_step(0.7, 0) == pytest.approx(1.0)
    assert expected_tokens_per_step(0.7, 2000) == pytest.approx(10 / 3, abs=1e-12)


# ----------------------------------------------------------------------------- bad input


GOOD = np.full((3, 3), 1 / 3)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"target_kernel": [[0.5, 0.6], [0.5, 0.5]]}, "target_kernel: probabilities sum"),
        ({"draft_kernel": [[0.5, -0.5, 1.0]] * 3}, "draft_kernel: contains a negative"),
        ({"target_kernel": np.ones((2, 3)) / 3}, "target_kernel: must be a square"),
        ({"draft_kernel": np.full((2, 2), 0.5)}, "draft_kernel: shape"),
        ({"start": 3}, "start: must lie in 0..2"),
        ({"start": -1}, "start: must be >= 0"),
        ({"horizon": 0}, "horizon: must be >= 1"),
        ({"horizon": 2.5}, "horizon: must be an integer"),
    ],
)
def test_bad_input(kwargs, match):
    args = {"target_kernel": GOOD, "draft_kernel": GOOD, "start": 0, "horizon": 3} | kwargs
    with pytest.raises(InvalidArgumentError, match=match):
        expected_rejections(**args)
    with pytest.raises(InvalidArgumentError, match=match):
        expected_rejections_and_calls(**args)


def test_bad_gamma_and_alpha():
    with pytest.raises(InvalidArgumentError, match="gamma: must be >= 0"):
        expected_rejections_and_calls(GOOD, GOOD, 0, 3, gamma=-1)
    with pytest.raises(InvalidArgumentError, match="gamma: must be >= 0"):
        expected_tokens_per_step(0.5, -1)
    for alpha in (-0.1, 1.1, float("nan")):
        with pytest.raises(InvalidArgumentError, match="alpha"):
            expected_tokens_per_step(alpha, 3)
    with pytest.raises(InvalidArgumentError, match="horizon: n"):
        expected_rejections_bruteforce(np.full((10, 10), 0.1), np.full((10, 10), 0.1), 0, 9)
