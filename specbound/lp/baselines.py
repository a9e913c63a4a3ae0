"""Exact acceptance of the standard multi-draft baselines (``theory/multidraft.md`` section 5).

Every scheme outputs a token distributed exactly as the target p; "accepted" means the
scheme's procedure accepted one of the K draft tokens X_k ~ q_k (independent).

* NSS, naive sampling (SpecInfer paper, arXiv 2305.09781): Y ~ p directly, accepted if
  Y is one of the drafts: P = sum_y p(y) (1 - prod_k (1 - q_k(y))).
* SpecInfer multi-round rejection (arXiv 2305.09781): r^(1) = p; draft k is accepted
  with probability min(1, r^(k)(X_k) / q_k(X_k)), otherwise
  r^(k+1) = norm((r^(k) - q_k)^+). P = 1 - prod_k (1 - sum_x min(r^(k)(x), q_k(x))).
* SpecTr K-SEQ (Sun et al., arXiv 2310.15141; identical drafts): with
  eta(rho) = sum_x min(q(x), p(x) / rho), draft k is accepted with probability
  min(1, p(X_k) / (rho q(X_k))) in order; rho* = smallest rho in [1, K] with
  1 - (1 - eta)^K <= rho eta (the residual is then non-negative). P = 1 - (1 - eta(rho*))^K.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from specbound.errors import InvalidArgumentError
from specbound.lp.optimum import identical, validate_drafts


def nss_acceptance(target: ArrayLike, drafts: ArrayLike) -> float:
    """NSS: P(Y in set(X)) with Y ~ p independent of the drafts.

    .. math:: \\sum_y p(y) \\Big(1 - \\prod_k (1 - q_k(y))\\Big)

    Examples
    --------
    >>> round(nss_acceptance([0.5, 0.5], [[0.5, 0.5], [0.5, 0.5]]), 6)
    0.75
    """
    p, q = validate_drafts(target, drafts)
    return float(np.dot(p, 1.0 - np.prod(1.0 - q, axis=0)))


def specinfer_residuals(target: np.ndarray, drafts: np.ndarray) -> np.ndarray:
    """The laws r^(1..K+1) of SpecInfer's rounds as a (K + 1, n) array (validated input).

    r^(1) = p; r^(k+1) = norm((r^(k) - q_k)^+). When r^(k) <= q_k everywhere (round k
    accepts surely), r^(k+1) is set to r^(k) (never used).
    """
    k, n = drafts.shape
    out = np.empty((k + 1, n))
    out[0] = target
    for j in range(k):
        res = np.maximum(out[j] - drafts[j], 0.0)
        total = res.sum()
        out[j + 1] = res / total if total > 1e-15 else out[j]
    return out


def specinfer_acceptance(target: ArrayLike, drafts: ArrayLike) -> float:
    """SpecInfer multi-round rejection sampling: 1 - prod_k (1 - sum_x min(r^(k), q_k)).

    Miao et al. (arXiv 2305.09781). Drafts are verified in row order.

    Examples
    --------
    >>> round(specinfer_acceptance([0.1, 0.9], [[0.5, 0.5], [0.5, 0.5]]), 6)
    0.8
    """
    p, q = validate_drafts(target, drafts)
    r = specinfer_residuals(p, q)
    alpha = np.minimum(r[:-1], q).sum(axis=1)
    return float(1.0 - np.prod(np.clip(1.0 - alpha, 0.0, 1.0)))


def _eta(p: np.ndarray, q: np.ndarray, rho: float) -> float:
    return float(np.minimum(q, p / rho).sum())


def spectr_rho(target: np.ndarray, draft: np.ndarray, k: int, iterations: int = 200) -> float:
    """rho* of K-SEQ: the smallest rho in [1, k] with 1 - (1 - eta(rho))^k <= rho eta(rho).

    g(rho) = rho eta(rho) - 1 + (1 - eta(rho))^k is non-decreasing in rho (rho eta =
    sum min(rho q, p) grows, eta falls), so bisection finds the boundary; g(k) >= 0
    always (Bernoulli). Validated laws; 200 halvings reach float precision.
    """

    def g(rho: float) -> float:
        eta = _eta(target, draft, rho)
        return rho * eta - 1.0 + (1.0 - eta) ** k

    if g(1.0) >= 0.0:
        return 1.0
    lo, hi = 1.0, float(k)
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        if g(mid) >= 0.0:
            hi = mid
        else:
            lo = mid
        if hi - lo <= 1e-15 * hi:
            break
    return hi


def spectr_acceptance(target: ArrayLike, drafts: ArrayLike) -> float:
    """SpecTr K-SEQ acceptance 1 - (1 - eta(rho*))^K (Sun et al., arXiv 2310.15141).

    Raises
    ------
    InvalidArgumentError
        If the drafts are not identical (K-SEQ is defined for i.i.d. drafts).

    Examples
    --------
    >>> round(spectr_acceptance([0.1, 0.9], [[0.5, 0.5], [0.5, 0.5]]), 6)
    0.815037
    """
    p, q = validate_drafts(target, drafts)
    if not identical(q):
        raise InvalidArgumentError("drafts: SpecTr K-SEQ needs identical drafts (all rows equal)")
    k = q.shape[0]
    eta = _eta(p, q[0], spectr_rho(p, q[0], k))
    return float(1.0 - (1.0 - eta) ** k)


def spectr_guarantee(k: int, optimum: float) -> float:
    """SpecTr K-SEQ's approximation guarantee: its acceptance is at least this.

    .. math:: \\big(1 - (1 - 1/K)^K\\big)\\, P^* \\ge (1 - 1/e)\\, P^*

    Sun et al. (arXiv 2310.15141), K-SEQ approximation guarantee, with ``optimum`` the
    multi-draft optimum P* of :func:`specbound.lp.optimal_acceptance`. Unitless.

    Examples
    --------
    >>> spectr_guarantee(2, 0.8)
    0.6000000000000001
    """
    if int(k) != k or k < 1:
        raise InvalidArgumentError(f"k: need a positive integer, got {k!r}")
    return (1.0 - (1.0 - 1.0 / k) ** k) * float(optimum)
