"""Tests of specbound.simulations.random_trees (i.i.d. random environments, note C1/C2/C6).

Statistical thresholds: |z| <= 5 (two-sided false-alarm rate 5.7e-7 per comparison,
normal approximation); the reference tables of the note are reproduced exactly (same
seeds, same draws), so their comparisons are deterministic.
"""

from __future__ import annotations

import heapq

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import specbound.simulations.random_trees as rt
from specbound.bounds.branching_walk import dirichlet_moments, renewal_bound
from specbound.distributions import softmax
from specbound.errors import InvalidArgumentError
from specbound.simulations.random_trees import (
    DirichletLaw,
    EmpiricalLaw,
    FixedLaw,
    SoftmaxGaussianLaw,
    check_law_sampler,
    environment_values,
    optimal_accepted_curve,
    optimal_random_tree,
    simulate_verifier,
    spine_estimate,
    verifier_accepted,
)
from specbound.trees import chain_tree, optimal_tree


def naive_tree_values(draw, size: int, seed: int) -> np.ndarray:
    """The note's C2 pseudocode verbatim: one law per call, fully sorted, plain heapq."""
    rng = np.random.default_rng(seed)
    laws = [np.sort(draw(rng))[::-1]]
    heap = [(-laws[0][0], 0, 0, 1.0)]
    out = []
    for _ in range(size):
        negpi, par, r, pipar = heapq.heappop(heap)
        pi = -negpi
        out.append(pi)
        p = laws[par]
        if r + 1 < p.size and p[r + 1] > 0:
            heapq.heappush(heap, (-pipar * p[r + 1], par, r + 1, pipar))
        laws.append(np.sort(draw(rng))[::-1])
        if laws[-1][0] > 0:
            heapq.heappush(heap, (-pi * laws[-1][0], len(laws) - 1, 0, pi))
    return np.array(out)


# ----------------------------------------------------------------------------- reference tables


def test_random_law_tables_of_the_note_are_reproduced():
    """40 environments, seeds 1000-1039, laws drawn lazily in heap order (note §4).

    The softmax row's k = 10^4 column (3.139 +/- .032) costs 8e7 normals; it is
    reproduced by benchmarks/bench_branching_walk.py to keep this file fast.
    """
    sizes = [10, 100, 1000, 10_000]
    seeds = range(1000, 1040)
    dirichlet = optimal_accepted_curve(DirichletLaw(0.5, 10), sizes, seeds=seeds)
    assert [e.mean for e in dirichlet] == pytest.approx([1.370, 2.700, 4.070, 5.449], abs=5e-4)
    assert [e.se for e in dirichlet] == pytest.approx([0.026, 0.024, 0.025, 0.025], abs=5e-4)
    soft = optimal_accepted_curve(SoftmaxGaussianLaw(2.5, 200), sizes[:3], seeds=seeds)
    assert [e.mean for e in soft] == pytest.approx([0.826, 1.572, 2.355], abs=5e-4)
    assert [e.se for e in soft] == pytest.approx([0.034, 0.032, 0.032], abs=5e-4)
    assert all(e.n == 40 for e in dirichlet + soft)


def test_deterministic_reference_values_and_geometry():
    tree = optimal_random_tree(FixedLaw([0.9, 0.1]), 10_000)
    curve = tree.accepted_curve()
    ref = (0.9, 1.71, 2.439, 3.0951, 3.68559, 5.861894, 8.805102, 12.163708, 19.289228)
    ks = np.array([1, 2, 3, 4, 5, 10, 30, 100, 1000]) - 1
    assert curve[ks] == pytest.approx(ref, abs=5e-7)
    assert tree.expected_accepted == pytest.approx(26.438726, abs=5e-7)
    assert tree.tokens_per_step == pytest.approx(27.438726, abs=5e-7)
    # geometry anchors (C7): t_k, maximum depth, mean node depth
    assert tree.threshold == pytest.approx(8.0821, abs=5e-5)
    assert tree.depth == 76
    assert tree.node_depth.mean() == pytest.approx(26.28, abs=5e-3)
    assert tree.laws_drawn == 10_001


@given(
    seed=st.integers(0, 10**6),
    n=st.integers(1, 9),
    a=st.floats(0.05, 3.0),
    size=st.integers(0, 400),
)
def test_fixed_law_tree_equals_trees_optimal_tree(seed, n, a, size):
    p = np.sort(np.random.default_rng(seed).dirichlet(np.full(n, a)))[::-1]
    p /= p.sum()
    mine = optimal_random_tree(FixedLaw(p), size)
    theirs = optimal_tree(p, size)
    assert mine.size == theirs.size == size
    assert mine.expected_accepted == pytest.approx(theirs.expected_accepted, rel=1e-12, abs=1e-14)
    assert np.all(np.diff(mine.path_probability) <= 1e-15)  # heap order
    # the arrays describe the tree consistently
    par = mine.parent
    parent_pi = np.where(par >= 0, mine.path_probability[np.maximum(par, 0)], 1.0)
    assert np.allclose(mine.path_probability, parent_pi * mine.edge_probability, rtol=1e-12)
    assert np.all(par < np.arange(size))
    assert np.allclose(mine.edge_probability, p[mine.child_index], rtol=1e-12, atol=0)


