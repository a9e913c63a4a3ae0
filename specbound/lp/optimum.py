"""Optimal multi-draft acceptance without the coupling LP (Khisti et al., arXiv 2410.18234).

K independent draft tokens X_k ~ q_k are offered at one position; a valid selection
rule outputs Y ~ p (the target). The largest acceptance P(Y in {X_1..X_K}) over all
valid rules is, as implemented here (max-flow / min-cut on the routing graph
tuples -> tokens -> sink, token capacity p):

.. math:: P^* = \\min_{T \\subseteq \\Omega} \\Big[ p(T) + 1 - \\prod_{k=1}^K q_k(T) \\Big]
          = 1 + \\min_T f(T), \\qquad f(T) = p(T) - \\prod_k q_k(T).

For K = 2 identical drafts this is the paper's two-draft theorem; the general-K form
settles the paper's conjecture with exponent K (the min-cut closed form).

Three exact methods, chosen by ``method="auto"``:

* ``"prefix"`` (identical drafts, O(n log n)): sort tokens by p(i)/q(i) (q(i) = 0
  last); a minimiser of f is a prefix of that order, because x -> x^K is convex (the
  prefix scan). Ties in the ratio never matter: on a tie group f is concave in q(S).
* ``"minnorm"`` (any drafts): f is submodular (a modular term minus a product of
  non-negative modular functions, which is supermodular). It is minimised by the
  Fujishige-Wolfe minimum-norm-point algorithm over the base polytope B(f), whose
  vertices are greedy marginal vectors (one sort + cumulative sums each). Every major
  iteration yields a lower bound sum_i min(x_i, 0) (x in B(f), a convex combination
  of greedy vertices) and an upper bound (the best level set of x); the method stops
  only when the two agree to ``tol`` -- a certified optimum -- and raises
  :class:`~specbound.errors.SolverError` otherwise.
* ``"brute"`` (n <= 16): all 2^n token sets, vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from specbound.distributions import as_distribution, as_distributions, check_same_size
from specbound.errors import InvalidArgumentError, SolverError

#: Largest vocabulary for the exhaustive method.
BRUTE_MAX_N = 16
#: f(T) >= -PERFECT_TOLERANCE for all T counts as "acceptance one".
PERFECT_TOLERANCE = 1e-12


@dataclass(frozen=True)
class Optimum:
    """The optimal multi-draft acceptance and its certificate.

    Attributes
    ----------
    acceptance : float
        P* = p(T) + 1 - prod_k q_k(T) at the minimising set.
    minimising_set : (m,) int ndarray
        Sorted token indices of a minimising set T* (empty when P* = 1).
    lower_bound : float
        A certified lower bound on P* (equal to ``acceptance`` for the prefix and brute
        methods; 1 + sum_i min(x_i, 0) from the base polytope for ``minnorm``).
    method : str
        ``"prefix"``, ``"minnorm"`` or ``"brute"``.
    iterations : int
        Major iterations of the min-norm-point algorithm (0 otherwise).
    """

    acceptance: float
    minimising_set: np.ndarray
    lower_bound: float
    method: str
    iterations: int = 0

    def __repr__(self) -> str:
        """One line: P*, the size of T* and at most 8 of its tokens (``|T*| = 0``: P* = 1)."""
        t = self.minimising_set
        head = ", ".join(str(int(i)) for i in t[:8]) + (", ..." if t.size > 8 else "")
        return (
            f"Optimum(acceptance={self.acceptance:.10g}, |T*|={t.size} [{head}], "
            f"lower_bound={self.lower_bound:.10g}, method={self.method!r}, "
            f"iterations={self.iterations})"
        )


def validate_drafts(target: ArrayLike, drafts: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Validate ``target`` (n,) and ``drafts`` (K, n); K >= 1 and equal vocabularies."""
    p = as_distribution(target, "target")
    arr = np.asarray(drafts)
    if arr.ndim == 2 and arr.shape[0] == 0:
        raise InvalidArgumentError("drafts: K = 0 drafts given; need at least one row")
    q = as_distributions(drafts, "drafts")
    check_same_size(p, q, "target", "drafts")
    return p, q


