"""Exact quantities of a model pair, batched over positions (rows) and chunked.

Every kernel takes float64 (positions, vocab) arrays of valid laws (target p, draft
q, e.g. the chunks of :meth:`~specbound.pairs.ModelPair.chunks`) and returns one
value per position; :func:`pair_quantities` runs them all over a pair in one pass.
Letters: target = p, draft = q; "tokens per step" counts the bonus token.

* :func:`acceptance_rows`: alpha_t = 1 - TV(p_t, q_t) = sum_x min(p_t, q_t)
  (Leviathan et al. 2023; Yin et al., arXiv 2411.00841).
* :func:`chain_along_text`: tokens per step of a chain of gamma drafts started at each
  position, mean over starts t of sum_{j=0..gamma} prod_{i<j} alpha_{t+i}. It uses the
  text's prefixes (teacher forcing), not the drafted ones: exact when every drafted
  token is accepted, an approximation after a rejection (the text then continues with
  the corrected token, not the text's). The i.i.d. form with the mean alpha is
  :func:`~specbound.bounds.rejections.expected_tokens_per_step`.
* :func:`sorted_ratio_rows`: one sort of the tokens by p/q per position, shared by
  the K-draft optimum (Khisti et al., arXiv 2410.18234: min over the prefixes T_m of
  that order of p(T_m) + 1 - q(T_m)^K) and ERSD's alpha(1) (Kobus & Gunduz, arXiv
  2504.15475: sum_x p(x) / [c_x Q_<(c_x) + P_>=(c_x)]), the formulas of
  :func:`specbound.lp.exact_sets.prefix_optimum` and
  :func:`specbound.bounds.exponential_races.alpha_one`, batched.
* :func:`entropy_rows`: H(p_t) and sum_x p_t ln^2 p_t (nats), whose means are mu and mu2
  of Pankratov & Alistarh (arXiv 2512.11718).
* :func:`positional_tree`: tokens per step of the best token tree for a positional
  acceptance vector.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from specbound.distributions import check_int
from specbound.errors import InvalidArgumentError
from specbound.lp.exact_sets import int_power
from specbound.pairs.positional import RatioSorted, sort_by_ratio
from specbound.trees import (
    as_acceptance,
    check_tree_size,
    optimal_tree,
    positional_optimal_values,
)


def acceptance_rows(target: np.ndarray, draft: np.ndarray) -> np.ndarray:
    """alpha_t = sum_x min(p_t(x), q_t(x)) = 1 - TV(p_t, q_t), one per row (kernel)."""
    return np.minimum(target, draft).sum(axis=-1)


def entropy_rows(target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row H(p) = -sum p ln p and sum p ln^2 p (nats, nats^2; 0 ln 0 = 0) (kernel)."""
    # ln max(p, smallest subnormal) = ln p for p > 0 and is finite at p = 0, where
    # p ln p = 0: exact, and faster than a masked log
    logp = np.log(np.maximum(target, np.finfo(np.float64).smallest_subnormal))
    plog = target * logp
    return -plog.sum(axis=-1), (plog * logp).sum(axis=-1)


