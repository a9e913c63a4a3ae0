"""Batch speculative decoding as implemented here (trie recursive rejection sampling).

Exact: the residual recursion and the (token, survivors) DP against the theory
note's reference values (Fractions), against closed cases, and against an
independent enumeration of every candidate tuple. Simulation: the batch
simulator against the DP (5 SE: two-sided false-alarm 5.7e-7 per check) and the
target's sequence law (chi-square, p >= 1e-6: false alarm 1e-6 per test).
"""

from __future__ import annotations

import itertools
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from specbound.bounds.rejection_examples import example_a, example_b
from specbound.bounds.rejections import expected_rejections, sequence_law
from specbound.bounds.rejections_batch import (
    batch_expected_rejections,
    batch_rejection_probability,
    batch_rejections_kernel,
    residual_chain,
)
from specbound.distributions import random_kernel
from specbound.errors import InvalidArgumentError
from specbound.simulations.agreement import chisquare_gof
from specbound.simulations.batch_decoding import batch_speculative_decoding
from specbound.simulations.estimate import from_values
from specbound.simulations.markov import encode_sequences


def test_reference_single_step_exact():
    p = np.array([F(1, 2), F(3, 10), F(1, 5)], dtype=object)
    q = np.array([F(1, 5), F(3, 10), F(1, 2)], dtype=object)
    _, taus = residual_chain(p, q, 4)
    probs = list(itertools.accumulate(taus, lambda a, b: a * b))
    assert probs == [F(3, 10), F(6, 25), F(24, 125), F(96, 625), F(384, 3125)]
    for m, want in enumerate(probs, start=1):
        assert batch_rejection_probability([0.5, 0.3, 0.2], [0.2, 0.3, 0.5], m) == pytest.approx(
            float(want), abs=1e-15
        )


@pytest.mark.parametrize("m", [1, 2, 3, 5, 8])
def test_closed_cases(m):
    assert batch_rejection_probability([0.75, 0.25], [0.5, 0.5], m) == pytest.approx(
        0.25 * 0.5 ** (m - 1)
    )
    assert batch_rejection_probability([0.5, 0.5, 0, 0], [0.25] * 4, m) == pytest.approx(0.5**m)
    # mass outside the draft's support is never removed
    assert batch_rejection_probability([0.5, 0.25, 0.25], [0.5, 0.5, 0], m) == pytest.approx(0.25)


@given(a=st.floats(0.01, 0.98), gap=st.floats(0.01, 0.99), m=st.integers(1, 6))
def test_two_token_formula(a, gap, m):
    b = a + gap * (1 - a)  # b > a
    want = (b - a) * (1 - a) ** (m - 1)
    assert batch_rejection_probability([b, 1 - b], [a, 1 - a], m) == pytest.approx(want, abs=1e-12)


def _enumerated_rejection(p, q, m):
    """P(all m candidates rejected), enumerating every candidate tuple (Fractions)."""
    total = F(0)
    n = len(p)
    for cands in itertools.product(range(n), repeat=m):
        prob = np.prod([q[c] for c in cands])
        if prob == 0:
            continue
        r = list(p)
        for c in cands:
            acc = min(F(1), r[c] / q[c])
            prob *= 1 - acc
            if prob == 0:
                break
            excess = [max(ri - qi, F(0)) for ri, qi in zip(r, q, strict=True)]
            r = [e / sum(excess) for e in excess]
        total += prob
    return total


@given(seed=st.integers(0, 10_000), m=st.integers(1, 4))
def test_residual_recursion_equals_enumeration(seed, m):
    g = np.random.default_rng(seed)
    n = int(g.integers(2, 5))
    wp, wq = g.integers(0, 5, size=n), g.integers(0, 5, size=n)
    wp[0] += 1
    wq[-1] += 1
    p = [F(int(v), int(wp.sum())) for v in wp]
    q = [F(int(v), int(wq.sum())) for v in wq]
    _, taus = residual_chain(np.array(p, dtype=object), np.array(q, dtype=object), m - 1)
    assert np.prod(taus) == _enumerated_rejection(p, q, m)


