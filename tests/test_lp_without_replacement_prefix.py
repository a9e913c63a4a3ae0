"""Drafts without replacement at vocabulary scale: the prefix theorem and the quadrature
bracket of :mod:`specbound.lp.without_replacement_prefix` (issue 18 item 4).

Exact oracles: W(T) for every token set from the ordered tuples
(:func:`all_in_probabilities`), brute force over all sets, the K = 2 bilinear branch and
bound. Tolerances are float rounding (1e-12) or the certificate (1e-9).
"""

import itertools
from fractions import Fraction

import numpy as np
import pytest

from specbound.lp import optimal_acceptance_identical
from specbound.lp.without_replacement import (
    all_in_probabilities,
    brute_optimum_without_replacement,
    optimum_without_replacement,
    pair_optimum_without_replacement,
    without_replacement_lp,
)
from specbound.lp.without_replacement_prefix import (
    prefix_bounds,
    prefix_optimum_without_replacement,
)
from specbound.simulations.without_replacement import sample_without_replacement


def random_case(rng, n_max=10):
    n = int(rng.integers(3, n_max + 1))
    p = rng.dirichlet(np.full(n, rng.choice([0.02, 0.2, 1.0, 3.0])))
    q = rng.dirichlet(np.full(n, rng.choice([0.02, 0.3, 1.0])))
    q = np.where(q < 1e-300, 0.0, q)
    return p, q / q.sum(), int(rng.integers(2, 6))


def exact_all_in(q, k):
    """W(T) for every bitmask T, in exact rationals, from the ordered tuples."""
    n = len(q)
    w = [Fraction(0)] * 2**n
    for tup in itertools.permutations(range(n), k):
        prob, left = Fraction(1), Fraction(1)
        for x in tup:
            prob *= q[x] / left
            left -= q[x]
        mask = sum(1 << x for x in tup)
        w[mask] += prob
    for bit in range(n):  # superset sums: W(T) = sum over the draw sets inside T
        for mask in range(2**n):
            if mask >> bit & 1:
                w[mask] += w[mask ^ (1 << bit)]
    return w


def test_q_convexity_in_exact_rationals():
    """D+_j(T)/q_j >= D-_i(T)/q_i for every T, i in T, j not in T (the lemma of the proof)."""
    rng = np.random.default_rng(1)
    checked = 0
    for _ in range(25):
        n, k = int(rng.integers(3, 7)), int(rng.integers(2, 5))
        if k > n:
            continue
        weights = rng.integers(1, 60, n) ** rng.integers(1, 4)  # from flat to peaked
        q = [Fraction(int(x), int(weights.sum())) for x in weights]
        w = exact_all_in(q, k)
        for mask in range(2**n):
            for i in (i for i in range(n) if mask >> i & 1):
                for j in (j for j in range(n) if not mask >> j & 1):
                    gain = (w[mask | (1 << j)] - w[mask]) / q[j]
                    assert gain >= (w[mask] - w[mask ^ (1 << i)]) / q[i]
                    checked += 1
    assert checked > 1000


def test_min_over_prefixes_equals_brute_force():
    rng = np.random.default_rng(2)
    done = 0
    for _ in range(400):
        p, q, k = random_case(rng)
        if np.count_nonzero(q) < k:
            continue
        brute = brute_optimum_without_replacement(p, q, k).acceptance
        res = prefix_optimum_without_replacement(p, q, k)
        assert res.lower_bound - 1e-12 <= brute <= res.acceptance + 1e-12
        assert optimum_without_replacement(p, q, k).acceptance == pytest.approx(brute, abs=1e-9)
        done += 1
    assert done > 300


def test_bracket_contains_w_of_every_prefix():
    """f(T_m) = p(T_m) - W(T_m) from the tuples lies in the bracket of every prefix."""
    rng = np.random.default_rng(3)
    for _ in range(80):
        p, q, k = random_case(rng, 8)
        if np.count_nonzero(q) < k:
            continue
        order, f_lo, f_hi, _ = prefix_bounds(p, q, k)
        tokens, w = all_in_probabilities(q, k)
        where = {int(t): b for b, t in enumerate(tokens)}
        mask = 0
        for m in range(order.size + 1):
            exact = p[order[:m]].sum() - w[mask]
            assert f_lo[m] - 1e-12 <= exact <= f_hi[m] + 1e-12
            if m < order.size:
                mask |= 1 << where[int(order[m])]


def test_certified_and_fast_at_vocabulary_scale():
    rng = np.random.default_rng(4)
    n = 32_000
    p, q = rng.dirichlet(np.full(n, 0.1)), rng.dirichlet(np.full(n, 0.1))
    for k in (3, 4, 8):
        res = optimum_without_replacement(p, q, k)
        assert res.method == "prefix" and res.certified
        assert res.acceptance >= optimal_acceptance_identical(p, q, k) - 1e-9
    two = pair_optimum_without_replacement(p, q)
    res2 = prefix_optimum_without_replacement(p, q, 2)
    assert res2.lower_bound - 1e-9 <= two.acceptance <= res2.acceptance + 1e-9


