"""Exponential-race speculative decoding (ERSD): rank law, entropy bound, GSD baseline.

Kobus & Gunduz, "Speculative Sampling via Exponential Races", arXiv 2504.15475
(ACL Findings 2025). Project letters: ``target`` = p, ``draft`` = q, n = vocabulary
size, k = drafted tokens (non-root tree nodes); natural logarithms, entropies in nats.
The formulas below are the reconstruction of ``theory/exponential_races.md`` (C2, C3,
C5, C6), stated here "as implemented": the paper's exact theorem statements were not
available.

Shared randomness: W_x i.i.d. Exp(1). Target winner X = argmin_x W_x / p(x); the
draft order sorts the draft keys W_x / q(x). The rank R = 1 + #{y : W_y/q(y) <
W_X/q(X)} is the position of the target's winner in the draft's arrival order, with
law alpha(r) = P(R = r), r = 1..n (:func:`rank_distribution`).

Zero probabilities: a token with p(x) = 0 never wins the target race; a token with
q(x) = 0 never arrives in the draft race (key +inf) and is never drafted. If the
target's winner has q(X) = 0, then R = n_q + 1 with n_q = #{q > 0}: one past the
last draftable rank. :func:`drafted_acceptance` drops that atom before building trees.

Exact computations
------------------
* alpha(1) in closed form, O(n log n) (:func:`alpha_one`), and as an exact rational
  (:func:`alpha_one_exact`, O(n^2) fractions).
* The full rank law (:func:`rank_distribution`): given X = x, the target's winning
  time tau = W_x / p(x) is Exp(1) and independent of X; every other y precedes x in
  the draft order independently with probability b_xy(tau) = 1 - exp(-tau lambda_xy),
  lambda_xy = max(0, c_x q(y) - p(y)), c_x = p(x)/q(x). Hence

  .. math:: \\alpha(r) = \\sum_x p(x) \\int_0^\\infty e^{-\\tau}
            \\mathrm{PB}_{r-1}(\\{b_{xy}(\\tau)\\}_{y \\ne x})\\, d\\tau,

  a 1-D integral of a Poisson-binomial pmf (note C3 with e = p(x) tau).
  alpha(1) = sum_x p(x) / (1 + Lambda_x), Lambda_x = sum_y lambda_xy, in closed form.
* Exact rationals of the whole law for small n (:func:`rank_distribution_exact`):
  expanding the Poisson-binomial generating function over subsets A of the tokens
  that can precede x gives alpha's generating function
  sum_x p(x) sum_A z^{m-|A|} (1-z)^{|A|} / (1 + Lambda_A), O(n 2^n).
* The entropy bound E[G] <= (ln n + ln(k+1)) / H[R] (C6, :func:`tokens_per_step_bound`)
  with the identity E[G] H[R] = H(N) + H(R_last | N) behind it
  (:func:`tree_entropy_identity`); optimal ERSD trees, chains and batches; the GSD
  positional vectors (i.i.d. and without replacement) and optimal GSD trees; the C7
  bracket D(p||q~) <= H[R], E[ln R] <= D(p||q) + 1/e + ln 2 (:func:`information_bracket`).

Refinements of the theory note (found while testing, as implemented here)
-------------------------------------------------------------------------
* alpha(r) need not be non-increasing in r (e.g. when q puts mass on tokens with
  p = 0, which arrive early but never win). ERSD may draft any set of ranks of the
  draft race, so the optimal tree is the greedy on the *sorted* law
  (:func:`ersd_optimal_tree` uses ``sort=True``); "the first m arrivals" is then not
  optimal.
* If the target can emit a token the draft never proposes (P(q(X) = 0) = eps > 0), that
  rank is never draftable and E[G] <= 1/eps for every k: the "ln k / H[R] + O(1)" growth
  holds only when supp p is inside supp q. The bound itself still holds.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from numbers import Rational

import numpy as np
from numpy.typing import ArrayLike

from specbound.distributions import as_distribution, check_int, check_real, check_same_size
from specbound.errors import InvalidArgumentError
from specbound.trees import DraftTree, optimal_tree, tree_value

__all__ = [
    "alpha_one",
    "alpha_one_exact",
    "bound_from_rank_law",
    "chain_limit",
    "draft_position_laws",
    "drafted_acceptance",
    "ersd_batch_tree",
    "ersd_chain_tree",
    "ersd_optimal_tree",
    "gsd_optimal_tree",
    "gsd_positional_acceptance",
    "gsd_positional_acceptance_without_replacement",
    "information_bracket",
    "rank_distribution",
    "rank_distribution_exact",
    "rank_entropy",
    "rank_entropy_lower_bound",
    "tokens_per_step_bound",
    "tree_entropy_identity",
]


def _pair(target: ArrayLike, draft: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    p = as_distribution(target, "target")
    q = as_distribution(draft, "draft")
    check_same_size(p, q, "target", "draft")
    return p, q


# ----------------------------------------------------------------------------- alpha(1)


def _sorted_denominators(p: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kernel: sort order by rho = p/q and 1 + Lambda_x = c_x Q_<(c_x) + P_>=(c_x) per position.

    No binary search: the query points are the sorted values themselves, so Q_< and
    P_>= are read at the first index of each run of equal rho. O(n log n) (the sort).
    Entries for tokens with p(x) q(x) = 0 are meaningless (masked by the callers).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.where(q > 0, p / np.where(q > 0, q, 1.0), np.inf)
    order = np.argsort(rho)
    rs = rho[order]
    ps, qs = p[order], q[order]
    cum_q = np.concatenate(([0.0], np.cumsum(qs)))
    suf_p = np.concatenate((np.cumsum(ps[::-1])[::-1], [0.0]))
    idx = np.arange(rs.size)
    new_run = np.concatenate(([True], rs[1:] != rs[:-1]))
    first = np.maximum.accumulate(np.where(new_run, idx, 0))  # #{y : rho_y < rho_x}
    with np.errstate(invalid="ignore"):
        den = rs * cum_q[first] + suf_p[first]
    return order, den


def _alpha_one_denominators(p: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The tokens x with p, q > 0 and their 1 + Lambda_x = sum_y max(p(y), c_x q(y))."""
    order, den = _sorted_denominators(p, q)
    full = np.empty(p.size)
    full[order] = den
    xs = np.flatnonzero((p > 0) & (q > 0))
    return xs, full[xs]


