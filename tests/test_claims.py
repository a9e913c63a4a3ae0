"""Run every registered claim, case by case, at full size; plus the registry machinery.

Each case's false-alarm rate is stated by its agreement rule (5 SE two-sided:
5.7e-7; chi-square: 1e-6); seeds are fixed, so the outcome is deterministic.
"""

import math

import numpy as np
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


def test_deterministic_rules_compare_numbers_directly():
    from specbound.claims import EXACT_LOWER, EXACT_UPPER, EXACT_ZERO

    assert EXACT_ZERO.judge(0.0, Estimate(0.0, 0.0, 5000)) == (True, 0.0)
    assert not EXACT_ZERO.judge(0.0, Estimate(1.0, 0.0, 5000))[0]  # one mismatch in 5000
    assert EXACT_UPPER.judge(2.0, Estimate(1.9, 0.0, 1))[0]
    assert not EXACT_UPPER.judge(2.0, Estimate(2.01, 0.0, 1))[0]
    assert EXACT_LOWER.judge(2.0, Estimate(2.01, 0.0, 1))[0]
    assert not EXACT_LOWER.judge(2.0, Estimate(1.9, 0.0, 1))[0]


def test_means_over_few_environments_use_student_t_thresholds():
    """t_dof.isf(Phi(-5)): the stated 5 SE false-alarm rate holds for 19 and 9 df."""
    from scipy import stats

    from specbound.claims import threshold
    from specbound.simulations.estimate import from_environments

    for dof in (9, 19):
        want = stats.t.isf(stats.norm.sf(5.0), dof)
        assert threshold(5.0, dof) == pytest.approx(want, rel=1e-9)
    assert threshold(5.0, None) == 5.0
    est = from_environments(np.array([1.0, 2.0, 3.0, 4.0] * 5))
    assert est.dof == 19
    z = 6.5  # beyond 5 SE, within the t threshold (7.35 at 19 df)
    assert EQUAL.judge(est.mean - z * est.se, est)[0]
    assert not EQUAL.judge(est.mean - z * est.se, Estimate(est.mean, est.se, est.n))[0]


def test_bound_cases_show_their_slack_and_are_counted_apart():
    from specbound.claims import format_counts

    tight = Claim(
        "t", "p", "s", EQUAL, lambda: [Case("c", lambda: 1.0, lambda g, s: Estimate(1.0, 0.1, 9))]
    )
    bound = Claim(
        "b", "p", "s", UPPER, lambda: [Case("c", lambda: 2.0, lambda g, s: Estimate(1.0, 0.1, 9))]
    )
    v_tight = run_case(tight, tight.cases()[0])
    v_bound = run_case(bound, bound.cases()[0])
    assert v_bound.slack() == pytest.approx((10.0, 0.5))
    assert "10.0 SE, 50.00%" in format_table([v_tight, v_bound])
    assert v_tight.slack_text() == ""
    assert format_counts([v_tight, v_bound], 2) == (
        "2/2 cases passed (2 claims: 1 tight checks, 1 bound cases)"
    )


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
