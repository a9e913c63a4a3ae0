"""Exact optimal trees for positional acceptance vectors in any order (prefix drafting)."""

from __future__ import annotations

import math
import time
from fractions import Fraction

import numpy as np
import pytest

from specbound.errors import InvalidArgumentError
from specbound.trees import (
    chain_tree,
    enumerate_trees,
    optimal_tree,
    positional_optimal_tree,
    positional_optimal_values,
)
from specbound.trees.positional import MAX_WORK

#: An illustrative measured-looking vector: candidate 9 is accepted more often than 8.
DIP = np.array([0.62, 0.11, 0.05, 0.03, 0.02, 0.012, 0.008, 0.006, 0.009, 0.004])


def brute_force(acc: list[Fraction], size: int, max_depth: int | None) -> Fraction | None:
    """Max over every prefix-closed tree whose siblings are a prefix of the candidates."""
    best = None
    for paths in enumerate_trees(len(acc), size, max_depth):
        have = set(paths)
        if any(p[-1] > 0 and (*p[:-1], p[-1] - 1) not in have for p in paths):
            continue  # candidate r drafted without candidate r - 1
        value = sum((math.prod(acc[r] for r in p) for p in paths), Fraction(0))
        best = value if best is None else max(best, value)
    return best


def check_shape(tree, size, max_depth=None):
    assert tree.size == size
    assert np.all(tree.parent < np.arange(size))
    for kids in tree.children():
        ranks = sorted(int(tree.child_index[c]) for c in kids)
        assert ranks == list(range(len(ranks)))
    if max_depth is not None:
        assert tree.depth <= max_depth


def test_matches_brute_force_on_random_vectors():
    g = np.random.default_rng(7)
    cases = 0
    for _ in range(120):
        m = int(g.integers(1, 4))
        raw = g.integers(0, 20, size=m + 1)
        acc = [Fraction(int(x), int(raw.sum()) or 1) for x in raw[:m]]
        size = int(g.integers(0, 6))
        depth = None if g.random() < 0.5 else int(g.integers(1, 4))
        best = brute_force(acc, size, depth)
        a = np.array([float(x) for x in acc])
        if best is None:
            with pytest.raises(InvalidArgumentError, match="do not fit"):
                positional_optimal_tree(a, size, depth)
            assert positional_optimal_values(a, size, depth)[size] == -np.inf
            continue
        tree = positional_optimal_tree(a, size, depth)
        check_shape(tree, size, depth)
        assert tree.expected_accepted == pytest.approx(float(best), abs=1e-12)
        assert positional_optimal_values(a, size, depth)[size] == pytest.approx(
            float(best), abs=1e-12
        )
        cases += 1
    assert cases > 80


@pytest.mark.parametrize("acc", [[0.1, 0.6, 0.3], [0.0, 0.5, 0.4], [0.2, 0.1, 0.05, 0.6]])
def test_matches_brute_force_on_hand_picked_vectors(acc):
    fr = [Fraction(x).limit_denominator(1000) for x in acc]
    for size in range(7):
        for depth in (None, 2):
            best = brute_force(fr, size, depth)
            got = positional_optimal_values(acc, size, depth)[size]
            assert got == pytest.approx(float(best), abs=1e-12)


def test_sorted_vectors_match_the_greedy_and_depth_limited_dp():
    g = np.random.default_rng(3)
    for _ in range(25):
        m = int(g.integers(1, 30))
        acc = np.sort(g.dirichlet(np.ones(m + 1))[:m])[::-1]
        size = int(g.integers(1, 200))
        depth = None if g.random() < 0.5 else int(g.integers(2, 8))
        if depth is not None and sum(m**d for d in range(1, depth + 1)) < size:
            with pytest.raises(InvalidArgumentError, match="do not fit"):
                positional_optimal_tree(acc, size, depth)
            continue
        ref = optimal_tree(acc, size, depth)
        values = positional_optimal_values(acc, size, depth)
        assert values[size] == pytest.approx(ref.expected_accepted, rel=1e-12, abs=1e-12)
        tree = positional_optimal_tree(acc, size, depth)
        check_shape(tree, size, depth)
        assert tree.expected_accepted == pytest.approx(ref.expected_accepted, rel=1e-12)
    acc = np.array([0.5, 0.3, 0.1])
    values = positional_optimal_values(acc, 40)
    greedy = [optimal_tree(acc, k).expected_accepted for k in range(41)]
    np.testing.assert_allclose(values, greedy, rtol=1e-12, atol=1e-15)


