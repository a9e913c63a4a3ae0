"""The multi-draft coupling LP in cvxpy (Khisti et al., arXiv 2410.18234; the coupling-LP oracle).

K independent draft tokens X = (X_1..X_K), X_k ~ q_k, and an output token Y ~ p (the
target). A selection rule is a joint law pi(x, y) on Omega^K x Omega with marginals
Q(x) = prod_k q_k(x_k) and p(y). The optimal acceptance is

.. math::

    P^* = \\max_{\\pi \\ge 0} \\sum_{x, y} 1[y \\in \\mathrm{set}(x)]\\, \\pi(x, y)
    \\quad \\text{s.t.} \\quad \\sum_y \\pi(x, y) = Q(x), \\quad \\sum_x \\pi(x, y) = p(y).

Two sparse formulations (both through cvxpy, HiGHS by default, Clarabel as the
alternative):

* ``"full"``: the n^(K+1) variables pi(x, y) above, with sparse equality constraints
  (n^K + n - 1 rows: one target row is implied; 2 n^(K+1) non-zeros).
* ``"flow"`` (default, far smaller): only the accepted mass a(x, y), y in set(x), at most
  K n^K variables, with sum_y a(x, y) <= Q(x) and sum_x a(x, y) <= p(y) -- the max-flow
  form of the same LP. The unaccepted mass r(x) = Q(x) - sum_y a(x, y) and the unmet
  target mass s(y) = p(y) - sum_x a(x, y) have equal totals R and are coupled
  independently, pi = a + r s^T / R, which restores both marginals; the objective is
  unchanged, so both formulations have the same optimum.

The dual certificate: the duals v(y) of the target constraints, shifted and clipped to
[0, 1], form an optimal point of the Lovasz extension of the min-cut, so the best of
their n + 1 level sets is a minimising token set T with
p(T) + 1 - prod_k q_k(T) = P* (up to the solver's tolerance). Tuples are indexed
row-major: x = (x_1..x_K) -> sum_k x_k n^(K-k).
"""

from __future__ import annotations

import math
import os
import sys
import time
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from specbound.errors import InvalidArgumentError, SolverError
from specbound.limits import check_allocation
from specbound.lp.optimum import validate_drafts

#: Largest number of variables coupling_lp will build (memory guard).
MAX_VARIABLES = 30_000_000

SOLVERS = ("HIGHS", "CLARABEL")


@dataclass(frozen=True)
class CouplingResult:
    """Solution of the coupling LP.

    Attributes
    ----------
    acceptance : float
        Optimal objective P(Y in set(X)).
    coupling : (n,)*K + (n,) ndarray
        The joint law pi(x_1, .., x_K, y) (axes: drafts, then output).
    status : str
        cvxpy status (``"optimal"``).
    solver : str
        Solver used (``"HIGHS"`` or ``"CLARABEL"``).
    solve_time : float
        Wall-clock seconds for building and solving the problem.
    minimising_set : (m,) int ndarray
        Token set T from the dual certificate.
    upper_bound : float
        p(T) + 1 - prod_k q_k(T) for that T (>= P*; equal at optimality).
    formulation : str
        ``"flow"`` or ``"full"``.
    variables : int
        Number of LP variables.
    target, drafts : ndarray
        The validated inputs.
    """

    acceptance: float
    coupling: np.ndarray
    status: str
    solver: str
    solve_time: float
    minimising_set: np.ndarray
    upper_bound: float
    formulation: str
    variables: int
    target: np.ndarray
    drafts: np.ndarray

    @property
    def gap(self) -> float:
        """Duality gap upper_bound - acceptance (solver accuracy, ~1e-9)."""
        return self.upper_bound - self.acceptance


def tuples(n: int, k: int) -> np.ndarray:
    """All n^k draft tuples as an (n^k, k) int array, row-major (last draft fastest)."""
    return np.indices((n,) * k).reshape(k, -1).T


def tuple_probabilities(drafts: np.ndarray) -> np.ndarray:
    """Q(x) = prod_k q_k(x_k) for all tuples, row-major, shape (n^K,)."""
    out = drafts[0]
    for row in drafts[1:]:
        out = np.multiply.outer(out, row).ravel()
    return out


_HIGHS_BANNER_MUTED = False


def mute_highs_banner() -> None:
    """Create one HiGHS instance with stdout (fd 1) muted: HiGHS prints a copyright banner
    on the first instance of a process, which would pollute command output."""
    global _HIGHS_BANNER_MUTED
    if _HIGHS_BANNER_MUTED:
        return
    _HIGHS_BANNER_MUTED = True
    try:
        import highspy
    except ImportError:  # cvxpy then has no HiGHS; solve_lp reports it
        return
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def solver_name(solver: object) -> str:
    """The upper-case name of ``solver`` (None: ``"HIGHS"``), one of :data:`SOLVERS`.

    Raises
    ------
    InvalidArgumentError
        Naming ``solver``: not a string or None, or not a known solver.
    """
    name = (solver or "HIGHS").upper() if solver is None or isinstance(solver, str) else None
    if name not in SOLVERS:
        raise InvalidArgumentError(f"solver: expected one of {SOLVERS} or None, got {solver!r}")
    return name