# ----------------------------------------------------------------------------- lazy machinery


@pytest.mark.parametrize(
    "law,draw",
    [
        (DirichletLaw(0.5, 50), lambda g: g.dirichlet(np.full(50, 0.5))),
        (DirichletLaw(0.05, 30), lambda g: g.dirichlet(np.full(30, 0.05))),
        (SoftmaxGaussianLaw(2.0, 40), lambda g: softmax(g.normal(0, 2.0, 40))),
    ],
)
def test_batched_lazy_tree_equals_the_notes_pseudocode(law, draw):
    for seed in (1000, 7):
        tree = optimal_random_tree(law, 3000, seed)
        want = naive_tree_values(draw, 3000, seed)
        assert tree.path_probability == pytest.approx(want, rel=1e-12)


def test_regeneration_and_small_batches_give_the_same_tree(monkeypatch):
    law = DirichletLaw(0.5, 20)
    ref = optimal_random_tree(law, 5000, 3)
    # a too-high guessed threshold forces exact regeneration of rows from saved states
    monkeypatch.setattr(rt, "_MARGIN", -6.0)
    monkeypatch.setattr(rt, "_BATCH_ENTRIES", 20 * 37)
    forced = optimal_random_tree(law, 5000, 3)
    assert forced.laws_drawn > ref.laws_drawn  # regenerations happened
    assert np.array_equal(forced.path_probability, ref.path_probability)
    assert np.array_equal(forced.parent, ref.parent)
    assert np.array_equal(forced.child_index, ref.child_index)


def test_prefix_property_of_heap_order():
    law = DirichletLaw(0.5, 10)
    big = optimal_random_tree(law, 2000, 5).accepted_curve()
    for k in (1, 17, 500):
        assert optimal_random_tree(law, k, 5).expected_accepted == pytest.approx(big[k - 1])
    vals = environment_values(law, [17, 500, 2000], seeds=[5, 6])
    assert vals[0] == pytest.approx(big[[16, 499, 1999]])


def test_laws_with_zeros_and_one_hot_laws():
    p = np.array([0.6, 0.3, 0.1, 0.0])
    tree = optimal_random_tree(FixedLaw(p), 200)
    assert tree.expected_accepted == pytest.approx(optimal_tree(p, 200).expected_accepted)
    assert not np.any(tree.child_index == 3)  # a zero-probability token is never drafted
    chain = optimal_random_tree(FixedLaw([0.0, 1.0]), 30)
    assert chain.expected_accepted == 30.0 and chain.depth == 30
    rows = np.random.default_rng(2).dirichlet(np.ones(6), size=50)
    rows[:, ::2] = 0.0
    rows /= rows.sum(axis=1, keepdims=True)
    law = EmpiricalLaw(rows)
    got = optimal_random_tree(law, 800, 9).path_probability
    want = naive_tree_values(lambda g: rows[g.integers(0, 50, size=1)[0]], 800, 9)
    assert got == pytest.approx(want, rel=1e-12)


def test_empty_tree_and_bad_input():
    empty = optimal_random_tree(DirichletLaw(0.5, 5), 0, 1)
    assert empty.size == 0 and empty.expected_accepted == 0.0 and empty.depth == 0
    with pytest.raises(InvalidArgumentError, match=r"^size"):
        optimal_random_tree(DirichletLaw(0.5, 5), -1)
    with pytest.raises(InvalidArgumentError, match=r"^law"):
        optimal_random_tree(lambda g, k: np.full((k, 3), 0.5), 5)
    with pytest.raises(InvalidArgumentError, match=r"^law"):
        optimal_random_tree(lambda g, k: np.full((k + 1, 2), 0.5), 5)
    with pytest.raises(InvalidArgumentError, match=r"^law"):
        optimal_random_tree(lambda g, k: np.tile([1.5, -0.5], (k, 1)), 5)
    with pytest.raises(InvalidArgumentError, match=r"^law"):
        FixedLaw([0.5, 0.4])
    with pytest.raises(InvalidArgumentError, match=r"^concentration"):
        DirichletLaw(0.0, 5)
    with pytest.raises(InvalidArgumentError, match=r"^n"):
        SoftmaxGaussianLaw(1.0, 0)
    with pytest.raises(InvalidArgumentError, match=r"^rows"):
        EmpiricalLaw([[0.5, 0.6]])
    with pytest.raises(InvalidArgumentError, match=r"^sizes"):
        environment_values(DirichletLaw(0.5, 5), [0], 3)
    with pytest.raises(InvalidArgumentError, match=r"^environments"):
        optimal_accepted_curve(DirichletLaw(0.5, 5), 5, seeds=[1])
    assert check_law_sampler(SoftmaxGaussianLaw(1.0, 7), 0) == 7


