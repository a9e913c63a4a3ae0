"""Optimal multi-draft acceptance without the coupling LP (Khisti et al., arXiv 2410.18234).

K independent draft tokens X_k ~ q_k are offered at one position; a valid selection
rule outputs Y ~ p (the target). The largest acceptance P(Y in {X_1..X_K}) over all
valid rules is, as implemented here (max-flow / min-cut on the routing graph
tuples -> tokens -> sink, token capacity p):

.. math:: P^* = \\min_{T \\subseteq \\Omega} \\Big[ p(T) + 1 - \\prod_{k=1}^K q_k(T) \\Big]
          = 1 + \\min_T f(T), \\qquad f(T) = p(T) - \\prod_k q_k(T).

For K = 2 identical drafts this is the paper's two-draft theorem; the general-K form
settles the paper's conjecture with exponent K (the min-cut closed form).

Exact methods, chosen by ``method="auto"``:

* ``"prefix"`` (identical drafts, O(n log n)): :func:`~specbound.lp.exact_sets.prefix_optimum`.
* ``"halfspace"`` (any drafts): branch and bound over the gradient lambda of the
  product, with a Lagrangian lower bound per box (:mod:`specbound.lp.halfspace`);
  certified when the bounds agree to 1e-9.
* ``"minnorm"`` (any drafts): the Fujishige-Wolfe minimum-norm point
  (:mod:`specbound.lp.minnorm`), certified or :class:`~specbound.errors.SolverError`.
* ``"brute"`` (n <= 16): all 2^n token sets.

``auto`` with different drafts runs ``halfspace``; when it does not certify it falls
back to ``brute`` (n <= 16), then ``minnorm``, then ``halfspace`` with a 20x budget,
then the coupling LP (n^K <= 20,000 tuples); a valid input is never refused. The
result carries its certificate (``lower_bound``, ``acceptance`` = the value of
``minimising_set``, ``certified``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from specbound.distributions import check_removed
from specbound.errors import InvalidArgumentError, SolverError
from specbound.lp.exact_sets import (
    BRUTE_MAX_N,
    CERTIFY_GAP,
    PERFECT_TOLERANCE,
    Optimum,
    brute_optimum,
    identical,
    prefix_optimum,
    set_value,
    validate_drafts,
    validate_drafts_identical,
)
from specbound.lp.halfspace import MAX_BOXES, minimise_product_gap
from specbound.lp.minnorm import minnorm_optimum

__all__ = [
    "Optimum",
    "identical",
    "optimal_acceptance",
    "optimal_acceptance_identical",
    "optimum",
    "perfect_acceptance",
    "set_value",
    "validate_drafts",
]

METHODS = ("auto", "prefix", "halfspace", "minnorm", "brute")
#: Largest n^K for the coupling-LP fallback.
LP_FALLBACK_TUPLES = 20_000


def halfspace_optimum(p: np.ndarray, q: np.ndarray, max_boxes: int = MAX_BOXES) -> Optimum:
    """P* by the branch and bound of :mod:`specbound.lp.halfspace` (certified if the
    returned ``certified`` is true; the bounds are valid either way)."""
    res = minimise_product_gap(p, q, max_boxes=max_boxes)
    raw = 1.0 + res.upper  # the value of a token set: in [0, 1] up to rounding
    check_removed(max(raw - 1.0, -raw, 0.0), "halfspace_optimum", tolerance=CERTIFY_GAP)
    upper = min(max(raw, 0.0), 1.0)
    # 0 <= P* <= upper always, so raising a loose Lagrangian bound to that range is exact
    lower = float(np.clip(1.0 + res.lower, 0.0, upper))
    return Optimum(upper, res.tokens, lower, "halfspace", res.boxes)


def lp_optimum(p: np.ndarray, q: np.ndarray) -> Optimum:
    """P* from the coupling LP (exact to the solver's tolerance) and its dual token set."""
    from specbound.lp.coupling import coupling_lp

    res = coupling_lp(p, q)
    return Optimum(res.upper_bound, res.minimising_set, min(res.acceptance, res.upper_bound), "lp")


def certified_optimum(p: np.ndarray, q: np.ndarray) -> Optimum:
    """P* for different drafts: ``halfspace``, then the exact fallbacks of the module
    docstring until one certifies; otherwise the tightest bounds found (never raises)."""
    best = halfspace_optimum(p, q)
    if best.certified:
        return best
    k, n = q.shape
    attempts = []
    if n <= BRUTE_MAX_N:
        attempts.append(lambda: brute_optimum(p, q))
    attempts += [lambda: minnorm_optimum(p, q), lambda: halfspace_optimum(p, q, 20 * MAX_BOXES)]
    if n**k <= LP_FALLBACK_TUPLES:
        attempts.append(lambda: lp_optimum(p, q))
    for attempt in attempts:
        try:
            res = attempt()
        except SolverError:
            continue
        if res.certified:
            return res
        if res.acceptance - res.lower_bound < best.acceptance - best.lower_bound:
            best = res
    return best


def optimum(target: ArrayLike, drafts: ArrayLike, method: str = "auto") -> Optimum:
    """Optimal multi-draft acceptance P* with the minimising token set (certificate).

    Parameters
    ----------
    target : (n,) array-like
        Target law p.
    drafts : (K, n) array-like
        One row per independent draft law q_k (a 1-D array is one draft, K = 1).
    method : {"auto", "prefix", "halfspace", "minnorm", "brute"}
        ``auto``: the prefix scan when all drafts are identical, otherwise the certified
        branch and bound with exact fallbacks; see the module docstring.

    Returns
    -------
    Optimum
        ``acceptance`` (the value of ``minimising_set``, an upper bound on P* equal to
        it when certified), ``lower_bound``, ``certified``.

    Raises
    ------
    InvalidArgumentError
        Invalid laws, K = 0, a vocabulary size differing from the target's, an unknown
        method, ``prefix`` with non-identical drafts, or ``brute`` with n > 16.
    SolverError
        Only with ``method="minnorm"``: it could not certify the optimum.
    """
    p, q, same = validate_drafts_identical(target, drafts)
    if method not in METHODS:
        raise InvalidArgumentError(f"method: expected one of {METHODS}, got {method!r}")
    if method == "prefix" and not same:
        raise InvalidArgumentError("method: 'prefix' needs identical drafts (all rows equal)")
    if method == "brute":
        return brute_optimum(p, q)
    if method == "prefix" or (method == "auto" and same):
        return prefix_optimum(p, q[0], q.shape[0])
    if method == "minnorm":
        return minnorm_optimum(p, np.ascontiguousarray(q))
    if method == "halfspace":
        return halfspace_optimum(p, np.ascontiguousarray(q))
    return certified_optimum(p, np.ascontiguousarray(q))


def optimal_acceptance(target: ArrayLike, drafts: ArrayLike, method: str = "auto") -> float:
    """Largest P(output is one of the K drafts) over all valid selection rules.

    .. math:: P^* = \\min_{T \\subseteq \\Omega} [\\, p(T) + 1 - \\prod_k q_k(T) \\,]

    Khisti et al. (arXiv 2410.18234), two-draft theorem; general K and non-identical
    drafts as implemented here (min-cut of the coupling LP). Identical drafts take
    O(n log n); different drafts use the certified branch and bound of
    :mod:`specbound.lp.halfspace` (with exact fallbacks, see :func:`optimum`). A
    probability (unitless).

    Parameters
    ----------
    target : (n,) array-like
        Target law p.
    drafts : (K, n) array-like
        Independent draft laws q_k, one per row (K >= 1).
    method : {"auto", "prefix", "halfspace", "minnorm", "brute"}
        See :func:`optimum`.

    Examples
    --------
    >>> round(optimal_acceptance([0.1, 0.9], [[0.5, 0.5], [0.5, 0.5]]), 6)
    0.85
    """
    return optimum(target, drafts, method).acceptance


def optimal_acceptance_identical(target: ArrayLike, draft: ArrayLike, k: int) -> float:
    """P* for ``k`` i.i.d. drafts from ``draft`` without building a (k, n) array, O(n log n)."""
    from specbound.distributions import as_distribution, check_int, check_same_size

    p = as_distribution(target, "target")
    q = as_distribution(draft, "draft")
    check_same_size(p, q, "target", "draft")
    k = check_int(k, "k", 1)
    return prefix_optimum(p, q, k).acceptance


def perfect_acceptance(target: ArrayLike, drafts: ArrayLike) -> bool:
    """Whether the optimal acceptance is 1: p(T) >= prod_k q_k(T) for every token set T.

    Khisti et al. (arXiv 2410.18234): the two-identical-draft condition p(S) >= q(S)^2;
    for general K and drafts as implemented here. Decided by the exact minimum of
    f(T) = p(T) - prod_k q_k(T) against -1e-12 (rounding).

    Examples
    --------
    >>> perfect_acceptance([0.3, 0.7], [[0.5, 0.5], [0.5, 0.5]])
    True
    """
    return optimum(target, drafts).acceptance >= 1.0 - PERFECT_TOLERANCE
