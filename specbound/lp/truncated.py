"""The truncated LP for two drafts and the pairwise tournament for K > 2.

Khisti et al. (arXiv 2410.18234) propose a truncated LP as a practical selection rule;
its exact form was not available, so this is the reconstruction of ``theory/multidraft.md``
(truncated LP and tournament, as implemented here).

Two drafts X_1 ~ q_1, X_2 ~ q_2. Tokens get the priority key p(i) - q_1(i) q_2(i)
(stable sort, decreasing; rank o(i) = 0, 1, ...); Omega_1 = the s highest-priority
tokens, Omega_2 the rest. The rule: equal tokens are output; a pair with a token in
Omega_2 outputs its higher-priority token; a pair a != b inside Omega_1 outputs X_1 with
probability W[a, b] in [0, 1]. The s(s - 1) numbers W maximise

.. math:: \\sum_{a \\in \\Omega_1} \\min(p(a), q_I(a))

(a linear program in W and z_a <= min(p(a), q_I(a)), solved by HiGHS through
``scipy.optimize.linprog``), where q_I is the law of the selected token:
q_I(a) = q_1(a) q_2(a) + sum_{b != a} [q_1(a) q_2(b) W[a, b] + q_1(b) q_2(a) (1 - W[b, a])].
Single-draft speculative sampling with draft law q_I follows, so the acceptance is
sum_y min(p(y), q_I(y)). With s = n it equals the optimum P* (the canonical
decomposition needs only these W for K = 2). Loss bound, as implemented here:
P* - P_trunc <= 1 - q_1(Omega_1) q_2(Omega_1).

K > 2 (pairwise tournament): r_1 = q_1, Y_1 = X_1; for k = 2..K the pair rule of
(r_{k-1}, q_k) selects Y_k from (Y_{k-1}, X_k) and r_k = its q_I; finally SD with
draft law r_K. Exact because Y_{k-1} ~ r_{k-1} is independent of X_k; greedy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import linprog

from specbound.distributions import check_int
from specbound.errors import InvalidArgumentError, SolverError
from specbound.limits import check_work
from specbound.lp.optimum import validate_drafts


@dataclass(frozen=True)
class PairRule:
    """A two-draft selection rule (the truncated LP's solution).

    Attributes
    ----------
    target : (n,) ndarray
        p.
    drafts : (2, n) ndarray
        Laws of the first and second token (q_1, q_2).
    rank : (n,) int ndarray
        Priority rank o(i) (0 = highest).
    s : int
        Size of Omega_1 (tokens of rank < s).
    first : (s, s) ndarray
        first[i, j] = P(output X_1 | X_1, X_2 = tokens of rank i, j), i != j, in Omega_1.
    intermediate : (n,) ndarray
        q_I, the law of the selected token.
    acceptance : float
        sum_y min(p(y), q_I(y)).
    loss_bound : float
        1 - q_1(Omega_1) q_2(Omega_1), bound on P* - acceptance (as implemented here).
    """

    target: np.ndarray
    drafts: np.ndarray
    rank: np.ndarray
    s: int
    first: np.ndarray
    intermediate: np.ndarray
    acceptance: float
    loss_bound: float


def priority_rank(target: np.ndarray, q1: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """Rank o(i) by the key p(i) - q_1(i) q_2(i), decreasing, stable (ties: lower index first)."""
    order = np.argsort(-(target - q1 * q2), kind="stable")
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    return rank


def pair_rule_kernel(p: np.ndarray, q1: np.ndarray, q2: np.ndarray, s: int) -> PairRule:
    """The truncated LP on validated laws (no checks). Cost O(n log n) + an LP in s^2."""
    n = p.size
    rank = priority_rank(p, q1, q2)
    order = np.argsort(rank)
    a1, a2, pa = q1[order[:s]], q2[order[:s]], p[order[:s]]
    in2 = rank >= s
    m1_out, m2_out = q1[in2].sum(), q2[in2].sum()
    const = a1 * a2 + a1 * m2_out + m1_out * a2 + a2 * (a1.sum() - a1)
    coef = np.zeros((s, s, s))
    idx = np.arange(s)
    # q_I(a_i) = const_i + sum_jk coef[i, j, k] W[j, k]
    coef[idx, idx, :] += np.outer(a1, a2)  # W[i, j]: output a_i when (X1, X2) = (a_i, a_j)
    coef[idx, :, idx] -= np.outer(a2, a1)  # W[j, i] takes mass from a_i when X2 = a_i
    first = np.zeros((s, s))
    if s >= 2:
        # variables: W (s*s, diagonal fixed at 0), then z (s);  z_i - lin_i(W) <= const_i
        a_ub = np.hstack([-coef.reshape(s, s * s), np.eye(s)])
        bounds = [(0.0, 0.0) if i == j else (0.0, 1.0) for i in range(s) for j in range(s)]
        bounds += [(0.0, float(v)) for v in pa]
        c = np.concatenate([np.zeros(s * s), -np.ones(s)])
        res = linprog(c, A_ub=a_ub, b_ub=const, bounds=bounds, method="highs")
        if res.status != 0:
            raise SolverError(
                f"truncated LP failed: {res.message}", status=str(res.status), solver="HIGHS"
            )
        first = np.clip(res.x[: s * s].reshape(s, s), 0.0, 1.0)
        np.fill_diagonal(first, 0.0)
    q_i = np.empty(n)
    q_i[order[:s]] = const + np.einsum("ijk,jk->i", coef, first)
    # Omega_2: output i whenever the other token has lower priority
    sorted1, sorted2 = q1[order], q2[order]
    below1 = sorted1[::-1].cumsum()[::-1] - sorted1  # mass of strictly lower priority
    below2 = sorted2[::-1].cumsum()[::-1] - sorted2
    rest = order[s:]
    q_i[rest] = (sorted1 * sorted2 + sorted1 * below2 + below1 * sorted2)[s:]
    q_i = np.maximum(q_i, 0.0)
    q_i /= q_i.sum()
    acc = float(np.minimum(p, q_i).sum())
    loss = float(1.0 - a1.sum() * a2.sum())
    return PairRule(p, np.vstack([q1, q2]), rank, s, first, q_i, acc, loss)


def truncated_lp(target: ArrayLike, drafts: ArrayLike, s: int) -> PairRule:
    """Truncated-LP selection rule for two drafts (as implemented here).

    Parameters
    ----------
    target : (n,) array-like
        Target law p.
    drafts : (2, n) array-like
        The two draft laws q_1, q_2 (rows).
    s : int
        Number of high-priority tokens handled by the LP (1 <= s; clipped to n).
        The paper uses s in {5, 10, 15}; s = n gives the optimum P*.

    Returns
    -------
    PairRule
        ``acceptance`` = sum_y min(p, q_I) of the rule followed by speculative sampling.

    Raises
    ------
    InvalidArgumentError
        Invalid laws, not exactly two drafts, or s < 1.
    SolverError
        The LP was not solved (status carried), never a default rule.

    Examples
    --------
    >>> p = [0.30, 0.25, 0.15, 0.12, 0.10, 0.08]
    >>> q = [[0.10, 0.15, 0.30, 0.25, 0.12, 0.08], [0.20, 0.05, 0.25, 0.20, 0.20, 0.10]]
    >>> round(truncated_lp(p, q, 6).acceptance, 6)
    0.8875
    """
    p, q = validate_drafts(target, drafts)
    if q.shape[0] != 2:
        raise InvalidArgumentError(f"drafts: the truncated LP takes K = 2 rows, got {q.shape[0]}")
    s = min(check_int(s, "s", 1), p.size)
    return pair_rule_kernel(p, q[0], q[1], s)


@dataclass(frozen=True)
class Tournament:
    """Pairwise tournament of truncated LPs for K drafts (as implemented here).

    Attributes
    ----------
    rules : list of PairRule
        rules[k - 2] merges (Y_{k-1}, X_k) for k = 2..K (empty for K = 1).
    intermediate : (n,) ndarray
        r_K, the law of the finally selected token.
    acceptance : float
        sum_y min(p(y), r_K(y)).
    target, drafts : ndarray
        The validated inputs.
    """

    rules: list[PairRule]
    intermediate: np.ndarray
    acceptance: float
    target: np.ndarray
    drafts: np.ndarray


#: Elementary steps counted for one HiGHS call of the truncated LP: its fixed cost,
#: ~1.5 ms measured (``tournament`` with K = 2000, n = 2 or 200), at ~1e9 steps per second.
LP_CALL_STEPS = 1e6


def tournament_steps(k: int, n: int, s: int) -> float:
    """Elementary steps of the K-draft tournament: K - 1 truncated LPs, each
    :data:`LP_CALL_STEPS` plus its s^3 coefficients and the n log n priority sort."""
    return max(k - 1, 0) * (LP_CALL_STEPS + float(s) ** 3 + n * math.log2(n + 1))


def tournament(target: ArrayLike, drafts: ArrayLike, s: int) -> Tournament:
    """Greedy K-draft rule: K - 1 truncated LPs merging one draft at a time.

    Raises
    ------
    InvalidArgumentError
        Invalid laws or s < 1.
    ResourceLimitError
        Naming ``drafts``: more than :func:`~specbound.limits.max_work` steps
        (:func:`tournament_steps`; K = 10^4 at the default limit).
    SolverError
        A truncated LP failed.
    """
    p, q = validate_drafts(target, drafts)
    s = min(check_int(s, "s", 1), p.size)
    check_work("drafts", tournament_steps(q.shape[0], p.size, s), "steps (K - 1 truncated LPs)")
    r = q[0]
    rules = []
    for k in range(1, q.shape[0]):
        rule = pair_rule_kernel(p, r, q[k], s)
        rules.append(rule)
        r = rule.intermediate
    return Tournament(rules, r, float(np.minimum(p, r).sum()), p, q)