def test_peaked_logits_with_heavy_tokens():
    """A softmax of heavy-tailed logits: a few tokens hold most of q (expanded exactly)."""
    rng = np.random.default_rng(5)
    logits = 3.0 * rng.standard_t(2, 20_000)
    q = np.exp(logits - logits.max())
    q /= q.sum()
    p = np.exp(logits + 0.5 * rng.standard_normal(logits.size) - logits.max())
    p /= p.sum()
    for k in (3, 4):
        res = optimum_without_replacement(p, q, k)
        assert res.certified
        assert 0.0 <= res.lower_bound <= res.acceptance <= 1.0


def test_monte_carlo_of_w_at_the_minimising_prefix():
    """W(T*) from sequential draws matches 1 + p(T*) - P*_wor within 5 SE (n = 2000)."""
    rng = np.random.default_rng(6)
    n, k, size = 2000, 4, 200_000
    p, q = rng.dirichlet(np.full(n, 0.3)), rng.dirichlet(np.full(n, 0.3))
    res = optimum_without_replacement(p, q, k)
    inside = np.zeros(n, dtype=bool)
    inside[res.minimising_set] = True
    hits = inside[sample_without_replacement(q, k, size, rng)].all(axis=1)
    w_exact = 1.0 + p[inside].sum() - res.acceptance
    se = np.sqrt(w_exact * (1 - w_exact) / size)
    assert abs(hits.mean() - w_exact) <= 5 * se


def test_extreme_and_degenerate_laws():
    tiny = np.array([1e-300, 0.3, 0.0, 0.7 - 1e-300, 1e-300, 0.0])
    p = np.array([0.2, 0.0, 0.5, 0.1, 0.2, 0.0])
    for k in (3, 4):
        res = optimum_without_replacement(p, tiny, k)
        brute = brute_optimum_without_replacement(p, tiny, k).acceptance
        assert np.isfinite(res.acceptance) and res.acceptance == pytest.approx(brute, abs=1e-9)
    # exactly K drafted tokens: every draw set is the whole support, W = 1 there
    res = optimum_without_replacement([0.5, 0.2, 0.3, 0.0], [0.2, 0.3, 0.5, 0.0], 3)
    assert res.acceptance == pytest.approx(1.0)
    # identical laws: acceptance one
    u = np.full(5000, 1 / 5000)
    assert optimum_without_replacement(u, u, 4).acceptance == pytest.approx(1.0)


def test_token_permutation_does_not_change_the_value():
    rng = np.random.default_rng(7)
    n = 3000
    p, q = rng.dirichlet(np.full(n, 0.2)), rng.dirichlet(np.full(n, 0.2))
    perm = rng.permutation(n)
    a = optimum_without_replacement(p, q, 4)
    b = optimum_without_replacement(p[perm], q[perm], 4)
    assert a.acceptance == pytest.approx(b.acceptance, abs=1e-9)


@pytest.mark.parametrize("heavy", [1, 2, 3])
def test_heavy_expansion_against_brute_force(heavy):
    """The exact expansion of the h most likely tokens, forced, on small laws."""
    rng = np.random.default_rng(10 + heavy)
    done = 0
    for _ in range(60):
        p, q, k = random_case(rng)
        s = np.count_nonzero(q)
        if s < k or s <= heavy:
            continue
        _, f_lo, f_hi, _ = prefix_bounds(p, q, k, plan=(heavy, 64))
        brute = brute_optimum_without_replacement(p, q, k).acceptance
        assert 1 + f_lo.min() - 1e-12 <= brute <= 1 + f_hi.min() + 1e-12
        done += 1
    assert done > 30


def test_plans_agree_at_scale():
    """Heavy tokens expanded or not, the brackets of every prefix overlap (n = 3000)."""
    g = np.random.default_rng(11)
    q = np.concatenate([0.8 * g.dirichlet(np.full(4, 3.0)), 0.2 * g.dirichlet(np.ones(2996))])
    p = g.dirichlet(np.full(3000, 0.5))
    brackets = [prefix_bounds(p, q, 4, plan=plan)[1:3] for plan in ((0, 128), (2, 48), (4, 16))]
    for lo_a, hi_a in brackets:
        for _, hi_b in brackets:
            assert np.all(lo_a <= hi_b + 1e-12)
        assert np.max(hi_a - lo_a) < 1e-9


def test_prefix_method_equals_the_tuple_lp():
    """The coupling LP over ordered distinct tuples (HiGHS, 1e-8) lies in the bracket."""
    rng = np.random.default_rng(12)
    for n, k in ((4, 3), (5, 3), (5, 4), (6, 3), (6, 5)):
        p, q = rng.dirichlet(np.full(n, 0.5)), rng.dirichlet(np.full(n, 0.5))
        lp = without_replacement_lp(p, q, k)
        res = prefix_optimum_without_replacement(p, q, k)
        assert res.lower_bound - 1e-8 <= lp <= res.acceptance + 1e-8
