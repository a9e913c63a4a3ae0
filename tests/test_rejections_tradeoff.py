"""Optimality LPs and the quality/rejection trade-off (Yin et al., arXiv 2411.00841, Thms 2, 4-5).

Exact: LP optimum (cvxpy, HiGHS) = TV and max(0, TV - eps) on random instances
(within 2e-8); Pareto reference values of the theory note; Loss*(b) and the front
inequality. Simulation checks live in the claim registry.
"""

from __future__ import annotations

from fractions import Fraction as F

import cvxpy as cp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from specbound.bounds.rejection_examples import example_a
from specbound.bounds.rejection_rules import (
    independent_resampling_rule,
    scaled_rule,
    speculative_rule,
    threshold_rule,
    unbiased_baselines,
)
from specbound.bounds.rejections import total_variation
from specbound.bounds.tradeoff import (
    biased_expected_rejections,
    biased_rejections_kernel,
    biased_rule_kernel,
    biased_sequence_tv,
    biased_sequence_tv_kernel,
    min_rejection_with_budget,
    min_tv_loss,
    optimal_biased_rule,
)
from specbound.errors import InvalidArgumentError, SolverError
from specbound.lp.rejection_lp import (
    acceptance_rule_lp,
    budget_lp,
    coupling_rejection_lp,
    solve,
)

P3 = np.array([0.5, 0.3, 0.2])
Q3 = np.array([0.2, 0.3, 0.5])


