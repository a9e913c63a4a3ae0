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
    check_removed,
    check_same_size,
)
from specbound.limits import check_allocation
from specbound.simulations.sampling import sample_categorical


def residual_law(target: np.ndarray, law: np.ndarray) -> np.ndarray:
    """Unnormalised residual (target - law)_+ along the last axis.

    Parameters
    ----------
    target : (..., n) ndarray
        Target law(s) p, one per row.
    law : (..., n) ndarray
        What was offered (the draft law q, or a scaled part of it), broadcast to ``target``.

    Returns
    -------
    (..., n) ndarray
        (p - law)_+ (the positive part is the definition, not a repair), except for rows
        without positive excess, which are p itself: there a rejection only happens by
        rounding (an event of probability ~1e-16) and the exact residual is p.

    Raises
    ------
    RepairError
        If a row without positive excess has law - p of mass above 1e-12: then the
        fallback to p would hide a law that is not a law (e.g. a wrong SpecTr scale).
        For a residual that must be non-negative as a whole, use :func:`exact_residual`.
    """
    excess = np.maximum(target - law, 0.0)
    empty = excess.sum(axis=-1) <= 0.0
    if np.any(empty):
        gap = np.broadcast_to(law - target, excess.shape)[empty]
        check_removed(gap.sum(axis=-1), "residual_law (row without positive excess)")
    return np.where(empty[..., None], target, excess)


def next_residuals(r: np.ndarray, q: np.ndarray, where: str) -> np.ndarray:
    """Rows norm((r - q)^+): the next law of recursive rejection after a rejection.

    A row without positive excess (a rejection there had probability ~0, r = q up to
    rounding) keeps r; :class:`~specbound.errors.RepairError` naming ``where`` if such
    a row has sum |r - q| above 1e-12 (the fallback would then hide a real difference).
    """
    excess = np.maximum(r - q, 0.0)
    mass = excess.sum(axis=-1, keepdims=True)
    empty = mass[..., 0] <= 0.0
    if np.any(empty):
        gap = np.abs(np.broadcast_to(r - q, excess.shape)[empty]).sum(axis=-1)
        check_removed(gap, f"{where} (rejected with no residual mass)")
    return np.where(mass > 0, excess / np.where(mass > 0, mass, 1.0), r)


def exact_residual(target: np.ndarray, part: np.ndarray, where: str) -> np.ndarray:
    """p - ``part``, a residual that must be non-negative (e.g. SpecTr's); rounding clipped.

    Raises :class:`~specbound.errors.RepairError` naming ``where`` if a negative entry
    is below -1e-12 (the scheme's parameters are wrong: clipping would bias the output).
    """
    res = target - part
    check_removed(-res, f"{where} (negative residual)")
    return np.maximum(res, 0.0)


def verify(
    target: np.ndarray, law: np.ndarray, tokens: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Speculative-sampling verification of ``tokens`` ~ ``law`` against ``target``.

    Accept X with probability min(1, p(X) / law(X)) (as U law(X) < p(X)); replace a
    rejected token by a draw from (p - law)^+ normalised (:func:`residual_law`). Output
    law p whenever ``tokens`` are i.i.d. from ``law``. One uniform per token, residual
    samples only for the rejected ones.

    Returns
    -------
    tokens : (size,) int64 ndarray
        The output tokens (a new array).
    accepted : (size,) bool ndarray
        Whether each offered token was accepted.
    """
    accepted = rng.random(tokens.size) * law[tokens] < target[tokens]
    out = tokens.copy()
    rejected = np.flatnonzero(~accepted)
    if rejected.size:
        out[rejected] = sample_categorical(residual_law(target, law), rejected.size, rng)
    return out, accepted


def speculative_step(
    target: np.ndarray, draft: np.ndarray, size: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Kernel of :func:`speculative_sampling` on validated laws (no checks).

    Cost O(n + size log n): one draft sample per trial, then :func:`verify`.
    """
    return verify(target, draft, sample_categorical(draft, size, rng), rng)


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
    ResourceLimitError
        ``size`` beyond the memory limit (about 40 bytes per trial; the outputs alone
        take 9 bytes per trial, so the work is refused rather than chunked).

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
    check_allocation("size", size, np.int64, copies=5, what="trials")
    return speculative_step(p, q, size, as_rng(rng))
