"""audit_sampler: flags biased rules and rules claiming more than 1 - TV.

Thresholds: chi-square p >= 1e-6, 5 SE (false alarms 1e-6, 2.9e-7); fixed seeds.
"""

import numpy as np
import pytest

from specbound.errors import InvalidArgumentError
from specbound.simulations.audit import audit_sampler
from specbound.simulations.sampling import sample_categorical
from specbound.simulations.speculative import speculative_step

P = np.array([0.5, 0.3, 0.2])
Q = np.array([0.2, 0.3, 0.5])


def naive_resample(target, draft, size, rng):
    """Biased: on rejection, draw from the target instead of the residual."""
    x = sample_categorical(draft, size, rng)
    acc = rng.random(size) * draft[x] < target[x]
    x[~acc] = sample_categorical(target, int((~acc).sum()), rng)
    return x, acc


def always_accept(target, draft, size, rng):
    x = sample_categorical(draft, size, rng)
    return x, np.ones(size, dtype=bool)


def independent_resampling(target, draft, size, rng):
    """Unbiased but wasteful: accept X iff an independent Y ~ target equals it."""
    x = sample_categorical(draft, size, rng)
    y = sample_categorical(target, size, rng)
    return y, x == y


def test_speculative_sampling_passes():
    r = audit_sampler(speculative_step, P, Q, rng=1)
    assert r.unbiased and r.within_optimum
    assert abs(r.efficiency - 1) < 0.02
    assert "unbiased" in str(r)


def test_biased_rules_are_flagged():
    assert not audit_sampler(naive_resample, P, Q, rng=2).unbiased
    r = audit_sampler(always_accept, P, Q, rng=3)
    assert not r.unbiased and not r.within_optimum


def test_wasteful_unbiased_rule_has_low_efficiency():
    r = audit_sampler(independent_resampling, P, Q, rng=4)
    assert r.unbiased and r.within_optimum
    # exact acceptance sum p q = 0.29, optimum 0.7
    assert abs(r.acceptance.z(float(P @ Q))) <= 5


def test_bad_sampler_output():
    with pytest.raises(InvalidArgumentError, match=r"^sampler: must return two arrays"):
        audit_sampler(lambda p, q, m, rng: (np.zeros(3, int), np.ones(3, bool)), P, Q, 10)
    with pytest.raises(InvalidArgumentError, match=r"^sampler: returned tokens outside"):
        audit_sampler(lambda p, q, m, rng: (np.full(m, 7), np.ones(m, bool)), P, Q, 10)
    with pytest.raises(InvalidArgumentError, match=r"^draft: vocabulary size"):
        audit_sampler(speculative_step, P, [0.5, 0.5], 10)
