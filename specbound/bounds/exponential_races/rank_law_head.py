"""The first ranks of the ERSD rank law at vocabulary scale, with a rigorous error bound.

Kobus & Gunduz, arXiv 2504.15475 (note C3, as implemented). Given the target's winner
X = x (probability p(x)), the count N = R - 1 of tokens drafted before x is the number
of arrivals, before an independent Exp(1) clock u, of independent clocks of rates
lambda_y = q(y) (c_x - c_y)^+ (c = p/q; y with c_y < c_x only). With
t_y(u) = e^{u lambda_y} - 1 and s = 1 + Lambda_x, Lambda_x = sum_y lambda_y,

.. math:: P(N = k \\mid X = x) = \\int_0^\\infty e^{-s u}\\, e_k(t(u))\\, du,

e_k the elementary symmetric polynomial. e_k(t(u)) has non-negative Taylor
coefficients in u, so Gauss-Laguerre quadrature with n nodes (weight e^{-su}) is exact
up to degree 2n - 1 and never overestimates; its error for rank k is at most
(1/s) (Lambda/s)^k sum_{m >= 2n} S(m, k) (lambda_max/s)^{m-k} (Stirling numbers of the
second kind; from e_k(t) <= (sum t)^k / k! and sum_y t_y <= (Lambda/lambda_max)
(e^{u lambda_max} - 1), coefficientwise), bounded with S(m, k) <= C(m, k) k^{m-k} / 2
(Rennie & Dobson 1969). At a node, e_k(t) for k < K comes from the power sums
S_j = sum_y t_y^j, j <= D, by exp(sum_j (-1)^{j+1} S_j z^j / j); the power sums come
from P_m = sum_y lambda_y^m through the Stirling series of (e^v - 1)^j, and the P_m of
every x from moment sums over the tokens sorted by c (shared by all x). Each
truncation is bounded (the coefficients of a series with non-negative coefficients
are at most its value at z = 1). Ranks k >= K of x are dropped with
P(N >= K | x) <= (Lambda/s)^K; a token x whose bound exceeds 1 is dropped with its
whole mass p(x) counted as error. Rank 1 is the closed form (:func:`alpha_one`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike

from specbound.bounds.exponential_races._inputs import _pair
from specbound.bounds.exponential_races.alpha_one import alpha_one
from specbound.bounds.exponential_races.rank_law_head_bounds import (
    _EPS,
    _TAU_MAX,
    _choose,
    _majorant,
    _nodes,
)
from specbound.distributions import check_int, check_real
from specbound.errors import InvalidArgumentError

#: Tokens x per vectorised chunk (with nodes x ranks values each).
_CHUNK_CELLS = 6_000_000


@dataclass(frozen=True)
class RankLawHead:
    """alpha(1..R) of the ERSD rank law with a bound on its absolute error.

    Attributes
    ----------
    law : (R,) ndarray of float64
        ``law[r - 1]`` approximates alpha(r) = P(R = r).
    error_bound : float
        sum_r |law[r - 1] - alpha(r)| <= error_bound (truncation and quadrature,
        plus a first-order allowance for rounding).
    max_rank : int
        R.
    dropped_mass : float
        Target mass of the tokens x whose ranks were not integrated (inside
        ``error_bound``).
    """

    law: np.ndarray
    error_bound: float
    max_rank: int
    dropped_mass: float

    def to_dict(self) -> dict:
        """JSON-ready fields."""
        return {
            "law": [float(v) for v in self.law],
            "error_bound": float(self.error_bound),
            "max_rank": int(self.max_rank),
            "dropped_mass": float(self.dropped_mass),
        }


@lru_cache(maxsize=4)
def _stirling_coefficients(m_max: int) -> np.ndarray:
    """T[m, j] = j! S(m, j) / m!: the coefficient of v^m in (e^v - 1)^j."""
    t = np.zeros((m_max + 1, m_max + 1))
    t[0, 0] = 1.0
    for m in range(1, m_max + 1):
        j = np.arange(1, m + 1)
        t[m, 1 : m + 1] = j * (t[m - 1, 1 : m + 1] + t[m - 1, :m]) / m
    return t


def _power_sums(cs, ps, qs, first, cx, idx, need, scale):
    """P_m / scale^m, P_m = sum_{y: c_y < c_x} (q_y (c_x - c_y))^m, m <= need[x], and a bound.

    Binomial expansion over prefix sums of q^(m-a) p^a in c order, blocked (sqrt(n)
    blocks), so the first-order rounding bound is (2 sqrt(n) + m + 4) eps
    sum_y (q_y (c_x + c_y))^m. Entries with m > need[x] are left at 0.
    """
    m_max = int(need.max(initial=0))
    out = np.zeros((cx.size, m_max + 1))
    rnd = np.zeros((cx.size, m_max + 1))
    block = max(1, math.isqrt(cs.size))
    rows = -(-cs.size // block)
    for m in range(1, m_max + 1):
        at = np.flatnonzero(need >= m)
        cxm, idm, inv = cx[at] / scale[at], idx[at], 1.0 / scale[at]
        term = qs**m
        acc = np.zeros(at.size)
        acc_abs = np.zeros(at.size)
        for a in range(m + 1):
            if a:
                term = term * cs  # q^m c^a = q^(m-a) p^a
            grid = np.zeros(rows * block)
            grid[: cs.size] = term
            grid = grid.reshape(rows, block).cumsum(axis=1)
            grid[1:] += np.cumsum(grid[:-1, -1])[:, None]
            pref = np.concatenate(([0.0], grid.ravel()[: cs.size]))[idm]
            with np.errstate(over="ignore", invalid="ignore"):
                coef = math.comb(m, a) * cxm ** (m - a) * inv**a
                acc += (-1) ** a * coef * pref
                acc_abs += coef * pref
        out[at, m] = acc
        rnd[at, m] = acc_abs * (2 * block + m + 4) * _EPS
    return out, rnd


def _light_laplace(s, scale, lam_r, big_l, lam_med, pm, pm_rnd, k_cap, n, order, mask, stir):
    """Gauss-Laguerre values of int e^{-s u} e_k(t_L(u), t_M(u)) du per token, k < k_cap.

    Light tokens enter through their moments ``pm`` = P_m / scale^m (rates <=
    ``lam_r``, total ``big_l``); the medium tokens (rates ``lam_med``, (x, m), zero-padded) are
    multiplied in exactly at each node.

    Returns (values (x, k_cap), rounding bound per x). The rounding bound propagates
    the error of the P_m into the S_j (first order) and through exp(sum_j ...) with
    the majorant of :func:`_node_error`.
    """
    order, m_top = order
    xi, w = _nodes(n)
    u = xi[None, :] / s[:, None]  # (x, nodes)
    wts = np.where(mask, w[None, :] / s[:, None], 0.0)
    upow = [np.ones_like(u)]
    us = u * scale[:, None]
    for _ in range(m_top):
        upow.append(upow[-1] * us)
    sj, rnd = [], np.zeros_like(u)
    for j in range(1, order + 1):
        acc = np.zeros_like(u)
        for m in range(j, m_top + 1):
            acc += stir[m, j] * upow[m] * pm[:, m, None]
            rnd += stir[m, j] * upow[m] * pm_rnd[:, m, None] / j
        sj.append(acc)
    f = [np.ones_like(u)]
    for k in range(1, k_cap):
        acc = np.zeros_like(u)
        for j in range(1, min(k, order) + 1):
            acc += (sj[j - 1] if j % 2 else -sj[j - 1]) * f[k - j]
        f.append(acc / k)
    for col in range(lam_med.shape[1]):  # times (1 + t_m z), exactly
        t = np.expm1(u * lam_med[:, col, None])
        for k in range(k_cap - 1, 0, -1):
            f[k] = f[k] + t * f[k - 1]
    out = np.stack([np.sum(wts * fk, axis=1) for fk in f], axis=1)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        a = np.where(lam_r > 0, big_l / np.where(lam_r > 0, lam_r, 1.0), 0.0)[:, None]
        tau = np.minimum(np.expm1(u * lam_r[:, None]), _TAU_MAX)
        major = _majorant(a, tau, k_cap) * np.exp(u * lam_med.sum(axis=1)[:, None])
        rnd_err = major * np.exp(rnd) * np.expm1(rnd) * k_cap
        # the recurrence itself: (k D + 2) eps relative to the majorant, per rank
        rnd_err += major * (k_cap * order + 2) * k_cap * _EPS
    return out, np.sum(np.where(wts > 0, wts * rnd_err, 0.0), axis=1)


#: At most this many candidates for exact treatment (the draft's most likely tokens).
_CANDIDATES_MAX = 512
#: At most this many heavy tokens per target token (2^h subsets each).
_HEAVY_MAX = 4
#: A candidate g is heavy for x when lambda_xg >= _HEAVY_SHARE * (1 + Lambda_x).
_HEAVY_SHARE = 0.05
#: ... and medium (multiplied in exactly at each node) when lambda_xg * u_x >= this,
#: u_x = min(30, (R + 6 sqrt(R) + 10) / Lambda_x) the race times that matter.
_MEDIUM_REACH = 0.1


def _split(cs, qs, cand, cx, s_full, reach):
    """Rates lambda_xg of the candidates (decreasing per row) and heavy / medium masks."""
    with np.errstate(over="ignore", invalid="ignore"):
        lam_g = qs[cand][None, :] * np.maximum(cx[:, None] - cs[cand][None, :], 0.0)
    lam_g = -np.sort(-lam_g, axis=1)
    heavy = lam_g >= _HEAVY_SHARE * s_full[:, None]
    heavy[:, _HEAVY_MAX:] = False
    medium = ~heavy & (lam_g * reach[:, None] >= _MEDIUM_REACH)
    return lam_g, heavy, medium


def rank_distribution_head(
    target: ArrayLike, draft: ArrayLike, max_rank: int, *, tol: float = 1e-9
) -> RankLawHead:
    """alpha(1..max_rank) of the ERSD rank law with a rigorous absolute error bound.

    Method: module docstring (Gauss-Laguerre per target token in the race time, node
    values from shared moment sums in c = p/q order, every truncation bounded).
    The few predecessors y of x with a large rate lambda_xy ("heavy", at most
    5, among the 16 most likely draft tokens) are expanded exactly:
    prod_h (z + (1 - z) e^{-u lambda_h}) = sum_A z^{h-|A|} (1 - z)^{|A|} e^{-u Lambda_A},
    so each subset A is a light Laplace transform at s_A = 1 + Lambda_L + Lambda_A.
    Rank 1 is :func:`alpha_one` (closed form); a draft-impossible target token
    (q = 0) puts its mass at rank n_q + 1 exactly, n_q = #{q > 0}.

    Cost O(n log n + n m^2) for the moment sums (m = twice the power-sum order, usually
    <= 16) plus, per target token, 2^h (nodes x ranks x order) operations; memory
    O(n m). At n = 128k (softmax pairs), R = 64: about a second (benchmarks/).

    Parameters
    ----------
    target, draft : (n,) array-like
        Next-token laws p and q.
    max_rank : int
        R >= 1; ranks 1..min(R, n) are returned.
    tol : float
        Target for ``error_bound`` (default 1e-9). The bound returned is what was
        proved; it can exceed ``tol`` on extreme inputs (a token x whose bound fails
        is dropped, its mass p(x) counted as error: ``dropped_mass``).

    Returns
    -------
    RankLawHead
        ``law`` (probabilities per rank) and ``error_bound`` (on the sum over the
        returned ranks of the absolute errors).

    Raises
    ------
    InvalidArgumentError
        Invalid laws, different sizes, max_rank < 1, tol outside (0, 1e-3].

    Examples
    --------
    >>> head = rank_distribution_head([0.5, 0.3, 0.15, 0.05], [0.3, 0.4, 0.2, 0.1], 4)
    >>> np.round(head.law, 6), bool(head.error_bound < 1e-9)
    (array([0.789024, 0.15525 , 0.047601, 0.008125]), True)
    """
    p, q = _pair(target, draft)
    n = p.size
    ranks = min(check_int(max_rank, "max_rank", 1), n)
    tol = check_real(tol, "tol", 0.0, 1e-3)
    if tol == 0:
        raise InvalidArgumentError("tol: must be > 0")
    law = np.zeros(ranks)
    nq = int(np.count_nonzero(q > 0))
    if nq < n and nq < ranks:
        law[nq] = p[q == 0].sum()
    law[0] += alpha_one(p, q)
    error = 8 * n * _EPS
    if ranks == 1 or nq <= 1:
        return RankLawHead(law, error, ranks, 0.0)
    d = np.flatnonzero(q > 0)
    with np.errstate(over="ignore"):
        c = p[d] / q[d]
    order = np.argsort(c, kind="stable")
    cs, ps, qs = c[order], p[d][order], q[d][order]
    new_run = np.concatenate(([True], cs[1:] != cs[:-1]))
    first = np.maximum.accumulate(np.where(new_run, np.arange(cs.size), 0))
    with np.errstate(over="ignore", invalid="ignore"):
        big_l = np.maximum(
            cs * np.concatenate(([0.0], np.cumsum(qs)))[first]
            - np.concatenate(([0.0], np.cumsum(ps)))[first],
            0.0,
        )
    xs = np.flatnonzero((ps > 0) & (big_l > 0))
    bad = ~(np.isfinite(big_l[xs]) & np.isfinite(cs[xs]))
    dropped = float(ps[xs[bad]].sum())
    xs = xs[~bad]
    cx = cs[xs]
    big_x = big_l[xs]
    s_full = 1.0 + big_x
    reach = np.minimum(30.0, (ranks + 6 * math.sqrt(ranks) + 10) / np.maximum(big_x, 1e-300))
    # candidates G: every draft token that could be a light token of rate above
    # _MEDIUM_REACH / reach for some x (lambda_xy <= q_y c_x), at most _CANDIDATES_MAX
    with np.errstate(divide="ignore", over="ignore"):
        theta = float(np.min(_MEDIUM_REACH / (cx * reach), initial=np.inf))
    by_q = np.argsort(-qs, kind="stable")
    cand = by_q[: min(_CANDIDATES_MAX, int(np.count_nonzero(qs > theta)))]
    qs_l, ps_l = qs.copy(), ps.copy()
    qs_l[cand], ps_l[cand] = 0.0, 0.0
    idx = first[xs]
    qmax_l = np.concatenate(([0.0], np.maximum.accumulate(qs_l)))[idx]
    with np.errstate(over="ignore", invalid="ignore"):
        big_nc = np.maximum(
            cx * np.concatenate(([0.0], np.cumsum(qs_l)))[idx]
            - np.concatenate(([0.0], np.cumsum(ps_l)))[idx],
            0.0,
        )
    h_x = np.zeros(xs.size, dtype=np.int64)
    m_x = np.zeros(xs.size, dtype=np.int64)
    for lo in range(0, xs.size, 8192):
        sl = slice(lo, lo + 8192)
        _, heavy, medium = _split(cs, qs, cand, cx[sl], s_full[sl], reach[sl])
        h_x[sl], m_x[sl] = heavy.sum(axis=1), medium.sum(axis=1)
    ok = np.isfinite(big_nc) & np.isfinite(cx * qmax_l)
    dropped += float(ps[xs[~ok]].sum())
    sel = np.flatnonzero(ok)
    sel = sel[np.lexsort((big_x[sel], m_x[sel], h_x[sel]))]
    budget = 0.25 * tol * np.maximum(1.0, 1.0 / (max(sel.size, 1) * ps[xs[sel]]))
    chunk = max(256, min(4096, _CHUNK_CELLS // (48 * ranks)))
    plans = []
    for lo in range(0, sel.size, chunk):
        rows = sel[lo : lo + chunk]
        lam_g, heavy, medium = _split(cs, qs, cand, cx[rows], s_full[rows], reach[rows])
        light_g = np.where(heavy | medium, 0.0, lam_g)
        med = np.where(medium, lam_g, 0.0)
        h, mm = int(h_x[rows].max()), int(m_x[rows].max())
        big_light = big_nc[rows] + light_g.sum(axis=1)
        lam_light = np.minimum(
            big_light, np.maximum(cx[rows] * qmax_l[rows], light_g.max(axis=1, initial=0.0))
        )
        big_m = med.sum(axis=1)
        tok = {
            "s": 1.0 + big_light + big_m,
            "big": big_light + big_m,
            "lam": np.maximum(lam_light, med.max(axis=1, initial=0.0)),
            "lam_light": lam_light,
            "big_light": big_light,
            "big_m": big_m,
            "med_top": np.concatenate(
                (np.zeros((rows.size, 1)), np.cumsum(-np.sort(-med, axis=1), axis=1)), axis=1
            ),
            "k_ratio": big_x[rows] / s_full[rows],
        }
        k_cap, nodes, dd, bound, mask = _choose(tok, budget[lo : lo + chunk] / 3.0**h, ranks)
        bound = bound * 3.0**h
        keep = bound < 1.0
        dropped += float(ps[xs[rows[~keep]]].sum())
        error += float(np.sum(ps[xs[rows[keep]]] * bound[keep]))
        if keep.any():
            plans.append((lo, keep, k_cap, nodes, dd, mask[keep]))
    if not plans:
        return RankLawHead(law, error + dropped, ranks, dropped)
    # moment sums of the light non-candidates, shared by all x
    need = np.zeros(xs.size, dtype=np.int64)
    for lo, keep, _, _, dd, _ in plans:
        need[sel[lo : lo + chunk][keep]] = dd[1]
    m_max = int(need.max())
    stir = _stirling_coefficients(m_max)
    scale = 1.0 + big_nc
    pm_all = _power_sums(cs, ps_l, qs_l, first, cx, idx, need, scale)
    for lo, keep, k_cap, nodes, dd, mask in plans:
        rows = sel[lo : lo + chunk]
        lam_g, heavy, medium = _split(cs, qs, cand, cx[rows], s_full[rows], reach[rows])
        h, mm = int(h_x[rows].max()), int(m_x[rows].max())
        rows, lam_g, heavy, medium = rows[keep], lam_g[keep], heavy[keep], medium[keep]
        light_g = np.where(heavy | medium, 0.0, lam_g)
        med = np.where(medium, lam_g, 0.0)
        big_light = big_nc[rows] + light_g.sum(axis=1)
        lam_light = np.minimum(
            big_light, np.maximum(cx[rows] * qmax_l[rows], light_g.max(axis=1, initial=0.0))
        )
        big_m = med.sum(axis=1)
        pm = pm_all[0][rows].copy()
        pm_rnd = pm_all[1][rows]
        if light_g.any():
            scaled = light_g / scale[rows][:, None]
            for m in range(1, dd[1] + 1):
                pm[:, m] += np.sum(scaled**m, axis=1)
        lam_med = -np.sort(-med, axis=1)[:, :mm]
        lam_heavy = np.where(heavy, lam_g, 0.0)[:, :h]
        base = 1.0 + big_light + big_m
        cond = np.zeros((rows.size, k_cap))
        for subset in range(2**h):
            bits = np.array([(subset >> i) & 1 for i in range(h)], dtype=float)
            size = int(bits.sum())
            vals, rnd = _light_laplace(
                base + (lam_heavy @ bits if h else 0.0),
                scale[rows],
                lam_light,
                big_light,
                lam_med,
                pm,
                pm_rnd,
                k_cap,
                nodes,
                dd,
                mask,
                stir,
            )
            # times z^(h - |A|) (1 - z)^|A|
            for i in range(size + 1):
                shift = h - size + i
                if shift < k_cap:
                    coef = math.comb(size, i) * (-1) ** i
                    cond[:, shift:] += coef * vals[:, : k_cap - shift]
            # (rows with non-finite values are dropped below, their mass counted)
            rnd_mass = np.where(np.isfinite(rnd), ps[xs[rows]] * rnd, 0.0)
            error += float(np.sum(rnd_mass)) * 2.0**size
        good = np.all(np.isfinite(cond), axis=1)
        dropped += float(ps[xs[rows[~good]]].sum())  # overflow (extreme ratios c)
        top_k = min(k_cap, ranks)
        law[1:top_k] += ps[xs[rows[good]]] @ cond[good, 1:top_k]
    # alpha(r) >= 0: moving a value below 0 (by at most the error bound) up to 0 only
    # brings it closer to alpha(r)
    law = np.maximum(law, 0.0)
    return RankLawHead(law, error + dropped, ranks, dropped)
