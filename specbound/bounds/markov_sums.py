"""Sums of expected rewards along a Markov chain over very long horizons, by doubling.

The exact rejection counts of :mod:`specbound.bounds.rejections` are sums
sum_{t=0}^{H-1} x A^t R of a linear chain (state law x, transition matrix A, per-step
reward columns R). One vector-matrix product per step costs O(H N^2); a chain that
mixes is summed early by the converged-chain shortcut there, but a periodic chain
(e.g. P = [[0, 1], [1, 0]]) never converges, so a horizon of 10^12 would run 10^12
steps. :func:`power_sum` computes the same sum with O(log H) matrix squarings,
O(N^3 log H), using S_{2k} = S_k + A^k S_k and A^{2k} = (A^k)^2 (the blocks of the
augmented matrix [[A, R], [0, I]]^H).
"""

from __future__ import annotations

import math

import numpy as np

from specbound.limits import check_allocation, check_work, max_work


def doubling_cost(states: int, steps: int) -> float:
    """Flops of :func:`power_sum` on ``states`` states over ``steps`` steps: ~4 N^3 log2 H."""
    return 4.0 * float(states) ** 3 * max(1, int(steps).bit_length())


def iteration_budget(states: int, step_cost: float, horizon: int) -> int:
    """Step-by-step iterations to run before switching to :func:`power_sum`.

    The iteration stops where it has cost as much as the doubling would
    (``doubling_cost / step_cost`` steps, at least 64), and never beyond the work limit of
    :mod:`specbound.limits`, so the total work stays within about twice the cheaper
    method (or within the limit, after which the doubling's own check refuses).
    """
    balance = doubling_cost(states, horizon) / max(step_cost, 1.0)
    return int(max(64.0, min(balance, max_work() / max(step_cost, 1.0))))


def power_sum(
    start: np.ndarray, matrix: np.ndarray, rewards: np.ndarray, steps: int, name: str = "horizon"
) -> tuple[np.ndarray, np.ndarray]:
    """sum_{t=0}^{steps-1} start A^t R and the final law start A^steps, by doubling.

    Parameters
    ----------
    start : (N,) ndarray
        Law (or any row vector) at time 0.
    matrix : (N, N) ndarray
        Transition matrix A (row-stochastic, or sub-stochastic).
    rewards : (N,) or (N, r) ndarray
        Reward per state and step.
    steps : int >= 0
        Number of steps H.
    name : str
        Argument named when the work exceeds the limit.

    Returns
    -------
    (sum, law)
        The reward sum, shape ``rewards.shape[1:]``, and start A^H.

    Raises
    ------
    ResourceLimitError
        When ~4 N^3 log2 H flops exceed the work limit, or the N x N powers the memory
        limit (:mod:`specbound.limits`).

    Notes
    -----
    Rounding: a perturbation of A^k's row sums doubles at each squaring (the sum would
    drift by ~H eps), so the powers of a row-stochastic matrix are renormalised to row
    sums 1 after each squaring; what is left is O(N eps log H) per squaring in the
    other directions, contracted by a mixing chain (tested against the step-by-step sum
    to 1e-11 relative).
    """
    n = matrix.shape[0]
    check_allocation(name, (n, n), np.float64, copies=4, what="matrix entries")
    stochastic = bool(np.all(np.abs(matrix.sum(axis=1) - 1.0) <= 1e-12))
    check_work(name, doubling_cost(n, steps), f"flops ({int(math.log2(max(steps, 1)))} squarings)")
    total = np.zeros(rewards.shape[1:])
    x = np.array(start, dtype=np.float64)
    power = np.array(matrix, dtype=np.float64)  # A^(2^k)
    block = np.array(rewards, dtype=np.float64)  # sum_{t < 2^k} A^t R
    while steps:
        if steps & 1:
            total = total + x @ block
            x = x @ power
        steps >>= 1
        if steps:
            block = block + power @ block
            power = power @ power
            if stochastic:  # keep rows summing to 1: else rounding doubles per squaring
                power /= power.sum(axis=1, keepdims=True)
    return total, x


def drafting_matrix(p: np.ndarray, q: np.ndarray, gamma: int) -> np.ndarray:
    """Transition matrix of the finite-gamma DP on states (token i, draft position j).

    State (i, j) is flattened to i (gamma + 1) + j, as ``mu.ravel()`` of an (n, gamma + 1)
    array. From a drafted position (j < gamma): min(P, Q)[i, y] -> (y, j + 1) (accepted)
    and (P - Q)_+[i, y] -> (y, 0) (rejected); from the bonus position (j = gamma):
    P[i, y] -> (y, 0). The DP of
    :func:`specbound.bounds.rejections.rejections_and_calls_kernel`, as a matrix.
    """
    n, w = p.shape[0], gamma + 1
    check_allocation("gamma", (n * w, n * w), np.float64, copies=5, what="matrix entries")
    overlap = np.minimum(p, q)
    a = np.zeros((n, w, n, w))
    for j in range(gamma):
        a[:, j, :, j + 1] = overlap
        a[:, j, :, 0] = p - overlap
    a[:, gamma, :, 0] = p
    return a.reshape(n * w, n * w)
