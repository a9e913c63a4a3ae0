"""Optimal acceptance of K drafts drawn WITHOUT replacement from one draft law q.

The setting of tree-based engines: K distinct candidates X_1..X_K are drawn
sequentially from q without replacement, so an ordered tuple x of distinct tokens has
probability Q(x) = prod_k q(x_k) / (1 - q(x_1) - ... - q(x_{k-1})). A selection rule
outputting Y ~ p (the target) is valid as in Khisti et al. (arXiv 2410.18234); the
largest acceptance P(Y in {X_1..X_K}) is, by max-flow / min-cut on the routing graph
(tuples -> their tokens -> sink with capacity p), as derived here (issue 18, not in
the paper):

.. math:: P^*_{wor} = \\min_{T} \\big[ p(T) + 1 - W(T) \\big], \\qquad
          W(T) = P(X_1, .., X_K \\in T).

Since (s - q(x)) / (1 - q(x)) <= s for s = q(T), W(T) <= q(T)^K and P*_wor >= the
i.i.d. optimum. Exact methods:

* :func:`without_replacement_lp`: the coupling LP over ordered distinct K-tuples (test
  oracle, n!/(n-K)! tuples).
* brute force over token sets with W from the tuples (at most ``BRUTE_MAX_N`` drafted
  tokens), any K.
* K = 2, any n: sequentially, W(T) = sum_{i in T} q_i (s - q_i)/(1 - q_i)
  = s - (1 - s) r(T) with r(T) = sum_{i in T} q_i / (1 - q_i), so
  p(T) - W(T) = c(T) - q(T) r(T) with c_i = p_i + q_i^2 / (1 - q_i): the bilinear form
  of :mod:`specbound.lp.halfspace`, minimised with a certificate.
* any K, any n (:mod:`specbound.lp.without_replacement_prefix`): a minimiser is a prefix
  of the drafted tokens sorted by p/q (proved there by a race coupling), and W on every
  prefix is bracketed by a Gauss-Laguerre quadrature of the race time with a rigorous
  error bound; certified to 1e-9 in well under a second at n = 32,000, K = 4.

Only tokens with q > 0 can be in a minimising set (adding a token never drafted
costs p and gains nothing). Needs at least K drafted tokens (q > 0).
"""

from __future__ import annotations

import itertools

import numpy as np
from numpy.typing import ArrayLike

from specbound.distributions import as_distribution, check_int, check_same_size
from specbound.errors import InvalidArgumentError
from specbound.lp.exact_sets import BRUTE_MAX_N, Optimum
from specbound.lp.halfspace import minimise_product_gap
from specbound.lp.without_replacement_prefix import prefix_optimum_without_replacement

#: Largest number of ordered distinct tuples the LP and the tuple enumeration build.
MAX_TUPLES = 200_000


def _validate(target: ArrayLike, draft: ArrayLike, k: int) -> tuple[np.ndarray, np.ndarray, int]:
    p = as_distribution(target, "target")
    q = as_distribution(draft, "draft")
    check_same_size(p, q, "target", "draft")
    k = check_int(k, "k", 1)
    support = int(np.count_nonzero(q))
    if support < k:
        raise InvalidArgumentError(
            f"k: {k} distinct drafts need at least {k} tokens with q > 0, the draft has {support}"
        )
    return p, q, k


def tuple_count(drafted: int, k: int) -> float:
    """drafted! / (drafted - K)!: the ordered distinct K-tuples of ``drafted`` tokens."""
    return float(np.prod(np.arange(drafted - k + 1, drafted + 1), dtype=float))