def test_dirichlet_law_matches_numpy_dirichlet():
    for a in (0.5, 0.05, 2.0):
        law = DirichletLaw(a, 30)
        got = law(np.random.default_rng(4), 5)
        want = np.random.default_rng(4).dirichlet(np.full(30, a), size=5)
        assert np.allclose(got, want, rtol=1e-12, atol=1e-15)


# ----------------------------------------------------------------------------- verifier (C1)


def test_verifier_walk_matches_sum_of_path_probabilities():
    tree = optimal_random_tree(FixedLaw([0.9, 0.1]), 10_000)
    est = simulate_verifier(tree, 20_000, 3)
    assert abs(est.z(tree.expected_accepted)) <= 5
    for law, size in ((DirichletLaw(0.5, 10), 2000), (SoftmaxGaussianLaw(2.5, 200), 500)):
        tree = optimal_random_tree(law, size, 1000)
        est = simulate_verifier(tree, 50_000, 4)
        assert abs(est.z(tree.expected_accepted)) <= 5


def test_verifier_walk_on_a_chain_has_the_exact_law():
    """X on a chain of alpha = 0.7 is min(Geometric, 10): chi-square over its 11 values."""
    from specbound.simulations.agreement import chisquare_gof

    tree = chain_tree([0.7, 0.3], 10)  # a DraftTree: edges come from path probabilities
    x = verifier_accepted(tree, 100_000, 5)
    probs = np.array([0.7**d * 0.3 for d in range(10)] + [0.7**10])
    assert chisquare_gof(x, probs).pvalue >= 1e-6  # false-alarm rate 1e-6


def test_verifier_on_empty_tree():
    empty = optimal_random_tree(FixedLaw([0.5, 0.5]), 0)
    assert np.all(verifier_accepted(empty, 10, 0) == 0)


# ----------------------------------------------------------------------------- environments


def test_environment_average_respects_the_renewal_bound():
    law = DirichletLaw(0.5, 10)
    mu, mu2, _ = dirichlet_moments(0.5, 10)
    sizes = (1, 50, 3000)
    for p, est in zip(sizes, optimal_accepted_curve(law, sizes, 30, rng=8), strict=True):
        # one-sided 5 SE: false-alarm rate 2.9e-7 when the bound is tight
        assert est.mean <= renewal_bound(mu, mu2, p) + 5 * est.se


def test_parallel_environments_equal_serial():
    law = DirichletLaw(0.5, 10)
    serial = environment_values(law, [10, 200], seeds=[1, 2, 3])
    parallel = environment_values(law, [10, 200], seeds=[1, 2, 3], jobs=2)
    assert np.array_equal(serial, parallel)
    assert np.array_equal(
        environment_values(law, 200, 3, rng=9), environment_values(law, 200, 3, rng=9)
    )


# ----------------------------------------------------------------------------- spine (C6)


def test_spine_estimator_matches_note_anchors():
    law = DirichletLaw(0.5, 10)
    sp = spine_estimate(law, [100, 1000, 10_000], 20_000, rng=1)
    for est, ref in zip(sp.accepted, (2.703, 4.075, 5.459), strict=True):
        assert abs(est.mean - ref) <= 5 * est.se * np.sqrt(2)  # both are estimates
    assert sp.threshold == pytest.approx([5.128, 7.422, 9.721], abs=0.05)


def test_spine_steps_have_mean_mu_both_ways():
    mu, mu2, _ = dirichlet_moments(0.5, 10)
    law = DirichletLaw(0.5, 10)
    fast = law.spine_steps(np.random.default_rng(1), 100_000)

    def generic(rng, size):
        return law(rng, size)

    slow = rt._spine_steps(generic, np.random.default_rng(2), 100_000)
    for xi in (fast, slow):
        se = xi.std(ddof=1) / np.sqrt(xi.size)
        assert abs(xi.mean() - mu) <= 5 * se
        se2 = (xi**2).std(ddof=1) / np.sqrt(xi.size)
        assert abs((xi**2).mean() - mu2) <= 5 * se2


def test_spine_estimator_agrees_with_tree_average_for_generic_law():
    law = SoftmaxGaussianLaw(2.5, 50)
    sp = spine_estimate(lambda g, k: law(g, k), 1000, 5000, rng=3)
    env = optimal_accepted_curve(law, 1000, 40, rng=4)[0]
    se = np.hypot(sp.accepted[0].se, env.se)
    assert abs(sp.accepted[0].mean - env.mean) <= 5 * se


def test_spine_estimator_rejects_degenerate_law():
    with pytest.raises(InvalidArgumentError, match=r"^law"):
        spine_estimate(FixedLaw([1.0, 0.0]), 10, 100, rng=0, max_steps=50)
    with pytest.raises(InvalidArgumentError, match=r"^walks"):
        spine_estimate(DirichletLaw(0.5, 3), 10, 1)