def alpha_one(target: ArrayLike, draft: ArrayLike) -> float:
    """P(R = 1): the probability that the draft race's first arrival wins the target race.

    .. math:: \\alpha(1) = \\sum_{x} \\Big[\\sum_y \\max\\Big(\\frac{p(y)}{p(x)},
              \\frac{q(y)}{q(x)}\\Big)\\Big]^{-1}
              = \\sum_{x:\\,p(x)q(x)>0} \\frac{p(x)}{c_x Q_<(c_x) + P_\\ge(c_x)}

    with rho_y = p(y)/q(y) (+inf when q(y) = 0), c_x = rho_x, Q_<(c) = sum of q over
    rho < c and P_>=(c) = sum of p over rho >= c (note C2; Kobus & Gunduz, arXiv
    2504.15475; the same coupling as drafter-invariant decoding, arXiv 2408.07978).
    Cost O(n log n): one sort and prefix sums. Bounds (1 - TV)/(1 + TV) <= alpha(1) <= 1 - TV.

    Parameters
    ----------
    target, draft : (n,) array-like
        Next-token laws p and q.

    Returns
    -------
    float
        A probability (the single-draft acceptance of ERSD).

    Examples
    --------
    >>> round(alpha_one([0.5, 0.3, 0.15, 0.05], [0.3, 0.4, 0.2, 0.1]), 6)  # 647/820
    0.789024
    """
    p, q = _pair(target, draft)
    order, den = _sorted_denominators(p, q)
    ps = p[order]
    ok = (ps > 0) & (q[order] > 0)
    return float(np.clip(np.sum(ps[ok] / den[ok]), 0.0, 1.0))


