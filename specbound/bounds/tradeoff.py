"""Quality vs rejection trade-off of biased verification rules (Yin et al., Thms 4-5).

Yin, Chen, Huang, Wang, arXiv 2411.00841, Sec. 5. A one-step rule draws X ~ q,
accepts it with probability b(X) in [0, 1], otherwise outputs a token of a
rejection law P. With a = q b and beta = sum a, the output is o = a + (1 - beta) P,
P(reject) = 1 - beta and the quality loss is TV(o, p). Letters: target = p,
draft = q (the paper swaps them). Formulas re-derived by the project, **as
implemented here**:

* Loss*(b) = min_P TV(o, p) = sum_x (q(x) b(x) - p(x))_+, attained by P* ~ (p - q b)_+;
* P(reject) + Loss*(b) >= TV(p, q) for every b (the Pareto front is the segment
  from (0, TV) to (TV, 0));
* the least rejection with TV(o, p) <= eps is max(0, TV - eps), attained by the
  rule of :func:`optimal_biased_rule`, whose output is (1 - lam) p + lam q.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from specbound.bounds.rejections import (
    _check_pair,
    _check_start,
    row_total_variation,
    sequence_law_kernel,
)
from specbound.distributions import as_distribution, check_int, check_real, check_same_size
from specbound.errors import InvalidArgumentError
from specbound.limits import check_work


def _pair(target: ArrayLike, draft: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    p = as_distribution(target, "target")
    q = as_distribution(draft, "draft")
    check_same_size(p, q, "target", "draft")
    return p, q


def min_rejection_with_budget(target: ArrayLike, draft: ArrayLike, eps: float) -> float:
    """Least rejection probability of any one-step rule whose output is eps-close to p.

    .. math:: \\min\\{P(\\text{reject}) : \\mathrm{TV}(o, p) \\le \\varepsilon\\}
              = \\max(0, \\mathrm{TV}(p, q) - \\varepsilon)

    Yin et al. (arXiv 2411.00841), Thms 4-5, as implemented here (closed form
    re-derived by the project; :func:`specbound.lp.rejection_lp.budget_lp` solves
    the same problem as an LP). Unitless probability. O(n).

    Examples
    --------
    >>> round(min_rejection_with_budget([0.5, 0.3, 0.2], [0.2, 0.3, 0.5], 0.1), 12)
    0.2
    """
    p, q = _pair(target, draft)
    eps = check_real(eps, "eps", 0.0)
    tv = float(1.0 - np.minimum(p, q).sum())
    return max(0.0, tv - eps)


def min_tv_loss(target: ArrayLike, draft: ArrayLike, acceptance: ArrayLike) -> float:
    """Loss*(b): the least TV(output, target) of a rule with acceptance probabilities b.

    .. math:: \\mathrm{Loss}^*(b) = \\min_P \\mathrm{TV}(q b + (1 - \\beta) P, p)
              = \\sum_x (q(x) b(x) - p(x))_+

    attained by the rejection law P* proportional to (p - q b)_+ (Yin et al.,
    arXiv 2411.00841, Thm 4, as implemented here). O(n).

    Parameters
    ----------
    acceptance : (n,) array-like in [0, 1]
        b(x), the probability of accepting draft token x.
    """
    p, q = _pair(target, draft)
    b = np.asarray(acceptance, dtype=np.float64)
    if b.shape != p.shape or not np.all(np.isfinite(b)) or b.min() < 0 or b.max() > 1:
        raise InvalidArgumentError(
            f"acceptance: must be a finite ({p.size},) array in [0, 1], got shape {b.shape}"
        )
    return float(np.maximum(q * b - p, 0.0).sum())


@dataclass(frozen=True)
class BiasedRule:
    """A one-step verification rule on the Pareto front (see :func:`optimal_biased_rule`).

    Attributes
    ----------
    acceptance : (n,) ndarray
        b(x) = P(accept | draft token x).
    residual : (n,) ndarray
        Rejection law P* = (p - q)_+ / TV (any law when TV = 0).
    mix : float
        lam = min(1, eps / TV): the output law is (1 - lam) p + lam q.
    rejection : float
        P(reject) = (1 - lam) TV.
    loss : float
        TV(output, target) = lam TV.
    output : (n,) ndarray
        The output law (1 - lam) p + lam q.
    """

    acceptance: np.ndarray
    residual: np.ndarray
    mix: float
    rejection: float
    loss: float
    output: np.ndarray


def biased_rule_kernel(p: np.ndarray, q: np.ndarray, lam: float) -> BiasedRule:
    """Kernel of :func:`optimal_biased_rule` for a given mixing weight lam (no validation)."""
    overlap = np.minimum(p, q)
    excess = p - overlap
    tv = float(excess.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(q > p, p / np.where(q > 0, q, 1.0), 1.0)  # min(1, p/q)
    b = ratio + lam * (1.0 - ratio)
    residual = excess / tv if tv > 0 else p.copy()
    return BiasedRule(b, residual, lam, (1 - lam) * tv, lam * tv, (1 - lam) * p + lam * q)


def optimal_biased_rule(target: ArrayLike, draft: ArrayLike, eps: float) -> BiasedRule:
    """The rule attaining the least rejection max(0, TV - eps) at loss <= eps.

    lam = min(1, eps / TV); b(x) = 1 where q <= p and p/q + lam (1 - p/q) where
    q > p; rejection law P* = (p - q)_+ / TV. Then P(reject) = (1 - lam) TV,
    TV(output, p) = lam TV and the output is exactly (1 - lam) p + lam q
    (Yin et al., arXiv 2411.00841, Thm 5, as implemented here). lam = 0 is
    standard speculative sampling, lam = 1 accepts every draft token. O(n).
    """
    p, q = _pair(target, draft)
    eps = check_real(eps, "eps", 0.0)
    tv = float(1.0 - np.minimum(p, q).sum())
    lam = 1.0 if tv <= eps else eps / tv
    return biased_rule_kernel(p, q, lam)


def _check_sequence(
    target_kernel: ArrayLike, draft_kernel: ArrayLike, start: int, horizon: int, mix: float
) -> tuple:
    p, q = _check_pair(target_kernel, draft_kernel)
    start = _check_start(start, p.shape[0])
    horizon = check_int(horizon, "horizon", 1)
    mix = check_real(mix, "mix", 0.0, 1.0)
    check_work("horizon", float(horizon) * p.shape[0] ** 2, "chain steps")
    return p, q, start, horizon, mix


def biased_rejections_kernel(
    p: np.ndarray, q: np.ndarray, start: int, horizon: int, mix: float
) -> tuple:
    """Kernel of :func:`biased_expected_rejections` (float or Fraction arrays).

    Returns (E[N_rej], the sequence-TV bound mix * sum_t E_{K_mix}[tau]).
    """
    tau = row_total_variation(p, q)
    k = (1 - mix) * p + mix * q
    mu = np.zeros(p.shape[0], dtype=p.dtype)
    if p.dtype == object:
        mu[:] = 0 * p[0, 0]
    mu[start] = 1 + 0 * p[0, 0]
    total = 0 * tau[0]
    for t in range(1, horizon + 1):
        total = total + mu @ tau
        if t < horizon:
            mu = mu @ k
    return (1 - mix) * total, mix * total


def biased_expected_rejections(
    target_kernel: ArrayLike, draft_kernel: ArrayLike, start: int, horizon: int, mix: float
) -> float:
    """E[rejections] of the biased rule with fixed ``mix`` = lam at every position.

    .. math:: E[N_{rej}] = (1 - \\lambda) \\sum_{t=1}^{H}
              E_{X_{<t} \\sim K_\\lambda}[\\tau(X_{t-1})],\\quad
              K_\\lambda = (1 - \\lambda) P + \\lambda Q

    Drafting to the end; the generated sequence is the Markov chain K_lam.
    Yin et al. (arXiv 2411.00841), sequence form of Thms 4-5, as implemented
    here. Cost O(H n^2).
    """
    p, q, start, horizon, mix = _check_sequence(target_kernel, draft_kernel, start, horizon, mix)
    return float(biased_rejections_kernel(p, q, start, horizon, mix)[0])


def biased_sequence_tv(
    target_kernel: ArrayLike, draft_kernel: ArrayLike, start: int, horizon: int, mix: float
) -> float:
    """Exact TV between the biased rule's sequence law (chain K_lam) and the target's.

    Enumerates all n^H sequences (refuses n^H > 2e6). Bounded above by
    lam * sum_t E_{K_lam}[tau(X_{t-1})] (second value of
    :func:`biased_rejections_kernel`).
    """
    p, q, start, horizon, mix = _check_sequence(target_kernel, draft_kernel, start, horizon, mix)
    if float(p.shape[0]) ** horizon > 2e6:
        raise InvalidArgumentError(f"horizon: n^horizon = {p.shape[0]}^{horizon} is too many")
    return float(biased_sequence_tv_kernel(p, q, start, horizon, mix))


def biased_sequence_tv_kernel(
    p: np.ndarray, q: np.ndarray, start: int, horizon: int, mix: float
) -> float:
    """Kernel of :func:`biased_sequence_tv` (float or Fraction arrays)."""
    law_mix = sequence_law_kernel((1 - mix) * p + mix * q, start, horizon)
    law_p = sequence_law_kernel(p, start, horizon)
    return abs(law_mix - law_p).sum() / 2
