"""Certified optimal multi-draft acceptance by the minimum-norm-point algorithm.

f(T) = p(T) - prod_k q_k(T) is submodular (a modular term minus a product of
non-negative modular functions, which is supermodular), so P* = 1 + min_T f(T)
(Khisti et al., arXiv 2410.18234, min-cut form of the theory note C3) can be found by
the Fujishige-Wolfe minimum-norm-point algorithm over the base polytope B(f), whose
vertices are greedy marginal vectors (one sort + cumulative sums each). Every major
iteration yields a lower bound sum_i min(x_i, 0) (x in B(f), a convex combination of
greedy vertices) and an upper bound (the best level set of x); the method stops only
when the two agree to ``tol``. Slow at vocabulary scale and unable to certify some very
peaked inputs: :mod:`specbound.lp.halfspace` is the default, this is a fallback.
"""

from __future__ import annotations

import numpy as np

from specbound.errors import SolverError
from specbound.lp.exact_sets import Optimum


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
