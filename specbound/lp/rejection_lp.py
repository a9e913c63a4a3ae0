"""Linear programs behind the optimality and trade-off results of Yin et al. (cvxpy).

Yin, Chen, Huang, Wang, arXiv 2411.00841, Thm 2 (optimality of speculative
sampling among unbiased rules) and Thms 4-5 (rejection vs quality). LP forms as
implemented here (project derivations); letters target = p, draft = q.

* :func:`coupling_rejection_lp`: over couplings pi of (draft token, output token)
  with row sums q and column sums p, minimise P(output != draft) = sum_{x != y} pi.
  Optimum TV(p, q), attained by speculative sampling's maximal coupling.
* :func:`acceptance_rule_lp`: over accepted mass a in [0, q] and rejection mass
  w >= 0 with a + w = p, minimise sum w. Optimum TV(p, q).
* :func:`budget_lp`: biased rules; a in [0, q], w >= 0, s >= |a + w - p|,
  sum a + sum w = 1, (1/2) sum s <= eps; minimise sum w. Optimum max(0, TV - eps).

A solve that does not end optimal raises :class:`~specbound.errors.SolverError`
with the solver's status; never a silent number.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import cvxpy as cp
import numpy as np
from numpy.typing import ArrayLike

from specbound.distributions import as_distribution, check_real, check_same_size
from specbound.errors import SolverError
from specbound.lp.coupling import mute_highs_banner

OPTIMAL = (cp.OPTIMAL,)


@dataclass(frozen=True)
class RejectionLPResult:
    """Result of a rejection LP.

    Attributes
    ----------
    rejection : float
        The optimal value: the least rejection probability.
    solution : ndarray
        The optimal coupling (n, n) or accepted mass a (n,), depending on the LP.
    status : str
        The solver status ("optimal").
    solver : str
        Solver name.
    seconds : float
        Solve time.
    """

    rejection: float
    solution: np.ndarray
    status: str
    solver: str
    seconds: float

    @property
    def acceptance(self) -> float:
        """1 - rejection: for the unbiased LPs, the largest acceptance 1 - TV(p, q)."""
        return 1.0 - self.rejection


def _pair(target: ArrayLike, draft: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    p = as_distribution(target, "target")
    q = as_distribution(draft, "draft")
    check_same_size(p, q, "target", "draft")
    return p, q


def solve(problem: cp.Problem, solver: str | None = None) -> tuple[float, str, float]:
    """Solve ``problem``; return (value, solver name, seconds) or raise SolverError.

    Any status other than optimal (infeasible, unbounded, optimal_inaccurate, a
    solver crash) raises :class:`~specbound.errors.SolverError` carrying it.
    """
    name = solver or cp.HIGHS
    if name.upper() == "HIGHS":
        mute_highs_banner()
    start = time.perf_counter()
    try:
        problem.solve(solver=name)
    except cp.error.SolverError as exc:
        raise SolverError(
            f"rejection LP: the solver failed ({exc})", "solver_error", name
        ) from None
    except ValueError as exc:  # unknown solver name and the like
        raise SolverError(
            f"rejection LP: cannot run solver ({exc})", "solver_error", name
        ) from None
    seconds = time.perf_counter() - start
    if problem.status not in OPTIMAL:
        raise SolverError("rejection LP: no optimal solution", str(problem.status), name)
    return float(problem.value), name, seconds


def coupling_rejection_lp(
    target: ArrayLike, draft: ArrayLike, solver: str | None = None
) -> RejectionLPResult:
    """Least P(output != draft token) over all unbiased one-step rules, as a coupling LP.

    .. math:: \\min_{\\pi \\ge 0} \\sum_{x \\ne y} \\pi(x, y)
              \\ \\text{s.t.}\\ \\sum_y \\pi(x, y) = q(x),\\ \\sum_x \\pi(x, y) = p(y)

    Every unbiased rule (draft token x ~ q, output y ~ p) induces such a coupling,
    and P(reject) >= P(y != x). The optimum is TV(p, q) (Yin et al., arXiv
    2411.00841, Thm 2, one step; as implemented here), attained by speculative
    sampling: pi(x, x) = min(p, q)(x), pi(x, y) = (q - p)_+(x) (p - q)_+(y) / TV.
    n^2 variables.

    Parameters
    ----------
    target, draft : (n,) array-like
        Laws p and q.
    solver : str, optional
        cvxpy solver name (default HiGHS).

    Returns
    -------
    RejectionLPResult
        ``solution`` is the optimal (n, n) coupling, rows = draft token.

    Raises
    ------
    SolverError
        When the solve does not end optimal (status attached).
    """
    p, q = _pair(target, draft)
    n = p.size
    pi = cp.Variable((n, n), nonneg=True)
    off = 1.0 - np.eye(n)
    prob = cp.Problem(
        cp.Minimize(cp.sum(cp.multiply(off, pi))),
        [cp.sum(pi, axis=1) == q, cp.sum(pi, axis=0) == p],
    )
    value, name, sec = solve(prob, solver)
    return RejectionLPResult(value, np.asarray(pi.value), str(prob.status), name, sec)


def acceptance_rule_lp(
    target: ArrayLike, draft: ArrayLike, solver: str | None = None
) -> RejectionLPResult:
    """Least rejection over accept/reject rules with unbiased output (2n-variable LP).

    .. math:: \\min \\sum_x w(x)\\ \\text{s.t.}\\ 0 \\le a \\le q,\\ w \\ge 0,\\ a + w = p

    a = q b is the accepted mass, w = (1 - beta) P the rejection mass. Optimum
    TV(p, q) at a = min(p, q) (Yin et al., arXiv 2411.00841, Thm 2; as
    implemented here). ``solution`` is a.
    """
    p, q = _pair(target, draft)
    n = p.size
    a = cp.Variable(n)
    w = cp.Variable(n, nonneg=True)
    prob = cp.Problem(cp.Minimize(cp.sum(w)), [a >= 0, a <= q, a + w == p])
    value, name, sec = solve(prob, solver)
    return RejectionLPResult(value, np.asarray(a.value), str(prob.status), name, sec)


def budget_lp(
    target: ArrayLike, draft: ArrayLike, eps: float, solver: str | None = None
) -> RejectionLPResult:
    """Least rejection of a (possibly biased) rule whose output is within TV eps of p.

    .. math:: \\min \\sum w\\ \\text{s.t.}\\ 0 \\le a \\le q,\\ w \\ge 0,\\
              s \\ge |a + w - p|,\\ \\sum a + \\sum w = 1,\\ \\tfrac12 \\sum s \\le \\varepsilon

    Optimum max(0, TV(p, q) - eps) (Yin et al., arXiv 2411.00841, Thms 4-5; as
    implemented here; closed form in
    :func:`specbound.bounds.tradeoff.min_rejection_with_budget`). ``solution`` is a.
    """
    p, q = _pair(target, draft)
    eps = check_real(eps, "eps", 0.0)
    n = p.size
    a = cp.Variable(n)
    w = cp.Variable(n, nonneg=True)
    s = cp.Variable(n)
    prob = cp.Problem(
        cp.Minimize(cp.sum(w)),
        [
            a >= 0,
            a <= q,
            s >= a + w - p,
            s >= p - a - w,
            cp.sum(a) + cp.sum(w) == 1,
            0.5 * cp.sum(s) <= eps,
        ],
    )
    value, name, sec = solve(prob, solver)
    return RejectionLPResult(value, np.asarray(a.value), str(prob.status), name, sec)
