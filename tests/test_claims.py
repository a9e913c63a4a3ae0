"""Run every registered claim, case by case, at full size; plus the registry machinery.

Each case's false-alarm rate is stated by its agreement rule (5 SE two-sided:
5.7e-7; chi-square: 1e-6); seeds are fixed, so the outcome is deterministic.
"""

import math

import pytest

from specbound.claims import (
    DISTRIBUTION,
    EQUAL,
    LOWER,
    UPPER,
    Case,
    Claim,
    all_claims,
    case_rng,
    format_table,
    run_case,
    run_claims,
    select,
)
from specbound.simulations.agreement import GofResult
from specbound.simulations.estimate import Estimate

CASES = [(claim, case) for claim in all_claims() for case in claim.cases()]


@pytest.mark.parametrize(("claim", "case"), CASES, ids=[f"{c.id}[{k.label}]" for c, k in CASES])
def test_claim_case(claim, case):
    verdict = run_case(claim, case, seed=0)
    assert verdict.passed, format_table([verdict])


def test_registry_is_well_formed():
    claims = all_claims()
    assert len({c.id for c in claims}) == len(claims)
    for c in claims:
        assert c.id and c.paper and c.statement
        labels = [k.label for k in c.cases()]
        assert labels and len(set(labels)) == len(labels), c.id


def test_agreement_rules_can_fail():
    est = Estimate(1.0, 0.1, 100)
    assert EQUAL.judge(1.4, est)[0] and not EQUAL.judge(1.6, est)[0]
    assert UPPER.judge(0.6, est)[0] and not UPPER.judge(0.4, est)[0]
    assert LOWER.judge(1.4, est)[0] and not LOWER.judge(1.6, est)[0]
    assert DISTRIBUTION.judge(math.nan, GofResult(1.0, 1, 0.5, 10, 2))[0]
    assert not DISTRIBUTION.judge(math.nan, GofResult(40.0, 1, 1e-9, 10, 2))[0]
    with pytest.raises(TypeError):
        EQUAL.judge(1.0, GofResult(1.0, 1, 0.5, 10, 2))


def test_a_wrong_exact_value_fails_its_claim():
    """The registry catches a wrong formula: acceptance claimed to be 1 - TV/2."""
    from specbound.claims.speculative import CLAIMS

    real = next(c for c in CLAIMS if c.id == "sd.acceptance")
    case = next(k for k in real.cases() if k.label == "n=3 reference")
    wrong = Claim("x", "p", "s", EQUAL, lambda: [Case("c", lambda: 0.85, case.simulate)])
    assert not run_case(wrong, wrong.cases()[0]).passed


def test_seeding_is_per_case_and_reproducible():
    a = case_rng(0, "sd.acceptance", "x").random()
    assert a == case_rng(0, "sd.acceptance", "x").random()
    assert a != case_rng(0, "sd.acceptance", "y").random()
    assert a != case_rng(1, "sd.acceptance", "x").random()
    v1 = run_claims(select("sd.acceptance"), seed=3, scale=0.05, progress=False)
    v2 = run_claims(select("sd.acceptance"), seed=3, scale=0.05, progress=False)
    assert [v.simulated for v in v1] == [v.simulated for v in v2]


def test_cases_naming_one_stream_share_their_draws():
    """bw.doubling and bw.doubling_lower simulate the same environments (one stream)."""
    upper, lower = select("bw.doubling")
    a, b = upper.cases()[0], lower.cases()[0]
    assert a.label == b.label and a.stream and a.stream == b.stream
    va, vb = run_case(upper, a, seed=5, scale=0.01), run_case(lower, b, seed=5, scale=0.01)
    assert (va.simulated, va.se, va.n) == (vb.simulated, vb.se, vb.n)
    assert va.exact > vb.exact  # the two sides of the band


def test_parallel_run_matches_serial():
    claims = select("sd.acceptance")
    serial = run_claims(claims, seed=1, scale=0.02, jobs=1, progress=False)
    parallel = run_claims(claims, seed=1, scale=0.02, jobs=2, progress=False)
    assert [v.simulated for v in serial] == [v.simulated for v in parallel]


def test_select_unknown_prefix():
    with pytest.raises(ValueError, match="claim: no claim id starts with 'nope'"):
        select("nope")


def test_tables_render():
    verdicts = run_claims(select("sd."), scale=0.01, progress=False)
    text = format_table(verdicts)
    md = format_table(verdicts, markdown=True)
    assert "PASS" in text and md.startswith("| claim |")
    assert md.count("\n") == len(verdicts) + 1