def ordered_tuples(q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """All ordered K-tuples of distinct drafted tokens and their probabilities Q(x).

    Returns ``(tuples, prob)``: (m, K) int and (m,) float, m = s!/(s-K)! for s drafted
    tokens. Raises InvalidArgumentError above ``MAX_TUPLES`` tuples.
    """
    tokens = np.flatnonzero(q > 0)
    count = int(tuple_count(tokens.size, k))
    if count > MAX_TUPLES:
        raise InvalidArgumentError(f"k: {count} ordered draft tuples exceed {MAX_TUPLES}")
    tup = np.array(list(itertools.permutations(tokens.tolist(), k)), dtype=np.int64)
    # the mass left before draw j is summed over the tokens not drawn yet (1 - sum of
    # the drawn ones would lose all precision when they hold nearly all the mass)
    left = np.ones((tup.shape[0], q.size), dtype=bool)
    prob = np.ones(tup.shape[0])
    for j in range(k):
        prob *= q[tup[:, j]] / (left @ q)
        left[np.arange(tup.shape[0]), tup[:, j]] = False
    return tup, prob


def complement_mass(q: np.ndarray) -> np.ndarray:
    """1 - q_i for every token, accurate also when q_i is close to 1 (the sum of the other
    entries is used for the one token above 1/2)."""
    out = 1.0 - q
    big = np.flatnonzero(q > 0.5)
    for i in big:
        out[i] = q[:i].sum() + q[i + 1 :].sum()
    return out


def all_in_probabilities(q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """W(T) for every subset T of the drafted tokens, by a superset-sum transform.

    Returns ``(tokens, w)``: the drafted tokens (s of them, s <= ``BRUTE_MAX_N``) and w
    of length 2^s, w[mask] = P(all K draws in the tokens of ``mask``).
    """
    tokens = np.flatnonzero(q > 0)
    if tokens.size > BRUTE_MAX_N:
        raise InvalidArgumentError(
            f"draft: brute force needs at most {BRUTE_MAX_N} drafted tokens, got {tokens.size}"
        )
    tup, prob = ordered_tuples(q, k)
    pos = np.searchsorted(tokens, tup)
    masks = np.bitwise_or.reduce(np.left_shift(1, pos), axis=1)
    w = np.bincount(masks, weights=prob, minlength=2**tokens.size)
    for bit in range(tokens.size):  # w[m] <- sum over submasks of m
        step = 1 << bit
        w = w.reshape(-1, 2 * step)
        w[:, step:] += w[:, :step]
        w = w.ravel()
    return tokens, w


def brute_optimum_without_replacement(p: np.ndarray, q: np.ndarray, k: int) -> Optimum:
    """P*_wor by enumerating every set of drafted tokens (at most 16), any K."""
    tokens, w = all_in_probabilities(q, k)
    bits = (np.arange(w.size)[:, None] >> np.arange(tokens.size)) & 1
    values = bits @ p[tokens] - w
    best = int(np.argmin(values))
    value = float(np.clip(1.0 + values[best], 0.0, 1.0))
    return Optimum(value, tokens[bits[best].astype(bool)], value, "brute")


def pair_optimum_without_replacement(p: np.ndarray, q: np.ndarray) -> Optimum:
    """P*_wor for K = 2 at any n: the certified bilinear minimum of the module docstring.

    With a token i0 of mass q0 > 1/2, r(T) would be huge and cancel, so the two cases
    are separate. i0 not in T: c_i = p_i + q_i r_i over the other tokens (all r_i <= 1).
    i0 in T = {i0} + T' with m = 1 - q0 (summed over the others):
    p(T) - W(T) = p0 + c'(T') - q(T') r(T') with c'_i = p_i - q_i / m + m r_i.
    """
    drafted = np.flatnonzero(q > 0)
    top = drafted[np.argmax(q[drafted])]
    rest = drafted[drafted != top] if q[top] > 0.5 else drafted
    qd = q[rest]
    r = qd / complement_mass(q)[rest]
    cases = [(0.0, np.empty(0, dtype=np.int64), p[rest] + qd * r)]
    if rest.size < drafted.size:
        m = complement_mass(q)[top]
        cases.append((float(p[top]), np.array([top]), p[rest] - qd / m + m * r))
    found = []  # (upper, lower, tokens, boxes) per case
    for const, forced, c in cases:
        res = minimise_product_gap(c, np.vstack([qd, r]))
        tokens = np.sort(np.concatenate([forced, rest[res.tokens]]))
        found.append((const + res.upper, const + res.lower, tokens, res.boxes))
    upper, _, tokens, _ = min(found, key=lambda f: f[0])
    upper = float(np.clip(1.0 + upper, 0.0, 1.0))
    lower = float(np.clip(1.0 + min(f[1] for f in found), 0.0, upper))
    return Optimum(upper, tokens, lower, "halfspace", sum(f[3] for f in found))


def optimum_without_replacement(target: ArrayLike, draft: ArrayLike, k: int) -> Optimum:
    """Optimal acceptance of K drafts drawn without replacement from ``draft``, certified.

    P*_wor = min_T [p(T) + 1 - P(all K draws in T)] (module docstring). K = 1 is
    sum_i min(p_i, q_i); K = 2 uses the certified branch and bound at any n; K >= 3 the
    best prefix in p/q order with a quadrature bracket (``method="prefix"``), and exact
    enumeration when that bracket is wider than 1e-9 and enumeration is small enough
    (at most 16 drafted tokens and ``MAX_TUPLES`` ordered tuples). A probability
    (unitless); ``lower_bound`` <= P*_wor <= ``acceptance`` always, and
    ``Optimum.certified`` says whether the two agree to 1e-9 (extreme laws whose light
    mass sits on fewer than K tokens can leave a wider bracket; it is reported, not
    refused).

    Raises
    ------
    InvalidArgumentError
        Invalid laws, a vocabulary mismatch, k < 1 or fewer than K drafted tokens.

    Examples
    --------
    >>> round(optimum_without_replacement([0.1, 0.9], [0.5, 0.5], 2).acceptance, 6)
    1.0
    """
    p, q, k = _validate(target, draft, k)
    if k == 1:
        value = float(np.minimum(p, q).sum())
        return Optimum(value, np.flatnonzero(p < q), value, "prefix")
    if k == 2:
        return pair_optimum_without_replacement(p, q)
    res = prefix_optimum_without_replacement(p, q, k)
    s = int(np.count_nonzero(q))
    if res.certified or s > BRUTE_MAX_N or tuple_count(s, k) > MAX_TUPLES:
        return res
    return brute_optimum_without_replacement(p, q, k)


def without_replacement_rule(
    target: ArrayLike, draft: ArrayLike, k: int, solver: str | None = None
) -> tuple[float, np.ndarray, np.ndarray]:
    """An optimal selection rule for drafts without replacement, from the coupling LP.

    Max-flow form over ordered distinct K-tuples x: variables a(x, y) >= 0 for y in
    set(x); maximise sum a subject to sum_y a(x, y) <= Q(x) and sum_x a(x, y) <= p(y).
    The unaccepted mass is coupled independently (as in
    :func:`~specbound.lp.coupling.coupling_lp`), so P(y | x) = pi(x, y) / Q(x) outputs p.
    Test oracle (n!/(n-K)! tuples).

    Returns
    -------
    (acceptance, tuples, rule) : float, (m, K) int ndarray, (m, n) ndarray
    """
    import scipy.sparse as sp

    from specbound.lp.coupling import solve_lp

    p, q, k = _validate(target, draft, k)
    tup, prob = ordered_tuples(q, k)
    m = tup.shape[0]
    rows = np.repeat(np.arange(m), k)
    tok = tup.ravel()
    ones = np.ones(rows.size)
    cols = np.arange(rows.size)
    a_ub = sp.vstack(
        [
            sp.csr_matrix((ones, (rows, cols)), shape=(m, rows.size)),
            sp.csr_matrix((ones, (tok, cols)), shape=(p.size, rows.size)),
        ],
        format="csr",
    )
    x, value, _, _, _ = solve_lp(ones, None, None, a_ub, np.concatenate([prob, p]), solver)
    pi = np.zeros((m, p.size))
    np.add.at(pi, (rows, tok), np.maximum(x, 0.0))
    left = np.maximum(prob - pi.sum(axis=1), 0.0)
    unmet = np.maximum(p - pi.sum(axis=0), 0.0)
    if unmet.sum() > 0:
        pi += np.outer(left, unmet / unmet.sum())
    rule = pi / pi.sum(axis=1, keepdims=True)
    return float(np.clip(value, 0.0, 1.0)), tup, rule


def without_replacement_lp(
    target: ArrayLike, draft: ArrayLike, k: int, solver: str | None = None
) -> float:
    """P*_wor from the coupling LP over ordered distinct K-tuples
    (:func:`without_replacement_rule`)."""
    return without_replacement_rule(target, draft, k, solver)[0]