def validate_drafts_identical(
    target: ArrayLike, drafts: ArrayLike
) -> tuple[np.ndarray, np.ndarray, bool]:
    """As :func:`validate_drafts`, plus whether all rows are identical.

    Identical rows are detected on the raw array first; then only one row is validated
    and the (K, n) result is a read-only broadcast view (no copy of K n numbers).
    """
    arr = np.asarray(drafts)
    if (
        arr.ndim == 2
        and arr.shape[0] > 1
        and np.issubdtype(arr.dtype, np.floating)
        and bool((arr[1:] == arr[0]).all())
    ):
        p = as_distribution(target, "target")
        row = as_distribution(arr[0], "drafts")
        check_same_size(p, row, "target", "drafts")
        return p, np.broadcast_to(row, arr.shape), True
    p, q = validate_drafts(target, drafts)
    return p, q, identical(q)


def set_value(target: np.ndarray, drafts: np.ndarray, tokens: ArrayLike) -> float:
    """p(T) + 1 - prod_k q_k(T) for the token set T = ``tokens`` (an upper bound on P*)."""
    t = np.asarray(tokens, dtype=np.int64)
    return float(target[t].sum() + 1.0 - np.prod(drafts[:, t].sum(axis=1)))


def identical(drafts: np.ndarray) -> bool:
    """True when every row of ``drafts`` equals the first one exactly."""
    return bool(np.all(drafts == drafts[0]))


# ----------------------------------------------------------------------------- kernels


def int_power(x: np.ndarray, k: int) -> np.ndarray:
    """x**k for an integer k >= 1 by repeated squaring (log2 k multiplications; exact
    to rounding, and much faster than the generic ``pow``)."""
    out, base = None, x
    while k:
        if k & 1:
            out = base if out is None else out * base
        k >>= 1
        if k:
            base = base * base
    return out


def ratio_order(ratio: np.ndarray) -> np.ndarray:
    """A permutation sorting the non-negative ``ratio`` (inf allowed) increasingly, exactly.

    ``np.argsort`` is several times slower than ``np.sort`` of float64 (the latter uses
    SIMD), so for large n the token index is packed into the low b = ceil(log2 n) bits of
    each ratio's IEEE bit pattern (monotone for non-negative floats) and the packed
    floats are sorted. Entries whose truncated patterns collide are then re-sorted by
    their full ratio (``np.lexsort`` on those few positions), so the order is exact.
    Ties are broken arbitrarily (they never matter for the prefix scan).
    """
    n = ratio.size
    b = max(1, (n - 1).bit_length())
    if n < 4096 or b > 40:
        return np.argsort(ratio)
    mask = np.uint64((1 << b) - 1)
    capped = np.minimum(ratio, np.finfo(np.float64).max)  # inf would become NaN when packed
    key = (capped.view(np.uint64) & ~mask) | np.arange(n, dtype=np.uint64)
    key = np.sort(key.view(np.float64)).view(np.uint64)
    idx = (key & mask).astype(np.intp)
    high = key >> np.uint64(b)
    same = high[1:] == high[:-1]
    if same.any():
        run = np.zeros(n, dtype=bool)
        run[1:] |= same
        run[:-1] |= same
        pos = np.flatnonzero(run)
        sub = idx[pos]
        idx[pos] = sub[np.lexsort((ratio[sub], high[pos]))]
    return idx


def prefix_optimum(p: np.ndarray, q: np.ndarray, k: int) -> Optimum:
    """P* for K = ``k`` identical drafts q by the prefix scan, O(n log n).

    Tokens sorted by increasing p(i)/q(i), q(i) = 0 last; with T_m the first m,
    P* = min_{m=0..n} [p(T_m) + 1 - q(T_m)^K].
    """
    ratio = np.full(p.size, np.inf)
    np.divide(p, q, out=ratio, where=q > 0)
    order = ratio_order(ratio)
    values = np.empty(p.size + 1)
    values[0] = 0.0
    np.cumsum(p[order], out=values[1:])
    qc = np.cumsum(q[order])
    np.minimum(qc, 1.0, out=qc)
    values[1:] -= int_power(qc, k)
    m = int(np.argmin(values))
    value = float(np.clip(1.0 + values[m], 0.0, 1.0))
    return Optimum(value, np.sort(order[:m]), value, "prefix")


