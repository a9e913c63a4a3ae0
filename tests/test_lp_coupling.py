"""The coupling LP (cvxpy): agreement with the exact optimum on hundreds of random
instances (K = 1..4), its marginals, its dual certificate, and failures.

Exact comparisons; the 1e-7 tolerance is the LP solvers' accuracy.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from specbound.errors import InvalidArgumentError, SolverError
from specbound.lp import coupling_lp, optimal_acceptance
from specbound.lp.coupling import solve_lp, tuple_probabilities, tuples
from specbound.lp.exact_sets import brute_optimum, set_value

MAX_N = {1: 6, 2: 5, 3: 4, 4: 3}  # keeps every solve at a few milliseconds


@st.composite
def small(draw, k, same=False):
    n = draw(st.integers(2, MAX_N[k]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    conc = draw(st.sampled_from([0.3, 1.0, 4.0]))
    p = rng.dirichlet(np.full(n, conc))
    if draw(st.booleans()):
        p[rng.integers(n)] = 0.0  # a token the target never emits
        p = p / p.sum()
    rows = 1 if same else k
    q = rng.dirichlet(np.full(n, conc), size=rows)
    if draw(st.booleans()):
        q[0, rng.integers(n)] = 0.0  # a draft without mass somewhere
        q[0] /= q[0].sum()
    return p, np.tile(q, (k, 1)) if same else q


def check_coupling(res, p, q):
    k, n = q.shape
    pi = res.coupling.reshape(n**k, n)
    assert pi.min() >= 0
    np.testing.assert_allclose(pi.sum(axis=1), tuple_probabilities(q), atol=1e-7)
    np.testing.assert_allclose(pi.sum(axis=0), p, atol=1e-7)
    accepted = pi[np.arange(n**k)[:, None], tuples(n, k)]
    # mass on y in set(x), each distinct token once
    tup = tuples(n, k)
    first = np.array([[tup[i, j] not in tup[i, :j] for j in range(k)] for i in range(n**k)])
    assert (accepted * first).sum() == pytest.approx(res.acceptance, abs=1e-7)


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_lp_equals_exact_optimum_non_identical(k):
    @given(small(k))
    def run(inst):
        p, q = inst
        res = coupling_lp(p, q)
        assert res.status == "optimal" and res.solver == "HIGHS"
        assert res.acceptance == pytest.approx(optimal_acceptance(p, q), abs=1e-7)
        assert res.acceptance == pytest.approx(brute_optimum(p, q).acceptance, abs=1e-7)
        # dual certificate: the token set reproduces the optimum through the closed form
        assert res.upper_bound == pytest.approx(res.acceptance, abs=1e-7)
        assert set_value(p, q, res.minimising_set) == pytest.approx(res.upper_bound, abs=1e-12)

    run()


@given(st.integers(1, 4).flatmap(lambda k: small(k, same=True)))
def test_lp_equals_prefix_scan_identical(inst):
    p, q = inst
    assert coupling_lp(p, q).acceptance == pytest.approx(optimal_acceptance(p, q), abs=1e-7)


@settings(max_examples=25)
@given(st.integers(1, 3).flatmap(small))
def test_full_and_flow_formulations_agree(inst):
    p, q = inst
    full = coupling_lp(p, q, formulation="full")
    flow = coupling_lp(p, q, formulation="flow")
    assert full.acceptance == pytest.approx(flow.acceptance, abs=1e-7)
    assert full.variables == p.size ** (q.shape[0] + 1)
    check_coupling(full, p, q)
    check_coupling(flow, p, q)


@pytest.mark.parametrize("solver", ["HIGHS", "CLARABEL"])
@pytest.mark.parametrize("formulation", ["flow", "full"])
def test_solvers_agree_on_reference(solver, formulation):
    p = [0.30, 0.25, 0.15, 0.12, 0.10, 0.08]
    q = [[0.10, 0.15, 0.30, 0.25, 0.12, 0.08], [0.20, 0.05, 0.25, 0.20, 0.20, 0.10]]
    res = coupling_lp(p, q, solver=solver, formulation=formulation)
    assert res.acceptance == pytest.approx(0.8875, abs=1e-7)
    assert res.minimising_set.tolist() == [2, 3, 4, 5]
    assert res.solver == solver and res.solve_time > 0
    assert res.coupling.shape == (6, 6, 6)


def test_n30_k2_full_lp_matches():
    """The issue's size: 27,000 variables (time measured in benchmarks/bench_multidraft.py)."""
    rng = np.random.default_rng(30)
    p, q = rng.dirichlet(np.ones(30)), rng.dirichlet(np.ones(30), size=2)
    res = coupling_lp(p, q, formulation="full")
    assert res.variables == 27_000
    assert res.acceptance == pytest.approx(optimal_acceptance(p, q), abs=1e-7)


def test_infeasible_lp_raises_with_status():
    # x >= 0 and x1 + x2 = -1 is infeasible
    with pytest.raises(SolverError, match="not solved to optimality") as err:
        solve_lp(np.ones(2), sp.csr_matrix(np.ones((1, 2))), np.array([-1.0]), None, None)
    assert err.value.status == "infeasible"
    assert err.value.solver == "HIGHS"


def test_solver_failure_raises_with_status():
    rng = np.random.default_rng(3)
    p, q = rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(5), size=2)
    with pytest.raises(SolverError) as err:
        coupling_lp(p, q, solver="CLARABEL", solver_options={"max_iter": 1})
    assert err.value.status != "optimal"


def test_bad_arguments():
    with pytest.raises(InvalidArgumentError, match=r"^drafts: K = 0"):
        coupling_lp([0.5, 0.5], np.zeros((0, 2)))
    with pytest.raises(InvalidArgumentError, match=r"^drafts: vocabulary size 3"):
        coupling_lp([0.5, 0.5], [[0.2, 0.3, 0.5]])
    with pytest.raises(InvalidArgumentError, match=r"^solver: expected"):
        coupling_lp([0.5, 0.5], [[0.5, 0.5]], solver="GUROBI")
    with pytest.raises(InvalidArgumentError, match=r"^formulation: expected"):
        coupling_lp([0.5, 0.5], [[0.5, 0.5]], formulation="dense")


def test_zero_draft_mass_gives_acceptance_below_one():
    res = coupling_lp([0.2, 0.3, 0.5], [[0.5, 0.5, 0.0], [0.4, 0.6, 0.0]])
    assert res.acceptance == pytest.approx(0.5, abs=1e-7)