def common_support(target: np.ndarray, draft: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows restricted to the tokens where p or q is positive (zero-padded to one width).

    A token with p(x) = q(x) = 0 adds nothing to any quantity of this module or of
    :mod:`specbound.pairs.positional` (it is never drafted and carries no target mass),
    so truncated laws (top-k, top-p, min-p, greedy) are compacted before the sorts. The
    arrays are returned unchanged when the widest row keeps more than half the tokens.
    """
    mask = (target > 0) | (draft > 0)
    width = int(mask.sum(axis=1).max())
    if 2 * width > target.shape[1]:
        return target, draft
    p = np.zeros((target.shape[0], width))
    q = np.zeros((target.shape[0], width))
    for r in range(target.shape[0]):
        idx = np.flatnonzero(mask[r])
        p[r, : idx.size], q[r, : idx.size] = target[r, idx], draft[r, idx]
    return p, q


def chain_along_text(alpha: ArrayLike, gamma: int) -> float:
    """Mean over start positions t of sum_{j=0..gamma} prod_{i<j} alpha_{t+i}.

    Tokens per step (bonus included) of a chain of ``gamma`` drafts along the text
    (module docstring); starts t = 0..T-gamma, so every window is inside the text.

    Examples
    --------
    >>> chain_along_text([0.5, 1.0, 0.0], 2)  # starts 0: 1+.5+.5, 1: 1+1+0
    2.0
    """
    a = np.asarray(alpha, dtype=np.float64)
    gamma = check_int(gamma, "gamma", 1)
    if gamma > a.size:
        raise InvalidArgumentError(f"gamma: {gamma} drafts need {gamma} positions, got {a.size}")
    windows = np.lib.stride_tricks.sliding_window_view(a, gamma)
    return float(1.0 + np.cumprod(windows, axis=1).sum(axis=1).mean())


def sorted_ratio_rows(
    target: np.ndarray,
    draft: np.ndarray,
    drafts: Sequence[int] = (1, 2, 4, 8),
    ratio_sorted: RatioSorted | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """ERSD alpha(1) and the K-identical-draft optimum per row, from one sort by p/q.

    Parameters
    ----------
    target, draft : (rows, n) float64 arrays of laws
    drafts : sequence of int >= 1
        The numbers K of i.i.d. drafts.
    ratio_sorted : RatioSorted, optional
        :func:`~specbound.pairs.positional.sort_by_ratio` of the same laws.

    Returns
    -------
    alpha_one : (rows,) ndarray
        P(R = 1) of exponential-race drafting (ERSD), as
        :func:`~specbound.bounds.exponential_races.alpha_one`.
    multidraft : (rows, len(drafts)) ndarray
        P*(K) = min_m [p(T_m) + 1 - q(T_m)^K] over the prefixes T_m of the tokens in
        increasing p/q (q = 0 last), as :func:`~specbound.lp.exact_sets.prefix_optimum`.
    """
    s = sort_by_ratio(target, draft) if ratio_sorted is None else ratio_sorted
    rows, n = s.ps.shape
    cum_p, cum_q = s.pc[:, 1:], s.qc
    qk = np.minimum(cum_q[:, 1:], 1.0)
    powers = {1: qk}  # q(T_m)^K, squares reused for powers of two
    multi = np.empty((rows, len(drafts)))
    for j, k in enumerate(drafts):
        k = check_int(k, "drafts", 1)
        if k not in powers:
            powers[k] = powers[k // 2] ** 2 if k % 2 == 0 and k // 2 in powers else None
            if powers[k] is None:
                powers[k] = int_power(qk, k)
        best = np.minimum(np.min(cum_p - powers[k], axis=1), 0.0)
        multi[:, j] = np.clip(1.0 + best, 0.0, 1.0)
    del powers, qk
    # alpha(1): den_x = rho_x Q_<(rho_x) + P_>=(rho_x), both read at the first index of
    # the run of equal rho holding x (no gather when the row has no ties)
    suf_p = s.pc[:, -1:] - s.pc  # sum_{j >= i} p, i = 0..n
    same = s.rho[:, 1:] == s.rho[:, :-1]
    with np.errstate(invalid="ignore", over="ignore"):
        if same.any():
            new_run = np.ones((rows, n), dtype=bool)
            new_run[:, 1:] = ~same
            first = np.maximum.accumulate(np.where(new_run, np.arange(n), 0), axis=1)
            den = s.rho * np.take_along_axis(cum_q, first, axis=1)
            den += np.take_along_axis(suf_p, first, axis=1)
        else:
            den = s.rho * cum_q[:, :-1]
            den += suf_p[:, :-1]
        ok = (s.ps > 0) & (s.qs > 0)
        terms = np.divide(s.ps, den, out=np.zeros_like(den), where=ok)
    return np.clip(terms.sum(axis=1), 0.0, 1.0), multi


@dataclass(frozen=True)
class TreeCurve:
    """Tokens per step of the best token tree at each budget (drafted nodes).

    ``relaxation`` says how the positional vector was used: ``"none"`` means exactly,
    in drafting order (:func:`positional_tree`); ``"sorted"`` would mean sorted
    decreasingly, an upper bound when the vector is not sorted.
    """

    budget: list[int]
    tokens_per_step: list[float]
    relaxation: str


def positional_tree(vector: ArrayLike, budgets: Sequence[int]) -> TreeCurve:
    """Best token tree for a positional acceptance vector, at each budget.

    The value of a tree whose node's i-th child is accepted with probability a_i, the
    children of a node being a prefix of its candidates, is 1 + sum over its nodes of
    the product of the a's on the path (Sequoia, arXiv 2402.12374; stateless
    acceptance). Exact for any order of the vector (``relaxation`` is ``"none"``): a
    non-increasing vector takes :func:`specbound.trees.optimal_tree` (best-first greedy,
    any budget); any other order the prefix-drafting DP of
    :func:`specbound.trees.positional_optimal_values`, one run for every budget
    (O(k x budget^2 / 2): budgets up to 1024 in well under a second). The greedy on the
    sorted vector would only be an upper bound then (it may draft candidate i + 1
    without candidate i).

    Parameters
    ----------
    vector : (k,) array-like
        a_1..a_k, entries in [0, 1] summing to <= 1.
    budgets : sequence of int >= 1
        Tree sizes (drafted tokens).

    Examples
    --------
    >>> positional_tree([0.5, 0.25], [1, 2]).tokens_per_step
    [1.5, 1.75]
    >>> positional_tree([0.25, 0.5], [1, 2]).tokens_per_step  # candidate 2 needs candidate 1
    [1.25, 1.75]
    """
    a = as_acceptance(vector, "vector", require_sorted=False)
    sizes = [check_int(b, "budgets", 1) for b in budgets]
    if not sizes:
        raise InvalidArgumentError("budgets: no budget given")
    check_tree_size(max(sizes), "budgets")
    if np.any(np.diff(a) > 0):
        exact = positional_optimal_values(a, max(sizes))
        return TreeCurve(sizes, [1.0 + float(exact[b]) for b in sizes], "none")
    tree = optimal_tree(a, max(sizes))
    pi = np.sort(np.asarray(tree.path_probability, dtype=np.float64))[::-1]
    curve = np.concatenate(([0.0], np.cumsum(pi)))
    values = [1.0 + float(curve[min(b, pi.size)]) for b in sizes]
    return TreeCurve(sizes, values, "none")
