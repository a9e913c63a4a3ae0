"""The information bracket around H[R]: D(p || q~) <= H[R] and E[ln R] <= D(p || q) + 1/e + ln 2.

Kobus & Gunduz, arXiv 2504.15475 (the information bracket, as implemented), with the
Poisson functional representation of Li & El Gamal (arXiv 1701.02827). Exact for small vocabularies
(n <= 18, a subset DP over the draft race's arrival laws); values in nats.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import rel_entr

from specbound.bounds.exponential_races._inputs import _law, _pair
from specbound.bounds.exponential_races.entropy_bound import rank_entropy
from specbound.bounds.exponential_races.rank_law import rank_distribution
from specbound.distributions import as_distribution, check_removed
from specbound.errors import InvalidArgumentError


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
        check_removed(q_set[level] - 1.0, "draft_position_laws (draft mass of a set above 1)")
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
    """The information bracket, a diagnostic, around H[R] (n <= 18), in nats.

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
    kl_mixed = float(rel_entr(p[sup], mixed[sup]).sum())  # sum p ln(p / mixed); inf if mixed = 0
    kl = float(rel_entr(p[sup], q[sup]).sum())
    return {
        "kl_mixed": kl_mixed,
        "entropy": rank_entropy(a),
        "mean_log_rank": float(a @ np.log(np.arange(1, a.size + 1))),
        "kl": kl,
        "pfr_bound": kl + math.exp(-1.0) + math.log(2.0),
    }