@pytest.mark.parametrize(
    ("pair", "m", "value"),
    [
        (example_a, 2, F(641, 1152)),
        (example_a, 3, F(21163, 41472)),
        (example_a, 4, F(237865, 497664)),
        (example_b, 2, F(14423, 40000)),
        (example_b, 3, F(79671, 320000)),
        (example_b, 4, F(289199369, 1600000000)),
    ],
)
def test_sequence_reference_exact(pair, m, value):
    x = pair()
    rej, _ = batch_rejections_kernel(x.target_exact, x.draft_exact, x.start, 3, m)
    assert rej == value


def test_sequence_reference_m8():
    a, b = example_a(), example_b()
    assert batch_expected_rejections(a.target, a.draft, 3, 3, 8)[0] == pytest.approx(
        0.416495, abs=5e-7
    )
    assert batch_expected_rejections(b.target, b.draft, 0, 3, 8)[0] == pytest.approx(
        0.065789, abs=5e-7
    )


@given(seed=st.integers(0, 5000), horizon=st.integers(1, 6))
def test_one_draft_is_standard(seed, horizon):
    g = np.random.default_rng(seed)
    p, q = random_kernel(4, 0.5, g), random_kernel(4, 0.5, g)
    rej, _ = batch_expected_rejections(p, q, 1, horizon, 1)
    assert rej == pytest.approx(expected_rejections(p, q, 1, horizon), abs=1e-12)
    values = [batch_expected_rejections(p, q, 1, horizon, m)[0] for m in (1, 2, 3, 5)]
    assert all(b <= a + 1e-12 for a, b in itertools.pairwise(values))


def test_simulator_matches_dp_and_law():
    p, q = random_kernel(5, 0.7, rng=8), random_kernel(5, 0.7, rng=9)
    run = batch_speculative_decoding(p, q, 4, 60_000, 3, rng=1)
    rej, calls = batch_expected_rejections(p, q, 0, 4, 3)
    assert abs(from_values(run.rejections).z(rej)) <= 5
    assert abs(from_values(run.calls).z(calls)) <= 5
    gof = chisquare_gof(encode_sequences(run.tokens, 5), sequence_law(p, 0, 4))
    assert gof.pvalue >= 1e-6


def test_simulator_invariants():
    a = example_a()
    run = batch_speculative_decoding(a.target, a.draft, 3, 5000, 2, rng=3, start=a.start)
    # a new round starts after each rejection except one at the last position
    last_rejected = run.calls - 1 - run.rejections
    assert set(np.unique(last_rejected)) <= {-1, 0}
    again = batch_speculative_decoding(a.target, a.draft, 3, 5000, 2, rng=3, start=a.start)
    np.testing.assert_array_equal(run.tokens, again.tokens)


def test_bad_input():
    a = example_a()
    with pytest.raises(InvalidArgumentError, match="num_drafts: must be >= 1"):
        batch_expected_rejections(a.target, a.draft, 3, 3, 0)
    with pytest.raises(InvalidArgumentError, match="num_drafts: must be >= 1"):
        batch_rejection_probability([0.5, 0.5], [0.5, 0.5], 0)
    with pytest.raises(InvalidArgumentError, match="num_drafts"):
        batch_speculative_decoding(a.target, a.draft, 3, 10, 0)
    with pytest.raises(InvalidArgumentError, match=r"start: must lie in 0\.\.3"):
        batch_expected_rejections(a.target, a.draft, 4, 3, 2)
    with pytest.raises(InvalidArgumentError, match="draft: vocabulary size"):
        batch_rejection_probability([0.5, 0.5], [1.0], 2)


def test_floor_is_the_many_draft_limit():
    from specbound.bounds.rejections_batch import batch_rejection_floor

    a, b = example_a(), example_b()
    floor_a = batch_rejection_floor(a.target, a.draft, a.start, 3)
    # Example A: p-mass outside supp q is 1/4 in states 0 and 3, 1/4 in state 2 (token 0)
    values = [batch_expected_rejections(a.target, a.draft, a.start, 3, m)[0] for m in (1, 8, 60)]
    assert all(v >= floor_a - 1e-12 for v in values)
    assert values[-1] - floor_a < 1e-3  # the rest vanishes geometrically in M
    assert batch_rejection_floor(b.target, b.draft, 0, 3) == 0.0  # supp p within supp q
    assert batch_expected_rejections(b.target, b.draft, 0, 3, 60)[0] < 1e-4
