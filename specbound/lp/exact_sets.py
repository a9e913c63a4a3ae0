"""Token-set objects of the multi-draft optimum: validation, the result type, and the
two direct exact methods (Khisti et al., arXiv 2410.18234; theory note C3, C5).

P* = min_T [p(T) + 1 - prod_k q_k(T)] = 1 + min_T f(T), f(T) = p(T) - prod_k q_k(T).

* :func:`prefix_optimum` (identical drafts, O(n log n)): sort tokens by p(i)/q(i)
  (q(i) = 0 last); a minimiser of f is a prefix of that order, because x -> x^K is
  convex (theory note C5). Ties in the ratio never matter: on a tie group f is concave
  in q(S).
* :func:`brute_optimum` (n <= 16): all 2^n token sets, vectorised.

The certified methods for different drafts live in :mod:`specbound.lp.halfspace` and
:mod:`specbound.lp.minnorm`; :mod:`specbound.lp.optimum` dispatches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from specbound.distributions import as_distribution, as_distributions, check_same_size
from specbound.errors import InvalidArgumentError

#: Largest vocabulary for the exhaustive method.
BRUTE_MAX_N = 16
#: f(T) >= -PERFECT_TOLERANCE for all T counts as "acceptance one".
PERFECT_TOLERANCE = 1e-12
#: Largest gap between the upper and lower bound of a certified optimum.
CERTIFY_GAP = 1e-9


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
        methods of i.i.d. drafts; the branch-and-bound bound for ``halfspace``;
        1 + sum_i min(x_i, 0) from the base polytope for ``minnorm``; the quadrature
        bracket's lower end for drafts without replacement with K >= 3, method
        ``"prefix"``, where ``acceptance`` is the upper end).
    method : str
        ``"prefix"``, ``"halfspace"``, ``"minnorm"``, ``"brute"`` or ``"lp"``.
    iterations : int
        Boxes of the branch and bound, major iterations of the min-norm-point
        algorithm, or Gauss-Laguerre nodes of the without-replacement prefix method
        (0 otherwise).
    """

    acceptance: float
    minimising_set: np.ndarray
    lower_bound: float
    method: str
    iterations: int = 0

    @property
    def certified(self) -> bool:
        """Whether ``acceptance - lower_bound <= CERTIFY_GAP`` (1e-9)."""
        return self.acceptance - self.lower_bound <= CERTIFY_GAP

    def __repr__(self) -> str:
        """One line: P*, the size of T* and at most 8 of its tokens (``|T*| = 0``: P* = 1)."""
        t = self.minimising_set
        head = ", ".join(str(int(i)) for i in t[:8]) + (", ..." if t.size > 8 else "")
        return (
            f"Optimum(acceptance={self.acceptance:.10g}, |T*|={t.size} [{head}], "
            f"lower_bound={self.lower_bound:.10g}, method={self.method!r}, "
            f"iterations={self.iterations})"
        )


def _raw(drafts: ArrayLike) -> np.ndarray | None:
    """``drafts`` as numpy reads it, or None when it cannot (ragged rows: the validation
    of :func:`~specbound.distributions.as_distributions` then refuses it, naming ``drafts``)."""
    try:
        return np.asarray(drafts)
    except ValueError:
        return None


def validate_drafts(target: ArrayLike, drafts: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Validate ``target`` (n,) and ``drafts`` (K, n); K >= 1 and equal vocabularies."""
    p = as_distribution(target, "target")
    arr = _raw(drafts)
    if arr is not None and arr.ndim == 2 and arr.shape[0] == 0:
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
    arr = _raw(drafts)
    if (
        arr is not None
        and arr.ndim == 2
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
    """P* for K = ``k`` identical drafts q by the prefix scan (theory note C5), O(n log n).

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
