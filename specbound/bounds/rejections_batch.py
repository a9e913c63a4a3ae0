"""Batch speculative decoding: several i.i.d. draft sequences verified together.

Yin, Chen, Huang, Wang, "A Theoretical Perspective for Speculative Decoding
Algorithm" (arXiv 2411.00841), Sec. 4 (batch drafting, Thm 3, Prop. 1). The
paper's Thm 3 formula was not available to this project; the scheme below and
its formulas are the project's own construction, **as implemented here**: trie
recursive rejection sampling of M draft continuations.

One round (one verifier call) draws M i.i.d. draft continuations of the prefix.
At each position the surviving candidates (those agreeing with every emitted
token of the round) are tested in a fixed order against a residual law r that
starts at the target p: candidate token c is accepted with probability
min(1, r(c)/q(c)); after a rejection r <- (r - q)_+ / TV(r, q). If one is
accepted it is emitted and only the candidates holding it survive; if all are
rejected, a token of the last residual is emitted (one rejection) and a new
round starts. The output law is exactly the target's.

Letters: target = p, draft = q (the paper swaps them).
"""

from __future__ import annotations

from math import comb

import numpy as np
from numpy.typing import ArrayLike

from specbound.bounds.markov_sums import iteration_budget, power_sum
from specbound.bounds.rejection_kernels import _zeros
from specbound.bounds.rejections import _check_pair, _check_start
from specbound.distributions import as_distribution, check_int, check_same_size
from specbound.limits import check_work


def residual_chain(p: np.ndarray, q: np.ndarray, stages: int) -> tuple[list, list]:
    """Residual laws p^(m) and TVs tau_m of recursive rejection, m = 0..stages (kernel).

    p^(0) = p, tau_m = TV(p^(m), q) = 1 - sum min(p^(m), q),
    p^(m+1) = (p^(m) - q)_+ / tau_m (the zero vector once tau_m = 0). Rows of 2-D
    inputs are independent laws; float or Fraction object arrays.

    Returns
    -------
    laws : list of stages + 1 arrays shaped like p
    taus : list of stages + 1 arrays (one value per row)
    """
    laws, taus = [p], []
    for m in range(stages + 1):
        r = laws[m]
        excess = r - np.minimum(r, q)  # (r - q)_+
        tau = excess.sum(axis=-1)  # = TV(r, q) for a law, 0 for the zero vector
        taus.append(tau)
        if m < stages:
            zero = np.expand_dims(tau == 0, -1)
            safe = np.where(zero, 1, np.expand_dims(tau, -1))
            laws.append(np.where(zero, 0 * excess, excess / safe))
    return laws, taus


def batch_rejection_probability(target: ArrayLike, draft: ArrayLike, num_drafts: int) -> float:
    """P(all of M i.i.d. draft tokens rejected) in one step of recursive rejection sampling.

    .. math:: P(\\text{reject}) = \\prod_{m=0}^{M-1} \\tau_m,\\quad
              \\tau_m = \\mathrm{TV}(p^{(m)}, q),\\ p^{(0)} = p,\\
              p^{(m+1)} = (p^{(m)} - q)_+ / \\tau_m

    As implemented here (the project's batch scheme for Yin et al., arXiv
    2411.00841, Sec. 4). M = 1 gives TV(p, q). Closed cases: p = (b, 1-b),
    q = (a, 1-a), b > a: (b - a)(1 - a)^(M-1); q uniform on n tokens, p uniform on
    s of them: (1 - s/n)^M. Cost O(M n).

    Examples
    --------
    >>> round(batch_rejection_probability([0.5, 0.3, 0.2], [0.2, 0.3, 0.5], 2), 12)
    0.24
    """
    p = as_distribution(target, "target")
    q = as_distribution(draft, "draft")
    check_same_size(p, q, "target", "draft")
    m = check_int(num_drafts, "num_drafts", 1)
    _, taus = residual_chain(p, q, m - 1)
    return float(np.prod([float(t) for t in taus]))


