"""Error bounds and parameter choice for the certified ERSD rank-law head.

Kobus & Gunduz, arXiv 2504.15475 (note C3, as implemented);
:mod:`~specbound.bounds.exponential_races.rank_law_head` has the method. For a target
token x, with light and medium predecessors of total rate Lambda and largest rate
lambda, and s = 1 + Lambda (+ the rates of a subset of heavy predecessors), these
functions bound, conditionally on X = x: the Gauss-Laguerre error of
int e^{-su} e_k(t(u)) du (:func:`_laplace_tail`), the error of the node values built
from truncated power sums (:func:`_node_error`), the value of a skipped node
(:func:`_skip_error`), and choose the cheapest parameters meeting a budget
(:func:`_choose`). All bounds are probabilities (dimensionless).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numpy.polynomial.laguerre import laggauss

#: Gauss-Laguerre sizes tried (nodes per token x).
_NODE_COUNTS = (2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128)
#: Power-sum orders D tried at a node.
_ORDERS = (1, 2, 3, 4, 6, 8, 10, 12, 16, 20, 24)
#: A node is evaluated only if e^{u lambda_max} - 1 is below this (else skipped, bounded).
_TAU_MAX = 0.5
_EPS = np.finfo(float).eps


@lru_cache(maxsize=32)
def _nodes(n: int) -> tuple[np.ndarray, np.ndarray]:
    return laggauss(n)


def _laplace_tail(ratio, lam_s, k, m0):
    """Bound on sum_{m >= m0} S(m, k) (lam_s)^(m - k) (Lambda/s)^k / s (times s), per k.

    Uses S(m, k) <= C(m, k) k^(m-k) / 2 and the negative-binomial tail
    sum_{j >= J} C(k + j, j) y^j <= term_J / (1 - y (k + J + 1)/(J + 1)), y = k lam_s.
    Broadcasts; returns +inf where the ratio test fails.
    """
    j0 = np.maximum(m0 - k, 0).astype(float)
    y = k * lam_s
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        logterm = (
            _lgamma(k + j0 + 1) - _lgamma(k + 1.0) - _lgamma(j0 + 1) + j0 * np.log(y)
        ) + k * np.log(ratio)
        rho = y * (k + j0 + 1) / (j0 + 1)
        out = 0.5 * np.exp(logterm) / (1.0 - rho)
    out = np.where(y == 0, np.where(j0 == 0, 0.5 * ratio**k, 0.0), out)
    return np.where((rho < 1) | (y == 0), out, np.inf)


_lgamma = np.vectorize(math.lgamma, otypes=[float])


def _node_error(lam_r, big_l, u):
    """Bound on |computed e_k(t(u)) - e_k(t(u))| (each k) at nodes u, as f(D, M).

    The power sums S_j, j <= D, are summed over m <= M of their Stirling series.
    ``lam_r`` = lambda_max, ``big_l`` = Lambda of the light tokens (broadcast with u).
    The bound is inf where tau = e^{u lambda_max} - 1 >= _TAU_MAX (skipped nodes).
    Majorant: S_j <= (Lambda/lambda) tau^j; exp(sum_j S_j/j) <= (1 - tau)^(-Lambda/lambda);
    the dropped S_j (j > D) add S_1 tau^D / ((D + 1)(1 - tau)); the Stirling tail of
    (e^v - 1)^j <= v^j e^{jv} beyond degree M adds (Lambda/lambda) v^j (jv)^(M-j+1) /
    (M-j+1)! e^{jv} / j.
    """
    v = u * lam_r
    tau = np.expm1(v)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        a = np.where(lam_r > 0, big_l / np.where(lam_r > 0, lam_r, 1.0), 0.0)  # Lambda/lambda
        s1 = a * tau
        a_plus = a * -np.log1p(-np.minimum(tau, _TAU_MAX))
        log_v = np.log(v)
    usable = tau < _TAU_MAX

    def bound(order: int, m_top: int) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
            delta = s1 * tau**order / ((order + 1) * (1.0 - tau))
            for j in range(1, order + 1):
                ext = m_top - j + 1
                delta = (
                    delta
                    + a
                    * np.exp((j + ext) * log_v + ext * math.log(j) - math.lgamma(ext + 1) + j * v)
                    / j
                )
            err = np.exp(a_plus + delta) * np.expm1(delta)
        return np.where(usable, err, np.inf)

    return bound


def _skip_error(lam_r, big_l, u, ranks):
    """Bound on sum_{k < K} e_k(t(u)) = e^{u Lambda} P(N(u) < K) at a skipped node.

    min(sum_k S_1^k / k!, e^{u Lambda} min(1, Chernoff)), with
    S_1 <= (Lambda / lambda_max)(e^{u lambda_max} - 1) (convexity) and, for the mean
    mu >= (Lambda / lambda_max)(1 - e^{-u lambda_max}) > K - 1,
    P(N <= K - 1) <= exp(-(mu - K + 1) + (K - 1) ln(mu / (K - 1))).
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        a = np.where(lam_r > 0, big_l / np.maximum(lam_r, 1e-300), 0.0)
        s1 = a * np.expm1(u * lam_r)
        total = np.ones_like(s1)
        term = np.ones_like(s1)
        for k in range(1, ranks):
            term = term * s1 / k
            total = total + term
        mu = -a * np.expm1(-u * lam_r)
        k = ranks - 1
        log_ch = np.where(
            mu > k, -(mu - k) + (k * np.log(np.maximum(mu, 1e-300) / k) if k else 0.0), 0.0
        )
        total = np.minimum(total, np.exp(u * big_l + log_ch))
    return total