def _random_pair(g: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    n = int(g.integers(2, 9))
    p, q = g.dirichlet(np.full(n, 0.7)), g.dirichlet(np.full(n, 0.7))
    if n > 2 and g.random() < 0.5:  # some zeros in the draft
        q[g.choice(n, size=int(g.integers(1, n - 1)), replace=False)] = 0.0
        q /= q.sum()
    return p, q


def test_lps_equal_closed_forms_on_random_instances():
    g = np.random.default_rng(2024)
    for _ in range(40):
        p, q = _random_pair(g)
        tv = total_variation(p, q)
        assert coupling_rejection_lp(p, q).rejection == pytest.approx(tv, abs=2e-8)
        assert acceptance_rule_lp(p, q).rejection == pytest.approx(tv, abs=2e-8)
        eps = float(g.uniform(0, 1.2 * tv + 0.01))
        assert budget_lp(p, q, eps).rejection == pytest.approx(max(0.0, tv - eps), abs=2e-8)


def test_maximal_coupling_is_optimal_and_feasible():
    p, q = P3, Q3
    tv = total_variation(p, q)
    pi = np.diag(np.minimum(p, q)) + np.outer(np.maximum(q - p, 0), np.maximum(p - q, 0)) / tv
    np.testing.assert_allclose(pi.sum(axis=1), q, atol=1e-15)  # draft marginal
    np.testing.assert_allclose(pi.sum(axis=0), p, atol=1e-15)  # output marginal
    assert pi.sum() - np.trace(pi) == pytest.approx(tv)
    res = coupling_rejection_lp(p, q)
    assert res.status == "optimal"
    assert res.solution.sum() - np.trace(res.solution) == pytest.approx(tv, abs=1e-8)
    a = acceptance_rule_lp(p, q).solution
    np.testing.assert_allclose(a, np.minimum(p, q), atol=1e-8)  # the unique optimum


def test_solver_failures_raise_with_status():
    x = cp.Variable()
    with pytest.raises(SolverError, match="status=infeasible") as info:
        solve(cp.Problem(cp.Minimize(x), [x >= 1, x <= 0]))
    assert info.value.status == "infeasible"
    with pytest.raises(SolverError, match="unbounded"):
        solve(cp.Problem(cp.Minimize(x), [x <= 0]))
    with pytest.raises(SolverError, match="solver_error"):
        coupling_rejection_lp(P3, Q3, solver="NO_SUCH_SOLVER")


def test_lp_bad_input():
    with pytest.raises(InvalidArgumentError, match="draft: vocabulary size"):
        coupling_rejection_lp(P3, [0.5, 0.5])
    with pytest.raises(InvalidArgumentError, match="eps: must lie in"):
        budget_lp(P3, Q3, -0.1)
    with pytest.raises(InvalidArgumentError, match="target: probabilities sum"):
        acceptance_rule_lp([0.5, 0.6, 0.2], Q3)


# ----------------------------------------------------------------------------- trade-off


def test_pareto_reference_values():
    got = [min_rejection_with_budget(P3, Q3, e) for e in (0, 0.1, 0.2, 0.3, 0.4)]
    np.testing.assert_allclose(got, [0.3, 0.2, 0.1, 0.0, 0.0], atol=1e-15)
    for lam, (rej, loss) in {
        0: (0.3, 0),
        0.25: (0.225, 0.075),
        0.5: (0.15, 0.15),
        1: (0, 0.3),
    }.items():
        rule = biased_rule_kernel(P3, Q3, lam)
        assert (rule.rejection, rule.loss) == pytest.approx((rej, loss), abs=1e-15)
        # the rule's own output law: a + (1 - beta) P*
        a = Q3 * rule.acceptance
        out = a + (1 - a.sum()) * rule.residual
        np.testing.assert_allclose(out, rule.output, atol=1e-15)
        assert 0.5 * np.abs(out - P3).sum() == pytest.approx(loss, abs=1e-15)
    half = biased_rule_kernel(P3, Q3, 0.5)
    np.testing.assert_allclose(half.output, [0.35, 0.3, 0.35], atol=1e-15)
    # UNO (same acceptance, rejection law = target) loses 0.225 instead of 0.15
    a = Q3 * half.acceptance
    assert 0.5 * np.abs(a - a.sum() * P3).sum() == pytest.approx(0.225, abs=1e-15)
    assert min_tv_loss(P3, Q3, half.acceptance) == pytest.approx(0.15, abs=1e-15)


def test_optimal_rule_from_eps():
    rule = optimal_biased_rule(P3, Q3, 0.1)
    assert rule.mix == pytest.approx(1 / 3)
    assert rule.rejection == pytest.approx(0.2)
    assert optimal_biased_rule(P3, Q3, 0.5).mix == 1.0
    same = optimal_biased_rule(P3, P3, 0.0)
    assert same.rejection == 0.0
    np.testing.assert_array_equal(same.acceptance, np.ones(3))


@given(seed=st.integers(0, 10_000))
def test_front_inequality(seed):
    """P(reject) + Loss*(b) >= TV for every b; equality for over-accepting b."""
    g = np.random.default_rng(seed)
    p, q = _random_pair(g)
    tv = total_variation(p, q)
    b = g.random(p.size)
    assert 1 - (q * b).sum() + min_tv_loss(p, q, b) >= tv - 1e-12
    ratio = np.where(q > p, p / np.where(q > 0, q, 1), 1.0)
    over = ratio + g.random(p.size) * (1 - ratio)
    assert 1 - (q * over).sum() + min_tv_loss(p, q, over) == pytest.approx(tv, abs=1e-12)
    # Loss* is attained by the rejection law P* ~ (p - q b)_+
    w = np.maximum(p - q * b, 0)
    out = q * b + (1 - (q * b).sum()) * (w / w.sum() if w.sum() > 0 else p)
    assert 0.5 * np.abs(out - p).sum() == pytest.approx(min_tv_loss(p, q, b), abs=1e-12)


def test_sequence_tradeoff_example_a_exact():
    a = example_a()
    rej, bound = biased_rejections_kernel(a.target_exact, a.draft_exact, a.start, 3, F(1, 2))
    assert rej == F(4217, 13824)
    tv = biased_sequence_tv_kernel(a.target_exact, a.draft_exact, a.start, 3, F(1, 2))
    assert tv == F(437, 2304)
    assert tv <= bound
    assert biased_expected_rejections(a.target, a.draft, 3, 3, 0.5) == pytest.approx(
        4217 / 13824, abs=1e-15
    )
    assert biased_sequence_tv(a.target, a.draft, 3, 3, 0.5) == pytest.approx(437 / 2304)
    # lam = 0 is standard SD, lam = 1 never rejects
    assert biased_rejections_kernel(a.target_exact, a.draft_exact, 3, 3, F(0))[0] == F(359, 576)
    assert biased_rejections_kernel(a.target_exact, a.draft_exact, 3, 3, F(1))[0] == 0


def test_baseline_rules():
    rules = {r.name: r for r in unbiased_baselines(P3, Q3)}
    assert rules["speculative"].rejection == pytest.approx(0.3)
    assert rules["independent resampling"].rejection == pytest.approx(0.71)
    assert rules["scaled c=0.8"].rejection == pytest.approx(0.44)
    assert rules["threshold"].rejection == pytest.approx(0.5)
    g = np.random.default_rng(7)
    for _ in range(30):
        p, q = _random_pair(g)
        tv = total_variation(p, q)
        for rule in (
            speculative_rule(p, q),
            independent_resampling_rule(p, q),
            scaled_rule(p, q, float(g.random())),
            threshold_rule(p, q),
        ):
            a = q * rule.acceptance
            np.testing.assert_allclose(a + rule.rejection * rule.residual, p, atol=1e-12)
            assert rule.rejection >= tv - 1e-12


def test_tradeoff_bad_input():
    with pytest.raises(InvalidArgumentError, match="eps: must lie in"):
        min_rejection_with_budget(P3, Q3, -1)
    with pytest.raises(InvalidArgumentError, match="acceptance: must be"):
        min_tv_loss(P3, Q3, [0.5, 1.5, 0.1])
    with pytest.raises(InvalidArgumentError, match="mix: must lie in"):
        biased_expected_rejections(np.eye(2), np.eye(2), 0, 3, 1.5)
    with pytest.raises(InvalidArgumentError, match="scale: must lie in"):
        scaled_rule(P3, Q3, 2.0)


@pytest.mark.parametrize("which", ["A", "B"])
def test_sequence_lp_equals_sum_of_tv(which):
    """Theory note C4: sum_t sum_i mu_{t-1}(i) LP(P[i], Q[i]) equals E[N_rej] (1e-7)."""
    from specbound.bounds.rejection_examples import example_b
    from specbound.bounds.rejections import expected_rejections

    x = example_a() if which == "A" else example_b()
    p, q = x.target, x.draft
    lp = np.array([coupling_rejection_lp(p[i], q[i]).rejection for i in range(len(p))])
    mu, total = np.eye(len(p))[x.start], 0.0
    for _ in range(3):
        total += mu @ lp
        mu = mu @ p
    assert total == pytest.approx(expected_rejections(p, q, x.start, 3), abs=1e-7)