def _as_fractions(x, name: str) -> list[Fraction]:
    """Exact rationals of a law; floats are read through their shortest decimal repr."""
    try:
        vals = [
            Fraction(v) if isinstance(v, (Rational, str)) else Fraction(repr(float(v))) for v in x
        ]
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentError(f"{name}: cannot be read as rationals ({exc})") from None
    vals = [Fraction(v) for v in vals]
    if not vals:
        raise InvalidArgumentError(f"{name}: is empty")
    if any(v < 0 for v in vals):
        raise InvalidArgumentError(f"{name}: contains a negative probability")
    if sum(vals) != 1:
        raise InvalidArgumentError(f"{name}: rationals sum to {sum(vals)}, not exactly 1")
    return vals


def _exact_pair(target, draft) -> tuple[list[Fraction], list[Fraction]]:
    p = _as_fractions(target, "target")
    q = _as_fractions(draft, "draft")
    if len(p) != len(q):
        raise InvalidArgumentError(
            f"draft: vocabulary size {len(q)} differs from target's {len(p)}"
        )
    return p, q


def alpha_one_exact(target, draft) -> Fraction:
    """alpha(1) as an exact rational, by the O(n^2) double sum of :func:`alpha_one`.

    Parameters
    ----------
    target, draft : sequences of Fraction, int or float
        Floats are read through their shortest decimal representation (0.3 -> 3/10);
        each law must sum to exactly 1.

    Examples
    --------
    >>> alpha_one_exact(["0.5", "0.3", "0.15", "0.05"], ["0.3", "0.4", "0.2", "0.1"])
    Fraction(647, 820)
    """
    p, q = _exact_pair(target, draft)
    total = Fraction(0)
    for px, qx in zip(p, q, strict=True):
        if px == 0 or qx == 0:
            continue
        c = px / qx
        total += px / sum((max(py, c * qy) for py, qy in zip(p, q, strict=True)), Fraction(0))
    return total


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
    alpha(1) = sum_x p(x)/(1 + Lambda_x) exactly. For r >= 2, the 1-D integral over the
    target's winning time tau ~ Exp(1) (module docstring) is computed with the
    double-exponential substitution tau = exp(t - e^{-t}/2) and the trapezoidal rule
    in t, which converges geometrically (the error roughly squares at each halving)
    for this smooth integrand with double-exponential decay at both ends. The
    tau-range is [tau_lo, tau_hi], tau_lo = sqrt(2e-3 tol / max_x Lambda_x) and
    (tau_hi + 1) e^-tau_hi <= tol / 1000: outside it the r >= 2 integrand is below
    tol / 1000 in total (it is <= tau Lambda_x near 0 and <= tau e^-tau at infinity).
    The step starts at h = 0.5 and is halved (nested nodes, so the old values are
    reused) until two successive estimates differ by at most ``tol`` in every rank;
    the finer estimate is returned. Checked against exact rationals (n <= 7) and
    against runs at tol = 1e-14.

    At each node the Poisson-binomial pmf of every x is built by the O(n^2) dynamic
    program, vectorised over x and the nodes, on the counts 0..c-1 only, where c is
    set by Bernstein's inequality from the largest mean count mu (the dropped upper
    tail, weighted by the node, totals below tol / 1000; the kept counts are exact).

    Cost: O(n^2 * c * nodes), c <= cols = min(n, max_rank), with about 60-120 nodes:
    n = 1000 softmax pairs in about 12 s, O(n^3) per node in the worst case (many
    uncertain counts at once, e.g. Dirichlet(0.3) pairs); use ``max_rank`` (exact for
    the ranks it keeps) or Monte Carlo (``estimate_rank_distribution``) beyond.

    Parameters
    ----------
    target, draft : (n,) array-like
        Next-token laws p and q (same n).
    max_rank : int, optional
        Compute P(R = r) only for r <= max_rank (the others are returned as 0; their
        total is 1 - sum(alpha)).
    tol : float
        Absolute error target per rank (default 1e-10).

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
        If the quadrature does not reach ``tol`` within 8 halvings.

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


