"""Rejections of speculative decoding (Yin, Chen, Huang, Wang, NeurIPS 2024).

Paper: "A Theoretical Perspective for Speculative Decoding Algorithm",
arXiv 2411.00841. Project letters: target = p, draft = q (the paper swaps them).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from specbound.distributions import as_distribution, check_same_size


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
