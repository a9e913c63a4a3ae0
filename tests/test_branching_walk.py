"""Tests of specbound.bounds.branching_walk (Pankratov & Alistarh, arXiv 2512.11718).

Reference values are the tables of ``theory/branching_walk.md`` §4; exact optima come
from ``specbound.trees.optimal_tree`` (an independent implementation of the top-P
greedy) for deterministic laws.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate, stats

from specbound.bounds.branching_walk import (
    asymptotic_accepted,
    chernoff_bound,
    dirichlet_moments,
    doubling_gain,
    entropy_moment_estimates,
    entropy_moments,
    renewal_bound,
    runtime_lower_bound,
    speed_of_light_bound,
    speedup_upper_bound,
)
from specbound.distributions import zipf
from specbound.errors import InvalidArgumentError
from specbound.trees import optimal_tree

# Deterministic laws of the note, their (mu, mu2, phi) and exact optima at k.
KS = (1, 2, 3, 4, 5, 10, 30, 100, 1000, 10000)
TABLE = {
    "(0.9, 0.1)": (
        [0.9, 0.1],
        (0.325083, 0.540181, 0.82),
        (0.9, 1.71, 2.439, 3.0951, 3.68559, 5.861894, 8.805102, 12.163708, 19.289228, 26.438726),
    ),
    "(0.5, 0.3, 0.2)": (
        [0.5, 0.3, 0.2],
        (1.029653, 1.193150, 0.38),
        (0.5, 0.8, 1.05, 1.25, 1.4, 1.965, 2.93875, 4.07725, 6.301315, 8.536797),
    ),
    "uniform 2": (
        [0.5, 0.5],
        (0.693147, 0.480453, 0.5),
        (0.5, 1.0, 1.25, 1.5, 1.75, 2.5, 4.0, 5.59375, 8.957031, 12.220947),
    ),
    "uniform 4": (
        [0.25] * 4,
        (1.386294, 1.921812, 0.25),
        (0.25, 0.5, 0.75, 1.0, 1.0625, 1.375, 2.15625, 3.0625, 4.644531, 6.277100),
    ),
}


def optimum_curve(p, size: int) -> np.ndarray:
    """E[X_opt(P)] for P = 1..size: the optimal tree's path probabilities, largest first."""
    tree = optimal_tree(np.sort(np.asarray(p, dtype=float))[::-1], size)
    return np.cumsum(np.sort(tree.path_probability)[::-1])


# ----------------------------------------------------------------------------- moments


@pytest.mark.parametrize("label", list(TABLE))
def test_moments_of_deterministic_laws_match_note(label):
    p, (mu, mu2, phi), _ = TABLE[label]
    est = entropy_moment_estimates(p)
    assert est.mu == pytest.approx(mu, abs=5e-7)
    assert est.mu2 == pytest.approx(mu2, abs=5e-7)
    assert est.phi == pytest.approx(phi, abs=1e-12)
    assert est.mu_se == est.mu2_se == est.phi_se == 0.0 and est.rows == 1
    assert entropy_moments(p) == (est.mu, est.mu2)


def test_moments_skip_zero_probabilities():
    assert entropy_moments([0.5, 0.0, 0.5]) == pytest.approx(entropy_moments([0.5, 0.5]))
    assert entropy_moments([0.0, 1.0, 0.0]) == (0.0, 0.0)


def test_mu2_is_mean_of_second_moments_not_square_of_mean_entropy():
    rows = np.array([[1.0, 0.0], [0.5, 0.5]])
    mu, mu2 = entropy_moments(rows)
    ln2 = math.log(2)
    assert mu == pytest.approx(ln2 / 2)
    assert mu2 == pytest.approx(ln2**2 / 2)  # (E H)^2 would be ln2^2 / 4
    est = entropy_moment_estimates(rows)
    assert est.mu_se == pytest.approx(np.std([0, ln2], ddof=1) / math.sqrt(2))
    assert est.sigma2 == pytest.approx(mu2 - mu**2)


