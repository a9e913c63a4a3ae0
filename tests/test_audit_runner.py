"""The audit runner: bad sampler output, one-trial-per-call samplers, power, Holm, reports."""

import json
import math

import numpy as np
import pytest

from specbound.errors import InvalidArgumentError
from specbound.simulations.audit import audit, battery
from specbound.simulations.audit.power import (
    detectable_tv,
    holm,
    power_against,
    trials_for_power,
)
from specbound.simulations.speculative import speculative_step

CASES = battery("single")[:3]


def fails_on_n64(target, draft, size, rng):
    if target.size == 64:
        raise RuntimeError("kernel crashed")
    return speculative_step(target, draft, size, rng)


@pytest.mark.parametrize(
    ("sampler", "message"),
    [
        (lambda p, q, m, rng: (np.zeros(3, int), np.ones(3, bool)), "tokens of shape (3,)"),
        (lambda p, q, m, rng: (np.full(m, p.size), np.ones(m, bool)), "tokens outside 0.."),
        (lambda p, q, m, rng: (np.zeros(m), np.ones(m, bool)), "tokens of dtype float64"),
        (lambda p, q, m, rng: (np.zeros(m, int), np.ones(m, int)), "accepted of dtype int64"),
        (lambda p, q, m, rng: (np.zeros(m, int), np.ones(m + 1, bool)), "accepted of shape"),
        (lambda p, q, m, rng: np.zeros(m, int), "expected a pair of arrays"),
        (lambda p, q, m, rng: 1 / 0, "raised ZeroDivisionError"),
    ],
)
def test_bad_output_is_reported_per_case_and_the_audit_goes_on(sampler, message):
    result = audit(sampler, "single", CASES, trials=1_000, progress=False)
    assert result.verdict == "error" and not result.passed
    for case in result.cases:
        assert case.failed and message in case.verdict, case.verdict
    assert "3 failed" in result.format_table()


def test_a_failing_case_does_not_stop_the_others():
    result = audit(fails_on_n64, "single", CASES, trials=2_000, rng=0, progress=False)
    verdicts = [c.verdict for c in result.cases]
    assert verdicts[2] == "error: raised RuntimeError: kernel crashed"  # disjoint supports, n = 64
    assert all(v.startswith("valid") for v in verdicts[:2])
    assert result.verdict == "error"


def test_chain_output_checks():
    cases = battery("chain")[:1]
    bad_pad = lambda P, Q, s, g, m, rng: (np.tile([0, -1, 1, -1], (m, 1)), np.zeros(m, int))  # noqa: E731
    result = audit(bad_pad, "chain", cases, trials=100, progress=False)
    assert "tokens after its -1 padding" in result.cases[0].verdict
    empty = lambda P, Q, s, g, m, rng: (np.full((m, g + 1), -1), np.zeros(m, int))  # noqa: E731
    assert "no emitted token" in audit(empty, "chain", cases, trials=100).cases[0].verdict
    counts = lambda P, Q, s, g, m, rng: (np.zeros((m, g + 1), int), np.zeros(m, int))  # noqa: E731
    assert "inconsistent" in audit(counts, "chain", cases, trials=100).cases[0].verdict


def test_one_trial_per_call_sampler_is_looped_and_costed():
    def one(target, draft, rng):
        tokens, accepted = speculative_step(target, draft, 1, rng)
        return tokens[0], accepted[0]

    result = audit(one, "single", CASES, trials=3_000, rng=4, progress=False)
    assert result.per_trial and result.passed
    text = result.format_table()
    assert "one trial per call in a Python loop" in text and "µs per trial" in text


def test_default_trials_of_a_looped_sampler_are_smaller():
    from specbound.simulations.audit.runner import DEFAULT_TRIALS, DEFAULT_TRIALS_LOOPED

    assert DEFAULT_TRIALS_LOOPED < DEFAULT_TRIALS


def test_power_line_and_false_alarm_line_are_stated():
    result = audit(speculative_step, "single", CASES, trials=10_000, rng=5, progress=False)
    text = result.format_table()
    assert "<= 0.0001 over the whole battery (Holm over 6 tests" in text
    assert "with probability 0.99" in text
    for case in result.cases:
        assert 0 < case.detectable_tv < 1


