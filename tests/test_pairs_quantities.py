"""Batched pair quantities against the one-law functions, brute force and hand values."""

import json

import numpy as np
import pytest

from specbound.bounds.branching_walk import entropy_moments
from specbound.bounds.exponential_races import (
    alpha_one,
    gsd_positional_acceptance_without_replacement,
)
from specbound.errors import InvalidArgumentError
from specbound.lp.optimum import optimal_acceptance_identical
from specbound.pairs import (
    analyse_pair,
    chain_along_text,
    entropy_rows,
    load_pair,
    positional_acceptance_rows,
    positional_tree,
    sorted_ratio_rows,
)
from specbound.trees import optimal_tree


def _rows(n, rows, seed, zeros=True):
    g = np.random.default_rng(seed)
    p = g.dirichlet(np.full(n, 0.4), size=rows)
    q = g.dirichlet(np.full(n, 0.4), size=rows)
    if zeros:
        p[0, 0] = 0
        q[1, -1] = 0
        q[2] = p[2]  # equal laws
        p /= p.sum(1, keepdims=True)
        q /= q.sum(1, keepdims=True)
    return p, q


@pytest.mark.parametrize("n", [3, 257, 5000])
def test_sorted_ratio_rows_match_one_law_functions(n):
    p, q = _rows(n, 4, n)
    a1, multi = sorted_ratio_rows(p, q, (1, 2, 3, 8))
    for t in range(4):
        assert a1[t] == pytest.approx(alpha_one(p[t], q[t]), abs=1e-12)
        for j, k in enumerate((1, 2, 3, 8)):
            assert multi[t, j] == pytest.approx(
                optimal_acceptance_identical(p[t], q[t], k), abs=1e-12
            )
    assert multi[:, 0] == pytest.approx(np.minimum(p, q).sum(1), abs=1e-12)


@pytest.mark.parametrize("n", [2, 3, 6])
def test_positional_vector_against_enumeration(n):
    p, q = _rows(n, 4, 10 + n)
    k = min(n, 4)
    got = positional_acceptance_rows(p, q, k)
    for t in range(4):
        want = gsd_positional_acceptance_without_replacement(p[t], q[t], k)
        np.testing.assert_allclose(got[t], want, atol=1e-13)
    assert np.all(got.sum(1) <= 1 + 1e-12)
    np.testing.assert_allclose(got[:, 0], np.minimum(p, q).sum(1), atol=1e-14)


def test_positional_vector_special_cases_and_refusal():
    one_hot = np.array([[0.0, 1.0, 0.0]])
    uniform = np.full((1, 3), 1 / 3)
    # q one-hot on a token of p-mass 0.5: a_1 = 0.5, then no draft mass left
    np.testing.assert_allclose(
        positional_acceptance_rows(np.array([[0.5, 0.5, 0]]), one_hot, 3), [[0.5, 0, 0]]
    )
    # p one-hot, q uniform: the i-th candidate is token 1 with prob 1/3 each
    np.testing.assert_allclose(
        positional_acceptance_rows(one_hot, uniform, 3), [[1 / 3, 1 / 3, 1 / 3]]
    )
    p, q = _rows(300, 1, 1, zeros=False)
    with pytest.raises(InvalidArgumentError, match="candidates: 4 candidates need"):
        positional_acceptance_rows(p, q, 4, max_cells=10_000)


def test_chain_along_text_and_tree_curve():
    assert chain_along_text([0.5, 1.0, 0.0], 2) == pytest.approx(2.0)
    assert chain_along_text([0.8] * 5, 3) == pytest.approx(1 + 0.8 + 0.64 + 0.512)
    with pytest.raises(InvalidArgumentError, match="gamma: 4 drafts need 4 positions"):
        chain_along_text([0.5] * 3, 4)
    vec = [0.6, 0.25, 0.1]
    curve = positional_tree(vec, [1, 5, 40])
    assert curve.relaxation == "none"
    for b, v in zip(curve.budget, curve.tokens_per_step, strict=True):
        assert v == pytest.approx(optimal_tree(vec, b).tokens_per_step, abs=1e-12)
    # an unsorted vector is solved exactly in drafting order: candidate 2 needs candidate 1
    exact = positional_tree([0.25, 0.6], [3]).tokens_per_step[0]
    assert exact == pytest.approx(1 + 0.25 + 0.6 + 0.6 * 0.25)
    assert exact < positional_tree([0.6, 0.25], [3]).tokens_per_step[0]