def test_optimal_tree_uses_the_exact_dp_for_unsorted_vectors():
    tree = optimal_tree(DIP, 64)
    exact = positional_optimal_tree(DIP, 64)
    assert tree.expected_accepted == exact.expected_accepted
    check_shape(tree, 64)
    assert np.array_equal(tree.path_probability, exact.path_probability)
    limited = optimal_tree(DIP, 64, max_depth=4)
    check_shape(limited, 64, 4)
    assert limited.expected_accepted == pytest.approx(
        positional_optimal_values(DIP, 64, 4)[64], rel=1e-12
    )
    with pytest.raises(InvalidArgumentError, match="must be sorted best child first"):
        chain_tree([0.2, 0.5], 3)  # the standard shapes still want best child first


def test_sorted_relaxation_is_an_upper_bound_with_a_gap():
    # sort=True lets a node draft candidate 9 without candidate 8: a relaxation
    exact = positional_optimal_values(DIP, 128)
    relaxed = np.array([optimal_tree(DIP, k, sort=True).expected_accepted for k in range(129)])
    gap = relaxed - exact
    assert np.all(gap >= -1e-12)
    assert gap.max() == pytest.approx(0.001502, abs=1e-6)  # tokens per step, at k = 60
    assert int(np.argmax(gap)) == 60
    # GSD drafts without replacement: junk draft mass makes the 2nd candidate better
    acc = np.array([0.1, 0.9, 0.0])  # p = (.5, .5, 0), q = (.05, .05, .9)
    assert positional_optimal_values(acc, 1)[1] == pytest.approx(0.1)
    assert optimal_tree(acc, 1, sort=True).expected_accepted == pytest.approx(0.9)


def test_budgets_to_1024_with_64_positions_are_fast():
    acc = np.random.default_rng(0).dirichlet(np.ones(65))[:64]
    start = time.perf_counter()
    values = positional_optimal_values(acc, 1024)
    tree = positional_optimal_tree(acc, 1024)
    elapsed = time.perf_counter() - start
    assert tree.expected_accepted == pytest.approx(values[1024], rel=1e-12)
    assert np.all(np.diff(values) >= 0)
    assert elapsed < 5.0  # ~0.1 s for both; generous for a shared machine


def test_errors():
    with pytest.raises(InvalidArgumentError, match="size: 7 nodes do not fit in max_depth = 2"):
        positional_optimal_tree([0.5, 0.4], 7, max_depth=2)
    with pytest.raises(InvalidArgumentError, match="size: the exact positional DP"):
        positional_optimal_tree([0.2, 0.5], 10**6)
    assert 2 * 10**6 * 10**6 // 2 > MAX_WORK
    with pytest.raises(InvalidArgumentError, match="size: must be >= 0"):
        positional_optimal_values([0.2, 0.5], -1)
    with pytest.raises(InvalidArgumentError, match="max_depth: must be >= 1"):
        positional_optimal_tree([0.2, 0.5], 3, max_depth=0)
    with pytest.raises(InvalidArgumentError, match="acceptance: entries are probabilities"):
        positional_optimal_tree([0.7, 0.6], 3)
    empty = positional_optimal_tree([0.2, 0.5], 0)
    assert empty.size == 0 and empty.expected_accepted == 0.0


def test_positional_walks_on_a_one_level_tree():
    from specbound.simulations.positional_walk import estimate_positional, sequential_walk

    tree = positional_optimal_tree([0.1, 0.5, 0.3], 3)  # the three candidates at the root
    assert tree.depth == 1
    counts = sequential_walk(tree, 20_000, 0)
    assert set(np.unique(counts).tolist()) == {0, 1}
    est = estimate_positional(tree, 20_000, 1)
    assert abs(est.mean - 0.9) <= 5 * est.se
    p, q = np.array([0.6, 0.4, 0.0]), np.array([0.2, 0.2, 0.6])  # a = (0.4, 0.5, 0.1)
    real = estimate_positional(tree, 20_000, 2, target=p, draft=q)
    assert abs(real.mean - 1.0) <= 1e-12  # three drafts without replacement cover every token
    with pytest.raises(InvalidArgumentError, match="draft: give both"):
        estimate_positional(tree, 10, 0, target=p)
    with pytest.raises(InvalidArgumentError, match="acceptance: the tree uses candidate 2"):
        sequential_walk(tree, 10, 0, acceptance=[0.5, 0.4])


def test_pair_tree_curve_is_exact_for_unsorted_vectors():
    from specbound.pairs import positional_tree

    budgets = [1, 2, 8, 60, 128]
    curve = positional_tree(DIP, budgets)
    exact = positional_optimal_values(DIP, 128)
    assert curve.relaxation == "none"
    np.testing.assert_allclose(curve.tokens_per_step, 1.0 + exact[budgets], rtol=1e-12)
    ranked = np.sort(DIP)[::-1]
    sorted_curve = positional_tree(ranked, budgets)
    greedy = [optimal_tree(ranked, b).tokens_per_step for b in budgets]
    np.testing.assert_allclose(sorted_curve.tokens_per_step, greedy, rtol=1e-12)