def rank_distribution_exact(target, draft) -> list[Fraction]:
    """The whole rank law as exact rationals, for small vocabularies (n <= 14).

    For each x with p(x) q(x) > 0, let Y be the tokens that can precede x
    (lambda_xy > 0) and m = |Y|. Expanding prod_y (z + (1 - z) e^{-tau lambda_y}) over
    subsets A of Y and integrating against e^{-tau} gives

    .. math:: E[z^{R-1} \\mid X = x] = \\sum_{A \\subseteq Y}
              \\frac{z^{m-|A|}(1-z)^{|A|}}{1 + \\Lambda_A}, \\quad
              \\Lambda_A = \\sum_{y\\in A}\\lambda_{xy},

    so every alpha(r) is rational for rational p, q. Cost O(n^2 2^n) fractions.

    Parameters
    ----------
    target, draft : sequences of Fraction, int, str or float
        Laws summing to exactly 1 (floats read through their shortest repr).

    Returns
    -------
    list of Fraction
        alpha(1), ..., alpha(n); sums to exactly 1.

    Raises
    ------
    InvalidArgumentError
        Bad laws, different sizes, or n > 14.
    """
    p, q = _exact_pair(target, draft)
    n = len(p)
    if n > 14:
        raise InvalidArgumentError(f"target: exact rank law needs n <= 14, got {n}")
    alpha = [Fraction(0)] * n
    nq = sum(1 for v in q if v > 0)
    for x in range(n):
        if p[x] == 0:
            continue
        if q[x] == 0:
            alpha[nq] += p[x]
            continue
        c = p[x] / q[x]
        lam = [c * q[y] - p[y] for y in range(n) if y != x and c * q[y] - p[y] > 0]
        m = len(lam)
        coef = [Fraction(0)] * (m + 1)  # coef[a] = sum over |A| = a of 1/(1 + Lambda_A)
        for a in range(m + 1):
            for sub in itertools.combinations(lam, a):
                coef[a] += 1 / (1 + sum(sub, Fraction(0)))
        # sum_a coef[a] z^{m-a} (1-z)^a  -> coefficients in z
        poly = [Fraction(0)] * (m + 1)
        for a in range(m + 1):
            for i in range(a + 1):  # (1-z)^a = sum_i C(a,i) (-z)^i
                poly[m - a + i] += coef[a] * math.comb(a, i) * (-1) ** i
        for j in range(m + 1):
            alpha[j] += p[x] * poly[j]
    return alpha


def _law(rank_law: ArrayLike) -> np.ndarray:
    """A validated rank law, not renormalised (its quadrature error stays visible)."""
    as_distribution(rank_law, "rank_law")
    return np.asarray(rank_law, dtype=np.float64)


def rank_entropy(rank_law: ArrayLike) -> float:
    """H[R] = -sum_r alpha(r) ln alpha(r) in nats (0 ln 0 = 0).

    Examples
    --------
    >>> round(rank_entropy([0.5, 0.5]), 6)
    0.693147
    """
    a = _law(rank_law)
    nz = a[a > 0]
    return float(max(0.0, -(nz * np.log(nz)).sum()))


def rank_entropy_lower_bound(rank_law_head: ArrayLike) -> float:
    """A lower bound on H[R] from the first ranks of the law only (nats).

    With alpha known for r <= R (e.g. ``rank_distribution(..., max_rank=R)``) and tail
    mass t = 1 - sum_{r<=R} alpha(r): each tail entry is <= t, so
    -sum_tail alpha ln alpha >= -t ln t and H[R] >= H_head - t ln t. Equal to
    :func:`rank_entropy` when t = 0. Keeps :func:`bound_from_rank_law`-style bounds valid
    (a smaller entropy gives a larger bound).
    """
    a = _head(rank_law_head, "rank_law_head")
    t = max(0.0, 1.0 - float(a.sum()))
    nz = a[a > 0]
    head = float(-(nz * np.log(nz)).sum())
    return head + (-t * math.log(t) if t > 0 else 0.0)


