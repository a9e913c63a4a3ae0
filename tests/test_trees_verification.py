"""Tests of the tree-verification Monte Carlo and the exact law of accepted tokens."""

from __future__ import annotations

import numpy as np
import pytest

from specbound.errors import InvalidArgumentError
from specbound.simulations.agreement import chisquare_gof
from specbound.simulations.tree_verification import estimate_accepted, tree_walk
from specbound.trees import (
    accepted_distribution,
    batch_tree,
    chain_tree,
    kary_tree,
    optimal_tree,
    tree_value,
)

# Every statistical check below is |z| <= 5 (two-sided false-alarm rate 5.7e-7 per check
# under the normal approximation) or a chi-square p-value >= 1e-6 (false-alarm rate 1e-6).


def test_accepted_distribution_small_exact():
    # chain of 3 under (0.6, 0.3): P(X >= j) = 0.6^j
    law = accepted_distribution(chain_tree([0.6, 0.3], 3))
    assert law == pytest.approx([0.4, 0.6 - 0.36, 0.36 - 0.216, 0.216])
    t = optimal_tree([0.5, 0.3, 0.2], 30)
    law = accepted_distribution(t)
    assert law.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.dot(np.arange(law.size), law) == pytest.approx(t.expected_accepted, rel=1e-12)
    empty = accepted_distribution(optimal_tree([0.5], 0))
    assert empty.tolist() == [1.0]


@pytest.mark.parametrize(
    "tree",
    [
        chain_tree([0.8, 0.1, 0.05], 6),
        batch_tree([0.8, 0.1, 0.05], 3),
        kary_tree([0.6, 0.25, 0.1], 2, 4),
        optimal_tree([0.789024, 0.155250, 0.047601, 0.008125], 64),
        optimal_tree([0.8, 0.06, 0.042, 0.0294], 40, max_depth=3),
    ],
    ids=["chain", "batch", "kary", "optimal ersd", "depth-limited gsd"],
)
def test_walk_mean_and_law_positional(tree):
    counts = tree_walk(tree, 100_000, rng=11)
    est = estimate_accepted(tree, 100_000, rng=12)
    assert abs(est.z(tree.expected_accepted)) <= 5
    gof = chisquare_gof(counts, accepted_distribution(tree))
    assert gof.pvalue >= 1e-6


def test_walk_with_target_tokens_unsorted():
    # the target's tokens are labelled in any order; the tree is built from the sorted law
    p = np.array([0.2, 0.5, 0.3])
    tree = optimal_tree(np.sort(p)[::-1], 200)
    counts = tree_walk(tree, 100_000, rng=3, target=p)
    assert chisquare_gof(counts, accepted_distribution(tree)).pvalue >= 1e-6
    est = estimate_accepted(tree, 100_000, rng=4, target=p)
    assert abs(est.z(tree.expected_accepted)) <= 5


def test_walk_with_target_tokens_sort_option():
    # a tree built with sort=True from the target itself: child_index are token ids
    p = np.array([0.2, 0.5, 0.3])
    tree = optimal_tree(p, 200, sort=True)
    counts = tree_walk(tree, 100_000, rng=7, target=p)
    assert chisquare_gof(counts, accepted_distribution(tree)).pvalue >= 1e-6
    # the positional walk of the same tree agrees too
    counts = tree_walk(tree, 100_000, rng=8)
    assert chisquare_gof(counts, accepted_distribution(tree)).pvalue >= 1e-6


def test_walk_detects_a_wrong_tree_value():
    # power check: a tree whose value is off by 2% is rejected at 5 SE with 2e5 trials
    tree = optimal_tree([0.9, 0.1], 1000)
    est = estimate_accepted(tree, 200_000, rng=5)
    assert abs(est.z(tree.expected_accepted * 1.02)) > 5


def test_walk_counts_only_drafted_children():
    # a tree holding only rank 1 under the root: accepted iff the target picks rank 1
    tree = tree_value([0.7, 0.2], [-1, 0], [1, 1])
    counts = tree_walk(tree, 50_000, rng=6)
    assert set(np.unique(counts).tolist()) <= {0, 1, 2}
    assert chisquare_gof(counts, [0.8, 0.2 * 0.8, 0.04]).pvalue >= 1e-6


def test_walk_empty_tree_and_validation():
    assert np.all(tree_walk(optimal_tree([0.5], 0), 10, rng=0) == 0)
    tree = optimal_tree([0.6, 0.4], 5)
    with pytest.raises(InvalidArgumentError, match="target: neither the target nor"):
        tree_walk(tree, 10, rng=0, target=[0.5, 0.5])
    with pytest.raises(InvalidArgumentError, match="target: the tree uses rank 1"):
        tree_walk(tree, 10, rng=0, target=[1.0])
    with pytest.raises(InvalidArgumentError, match="trials: must be >= 1"):
        tree_walk(tree, 0, rng=0)
    with pytest.raises(InvalidArgumentError, match=r"target: probabilities sum to 1\.4"):
        tree_walk(tree, 10, rng=0, target=[0.7, 0.7])


def test_walk_is_reproducible():
    tree = optimal_tree([0.7, 0.2], 50)
    assert np.array_equal(tree_walk(tree, 1000, rng=9), tree_walk(tree, 1000, rng=9))


def test_tree_claims_reject_wrong_exact_values():
    # the registry's tree claims have power: a 1% error in the exact side fails (5 SE)
    from specbound.claims import Case, Claim, run_case
    from specbound.claims.trees import CLAIMS

    identity = next(c for c in CLAIMS if c.id == "trees.acceptance_identity")
    case = next(k for k in identity.cases() if k.label.startswith("optimal k=64, ERSD"))
    exact = case.exact()
    for wrong in (exact * 1.01, exact * 0.99):
        bad = Claim(
            "x",
            "p",
            "s",
            identity.agreement,
            lambda w=wrong: [Case("c", lambda: w, case.simulate)],
        )
        assert not run_case(bad, bad.cases()[0]).passed
    assert run_case(identity, case).passed
