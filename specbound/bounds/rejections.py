"""Rejections of speculative decoding along a Markov model (Yin, Chen, Huang, Wang, NeurIPS 2024).

Paper: "A Theoretical Perspective for Speculative Decoding Algorithm",
arXiv 2411.00841. Project letters: target = p, draft = q (the paper swaps them).
The one-step formulas (TV, acceptance probability, tokens per step of a chain) are
in :mod:`specbound.bounds.acceptance` and re-exported here.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from specbound.bounds.acceptance import acceptance_probability as acceptance_probability
from specbound.bounds.acceptance import expected_tokens_per_step as expected_tokens_per_step
from specbound.bounds.acceptance import total_variation as total_variation
from specbound.bounds.rejection_kernels import (
    STOP_TOLERANCE as STOP_TOLERANCE,
)
from specbound.bounds.rejection_kernels import (
    rejections_and_calls_kernel,
    rejections_kernel,
    row_total_variation,
)
from specbound.distributions import as_kernel, check_int
from specbound.errors import InvalidArgumentError

# ----------------------------------------------------------------------------- Markov models


def _check_pair(target_kernel: ArrayLike, draft_kernel: ArrayLike) -> tuple[np.ndarray, ...]:
    p = as_kernel(target_kernel, "target_kernel")
    q = as_kernel(draft_kernel, "draft_kernel")
    if p.shape != q.shape:
        raise InvalidArgumentError(
            f"draft_kernel: shape {q.shape} differs from target_kernel's {p.shape}"
        )
    return p, q


def _check_start(start: int, n: int) -> int:
    start = check_int(start, "start", 0)
    if start >= n:
        raise InvalidArgumentError(f"start: must lie in 0..{n - 1}, got {start}")
    return start


def expected_rejections(
    target_kernel: ArrayLike, draft_kernel: ArrayLike, start: int, horizon: int
) -> float:
    """Exact expected number of rejections of speculative decoding along a Markov model.

    .. math:: E[N_{rej}] = \\sum_{t=1}^{H} E_{X_{<t} \\sim p}
              \\big[\\mathrm{TV}(P[X_{t-1}], Q[X_{t-1}])\\big]
              = \\sum_{t=1}^{H} \\mu_{t-1} \\cdot \\tau,
              \\quad \\mu_0 = \\delta_s,\\ \\mu_t = \\mu_{t-1} P

    Yin et al. (arXiv 2411.00841), Thm 1: the draft proposes every position
    (drafting to the end, gamma >= H) and each position is rejected with
    probability TV given a target-distributed prefix. Cost O(H n^2) (one
    vector-matrix product per step; once the state law has converged the remaining
    terms are summed in one step, with a rigorous error bound kept below 1e-12 of
    the result, so mixing chains cost far fewer steps); unit: rejections (a count).

    Parameters
    ----------
    target_kernel, draft_kernel : (n, n) array-like
        Row-stochastic next-token matrices P (target) and Q (draft); row i is the
        law of X_t given X_{t-1} = i.
    start : int
        The start token X_0 (not emitted), in 0..n-1.
    horizon : int >= 1
        Number of emitted tokens H.

    Returns
    -------
    float
        E[N_rej] in [0, H].

    Raises
    ------
    InvalidArgumentError
        Non-stochastic or non-square kernels, mismatched shapes, ``start`` out of
        range, ``horizon`` < 1.

    See Also
    --------
    expected_rejections_and_calls : finite drafting length gamma, and E[calls].
    expected_rejections_bruteforce : the same by enumerating every prefix.

    Examples
    --------
    >>> P = [[0.5, 0.5], [0.5, 0.5]]
    >>> Q = [[0.9, 0.1], [0.5, 0.5]]
    >>> expected_rejections(P, Q, start=0, horizon=3)  # 0.4 + 0.2 + 0.2
    0.8
    """
    p, q = _check_pair(target_kernel, draft_kernel)
    start = _check_start(start, p.shape[0])
    horizon = check_int(horizon, "horizon", 1)
    rej, _ = rejections_kernel(p, q, start, horizon)
    return float(rej)


def expected_rejections_bruteforce(
    target_kernel: ArrayLike, draft_kernel: ArrayLike, start: int, horizon: int
) -> float:
    """E[N_rej] by enumerating all n^(H-1) target prefixes (tiny cases; a cross-check).

    .. math:: \\sum_{t=1}^{H} \\sum_{x_1..x_{t-1}} \\prod_{s<t} P[x_{s-1}, x_s]\\,
              \\tau_{x_{t-1}}

    No aggregation by state: every path keeps its own probability. Cost O(n^H);
    refuses n^(H-1) > 2e6.
    """
    p, q = _check_pair(target_kernel, draft_kernel)
    n = p.shape[0]
    start = _check_start(start, n)
    horizon = check_int(horizon, "horizon", 1)
    if float(n) ** (horizon - 1) > 2e6:
        raise InvalidArgumentError(
            f"horizon: n^(horizon-1) = {n}^{horizon - 1} paths is too many to enumerate"
        )
    tau = row_total_variation(p, q)
    probs = np.ones(1)  # probabilities of all prefixes of length t-1 (lexicographic)
    last = np.array([start])
    total = 0.0
    for t in range(1, horizon + 1):
        total += float(np.dot(probs, tau[last]))
        if t < horizon:
            probs = (probs[:, None] * p[last]).ravel()
            last = np.tile(np.arange(n), last.size)
    return total


def sequence_law(target_kernel: ArrayLike, start: int, horizon: int) -> np.ndarray:
    """Exact law of (X_1, ..., X_H) under a Markov kernel, over all n^H sequences.

    Index of a sequence = sum_t x_t n^(H-t) (x_1 most significant), the same
    encoding as :func:`specbound.simulations.markov.encode_sequences`. Refuses
    n^H > 2e6.
    """
    p = as_kernel(target_kernel, "target_kernel")
    n = p.shape[0]
    start = _check_start(start, n)
    horizon = check_int(horizon, "horizon", 1)
    if float(n) ** horizon > 2e6:
        raise InvalidArgumentError(f"horizon: n^horizon = {n}^{horizon} sequences is too many")
    return sequence_law_kernel(p, start, horizon)


def sequence_law_kernel(p: np.ndarray, start: int, horizon: int) -> np.ndarray:
    """Kernel of :func:`sequence_law` (no validation; float or Fraction arrays)."""
    n = p.shape[0]
    probs = p[start].copy()
    for _ in range(1, horizon):
        probs = (probs.reshape(-1, n)[:, :, None] * p[None, :, :]).reshape(-1)
    return probs


# ----------------------------------------------------------------------------- finite gamma


def expected_rejections_and_calls(
    target_kernel: ArrayLike,
    draft_kernel: ArrayLike,
    start: int,
    horizon: int,
    gamma: int | None = None,
) -> tuple[float, float]:
    """Exact E[rejections] and E[verifier calls] of speculative decoding with gamma drafts.

    Each round (one verifier call) drafts min(gamma, remaining) tokens, verifies
    them left to right, replaces the first rejected one by a residual sample, or
    appends a bonus target token when all pass before the horizon. As implemented
    here (the finite-gamma DP of ``theory/rejections.md``, arXiv 2411.00841 model with
    gamma < H): a DP over (last token, j = draft positions used in the round),

    * drafted position (j < gamma): accept with mass min(P, Q)[i, y] -> (y, j + 1);
      reject with mass (P - Q)_+[i, y] -> (y, 0), one rejection;
    * bonus position (j = gamma): emit from P[i] -> (y, 0);

    E[N_rej] = sum_t P(t drafted) E[tau], E[C] = sum_t P(j_t = 0). Bonus positions
    are never rejected, so E[N_rej] <= :func:`expected_rejections` (equal when
    gamma >= H), while E[C] may be larger. Cost O(H min(gamma, H) n^2).

    Parameters
    ----------
    target_kernel, draft_kernel : (n, n) array-like
        Row-stochastic kernels P (target) and Q (draft).
    start : int
        Start token X_0 in 0..n-1 (not emitted).
    horizon : int >= 1
        Emitted tokens H.
    gamma : int >= 0 or None
        Drafted tokens per call; None (or >= H) drafts to the end, 0 is target only.

    Returns
    -------
    (float, float)
        E[N_rej] (rejections) and E[C] (verifier calls); H / E[C] is the sequence
        rate in tokens per call.

    Examples
    --------
    >>> P = [[0.5, 0.5], [0.5, 0.5]]
    >>> expected_rejections_and_calls(P, P, 0, 10, gamma=4)  # every token accepted
    (0.0, 2.0)
    """
    p, q = _check_pair(target_kernel, draft_kernel)
    start = _check_start(start, p.shape[0])
    horizon = check_int(horizon, "horizon", 1)
    gamma = horizon if gamma is None else check_int(gamma, "gamma", 0)
    rej, calls = rejections_and_calls_kernel(p, q, start, horizon, gamma)
    return float(rej), float(calls)
