"""Injected bugs (mutants) that the registry must catch: the fast subset of the catalogue.

Every mutant of :mod:`specbound.mutants.catalogue` with a ``kills`` entry is applied in
memory (no file edits; caches cleared around it) and the named case must fail at a
reduced size (scale 0.2; 5 SE rules, so a pass here would be a real miss), while the
real code passes the same case. Issue 13's audit bugs are among them: ln replaced by
log2 in the entropy moments, random-environment laws scaled by 0.95 inside the tree
builder, SpecTr's rho fixed at 1, importance weights sqrt(p/q), a chi-square statistic
without its largest bin, a 16% drop in E[X_opt], a SpecTr residual clipped instead of
exact. ``make mutants`` runs every claim against every mutant (results/mutants.md).
"""

from __future__ import annotations

import pytest

from specbound.claims import run_case, select
from specbound.mutants import clear_caches, mutated
from specbound.mutants.catalogue import MUTANTS

SCALE = 0.2

FAST = [(m, claim_id, label) for m in MUTANTS for claim_id, label in m.kills]


def verdict(claim_id: str, label: str, scale: float = SCALE):
    """The verdict of the case ``label`` of the claim ``claim_id``."""
    (claim,) = [c for c in select(claim_id) if c.id == claim_id]
    (case,) = [k for k in claim.cases() if k.label == label]
    return run_case(claim, case, seed=0, scale=scale)


@pytest.fixture
def fresh_caches():
    """Clear every cache before and after: no value computed by a mutant leaks out."""
    clear_caches()
    yield
    clear_caches()


def test_the_fast_subset_covers_the_audit_bugs():
    names = {m.name for m, _, _ in FAST}
    assert len(FAST) >= 12
    assert {
        "moments-log2",
        "environment-laws-scaled",
        "spectr-rho-one",
        "importance-sqrt",
    } <= names
    assert {"chisquare-drops-largest-bin", "x-opt-drop-16pc", "residual-clipped"} <= names


@pytest.mark.parametrize(
    ("mutant", "claim_id", "label"), FAST, ids=[f"{m.name}-{c}" for m, c, _ in FAST]
)
def test_the_mutant_is_caught(mutant, claim_id, label, fresh_caches):
    assert verdict(claim_id, label).passed
    with mutated(mutant):
        try:
            caught = not verdict(claim_id, label).passed
        except Exception:
            caught = True
    assert caught, f"{mutant.name} not caught by {claim_id} / {label}"
