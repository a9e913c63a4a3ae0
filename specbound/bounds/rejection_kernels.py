"""Kernels of the exact rejection counts along Markov models (no validation).

Yin, Chen, Huang, Wang, arXiv 2411.00841 (Thm 1 and the finite-gamma DP of the
theory note), as implemented here: the step-by-step sums of
:mod:`specbound.bounds.rejections`, on float arrays or object arrays of
:class:`fractions.Fraction` (exact arithmetic). Float chains stop early once converged
(rigorous error bound below ``STOP_TOLERANCE``) and otherwise are finished by matrix
doubling (:mod:`specbound.bounds.markov_sums`), so a horizon of 10^12 costs
O(N^3 log H) at most.
"""

from __future__ import annotations

import numpy as np

from specbound.bounds.markov_sums import drafting_matrix, iteration_budget, power_sum
from specbound.limits import check_work

#: Work of one Fraction operation in float steps (about 1 microsecond vs 1 nanosecond).
EXACT_STEP = 1000.0
#: Relative error allowed by the converged-chain shortcut of :func:`expected_rejections`.
STOP_TOLERANCE = 1e-12


def row_total_variation(target_kernel: np.ndarray, draft_kernel: np.ndarray) -> np.ndarray:
    """Per-state TV, tau_i = sum_y (P[i, y] - Q[i, y])_+ = 1 - sum_y min(P, Q)[i, y].

    Kernel (no validation). The excess form is exactly 0 for equal rows and never
    negative in floating point. Works on float arrays and on object arrays of
    :class:`fractions.Fraction` (exact arithmetic).
    """
    return (target_kernel - np.minimum(target_kernel, draft_kernel)).sum(axis=1)


def _point_mass(n: int, start: int, like: np.ndarray) -> np.ndarray:
    mu = np.zeros(n, dtype=like.dtype)
    if like.dtype == object:
        mu[:] = 0 * like[0, 0]
        mu[start] = 1 + 0 * like[0, 0]
    else:
        mu[start] = 1.0
    return mu


def rejections_kernel(p: np.ndarray, q: np.ndarray, start: int, horizon: int) -> tuple:
    """Kernel of :func:`expected_rejections` (no validation; float or Fraction arrays).

    Returns (E[N_rej], E[C]) for drafting to the end (gamma >= horizon). A float chain
    that has not converged after :func:`iteration_budget` steps (e.g. a periodic one)
    is finished by matrix doubling (:func:`power_sum`).
    """
    n = p.shape[0]
    tau = row_total_variation(p, q)
    mu = _point_mass(n, start, p)
    rej = 0 * tau[0]
    calls = 1 + 0 * tau[0]
    exact = p.dtype == object
    if exact:
        check_work("horizon", EXACT_STEP * horizon * n * n, "steps (a rational op counts 1000)")
    half_span = 0.0 if exact else float(tau.max() - tau.min()) / 2
    budget = iteration_budget(n, n * n, horizon)
    for t in range(1, horizon + 1):
        term = mu @ tau
        rej = rej + term
        if t == horizon:
            break
        calls = calls + term
        new = mu @ p
        if not exact:
            # Stop once the chain has converged: with delta = ||mu_t - mu_{t-1}||_1 and
            # P an L1 contraction, ||mu_{t+k} - mu_t||_1 <= k delta, so replacing the
            # R = H - t remaining terms by mu_t . tau errs by at most
            # delta * half_span * R (R - 1) / 2 (a rigorous bound, kept below 1e-12 of
            # the result).
            left = horizon - t
            bound = float(np.abs(new - mu).sum()) * half_span * left * (left - 1) / 2
            tail = float(new @ tau)
            if bound <= STOP_TOLERANCE * max(1.0, rej + left * tail):
                return rej + left * tail, calls + (left - 1) * tail
            if t >= budget:  # terms t+1..H are new P^j tau, j < left; calls omit the last
                s, end = power_sum(new, p, tau, left - 1)
                return rej + s + end @ tau, calls + s
        mu = new
    return rej, calls


def rejections_and_calls_kernel(
    p: np.ndarray, q: np.ndarray, start: int, horizon: int, gamma: int
) -> tuple:
    """Kernel of :func:`expected_rejections_and_calls` (no validation; float or Fraction).

    DP over (last token, j = draft positions used in the current round), j in
    0..gamma: column j < gamma is a drafted position, column gamma the bonus one.
    gamma >= horizon is drafting to the end (:func:`rejections_kernel`).
    """
    if gamma >= horizon:
        return rejections_kernel(p, q, start, horizon)
    n = p.shape[0]
    g = gamma
    overlap = np.minimum(p, q)
    excess = p - overlap  # (p - q)_+
    tau = row_total_variation(p, q)
    mu = _zeros((n, g + 1), p)
    mu[:, 0] = _point_mass(n, start, p)
    rej = 0 * tau[0]
    calls = 0 * tau[0]
    exact = p.dtype == object
    if exact:
        check_work(
            "horizon", EXACT_STEP * horizon * n * n * (g + 1), "steps (a rational op counts 1000)"
        )
    budget = iteration_budget(n * (g + 1), n * n * (g + 1), horizon)
    for t in range(1, horizon + 1):
        used = min(t, g + 1)  # j <= t - 1: later columns are still empty
        calls = calls + mu[:, 0].sum()
        drafted = mu[:, : min(used, g)]
        rej = rej + tau @ drafted.sum(axis=1)
        if t == horizon:
            break
        new = _zeros(mu.shape, p)
        k = drafted.shape[1]
        if k:
            if exact or k > 8:
                new[:, 1 : k + 1] = (drafted.T @ overlap).T
            else:  # a few vector-matrix products beat a thin matrix product here
                for c in range(k):
                    new[:, c + 1] = drafted[:, c] @ overlap
            new[:, 0] = drafted.sum(axis=1) @ excess
        if used == g + 1:  # the bonus column is populated
            new[:, 0] = new[:, 0] + mu[:, g] @ p
        if not exact:
            # converged-chain shortcut, as in rejections_kernel: the (token, j) chain is
            # an L1 contraction and both per-step terms are linear with coefficients in
            # [0, 1], so replacing the R remaining steps by the current ones errs by at
            # most delta * R (R - 1) / 4 each.
            left = horizon - t
            bound = float(np.abs(new - mu).sum()) * left * (left - 1) / 4
            r_tail = float(tau @ new[:, :g].sum(axis=1))
            c_tail = float(new[:, 0].sum())
            if bound <= STOP_TOLERANCE * max(1.0, rej + left * r_tail):
                return rej + left * r_tail, calls + left * c_tail
            if t >= budget:  # finish by doubling: rewards tau (drafted) and 1 (new round)
                rewards = np.zeros((n, g + 1, 2))
                rewards[:, :g, 0] = tau[:, None]
                rewards[:, 0, 1] = 1.0
                s, _ = power_sum(
                    new.ravel(), drafting_matrix(p, q, g), rewards.reshape(-1, 2), left
                )
                return rej + s[0], calls + s[1]
        mu = new
    return rej, calls


def _zeros(shape: tuple[int, ...], like: np.ndarray) -> np.ndarray:
    if like.dtype == object:
        return np.full(shape, 0 * like.flat[0], dtype=object)
    return np.zeros(shape)