def _choose(tok, budget, ranks):
    """Per-chunk (K, n, D) and per-token error bounds (conditional on X = x, subset A = {}).

    ``tok``: dict of per-token arrays: ``s`` = 1 + Lambda_L + Lambda_M, ``big`` =
    Lambda_L + Lambda_M and ``lam`` = their largest rate (light and medium tokens),
    ``lam_light``, ``big_light`` (light only), ``big_m`` (medium), ``k_ratio`` =
    Lambda / (1 + Lambda) over all tokens (ranks >= K dropped with k_ratio^K).
    """
    s, big, lam = tok["s"], tok["big"], tok["lam"]
    ratio, lam_s, k_ratio = big / s, lam / s, tok["k_ratio"]
    with np.errstate(divide="ignore"):
        need = np.where(
            k_ratio > 0, np.ceil(np.log(budget / 4) / np.log(np.maximum(k_ratio, 1e-300))), 1
        )
    k_cap = int(min(ranks, max(2.0, need.max())))
    drop_err = k_ratio**k_cap if k_cap < ranks else np.zeros_like(ratio)
    ks = np.arange(0, k_cap, dtype=float)[None, :]
    for n in _NODE_COUNTS:
        last = n == _NODE_COUNTS[-1]
        if 2 * n < k_cap and not last:
            continue
        with np.errstate(under="ignore"):
            tail = (
                np.minimum(
                    _laplace_tail(ratio[:, None], lam_s[:, None], ks, 2 * n).sum(axis=1),
                    ratio ** (2 * n) * s,
                )
                / s
            )
        if not last and np.any(tail + drop_err > budget / 2):
            continue
        xi, w = _nodes(n)
        u = xi[None, :] / s[:, None]
        wts = w[None, :] / s[:, None]
        skip = wts * _skip_error(lam[:, None], big[:, None], u, k_cap)
        scale = wts * np.exp(u * tok["big_m"][:, None]) * k_cap
        node = _node_error(tok["lam_light"][:, None], tok["big_light"][:, None], u)
        for order in _ORDERS:
            for m_top in (4 * order, order, order + 2, order + 4, 2 * order, 4 * order):
                evaluated = scale * node(order, m_top)
                total = drop_err + tail + np.minimum(evaluated, skip).sum(axis=1)
                ok = bool(np.all(total <= budget))
                if m_top == 4 * order and not ok and order != _ORDERS[-1]:
                    break  # this order fails even with many Stirling terms
                if ok and m_top != 4 * order:
                    return k_cap, n, (order, m_top), total, evaluated <= skip
        return k_cap, n, (order, m_top), total, evaluated <= skip
    raise AssertionError("unreachable")