def test_power_chooses_the_trials():
    result = audit(speculative_step, "single", CASES, power=0.05, rng=6, progress=False)
    assert all(c.detectable_tv <= 0.05 for c in result.cases)
    fewer = int(0.98 * trials_for_power(0.05, [c.law for c in CASES], 1e-4 / 6))
    assert any(detectable_tv(c.law, fewer, 1e-4 / 6) > 0.05 for c in CASES)
    with pytest.raises(InvalidArgumentError, match=r"^power: give either"):
        audit(speculative_step, "single", CASES, trials=10, power=0.1)
    with pytest.raises(InvalidArgumentError, match=r"^power: detecting TV"):
        audit(speculative_step, "single", CASES, power=1e-6)
    with pytest.raises(InvalidArgumentError, match=r"^power: the total variation"):
        audit(speculative_step, "single", CASES, power=0.0)


def test_detectable_tv_formula():
    """Many counts per bin: the textbook noncentral chi-square value (dof 1: lambda =
    (z_(level/2) + z_0.99)^2 up to the far tail); one bin: 1 - 0.01^(1/N); nothing for n = 1."""
    from statistics import NormalDist

    nd = NormalDist()
    level, n = 1e-4, 1_000_000
    lam = (nd.inv_cdf(1 - level / 2) + nd.inv_cdf(0.99)) ** 2
    two = detectable_tv(np.full(2, 0.5), n, level)
    assert two == pytest.approx(math.sqrt(lam / (4 * n)), rel=0.05)
    one_hot = np.zeros(5)
    one_hot[2] = 1.0
    assert detectable_tv(one_hot, n, level) == pytest.approx(1 - 0.01 ** (1 / n))
    assert math.isnan(detectable_tv(np.ones(1), n, level))
    ten, hundred = (detectable_tv(np.full(b, 1.0 / b), n, level) for b in (10, 100))
    assert hundred > ten > two


def test_power_against_a_given_law():
    p = np.full(10, 0.1)
    assert power_against(p, p, 10_000, 1e-4) < 1e-3
    biased = p * np.where(np.arange(10) < 5, 1.2, 0.8)  # TV 0.1
    assert power_against(biased, p, 10_000, 1e-4) > 0.99
    leaked = np.append(p * 0.999, 0.001)
    assert power_against(leaked, np.append(p, 0.0), 10_000, 1e-4) > 0.99  # impossible token


def test_holm():
    assert holm([0.01, 0.04, 0.03], 0.05) == [True, False, False]
    assert holm([0.01, 0.02, 0.03], 0.09) == [True, True, True]
    assert holm([0.5, 1e-9], 1e-4) == [False, True]


def test_json_report_and_reproducibility():
    a = audit(speculative_step, "single", CASES, trials=5_000, rng=7, progress=False)
    b = audit(speculative_step, "single", CASES, trials=5_000, rng=7, progress=False)

    def timeless(result):
        return [{k: v for k, v in c.items() if "seconds" not in k} for c in result["cases"]]

    assert timeless(a.to_dict()) == timeless(b.to_dict())
    data = json.loads(json.dumps(a.to_dict()))
    assert data["verdict"] == "valid" and data["correction"] == "Holm"
    assert len(data["cases"]) == 3 and data["cases"][0]["measured"]["n"] == 5_000


def test_bad_arguments():
    with pytest.raises(InvalidArgumentError, match=r"^kind:"):
        audit(speculative_step, "beam")
    with pytest.raises(InvalidArgumentError, match=r"^sampler:"):
        audit(42)
    with pytest.raises(InvalidArgumentError, match=r"^trials:"):
        audit(speculative_step, "single", CASES, trials=1)
    with pytest.raises(InvalidArgumentError, match=r"^trials: at most"):
        audit(speculative_step, "single", CASES, trials=10**12)
    with pytest.raises(InvalidArgumentError, match=r"^target_kernel: n"):
        battery("chain", pairs=[(np.eye(50), np.eye(50))])
    with pytest.raises(InvalidArgumentError, match=r"^parent:"):
        battery("tree", parent=[0, 1])


def test_a_sampler_writing_into_its_inputs_cannot_corrupt_the_case():
    def vandal(target, draft, size, rng):
        out = speculative_step(target, draft, size, rng)
        target[:] = 1.0 / target.size
        return out

    result = audit(vandal, "single", CASES, trials=20_000, rng=8, progress=False)
    assert result.passed, result.format_table()
