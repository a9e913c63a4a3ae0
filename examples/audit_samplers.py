"""Three single-draft samplers for ``specbound audit``: one correct, two with real bugs.

Each takes the target law p, the draft law q (1-D numpy arrays), the number of
independent trials and a numpy Generator, and returns the emitted tokens and
whether the draft token was accepted::

    specbound audit examples/audit_samplers.py:speculative        # valid, exit 0
    specbound audit examples/audit_samplers.py:resample_target    # biased, exit 1
    specbound audit examples/audit_samplers.py:topk_draft         # biased, exit 1
"""

import numpy as np


def _draw(law, size, rng):
    cdf = np.cumsum(law)
    return np.searchsorted(cdf, rng.random(size) * cdf[-1], side="right")


def _verify(target, draft, x, rng):
    """Accept x with probability min(1, p/q); replace the rejected by draws of (p - q)_+."""
    accepted = rng.random(x.size) * draft[x] < target[x]
    residual = np.maximum(target - draft, 0.0)
    rejected = np.flatnonzero(~accepted)
    if rejected.size and residual.sum() > 0:
        x[rejected] = _draw(residual, rejected.size, rng)
    return x, accepted


def speculative(target, draft, size, rng):
    """Speculative sampling (Leviathan et al. 2023): lossless."""
    return _verify(target, draft, _draw(draft, size, rng), rng)


def resample_target(target, draft, size, rng):
    """Bug: after a rejection, sample the target instead of the residual (p - q)_+."""
    x = _draw(draft, size, rng)
    accepted = rng.random(size) * draft[x] < target[x]
    rejected = np.flatnonzero(~accepted)
    x[rejected] = _draw(target, rejected.size, rng)
    return x, accepted


def topk_draft(target, draft, size, rng, k=5):
    """Bug: the draft token is sampled after top-k, but the raw q enters the ratio."""
    kept = np.where(draft >= np.sort(draft)[-min(k, draft.size)], draft, 0.0)
    return _verify(target, draft, _draw(kept / kept.sum(), size, rng), rng)