@pytest.mark.parametrize("a,n", [(0.5, 10), (0.05, 1000), (3.0, 7), (1.0, 2)])
def test_dirichlet_closed_forms_against_beta_integrals(a, n):
    """n E[p_1 f(p_1)] with p_1 ~ Beta(a, A - a), integrated numerically (independent)."""
    mu, mu2, phi = dirichlet_moments(a, n)
    marg = stats.beta(a, n * a - a)

    def moment(f):
        val, _ = integrate.quad(lambda x: n * x * f(x) * marg.pdf(x), 0, 1, limit=200)
        return val

    assert mu == pytest.approx(moment(lambda x: -np.log(x)), rel=1e-7)
    assert mu2 == pytest.approx(moment(lambda x: np.log(x) ** 2), rel=1e-7)
    assert phi == pytest.approx(moment(lambda x: x), rel=1e-9)


def test_dirichlet_reference_values():
    assert dirichlet_moments(0.5, 10) == pytest.approx((1.669628, 3.541136, 0.25), abs=5e-7)


def test_monte_carlo_moments_match_dirichlet_closed_forms():
    # |z| <= 5: two-sided false-alarm rate 5.7e-7 per comparison (normal approximation)
    rng = np.random.default_rng(11)
    for a, n in ((0.5, 10), (0.2, 100)):
        est = entropy_moment_estimates(rng.dirichlet(np.full(n, a), size=20_000))
        mu, mu2, phi = dirichlet_moments(a, n)
        assert abs(est.mu - mu) <= 5 * est.mu_se
        assert abs(est.mu2 - mu2) <= 5 * est.mu2_se
        assert abs(est.phi - phi) <= 5 * est.phi_se


def test_moments_bad_input():
    with pytest.raises(InvalidArgumentError, match=r"^laws"):
        entropy_moments([0.5, 0.6])
    with pytest.raises(InvalidArgumentError, match=r"^laws"):
        entropy_moments([[0.5, np.nan]])
    with pytest.raises(InvalidArgumentError, match=r"^concentration"):
        dirichlet_moments(0.0, 3)
    with pytest.raises(InvalidArgumentError, match=r"^n"):
        dirichlet_moments(1.0, 0)


# ----------------------------------------------------------------------------- bounds


def test_bound_columns_of_the_note():
    # (columns: C6 / C5 / C4 Chernoff / C4 explicit / abstract c = 0), rounded to 1e-3
    rows = [
        ([0.9, 0.1], 10, (5.182, 12.195, 17.158, 27.040, 18.853)),
        ([0.9, 0.1], 10**4, (26.431, 33.444, 51.967, 83.599, 75.411)),
        ([0.5, 0.3, 0.2], 10**4, (8.536, 10.071, 11.132, 21.407, 19.311)),
    ]
    for p, k, ref in rows:
        e = entropy_moment_estimates(p)
        got = (
            asymptotic_accepted(e.mu, e.mu2, k),
            renewal_bound(e.mu, e.mu2, k),
            chernoff_bound(e.phi, k),
            speed_of_light_bound(e.mu, e.mu2, k),
            speed_of_light_bound(e.mu, e.mu2, k, constant=0.0),
        )
        assert got == pytest.approx(ref, abs=5e-4)
    mu, mu2, phi = dirichlet_moments(0.5, 10)
    k = 10**4
    got = (
        asymptotic_accepted(mu, mu2, k),
        renewal_bound(mu, mu2, k),
        chernoff_bound(phi, k),
        speed_of_light_bound(mu, mu2, k),
    )
    assert got == pytest.approx((5.459, 6.787, 7.977, 19.085), abs=5e-4)
    mu, mu2, phi = 2.9386, 11.911, 0.1550  # the note's softmax-law estimates
    got = (
        asymptotic_accepted(mu, mu2, k),
        renewal_bound(mu, mu2, k),
        chernoff_bound(phi, k),
        speed_of_light_bound(mu, mu2, k),
    )
    assert got == pytest.approx((3.191, 4.513, 6.124, 17.557), abs=1.5e-3)


@pytest.mark.parametrize("label", list(TABLE))
def test_exact_optima_of_the_reference_table(label):
    p, _, ref = TABLE[label]
    curve = optimum_curve(p, 10_000)
    assert curve[np.array(KS) - 1] == pytest.approx(ref, abs=5e-7)


