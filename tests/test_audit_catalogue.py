"""The audit against its catalogue: every bug caught, every correct scheme passes.

Statistical thresholds: the audit's own (family-wise false alarm 1e-4 per audit,
Holm); seeds fixed. "Caught at the default trials" is proven exactly: the audit's
power against each bug's exact output law (noncentral chi-square over the merged
bins, or mass on impossible outcomes) is >= 0.99 on some case of the battery.
"""

import numpy as np
import pytest

from specbound.simulations.audit import audit, battery, catalogue, correct_samplers
from specbound.simulations.audit.battery import exact_on_case
from specbound.simulations.audit.kinds import KINDS
from specbound.simulations.audit.power import power_against
from specbound.simulations.audit.rules import CORRECT, bugs_for
from specbound.simulations.audit.runner import DEFAULT_TRIALS

KIND_NAMES = list(KINDS)


def exact_law(rule, kind, case):
    return exact_on_case(rule, kind, case).law


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_exact_law_of_the_correct_rule_is_the_target_law(kind):
    for case in battery(kind):
        np.testing.assert_allclose(exact_law(CORRECT, kind, case), case.law, atol=1e-12)


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_every_biased_bug_is_caught_at_the_default_trials(kind):
    cases = battery(kind)
    level = 1e-4 / (len(cases) * (2 if KINDS[kind].upper_bound else 1))
    for bug in bugs_for(kind):
        power = max(
            power_against(exact_law(bug.rule, kind, c), c.law, DEFAULT_TRIALS, level)
            for c in cases
        )
        if bug.valid:
            assert power < 1e-3, bug.name  # its law is the target's: nothing to catch
        else:
            assert power >= 0.99, (bug.name, power)


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_correct_samplers_pass(kind):
    for name, sampler in correct_samplers(kind).items():
        result = audit(sampler, kind, trials=10_000, rng=1, progress=False, name=name)
        assert result.passed, result.format_table()


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_catalogue_bugs_are_flagged(kind):
    """At 10^4 trials every bug but bf16 rounding is caught (its exact power is 1 there)."""
    for name, sampler in catalogue(kind).items():
        if name == "bf16_draft_logits":
            continue
        result = audit(sampler, kind, trials=10_000, rng=2, progress=False, name=name)
        if name in ("target_draw_on_equality", "bonus_missing"):
            assert result.passed, result.format_table()
            assert any("below" in c.verdict for c in result.cases), name
        else:
            assert result.verdict == "biased", result.format_table()


def test_bf16_rounding_is_caught_on_its_revealing_case_at_default_trials():
    cases = [c for c in battery("single") if c.label == "softmax n = 1000"]
    result = audit(
        catalogue("single")["bf16_draft_logits"], "single", cases, rng=3, progress=False
    )
    assert result.verdict == "biased"
    assert result.trials == DEFAULT_TRIALS


def test_equality_rule_reports_its_loss_against_the_optimum():
    case = battery("single")[0]  # reference n = 3: sum p q = 0.29, optimum 0.7
    result = audit(catalogue("single")["target_draw_on_equality"], "single", [case], trials=40_000)
    (row,) = result.cases
    assert row.verdict.startswith("valid,") and "below optimal" in row.verdict
    assert abs(row.measured.z(0.29)) <= 5
    assert float(row.verdict.split()[1].rstrip("%")) == pytest.approx(
        100 * (1 - 0.29 / 0.7), abs=3
    )
