"""Certified multi-draft optimum for different drafts (branch and bound, issue 18 item 2).

Exact tests: brute force over all 2^n token sets and the coupling LP are the references;
tolerances are float rounding. The branch and bound is also run with enumeration of
small boxes switched off, so that its bounds (not the enumeration) close the gap.
"""

import importlib

import numpy as np
import pytest

from specbound.lp import coupling_lp, optimal_acceptance, optimum
from specbound.lp import halfspace as hs
from specbound.lp.exact_sets import brute_optimum, set_value
from specbound.lp.halfspace import minimise_product_gap

opt_module = importlib.import_module("specbound.lp.optimum")


def random_case(rng, n, k, conc):
    p = rng.dirichlet(np.full(n, conc))
    q = rng.dirichlet(np.full(n, conc), size=k)
    return p, q


def check(p, q, res):
    ref = brute_optimum(p, q).acceptance
    assert res.certified
    assert res.lower_bound - 1e-12 <= ref <= res.acceptance + 1e-12
    assert res.acceptance == pytest.approx(ref, abs=1e-11)
    assert set_value(p, q, res.minimising_set) == pytest.approx(res.acceptance, abs=1e-12)


@pytest.mark.parametrize("enumerate_max", [hs.ENUMERATE_MAX, 0])
def test_agrees_with_brute_force_on_random_dirichlet_cases(enumerate_max, monkeypatch):
    monkeypatch.setattr(hs, "ENUMERATE_MAX", enumerate_max)
    rng = np.random.default_rng(18)
    for _ in range(150):
        n, k = int(rng.integers(2, 9)), int(rng.integers(2, 5))
        p, q = random_case(rng, n, k, rng.choice([0.02, 0.1, 0.3, 1.0]))
        kind = rng.integers(4)
        if kind == 1:  # the target equals one draft: every token ties at lambda = e_1
            p = q[0].copy()
        elif kind == 2:  # zeros in one law and not the other
            q[0, rng.integers(n)] = 0.0
            q[0] /= q[0].sum()
        check(p, q, optimum(p, q, method="halfspace"))


def test_agrees_with_the_coupling_lp():
    rng = np.random.default_rng(3)
    for n, k in ((3, 2), (4, 2), (5, 2), (3, 3), (4, 3)):
        p, q = random_case(rng, n, k, 0.3)
        lp = coupling_lp(p, q)
        assert optimal_acceptance(p, q) == pytest.approx(lp.acceptance, abs=1e-8)


def test_issue_peaked_case_returns_one():
    p = [0.98, 0.0, 0.02]
    q = [[0.0, 1e-8, 0.99999999], [1.0, 0.0, 0.0]]
    assert optimal_acceptance(p, q) == 1.0
    assert brute_optimum(np.array(p), np.array(q)).acceptance == 1.0


def test_tiny_entries_identical_rows_and_single_draft():
    p = np.array([1e-300, 0.5, 0.5 - 1e-300, 0.0])
    q = np.array([[0.25, 1e-300, 0.75, 0.0], [1e-300, 0.3, 0.0, 0.7]])
    check(p, q, optimum(p, q))
    rng = np.random.default_rng(4)
    p, q = random_case(rng, 7, 1, 0.5)
    res = optimum(p, q, method="halfspace")  # K = 1: P* = sum min(p, q)
    assert res.acceptance == pytest.approx(np.minimum(p, q[0]).sum(), abs=1e-12)
    twin = np.vstack([q[0], q[0], q[0]])  # identical drafts given to the general method
    check(p, twin, optimum(p, twin, method="halfspace"))


def test_vocabulary_scale_certificate_and_minnorm_agreement():
    rng = np.random.default_rng(5)
    p, q = random_case(rng, 300, 3, 0.3)
    res = optimum(p, q)
    assert res.method == "halfspace" and res.certified
    assert optimum(p, q, method="minnorm").acceptance == pytest.approx(res.acceptance, abs=1e-10)
    p, q = random_case(rng, 20_000, 2, 0.05)
    big = minimise_product_gap(p, q)
    assert big.gap <= 1e-9
    assert 1 + big.upper == pytest.approx(set_value(p, q, big.tokens), abs=1e-12)


def test_fallback_when_the_branch_and_bound_does_not_certify(monkeypatch):
    original = opt_module.halfspace_optimum
    monkeypatch.setattr(opt_module, "halfspace_optimum", lambda p, q, _=0: original(p, q, 1))
    monkeypatch.setattr(hs, "ENUMERATE_MAX", 0)
    rng = np.random.default_rng(6)
    p, q = random_case(rng, 8, 3, 0.3)
    assert not opt_module.halfspace_optimum(p, q).certified
    res = optimum(p, q)
    assert res.method == "brute"
    check(p, q, res)
