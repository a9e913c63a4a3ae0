"""alpha(1) of the ERSD rank law in closed form, O(n log n).

Kobus & Gunduz, arXiv 2504.15475 (note C2 of ``theory/exponential_races.md``, as
implemented). With shared clocks W_x ~ Exp(1), alpha(1) is the probability that the
draft's first arrival (smallest W_x / q(x)) is the target's race winner (smallest
W_x / p(x)): the single-draft ERSD acceptance, a probability.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from specbound.bounds.exponential_races._inputs import _pair


def _sorted_denominators(p: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kernel: sort order by rho = p/q and 1 + Lambda_x = c_x Q_<(c_x) + P_>=(c_x) per position.

    No binary search: the query points are the sorted values themselves, so Q_< and
    P_>= are read at the first index of each run of equal rho. O(n log n) (the sort).
    Entries for tokens with p(x) q(x) = 0 are meaningless (masked by the callers).
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        rho = np.where(q > 0, p / np.where(q > 0, q, 1.0), np.inf)
    order = np.argsort(rho)
    rs = rho[order]
    ps, qs = p[order], q[order]
    cum_q = np.concatenate(([0.0], np.cumsum(qs)))
    suf_p = np.concatenate((np.cumsum(ps[::-1])[::-1], [0.0]))
    idx = np.arange(rs.size)
    new_run = np.concatenate(([True], rs[1:] != rs[:-1]))
    first = np.maximum.accumulate(np.where(new_run, idx, 0))  # #{y : rho_y < rho_x}
    with np.errstate(invalid="ignore"):
        den = rs * cum_q[first] + suf_p[first]
    return order, den


def _alpha_one_denominators(p: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The tokens x with p, q > 0 and their 1 + Lambda_x = sum_y max(p(y), c_x q(y))."""
    order, den = _sorted_denominators(p, q)
    full = np.empty(p.size)
    full[order] = den
    xs = np.flatnonzero((p > 0) & (q > 0))
    return xs, full[xs]


def alpha_one(target: ArrayLike, draft: ArrayLike) -> float:
    """P(R = 1): the probability that the draft race's first arrival wins the target race.

    .. math:: \\alpha(1) = \\sum_{x} \\Big[\\sum_y \\max\\Big(\\frac{p(y)}{p(x)},
              \\frac{q(y)}{q(x)}\\Big)\\Big]^{-1}
              = \\sum_{x:\\,p(x)q(x)>0} \\frac{p(x)}{c_x Q_<(c_x) + P_\\ge(c_x)}

    with rho_y = p(y)/q(y) (+inf when q(y) = 0), c_x = rho_x, Q_<(c) = sum of q over
    rho < c and P_>=(c) = sum of p over rho >= c (note C2; Kobus & Gunduz, arXiv
    2504.15475; the same coupling as drafter-invariant decoding, arXiv 2408.07978).
    Cost O(n log n): one sort and prefix sums. Bounds (1 - TV)/(1 + TV) <= alpha(1) <= 1 - TV.

    Parameters
    ----------
    target, draft : (n,) array-like
        Next-token laws p and q.

    Returns
    -------
    float
        A probability (the single-draft acceptance of ERSD).

    Examples
    --------
    >>> round(alpha_one([0.5, 0.3, 0.15, 0.05], [0.3, 0.4, 0.2, 0.1]), 6)  # 647/820
    0.789024
    """
    p, q = _pair(target, draft)
    order, den = _sorted_denominators(p, q)
    ps = p[order]
    ok = (ps > 0) & (q[order] > 0)
    return float(np.clip(np.sum(ps[ok] / den[ok]), 0.0, 1.0))
