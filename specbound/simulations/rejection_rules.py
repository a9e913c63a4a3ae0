"""Simulation of one-step accept/reject verification rules, vectorised over trials.

A rule (acceptance b, rejection law R) draws X ~ draft, accepts iff U < b(X),
else outputs a token of R. Used to check Yin et al. (arXiv 2411.00841) Thm 2
(no unbiased rule rejects less than TV) and Thms 4-5 (biased rules on the
quality/rejection front). Exact constructions:
:mod:`specbound.bounds.rejection_rules`, :mod:`specbound.bounds.tradeoff`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from specbound.distributions import RngLike, as_distribution, as_rng, check_int, check_same_size
from specbound.errors import InvalidArgumentError
from specbound.simulations.sampling import sample_categorical


def accept_reject(
    draft: ArrayLike,
    acceptance: ArrayLike,
    residual: ArrayLike,
    size: int,
    rng: RngLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Run ``size`` trials of the rule: X ~ draft, accept iff U < b(X), else Y ~ residual.

    Returns
    -------
    tokens : (size,) int64 ndarray
        Output tokens.
    accepted : (size,) bool ndarray
        P(accepted) = sum_x q(x) b(x).
    """
    q = as_distribution(draft, "draft")
    res = as_distribution(residual, "residual")
    check_same_size(q, res, "draft", "residual")
    b = np.asarray(acceptance, dtype=np.float64)
    if b.shape != q.shape or not np.all(np.isfinite(b)) or b.min() < 0 or b.max() > 1:
        raise InvalidArgumentError(f"acceptance: must be a ({q.size},) array in [0, 1]")
    size = check_int(size, "size", 1)
    gen = as_rng(rng)
    x = sample_categorical(q, size, gen)
    accepted = gen.random(size) < b[x]
    rejected = np.flatnonzero(~accepted)
    x[rejected] = sample_categorical(res, rejected.size, gen)
    return x, accepted


def independent_resampling(
    target: ArrayLike, draft: ArrayLike, size: int, rng: RngLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """Draw X ~ q and an independent Y ~ p; output Y; "accepted" iff X = Y.

    Unbiased (the output is Y ~ p); P(accepted) = sum_x p(x) q(x).
    """
    p = as_distribution(target, "target")
    q = as_distribution(draft, "draft")
    check_same_size(p, q, "target", "draft")
    size = check_int(size, "size", 1)
    gen = as_rng(rng)
    x = sample_categorical(q, size, gen)
    y = sample_categorical(p, size, gen)
    return y, x == y
