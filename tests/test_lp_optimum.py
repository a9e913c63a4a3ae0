"""Exact optimal multi-draft acceptance: reference values of the theory note, the three
exact methods against each other, the acceptance-one condition, and bad input.

All tests are exact (no statistics): tolerances are float rounding.
"""

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from specbound.errors import InvalidArgumentError, SolverError
from specbound.lp import (
    optimal_acceptance,
    optimal_acceptance_identical,
    optimum,
    perfect_acceptance,
)
from specbound.lp.exact_sets import (
    brute_optimum,
    int_power,
    prefix_optimum,
    ratio_order,
    set_value,
)
from specbound.lp.minnorm import minnorm_optimum


def law(rng, n, conc=1.0, zeros=0):
    """A random law on n tokens with ``zeros`` entries forced to 0."""
    x = rng.dirichlet(np.full(n, conc))
    if zeros:
        x[rng.choice(n, size=min(zeros, n - 1), replace=False)] = 0.0
    return x / x.sum()


@st.composite
def instances(draw, max_n=10, max_k=4, same=False):
    n = draw(st.integers(2, max_n))
    k = draw(st.integers(1, max_k))
    seed = draw(st.integers(0, 2**32 - 1))
    conc = draw(st.sampled_from([0.2, 1.0, 5.0]))
    zeros = draw(st.integers(0, 2))
    rng = np.random.default_rng(seed)
    p = law(rng, n, conc, zeros)
    if same:
        q = np.tile(law(rng, n, conc, zeros), (k, 1))
    else:
        q = np.vstack([law(rng, n, conc, zeros) for _ in range(k)])
    return p, q


# ----------------------------------------------------------------------------- references


N2 = [  # a (draft), b (target), SD, P* K=2, P* K=3  (theory note section 4)
    (0.5, 0.1, 0.60, 0.85, 0.975),
    (0.5, 0.3, 0.80, 1.0, 1.0),
    (0.7, 0.5, 0.80, 1.0, 1.0),
    (0.9, 0.6, 0.70, 0.79, 0.871),
    (0.2, 0.9, 0.30, 0.46, 0.588),
]


@pytest.mark.parametrize(("a", "b", "sd", "k2", "k3"), N2)
def test_n2_reference_values(a, b, sd, k2, k3):
    p, q = [b, 1 - b], [a, 1 - a]
    for k, want in ((1, sd), (2, k2), (3, k3)):
        # closed form for n = 2, derived independently: 1 - max(0, a^K - b, (1-a)^K - (1-b))
        closed = 1 - max(0.0, a**k - b, (1 - a) ** k - (1 - b))
        assert closed == pytest.approx(want, abs=1e-12)
        for method in ("auto", "minnorm", "brute"):
            assert optimal_acceptance(p, [q] * k, method=method) == pytest.approx(want, abs=1e-12)


F = Fraction
N3 = [  # draft q, target p, P* for K = 1..4, minimising set for K = 2 (theory note section 4)
    ((F(1, 2), F(1, 4), F(1, 4)), (F(1, 4), F(1, 4), F(1, 2)), (3 / 4, 15 / 16, 1, 1), [0, 1]),
    (
        (F(1, 2), F(1, 3), F(1, 6)),
        (F(1, 6), F(1, 3), F(1, 2)),
        (2 / 3, 29 / 36, 199 / 216, 1),
        [0, 1],
    ),
    (
        (F(7, 10), F(1, 5), F(1, 10)),
        (F(2, 5), F(3, 10), F(3, 10)),
        (7 / 10, 89 / 100, 971 / 1000, 1),
        [0, 1],
    ),
    ((F(1, 3),) * 3, (F(1, 2), F(1, 2), F(0)), (2 / 3, 8 / 9, 26 / 27, 80 / 81), [2]),
]


def exact_optimum(p, q, k):
    """min over all 2^n sets of p(T) + 1 - q(T)^k in exact rationals."""
    n = len(p)
    best = Fraction(1)
    for mask in range(2**n):
        t = [i for i in range(n) if mask >> i & 1]
        best = min(best, sum((p[i] for i in t), F(0)) + 1 - sum((q[i] for i in t), F(0)) ** k)
    return best


@pytest.mark.parametrize(("q", "p", "values", "tset"), N3)
def test_n3_reference_values_exact_rationals(q, p, values, tset):
    pf, qf = np.array(p, dtype=float), np.array(q, dtype=float)
    for k, want in enumerate(values, start=1):
        assert exact_optimum(p, q, k) == F(want).limit_denominator(10**6)
        assert optimal_acceptance(pf, np.tile(qf, (k, 1))) == pytest.approx(want, abs=1e-12)
    assert optimum(pf, np.tile(qf, (2, 1))).minimising_set.tolist() == tset


