"""Nothing is clipped or renormalised silently: every repair checks what it removes.

Each clip or fallback outside ``specbound.lp`` raises a RepairError (a ValueError)
naming its function and the size of what it would remove when that exceeds its
stated tolerance (1e-12 on laws of mass 1; 1e-9 where the input's own tolerance is
that), and stays silent for rounding-sized repairs.
"""

from __future__ import annotations

import numpy as np
import pytest

from specbound.distributions import REPAIR_TOLERANCE, check_removed
from specbound.errors import RepairError


def test_check_removed_names_the_function_and_the_size():
    check_removed(np.array([0.0, REPAIR_TOLERANCE]), "f")
    with pytest.raises(RepairError, match=r"f: would silently remove mass 0\.001"):
        check_removed(np.array([0.0, 1e-3]), "f")
    with pytest.raises(RepairError):
        check_removed(float("nan"), "f")
    assert issubclass(RepairError, ValueError)


def test_residual_law_fallback_is_checked():
    from specbound.simulations.speculative import residual_law

    p = np.array([0.5, 0.5])
    assert np.array_equal(residual_law(p, p + 1e-17), p)  # rounding: the exact residual is p
    with pytest.raises(RepairError, match="residual_law"):
        residual_law(p, np.array([0.6, 0.6]))


def test_exact_residual_refuses_negative_mass():
    from specbound.simulations.speculative import exact_residual

    p = np.array([0.5, 0.5])
    np.testing.assert_array_equal(exact_residual(p, np.array([0.5 + 1e-15, 0.2]), "w"), [0, 0.3])
    with pytest.raises(RepairError, match=r"spectr \(negative residual\): .*0\.01"):
        exact_residual(p, np.array([0.51, 0.2]), "spectr")


def test_next_residuals_keeps_r_only_when_r_equals_q():
    from specbound.simulations.speculative import next_residuals

    r = np.array([[0.5, 0.5], [0.7, 0.3]])
    q = np.array([[0.5, 0.5], [0.5, 0.5]])
    np.testing.assert_allclose(next_residuals(r, q, "x"), [[0.5, 0.5], [1.0, 0.0]])
    with pytest.raises(RepairError, match="gsd_verify"):
        next_residuals(np.array([0.4, 0.4]), np.array([0.5, 0.5]), "gsd_verify")


def test_a_wrong_spectr_rho_raises_instead_of_biasing(monkeypatch):
    from specbound.distributions import target_draft_pair
    from specbound.simulations import multidraft

    p, q = target_draft_pair(50, rng=3)
    drafts = np.tile(q, (3, 1))
    multidraft.spectr_sampling(p, drafts, 1000, rng=0)
    monkeypatch.setattr(multidraft, "spectr_rho", lambda target, draft, k: 1.0)
    with pytest.raises(RepairError, match="spectr_sampling"):
        multidraft.spectr_sampling(p, drafts, 100_000, rng=0)


def test_a_biased_rejection_rule_raises():
    from specbound.bounds import rejection_rules

    p, q = np.array([0.5, 0.5]), np.array([0.9, 0.1])
    rejection_rules._make("ok", p, q, np.array([0.5, 1.0]))
    with pytest.raises(RepairError, match="too-eager rule"):
        rejection_rules._make("too-eager", p, q, np.array([1.0, 1.0]))


def test_rank_mass_above_one_raises_in_the_entropy_identity():
    from specbound.bounds.exponential_races import tree_entropy_identity
    from specbound.trees import batch_tree

    good = np.array([0.6, 0.4])
    tree = batch_tree(good, 2)
    tree_entropy_identity(np.array([0.6, 0.4 + 1e-10]), tree)  # the rank law's 1e-9 tolerance
    with pytest.raises(ValueError, match="rank_law"):  # beyond it, refused on input
        tree_entropy_identity(np.array([0.6, 0.4 + 1e-8]), tree)


def test_draft_set_mass_above_one_raises(monkeypatch):
    from specbound.bounds.exponential_races import information

    monkeypatch.setattr(information, "as_distribution", lambda x, name: np.asarray(x))
    information.draft_position_laws(np.array([0.5, 0.5]))
    with pytest.raises(RepairError, match="draft_position_laws"):
        information.draft_position_laws(np.array([0.6, 0.5, 0.3]))


def test_the_gsd_claim_refuses_positional_mass_above_one(monkeypatch):
    from specbound.claims import exponential_races_relations as rel
    from specbound.claims import run_case

    real = rel.gsd_positional_acceptance
    monkeypatch.setattr(rel, "gsd_positional_acceptance", lambda p, q, k: 1.2 * real(p, q, k))
    (claim,) = [c for c in rel.CLAIMS if c.id == "ersd.gsd_positional"]
    with pytest.raises(RepairError, match=r"ersd\.gsd_positional"):
        run_case(claim, claim.cases()[0], scale=0.01)