def _head(rank_law: ArrayLike, name: str = "rank_law") -> np.ndarray:
    """A rank law or its first ranks: non-negative, finite, 1-D, summing to at most 1."""
    a = np.asarray(rank_law, dtype=np.float64)
    if a.ndim != 1 or a.size == 0 or not np.all(np.isfinite(a)) or a.min() < 0:
        raise InvalidArgumentError(f"{name}: must be a non-empty 1-D array of probabilities")
    if a.sum() > 1 + 1e-9:
        raise InvalidArgumentError(f"{name}: sums to {a.sum():.12g} > 1")
    return a


def drafted_acceptance(rank_law: ArrayLike, draft: ArrayLike) -> np.ndarray:
    """The per-rank acceptance vector a tree can use: alpha(1..n_q), n_q = #{q > 0}.

    The atom at rank n_q + 1 (target winner with q = 0) is not a draftable rank.
    ``rank_law`` may be truncated (``max_rank``): missing ranks count as 0, so trees
    built on it are valued exactly but only use the computed ranks.
    """
    a = _head(rank_law)
    q = as_distribution(draft, "draft")
    check_same_size(q, a, "draft", "rank_law")
    return a[: int(np.count_nonzero(q > 0))].copy()


# ----------------------------------------------------------------------------- bound


def tokens_per_step_bound(
    target: ArrayLike, draft: ArrayLike, k: int, *, rank_law: ArrayLike | None = None
) -> float:
    """Entropy bound on the expected tokens per target call of any k-node draft tree.

    .. math:: E[G] \\le \\frac{\\ln n + \\ln(k+1)}{H[R]}

    (C6 of the theory note, the channel-simulation bound of Kobus & Gunduz, arXiv
    2504.15475, as implemented here). Proof: G is a stopping time of the i.i.d. rank
    stream, so E[G] H[R] = H(N) + H(R_last | N) (Wald's identity for entropy;
    :func:`tree_entropy_identity`), N = last node reached (k + 1 values), R_last = the
    rank that left the tree (n values). Base-free ratio; H[R] in nats. Returns +inf when
    H[R] = 0 (R deterministic).

    Parameters
    ----------
    target, draft : (n,) array-like
        Next-token laws p and q.
    k : int
        Drafted tokens (non-root nodes), >= 1.
    rank_law : (n,) array-like, optional
        A precomputed :func:`rank_distribution` (skips the O(n^3) computation).

    Examples
    --------
    >>> round(tokens_per_step_bound([0.5, 0.3, 0.15, 0.05], [0.3, 0.4, 0.2, 0.1], 8), 4)
    5.428
    """
    p, q = _pair(target, draft)
    k = check_int(k, "k", 1)
    if rank_law is None:
        a = rank_distribution(p, q)
    else:
        a = as_distribution(rank_law, "rank_law")
        check_same_size(p, a, "target", "rank_law")
    return bound_from_rank_law(a, k)


def bound_from_rank_law(rank_law: ArrayLike, k: int, n: int | None = None) -> float:
    """The C6 bound (ln n + ln(k + 1)) / H[R] from a rank law; n defaults to len(rank_law).

    Examples
    --------
    >>> round(bound_from_rank_law([0.5, 0.5], 1), 6)   # (ln 2 + ln 2) / ln 2
    2.0
    """
    a = as_distribution(rank_law, "rank_law")
    k = check_int(k, "k", 1)
    n = a.size if n is None else check_int(n, "n", a.size)
    h = rank_entropy(a)
    return math.inf if h == 0.0 else (math.log(n) + math.log(k + 1)) / h