@pytest.mark.parametrize("label", list(TABLE))
def test_every_bound_holds_at_powers_of_two(label):
    p, _, _ = TABLE[label]
    e = entropy_moment_estimates(p)
    curve = optimum_curve(p, 2**14)
    for j in range(15):
        k = 2**j
        x = curve[k - 1]
        assert x <= renewal_bound(e.mu, e.mu2, k) + 1e-12
        assert x <= chernoff_bound(e.phi, k) + 1e-12
        assert x <= speed_of_light_bound(e.mu, e.mu2, k) + 1e-12
        if k >= 3:
            assert x <= speed_of_light_bound(e.mu, e.mu2, k, constant=0.0) + 1e-12
        # the proven chain of C4 and the comparison with C5
        assert chernoff_bound(e.phi, k) <= speed_of_light_bound(e.mu, e.mu2, k) + 1e-12
        assert renewal_bound(e.mu, e.mu2, k) <= speed_of_light_bound(e.mu, e.mu2, k)


def test_abstract_form_without_constant_fails_below_three():
    e = entropy_moment_estimates([0.9, 0.1])
    assert speed_of_light_bound(e.mu, e.mu2, 1, constant=0.0) == 0.0 < 0.9


@given(
    seed=st.integers(0, 10**6),
    n=st.integers(2, 12),
    a=st.floats(0.05, 5.0),
    k=st.integers(1, 3000),
)
def test_bounds_hold_for_random_deterministic_laws(seed, n, a, k):
    p = np.random.default_rng(seed).dirichlet(np.full(n, a))
    p = np.clip(p, 0, None)
    p /= p.sum()
    e = entropy_moment_estimates(p)
    x = optimum_curve(p, k)[-1]
    tol = 1e-9 * max(1.0, x)
    assert x <= renewal_bound(e.mu, e.mu2, k) + tol
    if e.phi < 1:
        assert x <= chernoff_bound(e.phi, k) + tol
    assert x <= speed_of_light_bound(e.mu, e.mu2, k) + tol
    if k >= 3:
        assert x <= speed_of_light_bound(e.mu, e.mu2, k, constant=0.0) + tol


@pytest.mark.parametrize(
    "p,tol100,tol1000",
    [
        ([0.9, 0.1], 0.15, 0.07),
        ([0.5, 0.3, 0.2], 0.015, 0.015),
        ([0.5, 0.5], 0.06, 0.06),  # lattice: oscillates, within the note's 0.06
        ([0.25] * 4, 0.12, 0.12),  # lattice: within the note's 0.12
        (list(zipf(10, 1.5)), 0.015, 0.015),
    ],
)
def test_asymptotic_value_within_the_notes_deterministic_tolerance(p, tol100, tol1000):
    """Deterministic check on exact optima (no statistics): |C6 - E[X_opt(P)]|."""
    mu, mu2 = entropy_moments(p)
    curve = optimum_curve(p, 20_000)
    sizes = np.arange(1, curve.size + 1)
    asym = np.log(mu * sizes) / mu + mu2 / (2 * mu**2) - 1
    err = np.abs(asym - curve)
    assert err[99:].max() <= tol100
    assert err[999:].max() <= tol1000
    assert asymptotic_accepted(mu, mu2, 5000) == pytest.approx(asym[4999])


def test_asymptotic_tolerance_is_law_dependent():
    """A peaked non-lattice law converges slowly: the 0.15 tolerance is not universal."""
    p = [0.95, 0.05]
    mu, mu2 = entropy_moments(p)
    curve = optimum_curve(p, 2000)
    sizes = np.arange(1, curve.size + 1)
    err = np.abs(np.log(mu * sizes) / mu + mu2 / (2 * mu**2) - 1 - curve)
    assert err[99:].max() > 0.5


@pytest.mark.parametrize("p", [[0.9, 0.1], [0.5, 0.3, 0.2], list(zipf(10, 1.5))])
def test_doubling_adds_log2_over_mu_on_exact_optima(p):
    mu, _ = entropy_moments(p)
    curve = optimum_curve(p, 20_000)
    for k in (1000, 2000, 5000, 10_000):
        assert curve[2 * k - 1] - curve[k - 1] == pytest.approx(doubling_gain(mu), abs=0.14)