def flow_variables(n: int, k: int) -> int:
    """Variables of the flow form: pairs (tuple, distinct token in it), n (n^K - (n-1)^K).

    Token y appears in n^K - (n - 1)^K of the n^K tuples; summed over the n tokens.
    Exact Python integers, so the count is known before any tuple is enumerated.
    """
    return n * (n**k - (n - 1) ** k)


def solve_lp(
    c: np.ndarray,
    a_eq: sp.spmatrix | None,
    b_eq: np.ndarray | None,
    a_ub: sp.spmatrix | None,
    b_ub: np.ndarray | None,
    solver: str | None = None,
    solver_options: dict | None = None,
) -> tuple[np.ndarray, float, list[np.ndarray], str, str]:
    """Maximise c.x s.t. a_eq x = b_eq, a_ub x <= b_ub, x >= 0 with cvxpy.

    Returns (x, value, duals of [eq, ub] constraints present, status, solver name).

    Raises
    ------
    InvalidArgumentError
        Unknown or unavailable solver.
    SolverError
        Any status other than ``"optimal"`` (infeasible, unbounded, inaccurate, solver
        failure), carrying the status.
    """
    import cvxpy as cp

    name = solver_name(solver)
    if name not in cp.installed_solvers():
        raise InvalidArgumentError(f"solver: {name} is not installed")
    if name == "HIGHS":
        mute_highs_banner()
        if solver_options is None:
            # primal simplex: about 3x faster than HiGHS's default dual simplex on these
            # flow LPs (benchmarks/bench_multidraft.py)
            solver_options = {"highs_options": {"simplex_strategy": 4}}
    x = cp.Variable(c.size, nonneg=True)
    cons = []
    if a_eq is not None:
        cons.append(a_eq @ x == b_eq)
    if a_ub is not None:
        cons.append(a_ub @ x <= b_ub)
    prob = cp.Problem(cp.Maximize(c @ x), cons)
    try:
        with warnings.catch_warnings():  # an inaccurate solution is reported by the status
            warnings.simplefilter("ignore", UserWarning)
            prob.solve(solver=name, **(solver_options or {}))
    except cp.error.SolverError as exc:
        raise SolverError(f"the LP solver failed: {exc}", "solver_error", name) from None
    if prob.status != cp.OPTIMAL:
        raise SolverError("the LP was not solved to optimality", str(prob.status), name)
    duals = [np.asarray(con.dual_value, dtype=np.float64).ravel() for con in cons]
    return np.asarray(x.value).ravel(), float(prob.value), duals, str(prob.status), name


def certificate_from_duals(
    target: np.ndarray, drafts: np.ndarray, v: np.ndarray
) -> tuple[np.ndarray, float]:
    """Best level set of +-v as a min-cut token set T, and p(T) + 1 - prod_k q_k(T).

    Both signs are tried (solver dual sign conventions differ); every level set is a
    valid upper bound on P*, so taking the best is safe. O(n log n + nK).
    """
    best_val, best_set = 1.0, np.empty(0, dtype=np.int64)
    for w in (v, -v):
        order = np.argsort(-w, kind="stable")
        vals = np.concatenate(([0.0], np.cumsum(target[order])))
        prod = np.prod(np.cumsum(drafts[:, order], axis=1), axis=0)
        vals[1:] -= np.minimum(prod, 1.0)
        m = int(np.argmin(vals))
        if 1.0 + vals[m] < best_val:
            best_val, best_set = float(1.0 + vals[m]), np.sort(order[:m])
    return best_set, best_val