def tree_entropy_identity(rank_law: ArrayLike, tree: DraftTree) -> tuple[float, float]:
    """Both sides of E[G] H[R] = H(N) + H(R_last | N) for a tree verified by ranks.

    N = the last node reached, P(N = v) = pi(v) (1 - sum over v's children c of
    alpha(rank c)); R_last | N = v has law alpha restricted to the ranks that are not
    children of v. ``tree.child_index`` holds 0-based ranks into ``rank_law``.

    Returns
    -------
    (lhs, rhs) : tuple of float
        E[G] H[R] and H(N) + H(R_last | N), in nats; equal for any tree.
    """
    a = _law(rank_law)
    size = tree.size
    # path probabilities under *this* law (whatever law the tree was built with)
    reach = tree_value(a, tree.parent, tree.child_index).path_probability if size else []
    pi = np.concatenate(([1.0], np.asarray(reach, dtype=np.float64)))
    slot = tree.parent + 1  # 0 = root
    out_mass = np.bincount(slot, weights=a[tree.child_index], minlength=size + 1)
    stop = pi * np.clip(1.0 - out_mass, 0.0, 1.0)
    lhs = (1.0 + float(pi[1:].sum())) * rank_entropy(a)
    nz = stop[stop > 0]
    h_n = float(-(nz * np.log(nz)).sum())
    ent_all = np.where(a > 0, -a * np.log(np.where(a > 0, a, 1.0)), 0.0)
    used = np.bincount(slot, weights=ent_all[tree.child_index], minlength=size + 1)
    rest_ent = ent_all.sum() - used  # sum over non-child ranks of -a ln a
    rest_mass = np.clip(1.0 - out_mass, 0.0, 1.0)
    ok = rest_mass > 0
    # H(R | R not a child) = (rest_ent + rest_mass ln rest_mass) / rest_mass
    cond = np.zeros(size + 1)
    cond[ok] = (rest_ent[ok] + rest_mass[ok] * np.log(rest_mass[ok])) / rest_mass[ok]
    rhs = h_n + float((stop * cond).sum())
    return lhs, rhs


# ----------------------------------------------------------------------------- C7 bracket


def draft_position_laws(draft: ArrayLike) -> np.ndarray:
    """Laws of the draft race's arrivals: ``M[r - 1, x] = P(r-th arrival = x)`` (n <= 18).

    Plackett-Luce subset DP: P(first |S| arrivals = S) = sum_{x in S} P(S - x) q(x) /
    (1 - q(S - x)); then P(x arrives (|S|+1)-th) = sum over S not holding x of
    P(S) q(x) / (1 - q(S)). O(2^n n) time and memory. Rows past the q > 0 support are 0.
    """
    q = as_distribution(draft, "draft")
    n = q.size
    if n > 18:
        raise InvalidArgumentError(f"draft: exact arrival laws need n <= 18, got {n}")
    masks = np.arange(1 << n)
    bits = (masks[:, None] >> np.arange(n)) & 1
    q_set = bits @ q
    size = bits.sum(axis=1)
    prob = np.zeros(1 << n)
    prob[0] = 1.0
    out = np.zeros((n, n))
    for k in range(n):  # sets of size k, in increasing mask order within the level
        level = np.flatnonzero(size == k)
        rest = np.clip(1.0 - q_set[level], 0.0, None)
        live = (prob[level] > 0) & (rest > 1e-15)
        level, rest = level[live], rest[live]
        # step: add x not in S with probability q(x) / (1 - q(S))
        step = np.where(bits[level] == 0, q[None, :], 0.0) / rest[:, None] * prob[level, None]
        out[k] = step.sum(axis=0)
        for x in range(n):
            np.add.at(prob, level | (1 << x), np.where(bits[level, x] == 0, step[:, x], 0.0))
    return out


