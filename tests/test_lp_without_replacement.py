"""Optimal acceptance of drafts drawn without replacement (issue 18 item 4).

Exact tests: the coupling LP over ordered distinct tuples against the min-cut formula
by brute force, and the K = 2 bilinear reduction against brute force. Tolerances are
float rounding (LP: the solver's 1e-8).
"""

import math

import numpy as np
import pytest

from specbound.errors import InvalidArgumentError
from specbound.lp import optimal_acceptance_identical
from specbound.lp.without_replacement import (
    all_in_probabilities,
    brute_optimum_without_replacement,
    optimum_without_replacement,
    ordered_tuples,
    without_replacement_lp,
)


def case(rng, n, conc):
    return rng.dirichlet(np.full(n, conc)), rng.dirichlet(np.full(n, conc))


def test_min_cut_formula_equals_the_tuple_lp():
    rng = np.random.default_rng(41)
    for n, k in ((2, 2), (3, 2), (4, 2), (4, 3), (5, 3), (5, 4), (6, 3)):
        p, q = case(rng, n, 0.5)
        lp = without_replacement_lp(p, q, k)
        assert brute_optimum_without_replacement(p, q, k).acceptance == pytest.approx(lp, abs=1e-8)


def test_pair_reduction_equals_brute_force():
    rng = np.random.default_rng(42)
    for _ in range(120):
        n = int(rng.integers(2, 11))
        p, q = case(rng, n, rng.choice([0.02, 0.1, 0.5, 1.0]))
        if np.count_nonzero(q) < 2:
            continue
        res = optimum_without_replacement(p, q, 2)
        ref = brute_optimum_without_replacement(p, q, 2).acceptance
        assert res.certified and res.acceptance == pytest.approx(ref, abs=1e-11)


def test_tuple_probabilities_and_all_in_probabilities():
    q = np.array([0.5, 0.3, 0.2, 0.0])
    tup, prob = ordered_tuples(q, 2)
    assert len(tup) == 6 and prob.sum() == pytest.approx(1.0, abs=1e-15)
    assert prob[(tup[:, 0] == 0) & (tup[:, 1] == 1)][0] == pytest.approx(0.5 * 0.3 / 0.5)
    tokens, w = all_in_probabilities(q, 2)
    assert tokens.tolist() == [0, 1, 2]
    # W({0, 1}) = q0 q1/(1 - q0) + q1 q0/(1 - q1)
    assert w[0b011] == pytest.approx(0.5 * 0.3 / 0.5 + 0.3 * 0.5 / 0.7)
    assert w[0b111] == pytest.approx(1.0) and w[0b001] == 0.0
    # nearly all mass on one token: W computed from the remaining mass, not 1 - q0
    p = np.array([0.5, 0.5 - 1e-9, 1e-9])
    q = np.array([1 - 2e-9, 1e-9, 1e-9])
    assert optimum_without_replacement(p, q, 3).acceptance == 1.0  # the three tokens


def test_without_replacement_is_at_least_iid_and_reaches_one():
    rng = np.random.default_rng(43)
    for _ in range(30):
        p, q = case(rng, 6, 0.5)
        for k in (2, 3):
            wor = optimum_without_replacement(p, q, k).acceptance
            assert wor >= optimal_acceptance_identical(p, q, k) - 1e-12
    p, q = case(rng, 4, 1.0)
    assert optimum_without_replacement(p, q, 4).acceptance == pytest.approx(1.0)  # all drafted
    assert optimum_without_replacement(p, q, 1).acceptance == pytest.approx(np.minimum(p, q).sum())


def test_vocabulary_scale_pair_is_certified():
    rng = np.random.default_rng(44)
    p, q = case(rng, 30_000, 0.1)
    res = optimum_without_replacement(p, q, 2)
    assert res.certified
    s = q[res.minimising_set].sum()
    r = (q / (1 - q))[res.minimising_set].sum()
    value = 1 + p[res.minimising_set].sum() - (s - (1 - s) * r)
    assert value == pytest.approx(res.acceptance, abs=1e-12)
    assert res.acceptance >= optimal_acceptance_identical(p, q, 2) - 1e-12


def test_bad_input():
    with pytest.raises(InvalidArgumentError, match=r"^k: 3 distinct drafts need at least 3"):
        optimum_without_replacement([0.5, 0.5, 0.0], [0.5, 0.5, 0.0], 3)
    with pytest.raises(InvalidArgumentError, match=r"^k: must be >= 1"):
        optimum_without_replacement([0.5, 0.5], [0.5, 0.5], 0)
    # 20 drafted tokens, K = 3: beyond enumeration, now the certified prefix method
    res = optimum_without_replacement(np.full(20, 0.05), np.full(20, 0.05), 3)
    assert res.method == "prefix" and res.certified and res.acceptance == pytest.approx(1.0)
    with pytest.raises(InvalidArgumentError, match=r"^target"):
        optimum_without_replacement([0.5, 0.6], [0.5, 0.5], 2)
    assert math.isclose(without_replacement_lp([0.2, 0.8], [0.5, 0.5], 1), 0.7, abs_tol=1e-9)
