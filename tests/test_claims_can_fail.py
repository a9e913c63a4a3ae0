"""Injected bugs (mutants) that the registry must catch: each a small in-memory patch.

The bugs of issue 13's audit that every case used to miss: ln replaced by log2 in the
entropy moments, random-environment laws scaled by 0.95 inside the tree builder,
SpecTr's rho fixed at 1, importance weights sqrt(p/q), an ERSD verifier that accepts
any drafted token, a 16% drop in E[X_opt], SpecInfer residuals left unnormalised, a
draft tree's value scaled by 0.95 (caught on the positional rank-law cases). Each
mutant is applied with monkeypatch (no file edits), caches of the patched code are
cleared, and the named case must fail at a reduced size (scale 0.2; 5 SE rules, so
a pass here would be a real miss). The fixture ``fresh_caches`` clears the caches
again afterwards, so later tests see the real code.
"""

from __future__ import annotations

import numpy as np
import pytest

from specbound.claims import run_case, select

SCALE = 0.2


def verdict(claim_id: str, label: str, scale: float = SCALE):
    """The verdict of the case ``label`` of the claim ``claim_id``."""
    (claim,) = [c for c in select(claim_id) if c.id == claim_id]
    (case,) = [k for k in claim.cases() if k.label == label]
    return run_case(claim, case, seed=0, scale=scale)


def _clear_caches() -> None:
    from specbound.claims import branching_walk, branching_walk_instances, branching_walk_optimum
    from specbound.claims import multidraft as md

    for fn in (
        branching_walk.text_weighted_moments,
        branching_walk_instances.recorded_tree,
        branching_walk_instances.exact_tree,
        branching_walk_optimum._optimum,
        md._importance,
        md._canonical,
    ):
        fn.cache_clear()


@pytest.fixture
def fresh_caches():
    _clear_caches()
    yield
    _clear_caches()


# ----------------------------------------------------------------------------- branching walk


def test_log2_in_the_entropy_moments_is_caught(monkeypatch, fresh_caches):
    from specbound.bounds.branching_walk import moments

    def log2_moments(p):
        with np.errstate(divide="ignore", invalid="ignore"):
            logp = np.where(p > 0, np.log2(np.where(p > 0, p, 1.0)), 0.0)
        plog = p * logp
        return -plog.sum(axis=1), (plog * logp).sum(axis=1), (p * p).sum(axis=1)

    assert verdict("bw.moments", "real text bigrams n=200, text positions mu").passed
    monkeypatch.setattr(moments, "_row_moments", log2_moments)
    _clear_caches()
    assert not verdict("bw.moments", "real text bigrams n=200, text positions mu").passed


def test_environment_laws_scaled_in_the_tree_builder_are_caught(monkeypatch, fresh_caches):
    from specbound.simulations.random_trees import reveal

    real = reveal._draw_weights

    def scaled_weights(law, rng, size):
        w, z = real(law, rng, size)
        return w * 0.95, z

    monkeypatch.setattr(reveal, "_draw_weights", scaled_weights)
    assert not verdict("bw.acceptance_identity", "Dir(0.5*1_10) env seed 1000 P=1000").passed
    assert not verdict("bw.x_opt_exact", "Dir(0.5*1_10) 20 fixed environments P=1000").passed


def test_a_drop_in_the_optimal_value_is_caught(monkeypatch, fresh_caches):
    from specbound.simulations.random_trees import RandomTree

    real = RandomTree.accepted_curve
    monkeypatch.setattr(RandomTree, "accepted_curve", lambda self: 0.84 * real(self))
    assert not verdict(
        "bw.x_opt_exact", "real text bigrams n=200 20 fixed environments P=1000"
    ).passed


# ----------------------------------------------------------------------------- multi-draft


def test_spectr_rho_fixed_at_one_is_caught(monkeypatch):
    from specbound.lp import baselines

    monkeypatch.setattr(baselines, "spectr_rho", lambda target, draft, k, iterations=200: 1.0)
    assert not verdict("md.acceptance", "SpecTr K-SEQ | n=1000 softmax K=4").passed


def test_square_root_importance_weights_are_caught(monkeypatch, fresh_caches):
    from specbound.claims import multidraft as md
    from specbound.lp import selection
    from specbound.lp.coupling import tuples
    from specbound.lp.optimum import validate_drafts

    def sqrt_rule(target, drafts):
        p, q = validate_drafts(target, drafts)
        k, n = q.shape
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.sqrt(np.where(q > 0, p[None, :] / q, 0.0))
        w = ratio[np.arange(k)[None, :], tuples(n, k)]
        total = w.sum(axis=1, keepdims=True)
        beta = np.divide(w, total, out=np.zeros_like(w), where=total > 0)
        beta[total[:, 0] == 0, 0] = 1.0
        return selection._rule(p, q, beta, "importance")

    monkeypatch.setattr(md, "importance_weighted_rule", sqrt_rule)
    _clear_caches()
    assert not verdict("md.acceptance", "importance weights | n=6 reference K=2").passed


# ----------------------------------------------------------------------------- exponential races


def test_an_ersd_verifier_that_ignores_the_race_is_caught(monkeypatch):
    from specbound.simulations.exponential_races import generate

    real = generate._verify

    def greedy(key, drafted):
        real_ids = [i for i, y in enumerate(drafted) if y >= 0]
        return (drafted[real_ids[0]], real_ids[0]) if real_ids else real(key, drafted)

    monkeypatch.setattr(generate, "_verify", greedy)
    assert not verdict("ersd.drafter_invariance", "example A vs reversed draft").passed


def test_specinfer_residuals_left_unnormalised_are_caught(monkeypatch):
    from specbound.lp import baselines

    def unnormalised(target, drafts):
        k, n = drafts.shape
        out = np.empty((k + 1, n))
        out[0] = target
        for j in range(k):
            out[j + 1] = np.maximum(out[j] - drafts[j], 0.0)
        return out

    monkeypatch.setattr(baselines, "specinfer_residuals", unnormalised)
    assert not verdict("md.acceptance", "SpecInfer | n=6 iid K=3").passed


# ----------------------------------------------------------------------------- draft trees


def test_a_scaled_tree_value_is_caught_on_a_positional_case(monkeypatch):
    from specbound.trees import DraftTree

    scaled_value = property(lambda self: 0.95 * float(self.path_probability.sum()))
    monkeypatch.setattr(DraftTree, "expected_accepted", scaled_value)
    assert not verdict("trees.acceptance_identity", "optimal k=64, ERSD 4-rank law").passed
    assert not verdict("trees.acceptance_identity", "random tree k=60, GSD vector A").passed
