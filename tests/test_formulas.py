"""Formulas with sympy: the LaTeX shown is the code computed, and identities proved.

Every claim with a ``formula`` is checked on random points: the lambdified sympy
expression equals the numeric function the claim's exact side calls. Then sympy proves
the chain formula as a geometric sum, the Dirichlet entropy moments by integration
(small integer n and a), and the two-token multi-draft optimum against the coupling
LP solved in exact rationals.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import sympy as sp

from specbound.claims import all_claims, formulas
from specbound.claims.formulas import Formula

WITH_FORMULA = [c for c in all_claims() if c.formula is not None]


def test_closed_form_claims_carry_their_formula():
    ids = {c.id for c in WITH_FORMULA}
    assert {
        "rejections.tokens_per_step",
        "sd.acceptance",
        "ersd.bound",
        "bw.bound_renewal",
        "bw.bound_chernoff",
        "bw.bound_explicit",
        "bw.bound_abstract",
        "bw.asymptotic_upper",
        "bw.doubling",
        "audit.equality_acceptance",
        "rejections.tradeoff",
        "rejections.optimality",
        "ersd.alpha_one",
        "ersd.limits",
        "ersd.pfr_index",
        "bw.moments",
        "md.spectr_guarantee",
        "md.optimum_bound",
        "md.canonical",
        "md.wor_beats_iid",
        "pairs.acceptance",
        "pairs.chain_along_text",
        "pairs.target_entropy_mu",
        "pairs.target_entropy_mu2",
        "pairs.ersd_alpha_one",
        "pairs.multidraft_identical_k2",
        "pairs.multidraft_identical_k4",
        "pairs.multidraft_identical_optimal",
    } <= ids


@pytest.mark.parametrize("claim", WITH_FORMULA, ids=lambda c: c.id)
def test_the_formula_shown_is_the_one_computed(claim):
    f: Formula = claim.formula
    assert f.latex() and {name for name, _ in f.symbols} == {
        str(s) for s in f.expr.free_symbols if not isinstance(s, sp.Indexed)
    } - {"x", "j"} | {str(b) for b in f.expr.atoms(sp.IndexedBase)}
    rng = np.random.default_rng(13)
    for _ in range(10):
        point = f.sample(rng)
        assert f.evaluate(point) == pytest.approx(f.numeric(**point), rel=1e-10, abs=1e-12)


def test_the_report_summary_renders_the_formula():
    from specbound.claims import format_summary, select

    row = format_summary(select("rejections.tokens_per_step"), []).splitlines()[-1]
    assert "$\\frac{1 - \\alpha^{\\gamma + 1}}{1 - \\alpha}$" in row
    moments = format_summary(select("bw.moments"), []).splitlines()[-1]
    assert "\\psi_{1}\\left(a + 1\\right)" in moments and "polygamma" not in moments


def test_chain_formula_is_the_geometric_sum():
    a, g, j = (
        sp.Symbol("alpha", positive=True),
        sp.Symbol("gamma", integer=True, nonnegative=True),
        sp.Symbol("j", integer=True),
    )
    total = sp.Sum(a**j, (j, 0, g)).doit()
    (at_one, one), (general, _) = total.args
    assert one == sp.Eq(a, 1) and at_one == g + 1
    assert (
        sp.simplify(general - formulas.CHAIN.expr.subs({formulas.alpha: a, formulas.gamma: g}))
        == 0
    )


@pytest.mark.parametrize(("n", "a"), [(2, 1), (3, 1), (2, 2)])
def test_dirichlet_moments_by_integration(n, a):
    """mu = n E[-p ln p], mu2 = n E[p ln^2 p], phi = n E[p^2], p ~ Beta(a, (n-1) a)."""
    from specbound.bounds.branching_walk.moments import dirichlet_moments

    t = sp.Symbol("t", positive=True)
    b = (n - 1) * a
    density = t ** (a - 1) * (1 - t) ** (b - 1) / sp.beta(a, b)
    mu = sp.simplify(n * sp.integrate(-t * sp.log(t) * density, (t, 0, 1)))
    mu2 = sp.simplify(n * sp.integrate(t * sp.log(t) ** 2 * density, (t, 0, 1)))
    shown = formulas.DIRICHLET_MOMENTS.expr.subs({formulas.conc: a, formulas.n: n})
    psi_mu, psi_mu2, psi_phi = shown  # the formula bw.moments shows
    phi = sp.simplify(n * sp.integrate(t**2 * density, (t, 0, 1)))
    assert sp.simplify(sp.expand_func(phi - psi_phi)) == 0
    assert sp.simplify(sp.expand_func(mu - psi_mu)) == 0
    assert sp.simplify(sp.expand_func(mu2 - psi_mu2)) == 0
    num_mu, num_mu2, _ = dirichlet_moments(a, n)
    assert num_mu == pytest.approx(float(mu), rel=1e-12)
    assert num_mu2 == pytest.approx(float(mu2), rel=1e-12)


def _lp_optimum_exact(p, q1, q2):
    """The coupling LP of two drafts on two tokens, solved in exact rationals."""
    from sympy.solvers.simplex import lpmax

    pi = {
        (x1, x2, y): sp.Symbol(f"pi_{x1}{x2}{y}")
        for x1, x2, y in itertools.product(range(2), repeat=3)
    }
    cons = [v >= 0 for v in pi.values()]
    cons += [
        sp.Eq(pi[x1, x2, 0] + pi[x1, x2, 1], q1[x1] * q2[x2])
        for x1, x2 in itertools.product(range(2), repeat=2)
    ]
    cons += [
        sp.Eq(sum(pi[x1, x2, y] for x1, x2 in itertools.product(range(2), repeat=2)), p[y])
        for y in range(2)
    ]
    value, _ = lpmax(sum(v for (x1, x2, y), v in pi.items() if y in (x1, x2)), cons)
    return value


def test_two_token_multidraft_optimum_is_the_lp_optimum():
    """P* = min over T of p(T) + 1 - q1(T) q2(T) (lp/optimum.py) = the LP, exactly."""
    from specbound.lp import optimal_acceptance

    rng = np.random.default_rng(5)
    values = []
    for _ in range(6):
        p0, a, b = (sp.Rational(int(v), 97) for v in rng.integers(0, 98, size=3))
        p, q1, q2 = (p0, 1 - p0), (a, 1 - a), (b, 1 - b)
        closed = min(
            sum(p[i] for i in t) + 1 - sum(q1[i] for i in t) * sum(q2[i] for i in t)
            for t in ((), (0,), (1,), (0, 1))
        )
        assert _lp_optimum_exact(p, q1, q2) == closed
        values.append(closed)
        drafts = np.array([[float(a), 1 - float(a)], [float(b), 1 - float(b)]])
        assert optimal_acceptance([float(p0), 1 - float(p0)], drafts) == pytest.approx(
            float(closed), abs=1e-12
        )
    assert min(values) < 1  # some points have no perfect acceptance