def test_uniform_draft_n3_formula():
    """P* = min(1, 8/9 + t, 14/9 - t) for p = (1/3, t, 2/3 - t), uniform draft, K = 2."""
    q = np.full((2, 3), 1 / 3)
    for t in np.linspace(0, 2 / 3, 61):
        p = np.array([1 / 3, t, 2 / 3 - t])
        assert optimal_acceptance(p, q) == pytest.approx(min(1, 8 / 9 + t, 14 / 9 - t), abs=1e-12)
    for t in np.linspace(0, 5 / 6, 61):
        p = np.array([1 / 6, t, 5 / 6 - t])
        want = min(1, 13 / 18 + t, 14 / 9 - t)
        assert optimal_acceptance(p, q) == pytest.approx(want, abs=1e-12)
        assert perfect_acceptance(p, q) == (5 / 18 - 1e-12 <= t <= 5 / 9 + 1e-12)


@given(st.integers(0, 2**32 - 1))
def test_uniform_draft_n3_general_formula(seed):
    """min(1, min_i p_i + 8/9, min_{i<j} (p_i + p_j) + 5/9) for any target (theory note)."""
    p = np.random.default_rng(seed).dirichlet(np.ones(3))
    pair = min(p[0] + p[1], p[0] + p[2], p[1] + p[2])
    want = min(1, p.min() + 8 / 9, pair + 5 / 9)
    assert optimal_acceptance(p, np.full((2, 3), 1 / 3)) == pytest.approx(want, abs=1e-12)


def test_n6_non_identical_reference():
    p = [0.30, 0.25, 0.15, 0.12, 0.10, 0.08]
    q1 = [0.10, 0.15, 0.30, 0.25, 0.12, 0.08]
    q2 = [0.20, 0.05, 0.25, 0.20, 0.20, 0.10]
    res = optimum(p, [q1, q2])
    assert res.method == "halfspace" and res.certified
    assert res.acceptance == pytest.approx(0.8875, abs=1e-12)
    assert minnorm_optimum(np.asarray(p), np.array([q1, q2])).acceptance == pytest.approx(0.8875)
    assert res.minimising_set.tolist() == [2, 3, 4, 5]
    for k, want in ((2, 0.8875), (3, 0.971), (4, 1.0)):
        assert optimal_acceptance(p, [q1] * k) == pytest.approx(want, abs=1e-12)


# ----------------------------------------------------------------------------- methods agree


@given(instances(max_n=12, max_k=6, same=True))
def test_prefix_scan_equals_brute_force(inst):
    p, q = inst
    pre = prefix_optimum(p, q[0], q.shape[0])
    assert pre.acceptance == pytest.approx(brute_optimum(p, q).acceptance, abs=1e-12)
    assert set_value(p, q, pre.minimising_set) == pytest.approx(pre.acceptance, abs=1e-12)


@given(instances(max_n=12, max_k=4))
def test_minnorm_equals_brute_force(inst):
    p, q = inst
    mn = minnorm_optimum(p, q)
    exact = brute_optimum(p, q).acceptance
    assert mn.acceptance == pytest.approx(exact, abs=1e-10)
    assert mn.lower_bound <= exact + 1e-12
    assert set_value(p, q, mn.minimising_set) == pytest.approx(mn.acceptance, abs=1e-12)


@pytest.mark.parametrize("n", [200, 513])
def test_minnorm_equals_prefix_at_larger_n(n):
    rng = np.random.default_rng(n)
    p = law(rng, n, 0.5)
    q = np.tile(law(rng, n, 0.5), (3, 1))
    assert optimum(p, q, method="minnorm").acceptance == pytest.approx(
        optimum(p, q, method="prefix").acceptance, abs=1e-10
    )


def test_fast_ratio_order_is_exact():
    """The packed-float sort used for n >= 4096: ties, zeros, inf and near-collisions."""
    rng = np.random.default_rng(0)
    n = 20_000
    r = rng.random(n)
    r[::7] = r[3]  # exact ties
    r[::11] = np.inf  # tokens the draft never proposes
    r[::13] = 0.0  # tokens the target never emits
    r[100:300] = 0.5 * (1 + np.arange(200) * 2.0**-50)  # equal in all but the low bits
    o = ratio_order(r)
    assert np.array_equal(np.sort(o), np.arange(n))
    assert np.all(r[o][1:] >= r[o][:-1])


def test_prefix_scan_large_n_matches_reference_scan():
    rng = np.random.default_rng(4)
    n, k = 50_000, 16
    p, q = law(rng, n, 0.5, zeros=50), law(rng, n, 0.5, zeros=50)
    with np.errstate(divide="ignore"):
        order = np.argsort(np.where(q > 0, p / q, np.inf), kind="stable")
    ref = 1 + np.min(np.concatenate(([0.0], np.cumsum(p[order]) - np.cumsum(q[order]) ** k)))
    res = prefix_optimum(p, q, k)
    assert res.acceptance == pytest.approx(ref, abs=1e-12)
    assert set_value(p, np.tile(q, (k, 1)), res.minimising_set) == pytest.approx(ref, abs=1e-12)
    x = rng.random(100)
    for j in (1, 2, 3, 16, 17):
        np.testing.assert_allclose(int_power(x, j), x**j, rtol=1e-14)


