"""Certified minimum of c(T) - prod_k g_k(T) over token sets T by branch and bound.

The optimal multi-draft acceptance is P* = 1 + min_T [p(T) - prod_k q_k(T)]
(:mod:`specbound.lp.optimum`); drafts without replacement reduce to the same form for
K = 2 (:mod:`specbound.lp.without_replacement`). This module minimises the general

.. math:: F(T) = c(T) - \\prod_{k=1}^K g_k(T), \\qquad c \\in \\mathbb{R}^n,\\ g \\ge 0,

with a lower and an upper bound that agree to a tolerance (a certificate).

Half-space structure (exact). Let T* be a minimiser, y = g(T*) and
lambda = grad prod(y), i.e. lambda_k = prod_{j != k} y_j. Removing i in T* or adding
j not in T* cannot help, and prod is multilinear with non-negative, increasing
gradient along those segments, so c_i <= lambda . g_i for i in T* and
c_j >= lambda . g_j for j not in T*:
{i : c_i < lambda . g_i} subset T* subset {i : c_i <= lambda . g_i}.

Branch and bound over boxes L = [a, b] of lambda (root: a = 0,
b_k = prod_{j != k} g_j(all)). On a box, tokens with c_i < a . g_i are surely in,
tokens with c_i > b . g_i surely out, the rest U undecided; so y lies in
Y = [g(in), g(in) + g(U)], and, when a > 0, in the box of points whose gradient lies in L
(y_k = P / lambda_k with P^(K-1) = prod_k lambda_k). For any mu the Lagrangian bound

.. math:: F(T) \\ge c(\\mathrm{in}) - \\mu \\cdot g(\\mathrm{in})
          + \\sum_{i \\in U} \\min(0, c_i - \\mu \\cdot g_i)
          + \\min_{v \\in \\mathrm{vertices}(Y)} [\\mu \\cdot v - \\textstyle\\prod_k v_k]

holds (mu . y - prod y is multilinear, so its minimum over a box is at a vertex). Each
box costs one pass over its undecided tokens; a box with at most ``ENUMERATE_MAX``
undecided tokens is solved exactly by enumeration. Upper bounds are F at
{c < mu . g} for mu in the box. Rounding is covered by a slack of
(48 + log2 n + 2K) eps times the magnitude of the terms. No source paper: the method is
this project's (issue 18).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np

#: Boxes with at most this many undecided tokens are solved by enumeration (2^m sets).
ENUMERATE_MAX = 12
#: Default budget of boxes before giving up certification.
MAX_BOXES = 200_000
EPS = np.finfo(np.float64).eps


@dataclass(frozen=True)
class SetMinimum:
    """A certified minimum of F(T) = c(T) - prod_k g_k(T).

    Attributes
    ----------
    lower, upper : float
        lower <= min_T F(T) <= upper = F(tokens) (``upper`` recomputed on the set).
    tokens : (m,) int ndarray
        Sorted indices of a set attaining ``upper``.
    boxes : int
        Branch-and-bound boxes processed.
    """

    lower: float
    upper: float
    tokens: np.ndarray
    boxes: int

    @property
    def gap(self) -> float:
        """upper - lower (>= 0)."""
        return self.upper - self.lower


def reduced_cost(c: np.ndarray, g: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """c_i - sum_k mu_k g_ki, summed in a fixed order (identical on any subset of tokens)."""
    d = c.copy()
    for k in range(g.shape[0]):
        d -= mu[k] * g[k]
    return d


def set_objective(c: np.ndarray, g: np.ndarray, tokens: np.ndarray) -> float:
    """F(T) = c(T) - prod_k g_k(T) for the index array ``tokens``."""
    return float(c[tokens].sum() - np.prod(g[:, tokens].sum(axis=1)))


def _vertices(k: int) -> np.ndarray:
    """(2^k, k) 0/1 matrix of the corners of a k-box."""
    return ((np.arange(2**k)[:, None] >> np.arange(k)) & 1).astype(bool)


def _fixed_point_box(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Box of y with grad prod(y) in [a, b] (a > 0): y_k = P / lambda_k, P^(K-1) = prod lambda.

    Returns (lo, hi), widened by a relative 1e-12 against rounding.
    """
    k = a.size
    e = 1.0 / (k - 1)
    la, lb = np.log(a), np.log(b)
    lo = e * (la.sum() - la + lb) - lb
    hi = e * (lb.sum() - lb + la) - la
    return np.exp(lo) * (1 - 1e-12), np.exp(hi) * (1 + 1e-12)


