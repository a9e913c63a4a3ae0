"""The real-verifier walks and the reference multi-draft samplers of the claims.

Small exact cases (brute force over outcomes) and seeded Monte Carlo at 6+ SE.
"""

from __future__ import annotations

import numpy as np
import pytest

from specbound.errors import InvalidArgumentError
from specbound.simulations.estimate import from_proportion, from_values
from specbound.simulations.random_trees import DirichletLaw, optimal_random_tree
from specbound.simulations.token_walks import (
    RecordedLaw,
    environment_laws,
    law_outcomes,
    race_outcomes,
    rank_tokens,
    specinfer_outcomes,
    walk_tree,
)
from specbound.trees import chain_tree, optimal_tree


def test_law_walk_of_a_chain_is_geometric():
    p = np.array([0.3, 0.7])  # token 1 drafted at every level
    tree = chain_tree([0.7, 0.3], 5)
    token = rank_tokens(p[None, :], np.zeros(6, dtype=np.int64), tree.parent, tree.child_index)
    assert token.tolist() == [1] * 5
    x = walk_tree(tree.parent, token, law_outcomes(p[None, :], np.zeros(6, int)), 200_000, 1)
    law = [0.7**j * (0.3 if j < 5 else 1.0) for j in range(6)]
    np.testing.assert_allclose(np.bincount(x, minlength=6) / x.size, law, atol=0.004)


def test_law_walk_refuses_rows_that_are_not_laws():
    with pytest.raises(InvalidArgumentError, match="laws: a row sums to 1"):
        law_outcomes(np.array([[0.5, 0.45]]), np.zeros(1, dtype=np.int64))


def test_walk_tree_refuses_two_children_with_one_outcome():
    with pytest.raises(InvalidArgumentError, match="outcome_id"):
        walk_tree(np.array([-1, -1]), np.array([0, 0]), lambda s, g: s, 10, 0)


def test_race_ranks_and_specinfer_positions_follow_their_exact_laws():
    from specbound.bounds.exponential_races import rank_distribution
    from specbound.bounds.exponential_races.gsd import gsd_positional_acceptance

    p, q = np.array([0.5, 0.3, 0.15, 0.05]), np.array([0.3, 0.4, 0.2, 0.1])
    gen = np.random.default_rng(3)
    slots = np.zeros(200_000, dtype=np.int64)
    ranks = race_outcomes(p, q)(slots, gen)
    for r, want in enumerate(rank_distribution(p, q)):
        assert abs(from_proportion(int((ranks == r).sum()), ranks.size).z(want)) < 6
    pos = specinfer_outcomes(p, q, 4)(slots, gen)
    for i, want in enumerate(gsd_positional_acceptance(p, q, 4)):
        assert abs(from_proportion(int((pos == i).sum()), pos.size).z(want)) < 6


def test_recorded_environment_walk_matches_the_tree_value():
    law = DirichletLaw(0.5, 10)
    rec = RecordedLaw(law)
    tree = optimal_random_tree(rec, 300, np.random.default_rng(7))
    laws, node_law, token = environment_laws(tree, rec)
    assert laws.shape[0] == tree.laws_drawn
    np.testing.assert_array_equal(
        tree.path_probability[:3], np.sort(tree.path_probability)[::-1][:3]
    )
    x = walk_tree(tree.parent, token, law_outcomes(laws, node_law), 100_000, 8)
    assert abs(from_values(x).z(tree.expected_accepted)) < 6


def test_the_walk_of_a_deterministic_optimum_matches_the_exact_value():
    tree = optimal_tree([0.5, 0.3, 0.2], 200)
    row = np.array([[0.5, 0.3, 0.2]])
    zeros = np.zeros(tree.size + 1, dtype=np.int64)
    x = walk_tree(tree.parent, tree.child_index, law_outcomes(row, zeros), 100_000, 2)
    assert abs(from_values(x).z(tree.expected_accepted)) < 6


def test_reference_multidraft_samplers_match_the_exact_acceptance():
    from specbound.lp.baselines import spectr_acceptance, spectr_rho
    from specbound.lp.selection import importance_weighted_rule
    from specbound.simulations.multidraft_reference import (
        selection_reference,
        specinfer_reference,
        spectr_reference,
        spectr_rho_reference,
    )

    p = np.array([0.30, 0.25, 0.15, 0.12, 0.10, 0.08])
    q = np.tile([0.10, 0.15, 0.30, 0.25, 0.12, 0.08], (3, 1))
    assert spectr_rho_reference(p, q[0], 3) == pytest.approx(spectr_rho(p, q[0], 3), rel=1e-9)
    _, acc = spectr_reference(p, q, 200_000, 1)
    assert abs(from_values(acc.astype(float)).z(spectr_acceptance(p, q))) < 6
    _, acc = selection_reference(p, q, None, 200_000, 2)
    assert abs(from_values(acc.astype(float)).z(importance_weighted_rule(p, q).acceptance)) < 6
    tokens, acc = specinfer_reference(p, q, 200_000, 3)
    np.testing.assert_allclose(np.bincount(tokens, minlength=6) / tokens.size, p, atol=0.005)


def test_the_tournament_reference_law_equals_the_lp_intermediate_law():
    from specbound.lp.truncated import tournament
    from specbound.simulations.multidraft_reference import pair_selected_law

    p = np.array([0.30, 0.25, 0.15, 0.12, 0.10, 0.08])
    q = np.array([[0.10, 0.15, 0.30, 0.25, 0.12, 0.08], [0.2, 0.05, 0.25, 0.2, 0.2, 0.1]])
    t = tournament(p, np.vstack([q, q[:1]]), 3)
    law = t.drafts[0]
    for j, rule in enumerate(t.rules, start=1):
        law = pair_selected_law(law, t.drafts[j], rule)
    np.testing.assert_allclose(law, t.intermediate, atol=1e-15)


def test_recorded_laws_follow_the_tree_builders_restarts(monkeypatch):
    from specbound.simulations import random_trees as rt

    law = DirichletLaw(0.5, 20)
    monkeypatch.setattr(rt.reveal, "_MARGIN", -3.0)  # forces rebuilds from the same stream
    monkeypatch.setattr(rt.reveal, "_SLACK", 0.0)
    rec = RecordedLaw(law)
    tree = optimal_random_tree(rec, 2000, np.random.default_rng(3))
    laws, node_law, token = environment_laws(tree, rec)
    assert laws.shape[0] < tree.laws_drawn  # a restart happened; the record is the last build
    pi = np.ones(tree.size + 1)
    for v in range(tree.size):  # path probabilities rebuilt from the recorded laws
        pi[v + 1] = pi[tree.parent[v] + 1] * laws[node_law[tree.parent[v] + 1], token[v]]
    np.testing.assert_allclose(pi[1:], tree.path_probability, rtol=1e-12)