def information_bracket(
    target: ArrayLike, draft: ArrayLike, *, rank_law: ArrayLike | None = None
) -> dict[str, float]:
    """The C7 diagnostic bracket around H[R] (n <= 18), in nats.

    * lower: H[R] >= D(p || q~), q~ = sum_r alpha(r) q_(r) with q_(r) the law of the
      r-th draft arrival (data processing: X = x~(R); an independent copy of R gives q~);
    * upper side: E[ln R] <= D(p || q) + 1/e + ln 2, since R is the deduplicated index of
      the Poisson functional representation (Li & El Gamal, arXiv 1701.02827), whose
      index J >= R satisfies E[log2 J] <= D + e^-1 log2 e + 1 bits.

    Note: "H[R] >= D(p || q)" is false in general (n = 2, p = (e, 1 - e), q = (1 - e, e)).

    Returns
    -------
    dict with keys ``"kl_mixed"`` (D(p||q~)), ``"entropy"`` (H[R]), ``"mean_log_rank"``
    (E[ln R]), ``"kl"`` (D(p||q), inf if p is not << q) and ``"pfr_bound"``
    (D(p||q) + 1/e + ln 2).
    """
    p, q = _pair(target, draft)
    a = rank_distribution(p, q) if rank_law is None else _law(rank_law)
    mixed = a @ draft_position_laws(q)
    sup = p > 0
    with np.errstate(divide="ignore"):
        kl_mixed = float(np.sum(p[sup] * np.log(p[sup] / mixed[sup])))
        kl = float(np.sum(p[sup] * np.log(p[sup] / q[sup])))
    return {
        "kl_mixed": kl_mixed,
        "entropy": rank_entropy(a),
        "mean_log_rank": float(a @ np.log(np.arange(1, a.size + 1))),
        "kl": kl,
        "pfr_bound": kl + math.exp(-1.0) + math.log(2.0),
    }


# ----------------------------------------------------------------------------- trees


def ersd_optimal_tree(
    target: ArrayLike, draft: ArrayLike, k: int, *, rank_law: ArrayLike | None = None
) -> DraftTree:
    """The k-node ERSD draft tree of largest E[G] under stateless acceptance (C5).

    The k rank paths of largest pi (Tunstall-like heap greedy of
    :func:`specbound.trees.optimal_tree`, with ``sort=True``: ERSD may draft any
    set of ranks of the draft race, so an unsorted rank law is fine). ``child_index``
    holds 0-based ranks. Uses :func:`drafted_acceptance` (never a q = 0 rank).
    """
    p, q = _pair(target, draft)
    k = check_int(k, "k", 1)
    a = rank_distribution(p, q) if rank_law is None else rank_law
    return optimal_tree(drafted_acceptance(a, q), k, sort=True)


def gsd_positional_acceptance(target: ArrayLike, draft: ArrayLike, k: int) -> np.ndarray:
    """Positional acceptance of multi-draft speculative sampling with i.i.d. drafts.

    SpecInfer recursive rejection (arXiv 2305.09781): r_0 = p, a_i = sum_x min(r_{i-1},
    q), r_i = (r_{i-1} - q)^+ / (1 - a_i). P(the i-th draft is the accepted one) =
    a_i prod_{j<i} (1 - a_j), i = 1..k. O(k n).

    Examples
    --------
    >>> np.round(gsd_positional_acceptance([0.5, 0.3, 0.15, 0.05], [0.3, 0.4, 0.2, 0.1], 4), 6)
    array([0.8   , 0.06  , 0.042 , 0.0294])
    """
    p, q = _pair(target, draft)
    k = check_int(k, "k", 1)
    out = np.zeros(k)
    r, survive = p, 1.0
    for i in range(k):
        a = float(np.minimum(r, q).sum())
        out[i] = survive * a
        survive *= 1.0 - a
        res = np.maximum(r - q, 0.0)
        mass = res.sum()
        if survive <= 0.0 or mass <= 0.0:
            break
        r = res / mass
    return out


