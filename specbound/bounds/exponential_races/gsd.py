"""The GSD baseline: positional acceptance of SpecInfer multi-draft verification and its trees.

Recursive rejection with k drafts, i.i.d. (SpecInfer, arXiv 2305.09781) or without
replacement (Jeon et al., arXiv 2402.14160); P(the i-th draft is the accepted one) per
position, and the optimal tree on that vector (Sequoia assumption, arXiv 2402.12374).
Compared with ERSD in Kobus & Gunduz, arXiv 2504.15475.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from specbound.bounds.exponential_races._inputs import _pair
from specbound.distributions import check_int
from specbound.errors import InvalidArgumentError
from specbound.limits import check_allocation
from specbound.trees import DraftTree, check_tree_size, optimal_tree


def gsd_positional_acceptance(target: ArrayLike, draft: ArrayLike, k: int) -> np.ndarray:
    """Positional acceptance of multi-draft speculative sampling with i.i.d. drafts.

    SpecInfer recursive rejection (arXiv 2305.09781): r_0 = p, a_i = sum_x min(r_{i-1},
    q), r_i = (r_{i-1} - q)^+ / (1 - a_i). P(the i-th draft is the accepted one) =
    a_i prod_{j<i} (1 - a_j), i = 1..k. O(k n).

    Examples
    --------
    >>> np.round(gsd_positional_acceptance([0.5, 0.3, 0.15, 0.05], [0.3, 0.4, 0.2, 0.1], 4), 6)
    array([0.8   , 0.06  , 0.042 , 0.0294])
    """
    p, q = _pair(target, draft)
    k = check_int(k, "k", 1)
    check_allocation("k", k, np.float64, what="positions")
    out = np.zeros(k)
    r, survive = p, 1.0
    for i in range(k):
        a = float(np.minimum(r, q).sum())
        out[i] = survive * a
        survive *= 1.0 - a
        res = np.maximum(r - q, 0.0)
        mass = res.sum()
        if survive <= 0.0 or mass <= 0.0 or a <= 0.0:  # the rest is 0 (a = 0: r stays)
            break
        r = res / mass
    return out


def gsd_positional_acceptance_without_replacement(
    target: ArrayLike, draft: ArrayLike, k: int, *, max_histories: int = 2_000_000
) -> np.ndarray:
    """Positional acceptance of recursive rejection with drafts sampled without replacement.

    Draft i is drawn from q_i = q restricted to the tokens not drafted yet; it is
    accepted with probability min(1, r_{i-1}(y)/q_i(y)); on rejection r_i =
    (r_{i-1} - q_i)^+ normalised (Jeon et al., arXiv 2402.14160). The residual does not
    depend on which token was rejected, but q_{i+1} does, so the exact vector sums over
    the sequences of rejected tokens (token y is rejected with probability
    (q_i(y) - r_{i-1}(y))^+): O(n^k) work, small n only. Exact enumeration.

    Raises
    ------
    InvalidArgumentError
        Bad laws or k, or more than ``max_histories`` rejection histories.
    """
    p, q = _pair(target, draft)
    k = check_int(k, "k", 1)
    check_allocation("k", k, np.float64, what="positions")
    out = np.zeros(k)
    budget = [max_histories]

    def walk(i: int, r: np.ndarray, qi: np.ndarray, reach: float) -> None:
        if i == k or reach == 0.0 or qi.sum() <= 0:
            return
        budget[0] -= 1
        if budget[0] < 0:
            raise InvalidArgumentError(
                f"k: more than {max_histories} rejection histories; use smaller n or k"
            )
        qn = qi / qi.sum()
        out[i] += reach * float(np.minimum(r, qn).sum())
        rej = np.maximum(qn - r, 0.0)
        res = np.maximum(r - qn, 0.0)
        if res.sum() <= 0:
            return
        r_next = res / res.sum()
        for y in np.flatnonzero(rej > 0):
            q_next = qi.copy()
            q_next[y] = 0.0
            walk(i + 1, r_next, q_next, reach * float(rej[y]))

    walk(0, p, q.copy(), 1.0)
    return out


def gsd_optimal_tree(
    target: ArrayLike, draft: ArrayLike, k: int, *, max_children: int | None = None
) -> DraftTree:
    """The k-node GSD (i.i.d. SpecInfer drafts) tree of largest E[G] (Sequoia assumption).

    The heap greedy on the positional vector of :func:`gsd_positional_acceptance` of
    length ``max_children`` (default k: no cap). Children of a GSD node are verified in
    drafting order, so the vector must be non-increasing (``optimal_tree`` rejects it
    otherwise, with an InvalidArgumentError naming ``acceptance``).
    """
    k = check_tree_size(check_int(k, "k", 1), "k")
    # a k-node tree never uses a child rank beyond k: the vector needs min(k, cap) entries
    width = k if max_children is None else min(k, check_int(max_children, "max_children", 1))
    vec = gsd_positional_acceptance(target, draft, width)
    # rounding can make an exactly flat tail (all zeros or a constant) tick upward
    vec = np.minimum.accumulate(vec) if np.all(np.diff(vec) <= 1e-15) else vec
    return optimal_tree(vec, k)
