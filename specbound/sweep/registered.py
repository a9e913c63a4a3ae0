"""Registered claims as sweep quantities.

A claim's cases are fixed instances (laws chosen with the paper in mind), so a
claim sweeps over its cases (``case``, default every case), the Monte Carlo scale
(``scale``, 1 = the registry's full size) and ``replicate``; each point runs the
case exactly as ``specbound check`` does (:func:`specbound.claims.run_case`) with
a seed derived from the point, and is judged by the claim's own agreement rule
(the config's ``sigmas`` does not apply).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from specbound.claims import Case, Claim, all_claims, run_case
from specbound.sweep.quantities import REPLICATE, Outcome, Param, Quantity


def _runner(claim_id: str):
    def run(params: dict[str, Any], rng: np.random.Generator, sigmas: float) -> Outcome:
        claim, case = _claim_case(claim_id, params["case"])
        seed = int(rng.integers(0, 2**63))
        v = run_case(claim, case, seed=seed, scale=params["scale"])
        verdict = "PASS" if v.passed else "FAIL"
        return Outcome(v.exact, v.simulated, v.se, v.statistic, verdict, v.n)

    return run


def claim_quantity(claim: Claim) -> Quantity:
    """The sweep quantity running the cases of ``claim``."""
    labels = tuple(dict.fromkeys(c.label for c in claim.cases()))
    params = (
        Param("case", str, labels, "case label (default: every case)", choices=labels),
        Param("scale", float, 1.0, "Monte Carlo size relative to the registry's", 1e-3, 1e3),
        REPLICATE,
    )
    return Quantity(
        claim.id, f"claim [{claim.paper}] {claim.statement}", params, _runner(claim.id)
    )


def claim_quantities() -> list[Quantity]:
    """One quantity per registered claim, in registry order."""
    return [claim_quantity(c) for c in all_claims()]


def find_claim_quantity(name: str) -> Quantity | None:
    """The quantity of the claim with id ``name``, or None."""
    for c in all_claims():
        if c.id == name:
            return claim_quantity(c)
    return None


@cache
def _claim_case(claim_id: str, label: str) -> tuple[Claim, Case]:
    (claim,) = [c for c in all_claims() if c.id == claim_id]
    (case,) = [c for c in claim.cases() if c.label == label]
    return claim, case