def test_one_hot_law_makes_every_bound_infinite():
    mu, mu2 = entropy_moments([0.0, 1.0])
    for k in (1, 10, 10**6):
        assert renewal_bound(mu, mu2, k) == math.inf
        assert speed_of_light_bound(mu, mu2, k) == math.inf
        assert speed_of_light_bound(mu, mu2, k, constant=0.0) == math.inf
        assert asymptotic_accepted(mu, mu2, k) == math.inf
        assert chernoff_bound(1.0, k) == math.inf
    assert doubling_gain(0.0) == math.inf
    # the truth: a one-hot law accepts the whole chain, X_opt(P) = P
    assert optimum_curve([1.0, 0.0], 50)[-1] == 50


def test_bound_bad_input():
    with pytest.raises(InvalidArgumentError, match=r"^size"):
        renewal_bound(1.0, 2.0, 0)
    with pytest.raises(InvalidArgumentError, match=r"^size"):
        speed_of_light_bound(1.0, 2.0, -5)
    with pytest.raises(InvalidArgumentError, match=r"^size"):
        asymptotic_accepted(1.0, 2.0, 2.5)
    with pytest.raises(InvalidArgumentError, match=r"^size"):
        chernoff_bound(0.5, 0)
    with pytest.raises(InvalidArgumentError, match=r"^mu:"):
        renewal_bound(-0.1, 2.0, 10)
    with pytest.raises(InvalidArgumentError, match=r"^mu2"):
        renewal_bound(2.0, 1.0, 10)  # mu2 < mu^2 is impossible
    with pytest.raises(InvalidArgumentError, match=r"^mu:"):
        speed_of_light_bound(float("nan"), 1.0, 10)
    with pytest.raises(InvalidArgumentError, match=r"^constant"):
        speed_of_light_bound(1.0, 2.0, 10, constant=float("inf"))
    with pytest.raises(InvalidArgumentError, match=r"^phi"):
        chernoff_bound(1.5, 10)
    with pytest.raises(InvalidArgumentError, match=r"^phi"):
        chernoff_bound(0.0, 10)


# ----------------------------------------------------------------------------- runtime


def test_runtime_lower_bound_and_speedup():
    x = TABLE["(0.5, 0.3, 0.2)"][2][KS.index(100)]
    assert runtime_lower_bound(2.0, 100, x) == pytest.approx(2.0 / (1 + x))
    model = lambda p: 1.0 + p / 64  # noqa: E731
    assert runtime_lower_bound(model, 100, x) == pytest.approx((1 + 100 / 64) / (1 + x))
    assert speedup_upper_bound(model, 100, x) == pytest.approx((1 + x) / (1 + 100 / 64))
    assert speedup_upper_bound(1.0, 10, 3.0, autoregressive_time=2.0) == pytest.approx(8.0)
    assert runtime_lower_bound(1.0, 10, math.inf) == 0.0
    assert speedup_upper_bound(1.0, 10, math.inf) == math.inf


def test_runtime_bad_input():
    with pytest.raises(InvalidArgumentError, match=r"^verifier_time"):
        runtime_lower_bound(0.0, 10, 1.0)
    with pytest.raises(InvalidArgumentError, match=r"^verifier_time"):
        runtime_lower_bound(lambda p: -1.0, 10, 1.0)
    with pytest.raises(InvalidArgumentError, match=r"^expected_accepted"):
        runtime_lower_bound(1.0, 10, -0.5)
    with pytest.raises(InvalidArgumentError, match=r"^size"):
        runtime_lower_bound(1.0, 0, 1.0)
    with pytest.raises(InvalidArgumentError, match=r"^autoregressive_time"):
        speedup_upper_bound(1.0, 10, 1.0, autoregressive_time=0.0)


