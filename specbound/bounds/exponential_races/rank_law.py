"""The ERSD rank law: exact for small n, the certified head, or 1-D quadrature.

Kobus & Gunduz, arXiv 2504.15475 (notes C2, C3 of ``theory/exponential_races.md``, as
implemented). With shared clocks W_x ~ Exp(1), R is the position of the target's race
winner argmin_x W_x / p(x) in the draft's arrival order (keys W_x / q(x)); alpha(r) =
P(R = r), r = 1..n, a probability per rank. See the package docstring for the integral.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from numpy.typing import ArrayLike

from specbound.bounds.exponential_races._inputs import _pair
from specbound.bounds.exponential_races.alpha_one import alpha_one
from specbound.bounds.exponential_races.rank_law_exact import rank_distribution_exact
from specbound.bounds.exponential_races.rank_law_head import rank_distribution_head
from specbound.distributions import check_int, check_real
from specbound.errors import InvalidArgumentError

# ----------------------------------------------------------------------------- rank law


def _lambda_matrix(p: np.ndarray, q: np.ndarray):
    """Kernel: tokens with q > 0 sorted by rho, and lambda[i, j] = (c_i q_j - p_j)^+ (j < i)."""
    draftable = np.flatnonzero(q > 0)
    rho = p[draftable] / q[draftable]
    order = draftable[np.argsort(rho, kind="stable")]
    ps, qs = p[order], q[order]
    c = ps / qs
    lam = np.maximum(c[:, None] * qs[None, :] - ps[None, :], 0.0)
    lam = np.tril(lam, -1)  # y after x in rho order never precedes x (lambda = 0 there)
    return ps, lam


def _pb_nodes(lam: np.ndarray, taus: np.ndarray, cols: int) -> np.ndarray:
    """Poisson-binomial pmfs (counts 0..cols-1) of every row x at each target time in ``taus``.

    Row i uses the probabilities b_ij = 1 - exp(-tau lambda_ij), j < i. DP over j,
    vectorised over the rows below j and over the times: O(len(taus) n^2 cols) work,
    n Python steps. Returns shape (cols, len(taus), n) (rows contiguous in memory).
    """
    n = lam.shape[0]
    size = taus.size
    pmf = np.zeros((cols, size, n))
    pmf[0] = 1.0
    buf = np.empty(cols * size * n)
    active = np.flatnonzero(np.tril(lam, -1).any(axis=0))  # columns y that precede someone
    for j in active[active < n - 1].tolist():
        col = lam[j + 1 :, j]
        keep = np.exp(-taus[:, None] * col[None, :])  # P(y = j does not precede row x)
        top = min(j + 2, cols)
        blk = pmf[:top, :, j + 1 :]
        moved = buf[: (top - 1) * size * (n - j - 1)].reshape(top - 1, size, n - j - 1)
        np.multiply(blk[: top - 1], 1.0 - keep, out=moved)
        blk *= keep
        blk[1:top] += moved
    return pmf


#: Constant of the double-exponential map s = t - K e^{-t} used by :func:`rank_distribution`.
_DE_K = 0.5


#: Cells (columns x nodes x rows) of one Poisson-binomial DP pass (cache-sized).
_CHUNK_CELLS = 2_000_000


def _invert_de(s: float) -> float:
    """Solve t - K e^{-t} = s by Newton's method (monotone, converges from t = max(s, 0))."""
    t = max(s, 0.0)
    for _ in range(200):
        e = _DE_K * math.exp(-t)
        step = (t - e - s) / (1.0 + e)
        t -= step
        if abs(step) < 1e-14 * max(1.0, abs(t)):
            break
    return t


