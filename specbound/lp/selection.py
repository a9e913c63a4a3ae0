"""Importance-weighted selection rules: the canonical decomposition and plain importance sampling.

Khisti et al. (arXiv 2410.18234): the canonical decomposition. A two-step rule first selects one of
the K draft tokens -- position k of the tuple x with probability beta_k(x) -- and then
runs single-draft speculative sampling on the selected token with draft law q_I (its
exact law) and target p:

.. math:: q_I(y) = \\sum_x Q(x) \\sum_k \\beta_k(x)\\, 1[x_k = y], \\qquad
          P(\\text{accept}) = \\sum_y \\min(p(y), q_I(y)).

The output is exactly p for any beta. Two choices of beta are built here:

* :func:`canonical_rule`: beta from an optimal coupling pi of the LP,
  beta_y(x) = pi(x, y) / Q(x) for y in set(x) (split evenly over repeated positions),
  left-over mass on position 1. Then q_I >= a(y) = sum_x pi(x, y) 1[y in set(x)]
  and a <= p, so sum_y min(p, q_I) >= P*: the canonical decomposition attains the
  optimum (the paper's theorem; proof in ``theory/multidraft.md``).
* :func:`importance_weighted_rule`: self-normalised importance weights
  beta_k(x) proportional to p(x_k) / q_k(x_k) (position 1 when all weights vanish),
  a training-free baseline.

Both need the n^K tuples explicitly, so they are for small n^K (q_I is exact).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from specbound.errors import InvalidArgumentError
from specbound.lp.coupling import CouplingResult, coupling_lp, tuple_probabilities, tuples
from specbound.lp.optimum import validate_drafts

#: Largest n^K for which selection rules are built explicitly.
MAX_TUPLES = 4_000_000


@dataclass(frozen=True)
class SelectionRule:
    """A first-step selection rule with its exact intermediate law.

    Attributes
    ----------
    target : (n,) ndarray
        p.
    drafts : (K, n) ndarray
        q_k, one per row.
    selection : (n^K, K) ndarray
        beta_k(x): probability of selecting position k of tuple x (row-major index).
    intermediate : (n,) ndarray
        q_I, the law of the selected token.
    acceptance : float
        sum_y min(p(y), q_I(y)), the acceptance of the two-step scheme.
    name : str
        ``"canonical"`` or ``"importance"``.
    """

    target: np.ndarray
    drafts: np.ndarray
    selection: np.ndarray
    intermediate: np.ndarray
    acceptance: float
    name: str


def _check_size(n: int, k: int) -> None:
    if n**k > MAX_TUPLES:
        raise InvalidArgumentError(
            f"drafts: n^K = {n}^{k} tuples exceed {MAX_TUPLES}; use smaller n or K"
        )


def intermediate_law(drafts: np.ndarray, selection: np.ndarray) -> np.ndarray:
    """q_I(y) = sum_x Q(x) sum_k beta_k(x) 1[x_k = y], exact, O(K n^K)."""
    k, n = drafts.shape
    big_q = tuple_probabilities(drafts)
    w = big_q[:, None] * selection
    return np.bincount(tuples(n, k).ravel(), weights=w.ravel(), minlength=n)


def _rule(p: np.ndarray, q: np.ndarray, selection: np.ndarray, name: str) -> SelectionRule:
    qi = intermediate_law(q, selection)
    qi = qi / qi.sum()
    acc = float(np.minimum(p, qi).sum())
    return SelectionRule(p, q, selection, qi, acc, name)


def selection_from_coupling(result: CouplingResult) -> np.ndarray:
    """beta_k(x) from an optimal coupling: pi(x, x_k) / Q(x) / multiplicity of x_k in x.

    Left-over mass 1 - sum_{y in set(x)} pi(x, y) / Q(x) goes to position 1; tuples of
    probability 0 select position 1.
    """
    p, q = result.target, result.drafts
    k, n = q.shape
    tup = tuples(n, k)
    big_q = tuple_probabilities(q)
    pi = result.coupling.reshape(n**k, n)
    mult = (tup[:, :, None] == tup[:, None, :]).sum(axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        beta = np.take_along_axis(pi, tup, axis=1) / big_q[:, None] / mult
    beta = np.where(big_q[:, None] > 0, beta, 0.0)
    beta = np.clip(beta, 0.0, 1.0)
    total = beta.sum(axis=1)
    over = total > 1.0
    beta[over] /= total[over, None]  # solver rounding only
    beta[:, 0] += 1.0 - beta.sum(axis=1)
    del p
    return beta


def canonical_rule(
    target: ArrayLike,
    drafts: ArrayLike,
    solver: str | None = None,
    coupling: CouplingResult | None = None,
) -> SelectionRule:
    """The canonical decomposition of an optimal rule (importance selection, then SD).

    Parameters
    ----------
    target : (n,) array-like
        Target law p.
    drafts : (K, n) array-like
        Independent draft laws, one per row.
    solver : str, optional
        LP solver for :func:`~specbound.lp.coupling.coupling_lp` (None: HiGHS).
    coupling : CouplingResult, optional
        A solved LP for these laws (saves the solve).

    Returns
    -------
    SelectionRule
        With ``acceptance`` = sum_y min(p, q_I) = P* (Khisti et al., arXiv 2410.18234,
        canonical decomposition).

    Raises
    ------
    InvalidArgumentError
        Invalid laws or n^K above 4e6.
    SolverError
        The LP failed.
    """
    p, q = validate_drafts(target, drafts)
    _check_size(q.shape[1], q.shape[0])
    res = coupling if coupling is not None else coupling_lp(p, q, solver=solver)
    return _rule(p, q, selection_from_coupling(res), "canonical")


def importance_weighted_rule(target: ArrayLike, drafts: ArrayLike) -> SelectionRule:
    """Select position k with probability proportional to p(x_k) / q_k(x_k), then SD with q_I.

    Self-normalised importance weights (a baseline of the canonical family; Khisti et
    al., arXiv 2410.18234). If every weight of a tuple is 0 (all its tokens have
    p = 0), position 1 is selected. Exact q_I by enumerating the n^K tuples.

    Raises
    ------
    InvalidArgumentError
        Invalid laws or n^K above 4e6.
    """
    p, q = validate_drafts(target, drafts)
    k, n = q.shape
    _check_size(n, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(q > 0, p[None, :] / q, 0.0)
    tup = tuples(n, k)
    w = ratio[np.arange(k)[None, :], tup]
    total = w.sum(axis=1, keepdims=True)
    beta = np.where(total > 0, w / np.where(total > 0, total, 1.0), 0.0)
    beta[:, 0] += np.where(total[:, 0] > 0, 0.0, 1.0)
    return _rule(p, q, beta, "importance")


def importance_weighted_acceptance(target: ArrayLike, drafts: ArrayLike) -> float:
    """Acceptance sum_y min(p, q_I) of :func:`importance_weighted_rule`."""
    return importance_weighted_rule(target, drafts).acceptance