def _propagate(a, b, lo, hi, drop):
    """Shrink the box [lo, hi] of y to points with prod_{i != j} y_i in [a_j, b_j] for all j.

    Interval propagation y_k = lambda_j / prod_{i != j, k} y_i (valid with zeros);
    ``drop`` is the (K, K, K) mask of the factors left out. Two rounds, widened by a
    relative 1e-12 against rounding.
    """
    off = ~np.eye(a.size, dtype=bool)
    pos_a = off & (a[:, None] > 0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for _ in range(2):
            mhi = np.prod(np.where(drop, 1.0, hi), axis=2)  # [j, k]
            mlo = np.prod(np.where(drop, 1.0, lo), axis=2)
            low = np.where(pos_a, a[:, None] / mhi, 0.0)  # a_j > 0 = mhi: infeasible (inf)
            high = np.where(off & (mlo > 0), b[:, None] / mlo, np.inf)
            lo = np.maximum(lo, low.max(axis=0) * (1 - 1e-12))
            hi = np.minimum(hi, high.min(axis=0) * (1 + 1e-12))
    return lo, hi


def others_product(x: np.ndarray) -> np.ndarray:
    """(prod_{j != k} x_j)_k, the gradient of prod(x), by prefix and suffix products."""
    left = np.cumprod(np.concatenate(([1.0], x[:-1])))
    right = np.cumprod(np.concatenate(([1.0], x[:0:-1])))[::-1]
    return left * right


class _Search:
    """State of one branch and bound (reduced tokens: c > 0 and g not all zero)."""

    def __init__(self, c: np.ndarray, g: np.ndarray, c0: float, g0: np.ndarray, tol: float):
        self.c, self.g, self.c0, self.g0, self.tol = c, g, c0, g0, tol
        self.k = g.shape[0]
        self.corners = _vertices(self.k)
        r = np.arange(self.k)
        self.drop = (r[None, None, :] == r[:, None, None]) | (r[None, None, :] == r[None, :, None])
        self.best = c0 - float(np.prod(g0))  # the fixed tokens alone
        self.best_set: tuple[np.ndarray, np.ndarray] = (np.full(self.k, np.inf), np.empty(0, int))
        self.scale = 1.0 + float(np.abs(c).sum()) + float(g.sum(axis=1).max()) ** self.k

    def slack(self, m: int) -> float:
        return (48 + math.log2(m + 2) + 2 * self.k) * EPS * self.scale * self.k

    def offer(self, value: float, a: np.ndarray, extra: np.ndarray) -> None:
        """Record T = {c < a . g} plus ``extra`` (indices) if its value is the best."""
        if value < self.best:
            self.best, self.best_set = value, (a.copy(), extra)

    def bound(self, a, b, cin, gin, u):
        """(lower bound, exact?) of F over the box; also offers upper candidates."""
        cu, gu = self.c[u], self.g[:, u]
        gsum = gu.sum(axis=1)
        lo, hi = gin.copy(), gin + gsum
        if self.k >= 2 and np.all(a > 0):
            flo, fhi = _fixed_point_box(a, b)
            lo, hi = np.maximum(lo, flo), np.minimum(hi, fhi)
        if self.k >= 2:
            lo, hi = _propagate(a, b, lo, hi, self.drop)
            if np.any(lo > hi):
                return np.inf, True  # no fixed point of the gradient map in this box
        if u.size <= ENUMERATE_MAX:
            masks = _vertices(u.size)
            vals = cin + masks @ cu - np.prod(gin[:, None] + gu @ masks.T, axis=0)
            j = int(np.argmin(vals))
            self.offer(float(vals[j]), a, u[masks[j]])
            return float(vals[j]) - self.slack(u.size), True
        corners = np.where(self.corners, hi, lo)  # (2^K, K)
        cprod = np.prod(corners, axis=1)
        centre = 0.5 * (lo + hi)
        grad = others_product(centre)
        best_lb = -np.inf
        inside = np.clip(grad, a, b)
        mus = (grad, inside) if np.any(inside != grad) else (grad,)
        for mu in (*mus, 0.5 * (a + b)):
            d = cu - mu @ gu  # rounding is inside the slack; classification uses reduced_cost
            neg = d < 0
            lb = cin - mu @ gin + d[neg].sum() + float((corners @ mu - cprod).min())
            best_lb = max(best_lb, lb)
            if mu is not grad or len(mus) == 1:  # mu in the box: {c < mu . g} = in + U[neg]
                y = gin + gu[:, neg].sum(axis=1)
                self.offer(cin + float(cu[neg].sum()) - float(np.prod(y)), a, u[neg])
        return best_lb - self.slack(u.size), False

    def run(self, max_boxes: int) -> tuple[float, int]:
        """Best-first search; returns (certified lower bound, boxes)."""
        k, n = self.g.shape
        gtot = self.g0 + self.g.sum(axis=1)
        b = others_product(gtot) * (1 + 1e-12)
        a = np.zeros(k)
        u = np.arange(n)
        lb, exact = self.bound(a, b, self.c0, self.g0, u)
        heap = [(lb, 0, a, b, self.c0, self.g0, u, exact)]
        closed = np.inf  # smallest bound of a discarded box
        count = 1
        while heap:
            lb, _, a, b, cin, gin, u, exact = heapq.heappop(heap)
            if lb >= self.best - self.tol or exact:
                closed = min(closed, lb)
                continue
            if count >= max_boxes:
                closed = min(closed, lb)  # left open: its bound still counts
                break
            cu, gu = self.c[u], self.g[:, u]
            j = int(np.argmax((b - a) * gu.sum(axis=1)))
            mid = 0.5 * (a[j] + b[j])
            # every token of u has c >= a . g and c <= b . g: the lower half [a, b'] only
            # sheds tokens above b', the upper half [a', b] only fixes tokens below a'
            b_low, a_up = b.copy(), a.copy()
            b_low[j], a_up[j] = mid, mid
            sure_in = reduced_cost(cu, gu, a_up) < 0
            children = (
                (a, b_low, cin, gin, u[reduced_cost(cu, gu, b_low) <= 0]),
                (
                    a_up,
                    b,
                    cin + float(cu[sure_in].sum()),
                    gin + gu[:, sure_in].sum(axis=1),
                    u[~sure_in],
                ),
            )
            for child in children:
                child_lb, child_exact = self.bound(*child)
                count += 1
                heapq.heappush(heap, (child_lb, count, *child, child_exact))
        lower = min([closed, self.best] + [h[0] for h in heap])
        return lower, count


def minimise_product_gap(
    c: np.ndarray, g: np.ndarray, tol: float = 1e-10, max_boxes: int = MAX_BOXES
) -> SetMinimum:
    """Certified min_T [c(T) - prod_k g_k(T)] (c real, g >= 0 of shape (K, n)).

    Tokens with c_i <= 0 are always in a minimiser (adding them never raises F) and
    tokens with g_ki = 0 for all k and c_i > 0 never; the rest go to the branch and
    bound of the module docstring, which stops when lower >= upper - ``tol`` or after
    ``max_boxes`` boxes (then ``gap`` exceeds ``tol``: not certified).
    """
    g = np.asarray(g, dtype=np.float64)
    c = np.asarray(c, dtype=np.float64)
    fixed = c <= 0
    free = ~fixed & (g > 0).any(axis=0)
    idx = np.flatnonzero(free)
    search = _Search(c[idx], g[:, idx], float(c[fixed].sum()), g[:, fixed].sum(axis=1), tol)
    lower, boxes = search.run(max_boxes)
    a, extra = search.best_set
    if np.all(np.isfinite(a)):
        inner = np.flatnonzero(reduced_cost(search.c, search.g, a) < 0)
        chosen = np.union1d(inner, extra)
    else:
        chosen = np.empty(0, dtype=np.int64)
    tokens = np.sort(np.concatenate([np.flatnonzero(fixed), idx[chosen]]))
    upper = set_objective(c, g, tokens)
    return SetMinimum(min(lower, upper), upper, tokens, boxes)