def batch_rejections_kernel(
    p: np.ndarray, q: np.ndarray, start: int, horizon: int, num_drafts: int
) -> tuple:
    """Kernel of :func:`batch_expected_rejections` (no validation; float or Fraction).

    DP over (last token i, k surviving candidates, 1..M); a new round has k = M.
    From (i, k), acceptance at stage m of token y with 1 + j survivors has mass
    prod_{l<m} tau_l(i) * min(p^(m)(i, y), q(i, y)) * Binom(j; k - m - 1, q(i, y));
    rejection (mass prod_{l<k} tau_l(i) p^(k)(i, y)) emits y and starts a round.
    Cost O(H n^2 M^3).
    """
    n, big_m = p.shape[0], num_drafts
    laws, taus = residual_chain(p, q, big_m)
    prod_tau = [np.ones(n) if p.dtype != object else np.array([1 + 0 * p[0, 0]] * n)]
    for m in range(big_m):
        prod_tau.append(prod_tau[m] * taus[m])
    overlaps = [np.minimum(laws[m], q) for m in range(big_m)]
    one = 1 + 0 * p[0, 0]
    binom = {}  # (trials, j) -> (n, n) pmf of Binom(j; trials, q)
    for trials in range(big_m):
        for j in range(trials + 1):
            binom[trials, j] = comb(trials, j) * q**j * (one - q) ** (trials - j)
    mu = _zeros((n, big_m + 1), p)
    mu[start, big_m] = one
    rej = 0 * one
    calls = one
    for t in range(1, horizon + 1):
        new = _zeros(mu.shape, p)
        step_rej = 0 * one
        for k in range(1, big_m + 1):
            w = mu[:, k]
            for m in range(k):
                accepted = (w * prod_tau[m])[:, None] * overlaps[m]
                for j in range(k - m):
                    new[:, 1 + j] = new[:, 1 + j] + (accepted * binom[k - m - 1, j]).sum(axis=0)
            reject = w * prod_tau[k]
            step_rej = step_rej + reject.sum()
            new[:, big_m] = new[:, big_m] + reject @ laws[k]
        rej = rej + step_rej
        if t < horizon:
            calls = calls + step_rej
        mu = new
    return rej, calls


def batch_expected_rejections(
    target_kernel: ArrayLike,
    draft_kernel: ArrayLike,
    start: int,
    horizon: int,
    num_drafts: int,
) -> tuple[float, float]:
    """Exact E[rejections] and E[verifier calls] of batch speculative decoding (M drafts).

    As implemented here (the project's trie recursive rejection scheme for the batch
    setting of Yin et al., arXiv 2411.00841, Sec. 4; not the paper's Thm 3
    formula, which was not available): each round draws ``num_drafts`` i.i.d.
    draft continuations to the end; see :mod:`specbound.bounds.rejections_batch`.
    M = 1 is :func:`~specbound.bounds.rejections.expected_rejections`; E[N_rej]
    decreases in M but stays >= sum_t E[p_t(outside supp q_t)] (Prop. 1's
    mechanism). E[C] = 1 + sum_{t<H} P(rejection at t). Cost O(H n^2 M^3).

    Parameters
    ----------
    target_kernel, draft_kernel : (n, n) array-like
        Row-stochastic kernels P (target) and Q (draft).
    start : int
        Start token in 0..n-1.
    horizon : int >= 1
        Emitted tokens H.
    num_drafts : int >= 1
        Draft sequences per round M.

    Returns
    -------
    (float, float)
        E[N_rej] and E[C].
    """
    p, q = _check_pair(target_kernel, draft_kernel)
    start = _check_start(start, p.shape[0])
    horizon = check_int(horizon, "horizon", 1)
    m = check_int(num_drafts, "num_drafts", 1)
    check_work("horizon", float(horizon) * p.shape[0] ** 2 * (m + 1) ** 2, "DP steps")
    rej, calls = batch_rejections_kernel(p, q, start, horizon, m)
    return float(rej), float(calls)


def batch_rejection_floor(
    target_kernel: ArrayLike, draft_kernel: ArrayLike, start: int, horizon: int
) -> float:
    """Rejections no number of drafts removes: target mass outside the draft's support.

    .. math:: E[N_{rej}] \\ge \\sum_{t=1}^{H} E_{X_{<t} \\sim p}
              \\big[p_t(V \\setminus \\mathrm{supp}\\, q_t)\\big]
              = \\sum_{t=1}^{H} \\mu_{t-1} \\cdot o,\\quad
              o_i = \\sum_{y: Q[i, y] = 0} P[i, y]

    for every M: a token the draft never proposes can only be emitted by a
    rejection. It is the M -> infinity limit of
    :func:`batch_expected_rejections` (the other residual mass vanishes
    geometrically), one mechanism behind Yin et al.'s Prop. 1 (arXiv 2411.00841:
    batch drafting never reaches zero rejections), as implemented here. O(H n^2).
    """
    p, q = _check_pair(target_kernel, draft_kernel)
    start = _check_start(start, p.shape[0])
    horizon = check_int(horizon, "horizon", 1)
    outside = np.where(q == 0, p, 0.0).sum(axis=1)
    mu = np.zeros(p.shape[0])
    mu[start] = 1.0
    if horizon > iteration_budget(p.shape[0], p.shape[0] ** 2, horizon):
        return float(power_sum(mu, p, outside, horizon)[0])  # O(n^3 log H) doubling
    total = 0.0
    for t in range(1, horizon + 1):
        total += float(mu @ outside)
        if t < horizon:
            mu = mu @ p
    return total