def gsd_positional_acceptance_without_replacement(
    target: ArrayLike, draft: ArrayLike, k: int, *, max_histories: int = 2_000_000
) -> np.ndarray:
    """Positional acceptance of recursive rejection with drafts sampled without replacement.

    Draft i is drawn from q_i = q restricted to the tokens not drafted yet; it is
    accepted with probability min(1, r_{i-1}(y)/q_i(y)); on rejection r_i =
    (r_{i-1} - q_i)^+ normalised (Jeon et al., arXiv 2402.14160). The residual does not
    depend on which token was rejected, but q_{i+1} does, so the exact vector sums over
    the sequences of rejected tokens (token y is rejected with probability
    (q_i(y) - r_{i-1}(y))^+): O(n^k) work, small n only. Exact enumeration.

    Raises
    ------
    InvalidArgumentError
        Bad laws or k, or more than ``max_histories`` rejection histories.
    """
    p, q = _pair(target, draft)
    k = check_int(k, "k", 1)
    out = np.zeros(k)
    budget = [max_histories]

    def walk(i: int, r: np.ndarray, qi: np.ndarray, reach: float) -> None:
        if i == k or reach == 0.0 or qi.sum() <= 0:
            return
        budget[0] -= 1
        if budget[0] < 0:
            raise InvalidArgumentError(
                f"k: more than {max_histories} rejection histories; use smaller n or k"
            )
        qn = qi / qi.sum()
        out[i] += reach * float(np.minimum(r, qn).sum())
        rej = np.maximum(qn - r, 0.0)
        res = np.maximum(r - qn, 0.0)
        if res.sum() <= 0:
            return
        r_next = res / res.sum()
        for y in np.flatnonzero(rej > 0):
            q_next = qi.copy()
            q_next[y] = 0.0
            walk(i + 1, r_next, q_next, reach * float(rej[y]))

    walk(0, p, q.copy(), 1.0)
    return out


def gsd_optimal_tree(
    target: ArrayLike, draft: ArrayLike, k: int, *, max_children: int | None = None
) -> DraftTree:
    """The k-node GSD (i.i.d. SpecInfer drafts) tree of largest E[G] (Sequoia assumption).

    The heap greedy on the positional vector of :func:`gsd_positional_acceptance` of
    length ``max_children`` (default k: no cap). Children of a GSD node are verified in
    drafting order, so the vector must be non-increasing (``optimal_tree`` rejects it
    otherwise, with an InvalidArgumentError naming ``acceptance``).
    """
    k = check_int(k, "k", 1)
    width = k if max_children is None else check_int(max_children, "max_children", 1)
    vec = gsd_positional_acceptance(target, draft, width)
    # rounding can make an exactly flat tail (all zeros or a constant) tick upward
    vec = np.minimum.accumulate(vec) if np.all(np.diff(vec) <= 1e-15) else vec
    return optimal_tree(vec, k)


def ersd_chain_tree(acceptance: ArrayLike, k: int) -> DraftTree:
    """A chain of k first arrivals: E[G] = sum_{i=0}^{k} alpha(1)^i (C5).

    Built with :func:`specbound.trees.tree_value`, so the rank law need not be sorted.
    """
    k = check_int(k, "k", 1)
    return tree_value(acceptance, np.arange(-1, k - 1), np.zeros(k, dtype=np.int64))


def ersd_batch_tree(acceptance: ArrayLike, k: int) -> DraftTree:
    """k children of the root, the first k draft arrivals: E[G] = 1 + sum_{r<=k} alpha(r) <= 2."""
    k = check_int(k, "k", 1)
    m = np.asarray(acceptance).shape[-1]
    if k > m:
        raise InvalidArgumentError(f"k: a batch has at most {m} draftable ranks, got {k}")
    return tree_value(acceptance, np.full(k, -1), np.arange(k))


def chain_limit(target: ArrayLike, draft: ArrayLike) -> float:
    """Limit of E[G] for an ERSD chain as k -> infinity: 1 / (1 - alpha(1)) (inf if 1)."""
    a1 = alpha_one(target, draft)
    return math.inf if a1 >= 1.0 else 1.0 / (1.0 - a1)
