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
from scipy.special import gammaln

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


def _laplace_tail(ratio, y, k, m0):
    """Bound on the Gauss-Laguerre error of rank k (times s), 2n = m0 nodes' exact degree.

    e_k(t(u)) <= e_k(lambda) u^k e^{u sigma_k} coefficientwise ((e^v - 1) <= v e^v),
    sigma_k = the largest sum of k rates, and k! e_k(lambda) <= Lambda^k, so the
    Laplace-series tail from degree m0 is at most
    (Lambda/s)^k sum_{j >= m0 - k} C(k + j, j) y^j / s with y = sigma_k / s; the
    negative-binomial tail is term_J / (1 - y (k + J + 1)/(J + 1)). Broadcasts;
    +inf where that ratio is >= 1.
    """
    j0 = np.maximum(m0 - k, 0).astype(float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        logterm = (
            gammaln(k + j0 + 1) - gammaln(k + 1.0) - gammaln(j0 + 1) + j0 * np.log(y)
        ) + k * np.log(ratio)
        rho = y * (k + j0 + 1) / (j0 + 1)
        out = np.exp(logterm) / (1.0 - rho)
    out = np.where(y == 0, np.where(j0 == 0, ratio**k, 0.0), out)
    return np.where((rho < 1) | (y == 0), out, np.inf)


def _majorant(a, tau, ranks):
    """Bound on sum_{i < K} [z^i] (1 - tau z)^(-a): the head of exp(sum_j a tau^j z^j / j).

    Each coefficient is C(a + i - 1, i) tau^i; they increase up to i* = (a - 1) tau /
    (1 - tau), so the sum is at most K times the largest one with i < K. Also at most
    the value at z = 1, (1 - tau)^(-a). Log-space; broadcasts.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        peak = np.clip(np.floor((a - 1.0) * tau / (1.0 - tau)), 0.0, ranks - 1.0)
        log_term = (
            gammaln(a + peak)
            - gammaln(np.maximum(a, 1e-300))
            - gammaln(peak + 1.0)
            + peak * np.log(tau)
        )
        log_term = np.where(peak > 0, log_term, 0.0)
        return np.minimum(ranks * np.exp(log_term), np.exp(a * -np.log1p(-tau)))


def _node_error(lam_r, big_l, u, ranks):
    """Bound on |computed e_k(t(u)) - e_k(t(u))| (each k) at nodes u, as f(D, M).

    The power sums S_j, j <= D, are summed over m <= M of their Stirling series.
    ``lam_r`` = lambda_max, ``big_l`` = Lambda of the light tokens (broadcast with u).
    The bound is inf where tau = e^{u lambda_max} - 1 >= _TAU_MAX (skipped nodes).
    Majorant: S_j <= (Lambda/lambda) tau^j, so the coefficients k < K of
    exp(sum_j S_j z^j / j) sum to at most :func:`_majorant`; an error Delta(z) of the
    exponent (coefficients bounded, summing to Delta) moves coefficient k by at most
    that sum times (e^Delta - 1). The dropped S_j (j > D) add
    S_1 tau^D / ((D + 1)(1 - tau)) to Delta; the Stirling tail of
    (e^v - 1)^j <= v^j e^{jv} beyond degree M adds (Lambda/lambda) v^j (jv)^(M-j+1) /
    (M-j+1)! e^{jv} / j.
    """
    v = u * lam_r
    tau = np.expm1(v)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        a = np.where(lam_r > 0, big_l / np.where(lam_r > 0, lam_r, 1.0), 0.0)  # Lambda/lambda
        s1 = a * tau
        head = _majorant(a, np.minimum(tau, _TAU_MAX), ranks)
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
            err = head * np.exp(delta) * np.expm1(delta)
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
    ``lam_light``, ``big_light`` (light only), ``big_m`` (medium), ``med_top``
    ((x, m + 1): sums of the k largest medium rates, k = 0..m), ``big_x`` = Lambda
    over all tokens (ranks >= K are dropped with (Lambda / (1 + Lambda))^K).
    """
    s, big, lam = tok["s"], tok["big"], tok["lam"]
    ratio, big_x = big / s, tok["big_x"]
    # ranks >= K carry at most (Lambda / (1 + Lambda))^K; ln of the ratio = -ln(1 + 1/Lambda)
    with np.errstate(divide="ignore", over="ignore"):
        log_ratio = -np.log1p(1.0 / big_x)
        need = np.ceil(np.log(budget / 4) / np.minimum(log_ratio, -1e-300))
    k_cap = int(min(ranks, max(2.0, need.max())))
    drop_err = np.exp(k_cap * log_ratio) if k_cap < ranks else np.zeros_like(ratio)
    ks = np.arange(0, k_cap, dtype=float)[None, :]
    # sigma_k <= (top-k medium rates) + k lambda_light, and <= Lambda
    top = tok["med_top"]
    sigma = top[:, np.minimum(np.arange(k_cap), top.shape[1] - 1)]
    y = np.minimum(big[:, None], sigma + ks * tok["lam_light"][:, None]) / s[:, None]
    for n in _NODE_COUNTS:
        last = n == _NODE_COUNTS[-1]
        if 2 * n < k_cap and not last:
            continue
        with np.errstate(under="ignore"):
            tail = (
                np.minimum(
                    _laplace_tail(ratio[:, None], y, ks, 2 * n).sum(axis=1),
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
        node = _node_error(tok["lam_light"][:, None], tok["big_light"][:, None], u, k_cap)
        for order in _ORDERS:
            for m_top in (3 * order, order, order + 2, order + 4, 2 * order, 3 * order):
                evaluated = scale * node(order, m_top)
                total = drop_err + tail + np.minimum(evaluated, skip).sum(axis=1)
                ok = bool(np.all(total <= budget))
                if m_top == 3 * order and not ok and order != _ORDERS[-1]:
                    break  # this order fails even with many Stirling terms
                if ok and m_top != 3 * order:
                    return k_cap, n, (order, m_top), total, evaluated <= skip
        return k_cap, n, (order, m_top), total, evaluated <= skip
    raise AssertionError("unreachable")
