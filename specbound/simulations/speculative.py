"""Single-draft speculative sampling, vectorised over independent trials.

The algorithm of Leviathan, Kalman & Matias (arXiv 2211.17192) and Chen et al.
(arXiv 2302.01318): draw X ~ draft; accept it with probability
min(1, target(X) / draft(X)); otherwise output a token of the residual law
(target - draft)_+ / TV(target, draft). The output is distributed exactly as
``target`` and P(accept) = sum_x min(target(x), draft(x)) = 1 - TV.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from specbound.distributions import (
    RngLike,
    as_distribution,
    as_rng,
    check_int,
    check_same_size,
)
from specbound.simulations.sampling import sample_categorical


def speculative_step(
    target: np.ndarray, draft: np.ndarray, size: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Kernel of :func:`speculative_sampling` on validated laws (no checks).

    Cost O(n + size log n): one draft sample, one uniform per trial, and residual
    samples only for the rejected trials.
    """
    x = sample_categorical(draft, size, rng)
    accepted = rng.random(size) * draft[x] < target[x]
    rejected = np.flatnonzero(~accepted)
    if rejected.size:
        residual = np.maximum(target - draft, 0.0)
        if residual.sum() <= 0.0:
            # rounding made target < draft somewhere without any positive excess;
            # the exact residual is then the target itself (an event of probability ~1e-16)
            residual = target
        x[rejected] = sample_categorical(residual, rejected.size, rng)
    return x, accepted


def speculative_sampling(
    target: ArrayLike, draft: ArrayLike, size: int, rng: RngLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """Run ``size`` independent trials of single-draft speculative sampling.

    Parameters
    ----------
    target : (n,) array-like
        The large model's next-token law p.
    draft : (n,) array-like
        The small model's next-token law q.
    size : int
        Number of independent trials (>= 1).
    rng : Generator or int seed, optional
        Randomness; same seed, same output.

    Returns
    -------
    tokens : (size,) int64 ndarray
        Output tokens, distributed exactly as ``target``.
    accepted : (size,) bool ndarray
        Whether the draft token was accepted; P(accepted) = 1 - TV(target, draft).

    Raises
    ------
    InvalidArgumentError
        For invalid laws (see :func:`~specbound.distributions.as_distribution`),
        different vocabulary sizes, or ``size`` < 1.

    Notes
    -----
    Leviathan et al. (2023), Chen et al. (2023). Accept iff U * q(X) < p(X) with
    U ~ Uniform[0, 1), i.e. with probability min(1, p(X)/q(X)).

    Examples
    --------
    >>> tokens, accepted = speculative_sampling([0.5, 0.5], [0.9, 0.1], 100_000, rng=0)
    >>> round(float(accepted.mean()), 2)  # 1 - TV = 0.6
    0.6
    """
    p = as_distribution(target, "target")
    q = as_distribution(draft, "draft")
    check_same_size(p, q, "target", "draft")
    size = check_int(size, "size", 1)
    return speculative_step(p, q, size, as_rng(rng))