@given(seed=st.integers(0, 10**6), n=st.integers(2, 8), size=st.integers(1, 300))
def test_imperfect_drafter_never_beats_the_optimum(seed, n, size):
    """C8, exactly: the tree of the drafter's law q, valued under the target p."""
    from specbound.trees import tree_value

    g = np.random.default_rng(seed)
    p, q = g.dirichlet(np.ones(n)), g.dirichlet(np.ones(n))
    order = np.argsort(-q, kind="stable")
    drafted = optimal_tree(q[order], size)
    value = tree_value(p[order], drafted.parent, drafted.child_index).expected_accepted
    assert value <= optimum_curve(p, size)[-1] + 1e-9


# ----------------------------------------------------------------------------- CLI and figures


def test_speed_of_light_command(capsys):
    from specbound.cli import main

    assert main(["speed-of-light", "--law", "0.9,0.1", "--capacity", "1,10,10000"]) == 0
    out = capsys.readouterr().out
    assert "mu  = 0.325083" in out and "mu2 = 0.540181" in out
    assert "26.438726" in out and "83.5988" in out and "(unproven)" in out
    argv = ["speed-of-light", "--law", "dirichlet:0.5:10", "--capacity", "10,100"]
    assert main([*argv, "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "1.669628" in out and "40 random environments" in out
    assert main(["speed-of-light", "--law", "zipf:1.5:10", "--capacity", "5"]) == 0
    assert main(["speed-of-light", "--law", "1,0", "--capacity", "5"]) == 0
    assert "one-hot" in capsys.readouterr().out
    argv = ["speed-of-light", "--law", "softmax:2.5:50", "--capacity", "10"]
    assert main([*argv, "--environments", "4", "--moment-samples", "500", "--no-progress"]) == 0
    assert "from 500 sampled laws" in capsys.readouterr().out
    argv = ["speed-of-light", "--law", "text:200", "--capacity", "10"]
    assert main([*argv, "--environments", "4", "--no-progress"]) == 0
    out = capsys.readouterr().out
    # the same real-text environment as the claims: its exact moments
    from specbound.simulations.random_trees import law_moments
    from specbound.simulations.text_ngram import text_law

    assert "real text bigrams, vocabulary 200 (4000 positions)" in out
    assert f"mu  = {law_moments(text_law()).mu:.6f}" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--law", "0.5,0.6", "--capacity", "5"], "law: probabilities sum"),
        (["--law", "dirichlet:0.5", "--capacity", "5"], "law: expected dirichlet:PARAM:N"),
        (["--law", "dirichlet:x:3", "--capacity", "5"], "law: cannot read"),
        (["--law", "dirichlet:0:3", "--capacity", "5"], "concentration: must be > 0"),
        (["--law", "text:x", "--capacity", "5"], "law: expected text-target:V"),
        (["--law", "text:1", "--capacity", "5"], "law: must be >= 2"),
        (["--law", "0.5,0.5", "--capacity", "0"], "budget: must be >= 1"),
        (["--law", "0.5,0.5", "--capacity", "a"], "budget: expected comma-separated"),
        (["--law", "0.5,0.5", "--capacity", "5", "--environments", "1"], "environments"),
    ],
)
def test_speed_of_light_command_bad_input(argv, message, capsys):
    from specbound.cli import main

    try:
        code = main(["speed-of-light", *argv])
    except SystemExit as exc:
        code = exc.code
    assert code == 2
    assert message in capsys.readouterr().err


def test_figures_quick():
    from specbound.figures import FigureContext
    from specbound.figures.branching_walk import FIGURES

    ctx = FigureContext(seed=0, quick=True, progress=False)
    for spec in FIGURES:
        out = spec.make(ctx)
        lengths = {len(v) for v in out.columns.values()}
        assert len(lengths) == 1 and lengths.pop() > 0
    cols = FIGURES[0].make(ctx).columns  # cached data: same numbers
    rows = list(zip(*cols.values(), strict=True))
    for law in {r[0] for r in rows}:
        sharp = {r[2]: r[3] for r in rows if r[0] == law and r[1].startswith("renewal bound")}
        for r in rows:
            if r[0] == law and r[1].startswith("Monte Carlo"):
                assert r[3] <= sharp[r[2]] + 5 * r[4]  # one-sided 5 SE