def test_entropy_rows_match_entropy_moments():
    p, _ = _rows(50, 5, 2)
    h, h2 = entropy_rows(p)
    assert (h.mean(), h2.mean()) == pytest.approx(entropy_moments(p), abs=1e-12)


KEYS = {
    "positions",
    "vocab",
    "settings",
    "acceptance",
    "chain",
    "multidraft_identical",
    "ersd_alpha_one_mean",
    "target_entropy",
    "tree",
}


def test_analysis_document_and_chunk_invariance():
    g = np.random.default_rng(4)
    t = g.normal(0, 2, (12, 300)).astype(np.float32)
    d = (t + g.normal(0, 1, t.shape)).astype(np.float32)
    docs = [
        analyse_pair(load_pair(t, d, top_p=0.95, chunk=c), environments=2, rng=1).to_dict()
        for c in (1, 5, None)
    ]
    doc = docs[0]
    assert KEYS <= set(doc)
    assert set(doc["acceptance"]) == {"mean", "se", "per_position"}
    assert set(doc["chain"]) >= {"gamma", "tokens_per_step_iid", "tokens_per_step_along_text"}
    assert doc["multidraft_identical"]["K"] == [1, 2, 4, 8]
    assert set(doc["target_entropy"]) == {"mu", "mu2"}
    assert doc["tree"]["budget"][-1] == 1024
    assert doc["chain"]["tokens_per_step_iid"][0] == pytest.approx(1 + doc["acceptance"]["mean"])
    json.dumps(doc)
    for other in docs[1:]:
        assert other["acceptance"]["per_position"] == pytest.approx(
            doc["acceptance"]["per_position"], abs=1e-15
        )
        assert other["ersd_alpha_one_mean"] == pytest.approx(doc["ersd_alpha_one_mean"])
        assert other["speed_of_light"] == doc["speed_of_light"]


def test_per_position_threads_give_the_same_numbers():
    from specbound.pairs.analysis import per_position

    g = np.random.default_rng(5)
    t = g.normal(0, 2, (9, 200))
    pair = load_pair(t, t + g.normal(0, 1, t.shape), chunk=2)
    one = per_position(pair, workers=1)
    two = per_position(pair, workers=2)
    for name in one:
        np.testing.assert_array_equal(one[name], two[name])


def test_truncated_laws_are_compacted_without_changing_any_number():
    from specbound.pairs import positional_acceptance_rows as pos
    from specbound.pairs.analysis import per_position
    from specbound.pairs.quantities import acceptance_rows, common_support

    g = np.random.default_rng(6)
    t = g.normal(0, 2, (5, 400))
    pair = load_pair(t, t + g.normal(0, 1, t.shape), top_k=7, draft_top_p=0.8)
    p, q = pair.laws()
    assert common_support(p, q)[0].shape[1] <= 14
    got = per_position(pair, workers=1)
    a1, multi = sorted_ratio_rows(p, q)
    np.testing.assert_allclose(got["alpha"], acceptance_rows(p, q), atol=1e-15)
    np.testing.assert_allclose(got["alpha_one"], a1, atol=1e-14)
    np.testing.assert_allclose(got["multidraft"], multi, atol=1e-14)
    np.testing.assert_allclose(got["positional"], pos(p, q, 2), atol=1e-14)
    np.testing.assert_allclose(got["entropy"], entropy_rows(p)[0], atol=1e-14)


def test_acceptance_vector_sum_tolerance_follows_its_dtype():
    from specbound.trees import as_acceptance

    a = np.float32([0.6, 0.4000001])  # a float32 positional vector summing to 1.0000001
    assert float(a.astype(np.float64).sum()) > 1 + 1e-8
    np.testing.assert_array_equal(as_acceptance(a, require_sorted=False), a.astype(np.float64))
    with pytest.raises(InvalidArgumentError, match="must sum to at most 1"):
        as_acceptance(a.astype(np.float64))  # float64: tolerance 1e-9
    with pytest.raises(InvalidArgumentError, match="tolerance"):
        as_acceptance(np.float32([0.6, 0.401]))
