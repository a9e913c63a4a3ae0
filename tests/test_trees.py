"""Tests of specbound.trees: reference values, brute-force optimality, shapes, validation."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from specbound.errors import InvalidArgumentError
from specbound.trees import (
    DraftTree,
    _depth_limited_dp,
    _greedy,
    _greedy_heap,
    _greedy_threshold,
    _malthusian,
    batch_tree,
    chain_tree,
    enumerate_trees,
    kary_tree,
    optimal_tree,
    tree_from_paths,
    tree_value,
)

# ----------------------------------------------------------------------------- brute force


def all_forests(n: int, m: int, depth: int) -> list[tuple[tuple[int, ...], ...]]:
    """Every prefix-closed forest of ``n`` nodes below a node, ranks in [0, m), depth <= depth.

    Children may use any subset of the ranks (not only a prefix); a forest is a tuple of
    rank paths relative to its root.
    """
    if n == 0:
        return [()]
    if depth == 0:
        return []
    out = []
    for sizes in itertools.product(range(n + 1), repeat=m):
        if sum(sizes) != n:
            continue
        parts = []
        for r, s in enumerate(sizes):
            if s == 0:
                parts.append([()])
            else:
                parts.append(
                    [
                        ((r,), *tuple((r, *p) for p in sub))
                        for sub in all_forests(s - 1, m, depth - 1)
                    ]
                )
        for combo in itertools.product(*parts):
            out.append(tuple(itertools.chain.from_iterable(combo)))
    return out


def brute_value(acc, paths) -> float:
    """Sum over the paths of the product of acceptances (independent of the module)."""
    return float(sum(np.prod([acc[r] for r in path]) for path in paths))


def as_arrays(paths):
    """Parent / child_index arrays of a set of rank paths (sorted so parents come first)."""
    paths = sorted(paths, key=lambda p: (len(p), p))
    index = {p: i for i, p in enumerate(paths)}
    parent = [index[p[:-1]] if len(p) > 1 else -1 for p in paths]
    return np.array(parent, dtype=np.int64), np.array([p[-1] for p in paths], dtype=np.int64)


def check_tree_structure(tree: DraftTree, acc) -> None:
    """Parents precede children, siblings distinct, path probabilities and depths consistent."""
    n = tree.size
    assert np.all(tree.parent < np.arange(n))
    assert np.all(tree.parent >= -1)
    keys = set(zip(tree.parent.tolist(), tree.child_index.tolist(), strict=True))
    assert len(keys) == n
    paths = tree.rank_paths()
    for i, path in enumerate(paths):
        assert tree.node_depth[i] == len(path)
        assert tree.path_probability[i] == pytest.approx(
            np.prod([acc[r] for r in path]), rel=1e-12
        )


def test_brute_force_enumeration_counts():
    # sanity of the enumerator: ordered trees with at most m children... n=2, m=2 gives
    # {a}, {b} then the 2-node trees: {0,1}, {0,00}, {0,01}, {1,10}, {1,11}
    assert len(all_forests(1, 2, 5)) == 2
    assert len(all_forests(2, 2, 5)) == 5
    assert len(all_forests(2, 2, 1)) == 1


@pytest.mark.parametrize("m", [1, 2, 3])
@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 5])
def test_greedy_optimal_brute_force_fixed(m, size):
    acc = np.array([0.55, 0.3, 0.1][:m])
    forests = all_forests(size, m, size)
    best = max(brute_value(acc, f) for f in forests)
    tree = optimal_tree(acc, size)
    assert tree.size == size
    assert tree.expected_accepted == pytest.approx(best, rel=1e-12, abs=1e-15)
    check_tree_structure(tree, acc)


@given(
    st.lists(st.floats(0.0, 1.0), min_size=1, max_size=3),
    st.integers(0, 5),
)
def test_greedy_optimal_brute_force_random(raw, size):
    acc = np.sort(np.array(raw))[::-1]
    if acc.sum() > 1:
        acc = acc / acc.sum()
    acc = np.sort(acc)[::-1]
    forests = all_forests(size, acc.size, size)
    best = max(brute_value(acc, f) for f in forests)
    tree = optimal_tree(acc, size)
    assert tree.expected_accepted == pytest.approx(best, rel=1e-9, abs=1e-12)
    check_tree_structure(tree, acc)


@given(
    st.lists(
        st.sampled_from([0.0, 0.1, 0.2, 0.25, 0.5]) | st.floats(0.0, 1.0), min_size=1, max_size=3
    ),
    st.integers(1, 6),
    st.integers(1, 4),
)
def test_depth_limited_dp_brute_force(raw, size, max_depth):
    acc = np.array(raw)
    if acc.sum() > 1:
        acc = acc / acc.sum()
    acc = np.sort(acc)[::-1]
    forests = all_forests(size, acc.size, max_depth)
    if not forests:
        with pytest.raises(InvalidArgumentError, match="size"):
            _depth_limited_dp(acc, size, max_depth)
        return
    best = max(brute_value(acc, f) for f in forests)
    dp = _depth_limited_dp(acc, size, max_depth)
    assert dp.size == size
    assert dp.depth <= max_depth
    assert dp.expected_accepted == pytest.approx(best, rel=1e-9, abs=1e-12)
    check_tree_structure(dp, acc)
    check_large_structure(dp, acc)  # siblings use a prefix of the ranks
    pub = optimal_tree(acc, size, max_depth=max_depth)
    assert pub.depth <= max_depth
    assert pub.expected_accepted == pytest.approx(best, rel=1e-9, abs=1e-12)


# ----------------------------------------------------------------------------- reference values

# branching_walk.md section 4 (deterministic laws, exact values of the top-k set)
REFERENCE = {
    (0.9, 0.1): [
        0.9,
        1.71,
        2.439,
        3.0951,
        3.68559,
        5.861894,
        8.805102,
        12.163708,
        19.289228,
        26.438726,
    ],
    (0.5, 0.3, 0.2): [0.5, 0.8, 1.05, 1.25, 1.4, 1.965, 2.93875, 4.07725, 6.301315, 8.536797],
    (0.5, 0.5): [0.5, 1.0, 1.25, 1.5, 1.75, 2.5, 4.0, 5.59375, 8.957031, 12.220947],
    (0.25,) * 4: [0.25, 0.5, 0.75, 1.0, 1.0625, 1.375, 2.15625, 3.0625, 4.644531, 6.277100],
}
REF_SIZES = [1, 2, 3, 4, 5, 10, 30, 100, 1000, 10000]


@pytest.mark.parametrize("law", list(REFERENCE))
def test_reference_values_branching_walk(law):
    for k, expected in zip(REF_SIZES, REFERENCE[law], strict=True):
        assert optimal_tree(law, k).expected_accepted == pytest.approx(expected, abs=1e-6)


def test_reference_values_exact_rationals():
    # (9/10, 1/10): the top-3 set is the chain 9/10, 81/100, 729/1000
    acc = [Fraction(9, 10), Fraction(1, 10)]
    for k, exact in [(1, Fraction(9, 10)), (2, Fraction(171, 100)), (3, Fraction(2439, 1000))]:
        assert optimal_tree([0.9, 0.1], k).expected_accepted == pytest.approx(float(exact), 1e-15)
    assert sum(acc[0] ** i for i in range(1, 4)) == Fraction(2439, 1000)


def test_reference_values_gsd_uncapped():
    # exponential_races.md section 4: without the 4-children cap the GSD k=64 value is 6.1269.
    # Positional vector of SpecInfer multi-round rejection with i.i.d. drafts (section 5):
    # r_0 = p, a_i = sum min(r_{i-1}, q), r_i = norm((r_{i-1} - q)^+),
    # P(child i) = a_i prod_{j<i} (1 - a_j)
    p = np.array([0.5, 0.3, 0.15, 0.05])
    q = np.array([0.3, 0.4, 0.2, 0.1])
    r, a = p.copy(), []
    for _ in range(40):
        a.append(np.minimum(r, q).sum())
        res = np.maximum(r - q, 0.0)
        if res.sum() <= 0:
            break
        r = res / res.sum()
    pos = [a[i] * np.prod([1 - x for x in a[:i]]) for i in range(len(a))]
    assert pos[:4] == pytest.approx([0.8, 0.06, 0.042, 0.0294], abs=1e-12)
    assert optimal_tree(pos, 64).tokens_per_step == pytest.approx(6.1269, abs=6e-5)


def test_reference_geometry_branching_walk():
    # branching_walk.md section 4 (C7): (0.9, 0.1), k = 1e4: threshold t_k = 8.0821, maximum
    # depth 76, mean node depth 26.28
    t = optimal_tree([0.9, 0.1], 10_000)
    assert t.depth == 76
    assert t.node_depth.mean() == pytest.approx(26.28, abs=5e-3)
    assert -np.log(t.path_probability.min()) == pytest.approx(8.0821, abs=5e-5)


@pytest.mark.parametrize("m", [1, 2, 3, 4])
@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("depth", [1, 2, 3, None])
def test_all_small_shapes_brute_force(m, k, depth):
    # every (ranks, size, depth limit) up to 4 ranks and 5 nodes, law 0.4 * 0.6^r (sum < 1)
    acc = 0.4 * 0.6 ** np.arange(m)
    forests = all_forests(k, m, k if depth is None else depth)
    if not forests:
        with pytest.raises(InvalidArgumentError, match="size"):
            optimal_tree(acc, k, max_depth=depth)
        return
    best = max(brute_value(acc, f) for f in forests)
    tree = optimal_tree(acc, k, max_depth=depth)
    assert tree.expected_accepted == pytest.approx(best, rel=1e-12)
    check_large_structure(tree, acc)
    if depth is not None:
        assert tree.depth <= depth
        assert _depth_limited_dp(acc, k, depth).expected_accepted == pytest.approx(best, rel=1e-12)


def test_reference_values_exponential_races():
    # exponential_races.md section 4, example A (rank law) and the GSD positional vector
    ersd = [0.789024, 0.155250, 0.047601, 0.008125]
    gsd = [0.8, 0.06, 0.042, 0.0294]
    ks = [1, 2, 3, 4, 8, 16, 64]
    ersd_ref = [1.7890, 2.4116, 2.9028, 3.2904, 4.1831, 5.0803, 7.0885]
    gsd_ref = [1.8000, 2.4400, 2.9520, 3.3616, 4.3289, 4.9361, 6.1205]
    for k, e, g in zip(ks, ersd_ref, gsd_ref, strict=True):
        assert optimal_tree(ersd, k).tokens_per_step == pytest.approx(e, abs=6e-5)
        assert optimal_tree(gsd, k).tokens_per_step == pytest.approx(g, abs=6e-5)


def test_chain_and_batch_closed_forms():
    acc = [0.6, 0.2, 0.1]
    assert chain_tree(acc, 5).expected_accepted == pytest.approx(sum(0.6**i for i in range(1, 6)))
    assert batch_tree(acc, 2).expected_accepted == pytest.approx(0.8)
    t = kary_tree(acc, 2, 3)
    assert t.size == 2 + 4 + 8
    assert t.depth == 3
    assert t.expected_accepted == pytest.approx(0.8 + 0.8**2 + 0.8**3)
    assert kary_tree(acc, 3, 0).size == 0
    check_tree_structure(t, acc)


def test_optimal_dominates_shapes():
    acc = np.array([0.5, 0.2, 0.15, 0.1])
    for shape in [chain_tree(acc, 14), batch_tree(acc, 4), kary_tree(acc, 2, 3)]:
        assert optimal_tree(acc, shape.size).expected_accepted >= shape.expected_accepted
        depth = shape.depth
        assert (
            optimal_tree(acc, shape.size, max_depth=depth).expected_accepted
            >= shape.expected_accepted - 1e-12
        )


def test_tree_value_matches_brute_force():
    acc = [0.3, 0.5, 0.1]  # any order is fine for tree_value
    paths = [(0,), (1,), (1, 2), (1, 0), (1, 0, 1)]
    parent, ci = as_arrays(paths)
    t = tree_value(acc, parent, ci)
    assert t.expected_accepted == pytest.approx(brute_value(acc, paths))
    assert sorted(t.rank_paths()) == sorted(paths)
    assert t.depth == 3


def test_empty_tree():
    t = optimal_tree([0.5, 0.3], 0)
    assert t.size == 0 and t.depth == 0 and t.expected_accepted == 0.0
    assert t.tokens_per_step == 1.0
    assert optimal_tree([0.5, 0.3], 0, max_depth=1).size == 0


def test_depth_limit_binding():
    # (0.9, 0.1), size 10: the optimum is deep; depth 2 forces a bushier tree
    acc = [0.9, 0.1]
    with pytest.raises(InvalidArgumentError, match="size"):
        optimal_tree(acc, 7, max_depth=2)  # only 2 + 4 = 6 nodes fit
    t = optimal_tree(acc, 6, max_depth=2)
    assert t.expected_accepted == pytest.approx(kary_tree(acc, 2, 2).expected_accepted)
    t1 = optimal_tree(acc, 5, max_depth=1e9)  # a float equal to an integer is accepted
    assert t1.expected_accepted == pytest.approx(optimal_tree(acc, 5).expected_accepted)


def test_sort_option_keeps_original_indices():
    acc = [0.1, 0.6, 0.3]
    # without sort=True the order is the drafting order (exact prefix-drafting optimum)
    assert optimal_tree(acc, 3).expected_accepted == pytest.approx(0.1 + 0.6 + 0.3)
    t = optimal_tree(acc, 3, sort=True)
    ref = optimal_tree([0.6, 0.3, 0.1], 3)
    assert t.expected_accepted == pytest.approx(ref.expected_accepted)
    assert np.allclose(
        t.path_probability[t.node_depth == 1], np.asarray(acc)[t.child_index[t.node_depth == 1]]
    )
    assert set(t.child_index.tolist()) <= {1, 2}


def test_text_drawing_and_nested():
    t = optimal_tree([0.6, 0.3], 3)
    # top-3 paths: 0.6, 0.36, 0.3
    assert t.to_nested() == ((0, ((0, ()),)), (1, ()))
    text = t.draw()
    assert text.splitlines()[0].startswith("root")
    assert "r1  pi=0.3" in text
    with pytest.raises(InvalidArgumentError, match="max_nodes"):
        optimal_tree([0.6, 0.3], 50).draw(max_nodes=10)


def test_plot_returns_axes():
    ax = optimal_tree([0.6, 0.3], 8).plot()
    assert ax.get_xlabel() == "depth"


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("acc", "match"),
    [
        ([1.2, 0.1], r"acceptance: entries must lie in \[0, 1\]"),
        ([0.5, -0.1], r"acceptance: entries must lie in \[0, 1\]"),
        ([0.7, 0.6], "acceptance: entries are probabilities of disjoint events and must sum"),
        ([], "acceptance: must not be empty"),
        ([[0.5]], "acceptance: must be 1-D"),
        ([np.nan], "acceptance: entries must be finite"),
        (["a"], "acceptance: must be numeric"),
    ],
)
def test_bad_acceptance(acc, match):
    with pytest.raises(InvalidArgumentError, match=match):
        optimal_tree(acc, 3)


def test_bad_sizes():
    with pytest.raises(InvalidArgumentError, match="size: must be >= 0"):
        optimal_tree([0.5], -1)
    with pytest.raises(InvalidArgumentError, match="size: must be an integer"):
        optimal_tree([0.5], 2.5)
    with pytest.raises(InvalidArgumentError, match="max_depth: must be >= 1"):
        optimal_tree([0.5], 3, max_depth=0)
    with pytest.raises(InvalidArgumentError, match="size: a batch has at most"):
        batch_tree([0.5, 0.2], 3)
    with pytest.raises(InvalidArgumentError, match="branching: at most"):
        kary_tree([0.5, 0.2], 3, 2)
    with pytest.raises(InvalidArgumentError, match="branching: must be >= 1"):
        kary_tree([0.5, 0.2], 0, 2)


def test_bad_trees():
    acc = [0.5, 0.3]
    with pytest.raises(InvalidArgumentError, match="parent: parent\\[1\\] = 1"):
        tree_value(acc, [-1, 1], [0, 0])
    with pytest.raises(InvalidArgumentError, match="child_index: child_index\\[0\\] = 2"):
        tree_value(acc, [-1], [2])
    with pytest.raises(InvalidArgumentError, match="child_index: two siblings"):
        tree_value(acc, [-1, -1], [0, 0])
    with pytest.raises(InvalidArgumentError, match="child_index: must have the same length"):
        tree_value(acc, [-1, -1], [0])
    with pytest.raises(InvalidArgumentError, match="parent: must hold integers"):
        tree_value(acc, [-0.5], [0])


def test_greedy_kernel_tie_break_is_prefix_closed():
    # uniform law: many ties; siblings still use a prefix of the ranks
    t = _greedy_heap(np.full(3, 1 / 3), 20)
    check_tree_structure(t, np.full(3, 1 / 3))
    for kids in t.children():
        ranks = sorted(int(t.child_index[c]) for c in kids)
        assert ranks == list(range(len(ranks)))


# ----------------------------------------------------------------------------- vectorised greedy


def check_large_structure(tree: DraftTree, acc: np.ndarray) -> None:
    """Vectorised structure checks: parent first, siblings use ranks 0..c-1, exact products."""
    n = tree.size
    par = tree.parent
    assert np.all(par < np.arange(n)) and np.all(par >= -1)
    # siblings: for every parent, the ranks are exactly 0..count-1 (prefix of the ranks)
    counts = np.bincount(par + 1, minlength=n + 1)
    max_rank = np.full(n + 1, -1)
    np.maximum.at(max_rank, par + 1, tree.child_index)
    assert np.array_equal(max_rank + 1, counts)
    assert len(set(zip(par.tolist(), tree.child_index.tolist(), strict=True))) == n
    parent_pi = np.where(par >= 0, tree.path_probability[np.maximum(par, 0)], 1.0)
    assert np.allclose(
        tree.path_probability, parent_pi * acc[tree.child_index], rtol=1e-12, atol=0
    )
    parent_depth = np.where(par >= 0, tree.node_depth[np.maximum(par, 0)], 0)
    assert np.array_equal(tree.node_depth, parent_depth + 1)


VECTOR_LAWS = {
    "(0.9, 0.1)": [0.9, 0.1],
    "(0.5, 0.3, 0.2)": [0.5, 0.3, 0.2],
    "uniform 2": [0.5, 0.5],
    "uniform 8 (lattice)": [1 / 8] * 8,
    "ersd example A": [0.789024, 0.155250, 0.047601, 0.008125],
    "geometric 0.6, 30 ranks": [0.4 * 0.6**i for i in range(30)],
    "zipf 1.8, 200 ranks": list(np.arange(1, 201) ** -1.8 / np.sum(np.arange(1, 201) ** -1.8)),
    "sub-stochastic with zeros": [0.3, 0.2, 0.2, 0.0, 0.0],
    "(0.99, 0.01)": [0.99, 0.01],
}


@pytest.mark.parametrize("law", list(VECTOR_LAWS))
@pytest.mark.parametrize("size", [4096, 4097, 30_000])
def test_threshold_greedy_matches_heap(law, size):
    acc = np.array(VECTOR_LAWS[law])
    heap = _greedy_heap(acc, size)
    fast = _greedy(acc, size)
    assert fast.size == size
    # the same multiset of path probabilities (products in the same order: bit-identical)
    assert np.array_equal(np.sort(fast.path_probability), np.sort(heap.path_probability))
    assert fast.expected_accepted == pytest.approx(heap.expected_accepted, rel=1e-12)
    check_large_structure(fast, acc)
    check_large_structure(heap, acc)


@given(
    st.lists(st.floats(1e-3, 1.0), min_size=2, max_size=40),
    st.floats(0.3, 1.0),
    st.integers(1, 6000),
)
def test_threshold_greedy_matches_heap_random(raw, mass, size):
    # the threshold search is called directly, also below VECTORISED_MIN_SIZE
    acc = np.sort(np.array(raw))[::-1]
    acc = acc / acc.sum() * mass
    fast = _greedy_threshold(acc, size)
    heap = _greedy_heap(acc, size)
    if fast is not None:  # None means "fall back to the heap", also correct
        assert fast.expected_accepted == pytest.approx(heap.expected_accepted, rel=1e-9)
        assert np.array_equal(np.sort(fast.path_probability), np.sort(heap.path_probability))
        check_large_structure(fast, acc)


@pytest.mark.parametrize(
    "acc",
    [[1 / 8] * 8, [0.5, 0.25, 0.25], [1 / 3] * 3, [0.5, 0.5], [0.4, 0.2, 0.2, 0.1, 0.1]],
    ids=["uniform 8", "(0.5, 0.25, 0.25)", "uniform 3", "uniform 2", "dyadic-ish"],
)
@pytest.mark.parametrize("size", [4096, 5000, 7777])
def test_threshold_greedy_lattice_ties(acc, size):
    # lattice laws: whole levels share one value, so {pi >= tau} jumps past the memory cap;
    # a small cap forces the tie-filling path, which must still give the heap's values
    acc = np.array(acc)
    heap = _greedy_heap(acc, size)
    for cap in (size + 10, 2 * size):
        fast = _greedy_threshold(acc, size, cap=cap)
        assert fast is not None
        assert np.array_equal(np.sort(fast.path_probability), np.sort(heap.path_probability))
        check_large_structure(fast, acc)


def test_fill_ties_declines_without_enough_ties():
    from specbound.trees import _expand, _fill_ties

    acc = np.array([0.6, 0.3])
    res = _expand(acc, 0.05, 10**6, 10**3)
    n = res[0].size
    assert _fill_ties(acc, *res, n + 1000) is None  # the next value is not a big tie block
    one_more = _fill_ties(acc, *res, n + 1)
    assert one_more.size == n + 1


def test_threshold_greedy_falls_back_when_too_deep():
    # (0.99, 0.01) at 5000 nodes is a chain-like tree ~700 levels deep: heap is used
    acc = np.array([0.99, 0.01])
    assert _greedy_threshold(acc, 5000) is None
    assert optimal_tree(acc, 5000).expected_accepted == pytest.approx(
        _greedy_heap(acc, 5000).expected_accepted, rel=1e-12
    )


def test_single_useful_rank_is_a_chain():
    for acc in ([1.0], [1.0, 0.0], [0.7, 0.0, 0.0], [0.0, 0.0]):
        t = optimal_tree(acc, 10_000)
        assert t.depth == 10_000 and np.all(t.child_index == 0)
    assert optimal_tree([0.7, 0.0], 5).expected_accepted == pytest.approx(
        sum(0.7**i for i in range(1, 6))
    )


def test_malthusian_parameter():
    assert _malthusian(np.array([0.5, 0.5])) == 1.0
    th = _malthusian(np.array([0.5, 0.3]))
    assert 0.5**th + 0.3**th == pytest.approx(1.0, abs=1e-12)


def test_depth_limited_dp_against_kary_optimum():
    # uniform law over b ranks: the complete b-ary tree of depth d is optimal at its size
    acc = np.full(3, 1 / 3)
    t = optimal_tree(acc, 3 + 9 + 27, max_depth=3)
    assert t.expected_accepted == pytest.approx(3.0)
    assert t.depth == 3


# ----------------------------------------------------------------------------- enumeration


@pytest.mark.parametrize("m", [1, 2, 3, 4])
@pytest.mark.parametrize("k", [0, 1, 2, 3, 4, 5])
def test_enumerate_trees_fuss_catalan(m, k):
    from math import comb

    trees = list(enumerate_trees(m, k))
    assert len(set(trees)) == len(trees)
    assert len(trees) == comb(m * (k + 1), k + 1) // ((m - 1) * (k + 1) + 1)
    # the independent enumerator of this file agrees as sets
    assert {frozenset(t) for t in trees} == {frozenset(t) for t in all_forests(k, m, k)}


def test_enumerate_trees_depth_limit():
    trees = list(enumerate_trees(2, 3, max_depth=2))
    assert all(max(len(p) for p in t) <= 2 for t in trees)
    assert {frozenset(t) for t in trees} == {frozenset(t) for t in all_forests(3, 2, 2)}


def test_tree_from_paths():
    acc = [0.5, 0.3]
    t = tree_from_paths(acc, [(1, 0), (0,), (1,)])
    assert t.expected_accepted == pytest.approx(0.5 + 0.3 + 0.15)
    assert t.parent.tolist() == [-1, -1, 1]
    with pytest.raises(InvalidArgumentError, match=r"paths: \(1, 0\) is present but its prefix"):
        tree_from_paths(acc, [(1, 0)])
    with pytest.raises(InvalidArgumentError, match="paths: the empty path"):
        tree_from_paths(acc, [()])


def test_compact_ranks_fills_gaps():
    from specbound.trees import _compact_ranks

    parent = np.array([-1, -1, 0, 0, 1])
    ranks = np.array([0, 2, 1, 3, 2])
    assert _compact_ranks(parent, ranks).tolist() == [0, 1, 0, 1, 0]
    # zero acceptances create ties; the DP output still uses rank prefixes
    acc = np.array([0.5, 0.0, 0.0])
    t = _depth_limited_dp(acc, 6, 2)
    check_large_structure(t, acc)
    assert t.expected_accepted == pytest.approx(0.5 + 0.25)


def test_docstring_examples():
    import doctest

    import specbound.trees.optimal

    result = doctest.testmod(specbound.trees.optimal, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 3 and result.failed == 0
