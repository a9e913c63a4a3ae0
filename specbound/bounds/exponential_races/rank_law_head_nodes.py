"""Node values of the certified ERSD rank-law head: Gauss-Laguerre in the race time.

Kobus & Gunduz, arXiv 2504.15475 (note C3, as implemented); the method is in
:mod:`~specbound.bounds.exponential_races.rank_law_head`. For a target token x and a
node u, e_k(t(u)) (t_y = e^{u lambda_y} - 1, k < K) is built from the power sums of the
light predecessors (from their moments P_m = sum_y lambda_y^m, shared by all x through
prefix sums in c = p/q order) and the medium predecessors multiplied in exactly.
Values are dimensionless (probabilities once weighted by e^{-s u}).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from specbound.bounds.exponential_races.rank_law_head_bounds import (
    _EPS,
    _TAU_MAX,
    _majorant,
    _nodes,
)


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
        weighted = np.where(wts > 0, wts * rnd_err, 0.0)
    return out, np.sum(weighted, axis=1)
