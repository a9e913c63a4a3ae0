"""Acceptance of single-draft speculative sampling, and tokens per step of a chain of drafts.

Leviathan, Kalman, Matias (arXiv 2211.17192) and Chen et al. (arXiv 2302.01318):
one draft token x ~ q is accepted with probability min(1, p(x) / q(x)), so
P(accept) = sum_x min(p, q) = 1 - TV(p, q); with gamma drafts accepted i.i.d.,
E[tokens per step] = (1 - alpha^(gamma+1)) / (1 - alpha). Project letters: target
= p, draft = q. The Markov-model theory of Yin et al. (arXiv 2411.00841) is in
:mod:`specbound.bounds.rejections`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from specbound.distributions import as_distribution, check_int, check_real, check_same_size


def total_variation(target: ArrayLike, draft: ArrayLike) -> float:
    """Total variation distance TV(p, q) = 1/2 sum_x |p(x) - q(x)| (unitless, in [0, 1]).

    Computed as 1 - sum_x min(p(x), q(x)), its equal for laws.
    """
    return 1.0 - acceptance_probability(target, draft)


def acceptance_probability(target: ArrayLike, draft: ArrayLike) -> float:
    """Acceptance probability of single-draft speculative sampling.

    .. math:: P(\\text{accept}) = \\sum_x \\min(p(x), q(x)) = 1 - \\mathrm{TV}(p, q)

    Leviathan et al. (arXiv 2211.17192); Yin et al. (arXiv 2411.00841), per-step
    form of Thm 1. O(n).

    Parameters
    ----------
    target, draft : (n,) array-like
        Next-token laws p (large model) and q (small model).

    Returns
    -------
    float
        A probability in [0, 1].

    Examples
    --------
    >>> acceptance_probability([0.5, 0.3, 0.2], [0.2, 0.3, 0.5])
    0.7
    """
    p = as_distribution(target, "target")
    q = as_distribution(draft, "draft")
    check_same_size(p, q, "target", "draft")
    return float(np.clip(np.minimum(p, q).sum(), 0.0, 1.0))


# ----------------------------------------------------------------------------- chain formula


def expected_tokens_per_step(alpha: float, gamma: int) -> float:
    """Expected tokens per verifier call with a chain of ``gamma`` i.i.d.-accepted drafts.

    .. math:: E[\\text{tokens per step}] = \\frac{1 - \\alpha^{\\gamma + 1}}{1 - \\alpha}
              = \\sum_{k=0}^{\\gamma} \\alpha^k, \\qquad (\\gamma + 1 \\text{ at } \\alpha = 1)

    Leviathan et al. (arXiv 2211.17192, Eq. 1); the chain model used by Yin et al.
    (arXiv 2411.00841). Assumes every draft token is accepted independently with
    probability ``alpha`` (e.g. context-free target and draft, alpha = 1 - TV);
    tokens per step = accepted + 1 (the verifier's bonus or residual token). O(1).

    Parameters
    ----------
    alpha : float in [0, 1]
        Per-token acceptance probability.
    gamma : int >= 0
        Drafted tokens per call (0: target only, one token per call).

    Returns
    -------
    float
        Expected tokens per call, in [1, gamma + 1].

    Examples
    --------
    >>> expected_tokens_per_step(0.5, 2)
    1.75
    """
    alpha = check_real(alpha, "alpha", 0.0, 1.0)
    gamma = check_int(gamma, "gamma", 0)
    if alpha == 1.0:
        return float(gamma + 1)
    # the geometric sum, exact for alpha near 1 (no cancellation in 1 - alpha^(gamma+1))
    return float(-np.expm1((gamma + 1) * np.log(alpha)) / (1.0 - alpha)) if alpha > 0 else 1.0
