"""The real-text cases of the claim registry and the facts their exact sides rely on."""

import math

import numpy as np
import pytest

from specbound.bounds.branching_walk import entropy_moment_estimates
from specbound.claims import all_claims
from specbound.claims.branching_walk import text_weighted_moments
from specbound.claims.branching_walk_instances import environment_moments
from specbound.claims.trees import text_rank_law, text_sorted_target
from specbound.simulations.text_ngram import TEXT_LABEL, TEXT_POSITIONS, text_law
from specbound.trees import enumerate_trees

#: Claims checked on real text (bigram laws of the Python documentation).
REAL_TEXT_CLAIMS = (
    "sd.output_law",
    "sd.acceptance",
    "rejections.sum_tv",
    "rejections.finite_gamma",
    "rejections.sequence_law",
    "rejections.optimality",
    "rejections.baseline_rates",
    "rejections.baselines_unbiased",
    "rejections.lp_optimum",
    "rejections.batch",
    "rejections.batch_law",
    "rejections.tradeoff",
    "rejections.tradeoff_lp",
    "rejections.tradeoff_law",
    "rejections.tradeoff_sequence",
    "ersd.output_law",
    "ersd.drafter_invariance",
    "ersd.limits",
    "ersd.pfr_index",
    "ersd.gsd_positional",
    "ersd.rank_law",
    "ersd.alpha_one",
    "ersd.node_acceptance",
    "ersd.tree_value",
    "ersd.bound",
    "ersd.bound_tree_value",
    "ersd.rank_head_scale",
    "bw.moments",
    "bw.acceptance_identity",
    "bw.bound_renewal",
    "bw.bound_chernoff",
    "bw.bound_explicit",
    "bw.bound_abstract",
    "bw.doubling",
    "bw.doubling_lower",
    "bw.x_opt_exact",
    "bw.imperfect_drafter",
    "bw.imperfect_value",
    "md.canonical",
    "md.output_law",
    "md.selection_law",
    "md.acceptance",
    "md.optimum_bound",
    "md.spectr_guarantee",
    "md.wor_optimal_rule",
    "md.wor_output_law",
    "md.wor_optimum_bound",
    "md.wor_all_in",
    "md.wor_beats_iid",
    "md.temperature_bound",
    "md.temperature_canonical",
    "trees.acceptance_identity",
    "trees.accepted_law",
    "trees.optimal_is_brute_force_max",
    "trees.optimal_upper_bound",
    "pairs.acceptance",
    "pairs.chain_along_text",
    "pairs.multidraft_identical_k2",
    "pairs.multidraft_identical_k4",
    "pairs.multidraft_identical_optimal",
    "pairs.ersd_alpha_one",
    "pairs.positional",
    "pairs.tree",
    "pairs.target_entropy_mu",
    "pairs.target_entropy_mu2",
    "trees.positional_optimal",
    "audit.rule_law",
    "audit.equality_acceptance",
    "audit.tokens_per_step",
    "audit.power",
    "trees.suboptimal_value",
)


#: Claims without a real-text case, as the README states (hypotheses real text cannot meet).
SYNTHETIC_ONLY = {
    "rejections.tokens_per_step",
    "rejections.batch_floor",
    "bw.asymptotic_upper",
    "bw.asymptotic_lower",
    "bw.runtime",
    "bw.runtime_value",
}


def test_every_other_claim_is_listed():
    ids = {c.id for c in all_claims()}
    assert ids == set(REAL_TEXT_CLAIMS) | SYNTHETIC_ONLY
    assert not set(REAL_TEXT_CLAIMS) & SYNTHETIC_ONLY


@pytest.mark.parametrize("claim_id", REAL_TEXT_CLAIMS)
def test_claim_has_a_real_text_case(claim_id):
    (claim,) = [c for c in all_claims() if c.id == claim_id]
    assert any("real text" in k.label or "real-text" in k.label for k in claim.cases())


def test_text_environment_moments_are_those_of_its_rows():
    law = text_law()
    assert law.rows.shape == (TEXT_POSITIONS, 200)
    est = entropy_moment_estimates(law.rows)
    assert environment_moments(TEXT_LABEL) == (est.mu, est.mu2, est.phi)
    # the sampled positions estimate the moments along the whole text
    for value, whole, se in zip(
        environment_moments(TEXT_LABEL),
        text_weighted_moments(),
        (est.mu_se, est.mu2_se, est.phi_se),
        strict=True,
    ):
        assert abs(value - whole) <= 5 * se


def test_real_text_acceptance_vectors_are_sorted_laws():
    for acc in (text_rank_law(), text_sorted_target()):
        assert np.all(np.diff(acc) <= 0)
        assert math.isclose(acc.sum(), 1.0, abs_tol=1e-9)


@pytest.mark.parametrize(("k", "depth"), [(3, None), (4, None), (4, 2)])
def test_brute_force_needs_only_the_first_k_ranks(k, depth):
    """The exchange argument behind the truncated enumeration of the brute-force claim."""
    acc = text_sorted_target()[: k + 2].tolist()

    def best(m):
        return max(
            sum(math.prod(acc[r] for r in path) for path in paths)
            for paths in enumerate_trees(m, k, depth)
        )

    assert math.isclose(best(k), best(k + 2), rel_tol=1e-12)