def _quadrature_law(p: np.ndarray, q: np.ndarray, cols: int, tol: float) -> np.ndarray:
    """The law for ranks <= cols by the double-exponential quadrature over the race time.

    The integral of the package docstring with tau = exp(t - e^{-t}/2) and the
    trapezoidal rule in t, halved until two estimates differ by at most ``tol`` in every
    rank (an error estimate, not a bound); the Poisson-binomial pmf of every x by the
    O(n^2) dynamic program on the counts below a Bernstein cut (dropped tail below
    tol / 1000). Builds (n, n) arrays: small n only (the fallback of
    :func:`rank_distribution` when the certified head's bound is not met).

    Raises
    ------
    RuntimeError
        If the quadrature does not reach ``tol`` within 8 halvings.
    """
    n = p.size
    alpha = np.zeros(n)
    nq = int(np.count_nonzero(q > 0))
    if nq < n and nq < cols:
        alpha[nq] = p[q == 0].sum()  # X never drafted: rank n_q + 1
    alpha[0] += alpha_one(p, q)
    if cols == 1 or nq == 1:
        return alpha
    ps, lam = _lambda_matrix(p, q)
    big = float(lam.sum(axis=1).max())
    if big == 0.0:
        return alpha
    s_lo = 0.5 * math.log(2e-3 * tol / big)
    # right end: int_{tau_hi}^inf tau e^-tau = (tau_hi + 1) e^-tau_hi <= tol / 1000
    tau_hi = 1.0
    while (tau_hi + 1.0) * math.exp(-tau_hi) > 1e-3 * tol:
        tau_hi += 1.0
    s_hi = math.log(tau_hi)
    # double-exponential map s = t - K e^{-t}: the smooth left tail (integrand ~ e^{2s})
    # is covered by few nodes; near the right end s ~ t
    t_lo, t_hi = _invert_de(s_lo), _invert_de(s_hi)
    span = t_hi - t_lo
    cols_nq = min(cols, nq)

    def contribution(nodes: np.ndarray) -> np.ndarray:
        """Sum over the nodes t of e^{-tau} tau s'(t) sum_x p(x) PB(x, tau), tau = e^{s(t)}.

        Counts far above the Poisson-binomial mean are dropped: with mu = max_x sum_y b_xy,
        Bernstein's inequality P(N >= mu + a) <= exp(-a^2 / (2 (mu + a / 3))) <= e^-E for
        the a used, and the DP columns below the cut are exact (a count never decreases).
        E = ln(w span 1000 / tol) at a node of weight w: the dropped mass, times the
        node's quadrature weight h w, sums to at most tol / 1000 over the nodes.
        """
        taus = np.exp(nodes - _DE_K * np.exp(-nodes))
        weights = np.exp(-taus) * taus * (1.0 + _DE_K * np.exp(-nodes))
        mu = np.array([float((-np.expm1(-tau * lam)).sum(axis=1).max()) for tau in taus])
        big_e = np.log(np.maximum(weights * span * 1e3 / tol, math.e))
        a = (2 * big_e / 3 + np.sqrt((2 * big_e / 3) ** 2 + 8 * big_e * mu)) / 2.0
        need = np.minimum(cols_nq, np.ceil(mu + a).astype(np.int64) + 2)
        # a node whose ranks >= 2 carry at most w P(N >= 1) <= w min(mu, 1), below
        # tol / (1000 span), is skipped (its rank-1 part is replaced by the closed form)
        keep = weights * np.minimum(mu, 1.0) * span * 1e3 >= tol
        taus, weights, need = taus[keep], weights[keep], need[keep]
        out = np.zeros(cols_nq)
        start = 0
        while start < taus.size:
            cap = int(min(cols_nq, 1.25 * need[start] + 8))  # group nodes of similar need
            limit = 4096 if cap <= 16 else max(1, _CHUNK_CELLS // (nq * cap))
            stop = start + 1
            while stop < taus.size and stop - start < limit and need[stop] <= cap:
                stop += 1  # (need rises then falls with tau: contiguous groups stay small)
            c = int(need[start:stop].max())
            pmf = _pb_nodes(lam, taus[start:stop], c)
            out[:c] += weights[start:stop] @ np.einsum("i,cti->tc", ps, pmf)
            start = stop
        return out

    levels = math.ceil(span / 0.5)
    h = span / levels
    total = contribution(t_lo + h * np.arange(levels + 1))
    estimate = h * total
    for _ in range(8):
        total = total + contribution(t_lo + h * (np.arange(levels) + 0.5))
        h, levels = h / 2, levels * 2
        finer = h * total
        # err estimates the error of the coarser estimate; the finer one is returned.
        # (Predicting the finer one's error as err^2 / err_previous, as tanh-sinh codes
        # do, was tried and rejected: at n = 1000 it stopped with errors of 4e-10.)
        err = float(np.max(np.abs(finer - estimate)[1:]))
        estimate = finer
        if err <= tol:
            break
    else:
        raise RuntimeError(f"rank_distribution: quadrature error {err:.3g} above tol {tol:g}")
    alpha[1:cols_nq] += estimate[1:cols_nq]
    return alpha


def _exact_law(x: np.ndarray) -> list[Fraction]:
    """The floats of a law as exact rationals, rescaled to sum exactly to 1."""
    vals = [Fraction(float(v)) for v in x]
    total = sum(vals, Fraction(0))
    return [v / total for v in vals]


#: Vocabularies up to this size get the exact rational law (2^n terms).
_EXACT_MAX_N = 8
#: Beyond this size the (n, n) quadrature is never used (memory); see rank_distribution.
_QUADRATURE_MAX_N = 3000


def rank_distribution(
    target: ArrayLike,
    draft: ArrayLike,
    *,
    max_rank: int | None = None,
    tol: float = 1e-10,
) -> np.ndarray:
    """Law of the rank R of the target's race winner in the draft's arrival order.

    ``alpha[r - 1] = P(R = r)``, r = 1..n; ``alpha[0]`` is the single-draft ERSD
    acceptance (:func:`alpha_one`). Note C3 of the theory note (Kobus & Gunduz, arXiv
    2504.15475), as implemented here.

    Method
    ------
    * n <= 8: the exact rational law (:func:`rank_distribution_exact` of the laws read
      exactly and rescaled to sum 1; the rank law does not change when p or q is
      scaled), rounded to float.
    * otherwise the certified head (:func:`rank_distribution_head`, ranks
      1..max_rank or all n) with error bound ``tol`` on the sum of the absolute
      errors, hence on each rank. If its proved bound exceeds ``tol`` (inputs where
      each token is preceded by many comparable rates, e.g. Dirichlet(0.3) pairs) and
      n <= 3000, the double-exponential quadrature is used instead (per-rank error
      estimate ``tol``, O(n^2) memory) unless it fails on the float range of extreme
      inputs; otherwise the head is returned as is (call
      :func:`rank_distribution_head` to read its bound).

    Cost: the head is O(n log n) plus about (nodes x ranks) per token: n = 1000 softmax
    pairs, full law, well under a second; n = 128k, max_rank = 64, about a second.

    Parameters
    ----------
    target, draft : (n,) array-like
        Next-token laws p and q (same n).
    max_rank : int, optional
        Compute P(R = r) only for r <= max_rank (the others are returned as 0; their
        total is 1 - sum(alpha)).
    tol : float
        Absolute error target (default 1e-10).

    Returns
    -------
    (n,) ndarray of float64
        The rank law; if some token with p > 0 has q = 0, its mass sits at index n_q
        (rank n_q + 1, never drafted), n_q = #{q > 0}.

    Raises
    ------
    InvalidArgumentError
        Invalid laws, different vocabulary sizes, max_rank < 1, tol outside (0, 1e-3].
    RuntimeError
        If the fallback quadrature does not reach ``tol`` within 8 halvings.

    Examples
    --------
    >>> np.round(rank_distribution([0.5, 0.3, 0.15, 0.05], [0.3, 0.4, 0.2, 0.1]), 6)
    array([0.789024, 0.15525 , 0.047601, 0.008125])
    """
    p, q = _pair(target, draft)
    n = p.size
    cols = n if max_rank is None else min(n, check_int(max_rank, "max_rank", 1))
    tol = check_real(tol, "tol", 0.0, 1e-3)
    if tol == 0:
        raise InvalidArgumentError("tol: must be > 0")
    alpha = np.zeros(n)
    if n <= _EXACT_MAX_N:
        exact = rank_distribution_exact(_exact_law(p), _exact_law(q))
        alpha[:cols] = [float(v) for v in exact[:cols]]
        return alpha
    head = rank_distribution_head(p, q, cols, tol=tol)
    if head.error_bound > tol and n <= _QUADRATURE_MAX_N:
        try:
            return _quadrature_law(p, q, cols, tol)
        except (ArithmeticError, ValueError):  # its float range (extreme ratios p/q)
            pass
    alpha[:cols] = head.law
    return alpha