def coupling_lp(
    target: ArrayLike,
    drafts: ArrayLike,
    solver: str | None = None,
    formulation: str = "flow",
    solver_options: dict | None = None,
) -> CouplingResult:
    """Solve the multi-draft coupling LP (the exact optimum and an optimal rule).

    Parameters
    ----------
    target : (n,) array-like
        Target law p.
    drafts : (K, n) array-like
        Independent draft laws q_k, one per row (a 1-D array is K = 1).
    solver : {"HIGHS", "CLARABEL"} or None
        LP solver through cvxpy (None: HiGHS).
    formulation : {"flow", "full"}
        Sparse max-flow form (at most K n^K variables) or the full joint law
        (n^(K+1) variables); see the module docstring.
    solver_options : dict, optional
        Passed to ``cvxpy.Problem.solve``.

    Returns
    -------
    CouplingResult
        ``.acceptance`` (P*), ``.coupling`` (pi as an (n,)*(K+1) array), ``.status``,
        ``.solver``, ``.solve_time`` (s), ``.minimising_set`` and ``.upper_bound`` (dual
        certificate).

    Raises
    ------
    InvalidArgumentError
        Invalid laws, K = 0, a vocabulary size differing from the target's, an unknown
        formulation or solver, or more than 3e7 variables (checked before any
        allocation).
    SolverError
        The solver failed or did not report an optimal solution (carries ``status``).

    Notes
    -----
    Khisti et al. (arXiv 2410.18234), the LP behind the canonical decomposition. Its
    optimum equals min_T [p(T) + 1 - prod_k q_k(T)] (see :mod:`specbound.lp.optimum`).

    Examples
    --------
    >>> res = coupling_lp([0.1, 0.9], [[0.5, 0.5], [0.5, 0.5]])
    >>> round(res.acceptance, 6), res.status
    (0.85, 'optimal')
    """
    p, q = validate_drafts(target, drafts)
    if formulation not in {"flow", "full"}:
        raise InvalidArgumentError(f"formulation: expected 'flow' or 'full', got {formulation!r}")
    solver = solver_name(solver)
    k, n = q.shape
    too_many = k * math.log(n) > math.log(MAX_VARIABLES)  # n^K alone: no huge integers
    nvar = 0 if too_many else n ** (k + 1) if formulation == "full" else flow_variables(n, k)
    if too_many or nvar > MAX_VARIABLES:
        count = "n^(K+1)" if formulation == "full" else "n (n^K - (n-1)^K)"
        raise InvalidArgumentError(
            f"drafts: n = {n} tokens and K = {k} drafts need {count} LP variables, more "
            f"than {MAX_VARIABLES:,} ({formulation} form)"
        )
    size = n**k
    # the (n^K, K) tuples, their flags and the (n^K, n) coupling with its working copy
    check_allocation("drafts", (size, 2 * k + 3 * n), np.float64, what="entries (n^K x (2K + 3n))")
    start = time.perf_counter()
    tup = tuples(n, k)
    big_q = tuple_probabilities(q)
    if formulation == "full":
        c = np.zeros((size, n))
        np.put_along_axis(c, tup, 1.0, axis=1)
        # the last target constraint is implied (both marginals sum to 1) and is dropped:
        # kept, rounding makes the equality system slightly inconsistent and HiGHS can
        # declare the LP infeasible (seen at n = 100, K = 2)
        a_eq = sp.vstack(
            [
                sp.kron(sp.identity(size, format="csr"), np.ones((1, n)), format="csr"),
                sp.kron(np.ones((1, size)), sp.identity(n, format="csr"), format="csr")[:-1],
            ],
            format="csr",
        )
        x, value, duals, status, name = solve_lp(
            c.ravel(), a_eq, np.concatenate([big_q, p[:-1]]), None, None, solver, solver_options
        )
        coupling = np.maximum(x.reshape(size, n), 0.0)
        v = np.append(duals[0][size:], 0.0)  # the dropped row's dual, fixed by the shift
    else:
        # one variable per (tuple, distinct token of the tuple)
        dup = np.zeros(tup.shape, dtype=bool)
        for j in range(1, k):
            dup[:, j] = (tup[:, :j] == tup[:, j : j + 1]).any(axis=1)
        rows, cols = np.nonzero(~dup)
        tok = tup[rows, cols]
        ones = np.ones(nvar)
        a_ub = sp.vstack(
            [
                sp.csr_matrix((ones, (rows, np.arange(nvar))), shape=(size, nvar)),
                sp.csr_matrix((ones, (tok, np.arange(nvar))), shape=(n, nvar)),
            ],
            format="csr",
        )
        x, value, duals, status, name = solve_lp(
            ones, None, None, a_ub, np.concatenate([big_q, p]), solver, solver_options
        )
        x = np.maximum(x, 0.0)
        coupling = np.zeros((size, n))
        np.add.at(coupling, (rows, tok), x)
        r = np.maximum(big_q - coupling.sum(axis=1), 0.0)
        s = np.maximum(p - coupling.sum(axis=0), 0.0)
        if r.sum() > 0 and s.sum() > 0:
            coupling += np.outer(r, s / s.sum())
        v = duals[0][size:]
    elapsed = time.perf_counter() - start
    tset, upper = certificate_from_duals(p, q, v)
    return CouplingResult(
        acceptance=float(np.clip(value, 0.0, 1.0)),
        coupling=coupling.reshape((n,) * (k + 1)),
        status=status,
        solver=name,
        solve_time=elapsed,
        minimising_set=tset,
        upper_bound=upper,
        formulation=formulation,
        variables=int(nvar),
        target=p,
        drafts=q,
    )