def test_minnorm_certificate_brackets_the_optimum():
    rng = np.random.default_rng(5)
    p = law(rng, 300, 0.3)
    q = np.vstack([law(rng, 300, 0.3) for _ in range(3)])
    res = optimum(p, q)
    # weak duality up to float rounding of the convex combination (1e-12)
    assert res.lower_bound - 1e-12 <= res.acceptance <= res.lower_bound + 1e-10
    assert set_value(p, q, res.minimising_set) == pytest.approx(res.acceptance, abs=1e-13)


def test_identical_helper_and_single_draft():
    rng = np.random.default_rng(1)
    p, q = law(rng, 50), law(rng, 50)
    assert optimal_acceptance_identical(p, q, 1) == pytest.approx(np.minimum(p, q).sum())
    assert optimal_acceptance(p, q) == pytest.approx(np.minimum(p, q).sum(), abs=1e-12)
    for k in (2, 5):
        assert optimal_acceptance_identical(p, q, k) == optimal_acceptance(p, np.tile(q, (k, 1)))


@given(instances(max_n=10, max_k=4, same=True))
def test_optimum_monotone_in_k(inst):
    p, q = inst
    values = [optimal_acceptance_identical(p, q[0], k) for k in range(1, 6)]
    assert all(b >= a - 1e-12 for a, b in itertools.pairwise(values))


# ----------------------------------------------------------------------------- acceptance one


@given(instances(max_n=8, max_k=3))
def test_perfect_acceptance_is_the_set_condition(inst):
    p, q = inst
    n = p.size
    masks = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(float)
    condition = bool(np.all(masks @ p >= np.prod(masks @ q.T, axis=1) - 1e-12))
    assert perfect_acceptance(p, q) == condition


def test_perfect_acceptance_two_identical_drafts_theorem():
    """Khisti et al.: with two identical drafts, acceptance 1 iff p(S) >= q(S)^2 for all S."""
    q = np.array([0.5, 0.5])
    assert perfect_acceptance([0.3, 0.7], [q, q])  # 0.3 >= 0.25
    assert not perfect_acceptance([0.2, 0.8], [q, q])  # 0.2 < 0.25
    assert perfect_acceptance([0.25, 0.75], [q, q])  # boundary


# ----------------------------------------------------------------------------- bad input


def test_k_zero_is_rejected():
    with pytest.raises(InvalidArgumentError, match=r"^drafts: K = 0"):
        optimal_acceptance([0.5, 0.5], np.zeros((0, 2)))


def test_vocabulary_mismatch_is_rejected():
    with pytest.raises(InvalidArgumentError, match=r"^drafts: vocabulary size 3"):
        optimal_acceptance([0.5, 0.5], [[0.2, 0.3, 0.5]])
    with pytest.raises(InvalidArgumentError, match=r"^target"):
        perfect_acceptance([0.5, 0.6], [[0.5, 0.5]])


def test_bad_method_and_limits():
    with pytest.raises(InvalidArgumentError, match=r"^method: expected"):
        optimum([0.5, 0.5], [[0.5, 0.5]], method="lp")
    with pytest.raises(InvalidArgumentError, match=r"^method: 'prefix' needs identical"):
        optimum([0.5, 0.5], [[0.5, 0.5], [0.4, 0.6]], method="prefix")
    with pytest.raises(InvalidArgumentError, match=r"^method: 'brute' needs n <= 16"):
        optimum(np.full(17, 1 / 17), np.full((1, 17), 1 / 17), method="brute")
    with pytest.raises(InvalidArgumentError, match=r"^k: must be >= 1"):
        optimal_acceptance_identical([0.5, 0.5], [0.5, 0.5], 0)


def test_draft_without_mass_where_target_has_mass_is_fine():
    p = np.array([0.2, 0.3, 0.5])
    q = np.array([[0.5, 0.5, 0.0], [0.4, 0.6, 0.0]])
    value = optimal_acceptance(p, q)
    assert value == pytest.approx(0.5, abs=1e-12)  # token 2 is never drafted: P* <= 1 - p(2)
    assert not perfect_acceptance(p, q)


def test_uncertified_minnorm_raises_solver_error():
    rng = np.random.default_rng(2)
    p = law(rng, 60, 0.3)
    q = np.vstack([law(rng, 60, 0.3) for _ in range(2)])
    with pytest.raises(SolverError, match="did not certify") as err:
        minnorm_optimum(p, q, max_iter=1)
    assert err.value.status == "not_certified"