def brute_optimum(p: np.ndarray, q: np.ndarray) -> Optimum:
    """P* by enumerating all 2^n token sets (n <= 16), vectorised over sets."""
    n = p.size
    if n > BRUTE_MAX_N:
        raise InvalidArgumentError(f"method: 'brute' needs n <= {BRUTE_MAX_N}, got n = {n}")
    masks = (np.arange(2**n)[:, None] >> np.arange(n)) & 1
    m = masks.astype(np.float64)
    values = m @ p - np.prod(m @ q.T, axis=1)
    best = int(np.argmin(values))
    value = float(np.clip(1.0 + values[best], 0.0, 1.0))
    return Optimum(value, np.flatnonzero(masks[best]), value, "brute")


def _greedy(order: np.ndarray, p: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Greedy vertex of B(f) for ``order`` and the prefix values f(S_0..S_n)."""
    pc = np.cumsum(p[order])
    prod = np.prod(np.minimum(np.cumsum(q[:, order], axis=1), 1.0), axis=0)
    prefix = np.concatenate(([0.0], pc - prod))
    vertex = np.empty_like(p)
    vertex[order] = np.diff(prefix)
    return vertex, prefix


def _affine_minimiser(gram: np.ndarray) -> np.ndarray:
    """Weights alpha (sum 1) of the min-norm point of the affine hull of points with Gram
    matrix ``gram`` (KKT system by LU; least squares when it is nearly singular)."""
    m = gram.shape[0]
    kkt = np.zeros((m + 1, m + 1))
    kkt[:m, :m] = gram
    kkt[:m, m] = 1.0
    kkt[m, :m] = 1.0
    rhs = np.zeros(m + 1)
    rhs[m] = 1.0
    try:
        sol = np.linalg.solve(kkt, rhs)
        if not np.all(np.isfinite(sol)) or np.abs(kkt @ sol - rhs).max() > 1e-9:
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:  # (nearly) affinely dependent points
        sol = np.linalg.lstsq(kkt, rhs, rcond=None)[0]
    return sol[:m]


def minnorm_optimum(
    p: np.ndarray, q: np.ndarray, tol: float = 1e-11, max_iter: int = 20_000
) -> Optimum:
    """P* for any drafts by the Fujishige-Wolfe minimum-norm-point algorithm, certified.

    Minimises the submodular f(T) = p(T) - prod_k q_k(T). Each major iteration sorts the
    current point x ascending: the sorted prefixes are the level sets of x (primal
    candidates, best value U) and the greedy vertex of that order is the next point of
    the base polytope. L = sum_i min(x_i, 0) <= min f (weak duality, x in B(f)). The
    loop stops when U - L <= ``tol``.

    Raises
    ------
    SolverError
        If the gap is not closed within ``max_iter`` major iterations.
    """
    n = p.size
    order = np.argsort(p - q.prod(axis=0))
    x, prefix = _greedy(order, p, q)
    points = x[None, :].copy()
    gram = np.array([[x @ x]])  # kept in step with `points`: O(m n) per new vertex
    lam = np.array([1.0])
    best_val, best_set = 0.0, np.empty(0, dtype=np.int64)
    gap = np.inf
    for it in range(1, max_iter + 1):
        order = np.argsort(x, kind="stable")
        vertex, prefix = _greedy(order, p, q)
        m = int(np.argmin(prefix))
        if prefix[m] < best_val:
            best_val, best_set = float(prefix[m]), order[:m]
        lower = float(np.minimum(x, 0.0).sum())
        gap = best_val - lower
        if gap <= tol:
            value = float(np.clip(1.0 + best_val, 0.0, 1.0))
            return Optimum(value, np.sort(best_set), 1.0 + lower, "minnorm", it)
        if x @ x - x @ vertex <= 1e-15 * max(1.0, float(np.abs(points).max()) ** 2):
            break  # x is (numerically) the min-norm point but the gap is still open
        dots = points @ vertex
        gram = np.block([[gram, dots[:, None]], [dots[None, :], np.array([[vertex @ vertex]])]])
        points = np.vstack([points, vertex])
        lam = np.append(lam, 0.0)
        while True:  # minor cycles
            alpha = _affine_minimiser(gram)
            if np.all(alpha > 1e-14):
                lam = alpha
                break
            neg = alpha <= 1e-14
            with np.errstate(divide="ignore", invalid="ignore"):
                steps = np.where(neg, lam / (lam - alpha), np.inf)
            theta = float(min(1.0, steps[neg].min()))
            lam = theta * alpha + (1.0 - theta) * lam
            keep = lam > 1e-14
            if keep.sum() == points.shape[0]:
                keep[int(np.argmin(lam))] = False
            points, lam, gram = points[keep], lam[keep], gram[np.ix_(keep, keep)]
            lam = lam / lam.sum()
            if points.shape[0] == 1:
                break
        x = lam @ points
    raise SolverError(
        f"minimum-norm point did not certify the optimum (gap {gap:.3g} > tol {tol:g}, n={n})",
        status="not_certified",
        solver="minnorm",
    )


# ----------------------------------------------------------------------------- public


def optimum(target: ArrayLike, drafts: ArrayLike, method: str = "auto") -> Optimum:
    """Optimal multi-draft acceptance P* with the minimising token set (certificate).

    Parameters
    ----------
    target : (n,) array-like
        Target law p.
    drafts : (K, n) array-like
        One row per independent draft law q_k (a 1-D array is one draft, K = 1).
    method : {"auto", "prefix", "minnorm", "brute"}
        ``auto``: the prefix scan when all drafts are identical, otherwise the
        certified ``minnorm``; see the module docstring.

    Returns
    -------
    Optimum

    Raises
    ------
    InvalidArgumentError
        Invalid laws, K = 0, a vocabulary size differing from the target's, an unknown
        method, or ``prefix`` with non-identical drafts.
    SolverError
        ``minnorm`` could not certify the optimum.
    """
    p, q, same = validate_drafts_identical(target, drafts)
    if method not in {"auto", "prefix", "minnorm", "brute"}:
        raise InvalidArgumentError(
            f"method: expected 'auto', 'prefix', 'minnorm' or 'brute', got {method!r}"
        )
    if method == "prefix" and not same:
        raise InvalidArgumentError("method: 'prefix' needs identical drafts (all rows equal)")
    if method == "brute":
        return brute_optimum(p, q)
    if method == "prefix" or (method == "auto" and same):
        return prefix_optimum(p, q[0], q.shape[0])
    return minnorm_optimum(p, q)


def optimal_acceptance(target: ArrayLike, drafts: ArrayLike, method: str = "auto") -> float:
    """Largest P(output is one of the K drafts) over all valid selection rules.

    .. math:: P^* = \\min_{T \\subseteq \\Omega} [\\, p(T) + 1 - \\prod_k q_k(T) \\,]

    Khisti et al. (arXiv 2410.18234), two-draft theorem; general K and non-identical
    drafts as implemented here (min-cut of the coupling LP). Identical drafts take
    O(n log n); non-identical drafts use the certified min-norm-point method. A
    probability (unitless).

    Parameters
    ----------
    target : (n,) array-like
        Target law p.
    drafts : (K, n) array-like
        Independent draft laws q_k, one per row (K >= 1).
    method : {"auto", "prefix", "minnorm", "brute"}
        See :func:`optimum`.

    Examples
    --------
    >>> round(optimal_acceptance([0.1, 0.9], [[0.5, 0.5], [0.5, 0.5]]), 6)
    0.85
    """
    return optimum(target, drafts, method).acceptance


def optimal_acceptance_identical(target: ArrayLike, draft: ArrayLike, k: int) -> float:
    """P* for ``k`` i.i.d. drafts from ``draft`` without building a (k, n) array, O(n log n)."""
    from specbound.distributions import check_int

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
