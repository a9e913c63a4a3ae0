"""Entropy of the ERSD rank law and the tokens-per-step bound (ln n + ln(k+1)) / H[R].

Kobus & Gunduz, arXiv 2504.15475 (the ERSD entropy bound, as implemented): G is a stopping time of
the i.i.d. rank stream, so E[G] H[R] = H(N) + H(R_last | N) (:func:`tree_entropy_identity`)
and E[G] <= (ln n + ln(k + 1)) / H[R] for any k-node tree. Entropies in nats; E[G] in
tokens per target call.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from specbound.bounds.exponential_races._inputs import _head, _law, _pair
from specbound.bounds.exponential_races.rank_law import rank_distribution
from specbound.distributions import as_distribution, check_int, check_removed, check_same_size
from specbound.trees import DraftTree, tree_value


def rank_entropy(rank_law: ArrayLike) -> float:
    """H[R] = -sum_r alpha(r) ln alpha(r) in nats (0 ln 0 = 0).

    Examples
    --------
    >>> round(rank_entropy([0.5, 0.5]), 6)
    0.693147
    """
    a = _law(rank_law)
    nz = a[a > 0]
    return float(max(0.0, -(nz * np.log(nz)).sum()))


def rank_entropy_lower_bound(rank_law_head: ArrayLike) -> float:
    """A lower bound on H[R] from the first ranks of the law only (nats).

    With alpha known for r <= R (e.g. ``rank_distribution(..., max_rank=R)``) and tail
    mass t = 1 - sum_{r<=R} alpha(r): each tail entry is <= t, so
    -sum_tail alpha ln alpha >= -t ln t and H[R] >= H_head - t ln t. Equal to
    :func:`rank_entropy` when t = 0. Keeps :func:`bound_from_rank_law`-style bounds valid
    (a smaller entropy gives a larger bound).
    """
    a = _head(rank_law_head, "rank_law_head")
    t = max(0.0, 1.0 - float(a.sum()))
    nz = a[a > 0]
    head = float(-(nz * np.log(nz)).sum())
    return head + (-t * math.log(t) if t > 0 else 0.0)


def tokens_per_step_bound(
    target: ArrayLike, draft: ArrayLike, k: int, *, rank_law: ArrayLike | None = None
) -> float:
    """Entropy bound on the expected tokens per target call of any k-node draft tree.

    .. math:: E[G] \\le \\frac{\\ln n + \\ln(k+1)}{H[R]}

    (the ERSD entropy bound, the channel-simulation bound of Kobus & Gunduz, arXiv
    2504.15475, as implemented here). Proof: G is a stopping time of the i.i.d. rank
    stream, so E[G] H[R] = H(N) + H(R_last | N) (Wald's identity for entropy;
    :func:`tree_entropy_identity`), N = last node reached (k + 1 values), R_last = the
    rank that left the tree (n values). Base-free ratio; H[R] in nats. Returns +inf when
    H[R] = 0 (R deterministic).

    Parameters
    ----------
    target, draft : (n,) array-like
        Next-token laws p and q.
    k : int
        Drafted tokens (non-root nodes), >= 1.
    rank_law : (n,) array-like, optional
        A precomputed :func:`rank_distribution` (skips the O(n^3) computation).

    Examples
    --------
    >>> round(tokens_per_step_bound([0.5, 0.3, 0.15, 0.05], [0.3, 0.4, 0.2, 0.1], 8), 4)
    5.428
    """
    p, q = _pair(target, draft)
    k = check_int(k, "k", 1)
    if rank_law is None:
        a = rank_distribution(p, q)
    else:
        a = as_distribution(rank_law, "rank_law")
        check_same_size(p, a, "target", "rank_law")
    return bound_from_rank_law(a, k)


def bound_from_rank_law(rank_law: ArrayLike, k: int, n: int | None = None) -> float:
    """The ERSD entropy bound (ln n + ln(k + 1)) / H[R] of a rank law; n defaults to len(rank_law).

    Examples
    --------
    >>> round(bound_from_rank_law([0.5, 0.5], 1), 6)   # (ln 2 + ln 2) / ln 2
    2.0
    """
    a = as_distribution(rank_law, "rank_law")
    k = check_int(k, "k", 1)
    n = a.size if n is None else check_int(n, "n", a.size)
    h = rank_entropy(a)
    return math.inf if h == 0.0 else (math.log(n) + math.log(k + 1)) / h


def tree_entropy_identity(rank_law: ArrayLike, tree: DraftTree) -> tuple[float, float]:
    """Both sides of E[G] H[R] = H(N) + H(R_last | N) for a tree verified by ranks.

    N = the last node reached, P(N = v) = pi(v) (1 - sum over v's children c of
    alpha(rank c)); R_last | N = v has law alpha restricted to the ranks that are not
    children of v. ``tree.child_index`` holds 0-based ranks into ``rank_law``.

    Returns
    -------
    (lhs, rhs) : tuple of float
        E[G] H[R] and H(N) + H(R_last | N), in nats; equal for any tree.
    """
    a = _law(rank_law)
    size = tree.size
    # path probabilities under *this* law (whatever law the tree was built with)
    reach = tree_value(a, tree.parent, tree.child_index).path_probability if size else []
    pi = np.concatenate(([1.0], np.asarray(reach, dtype=np.float64)))
    slot = tree.parent + 1  # 0 = root
    out_mass = np.bincount(slot, weights=a[tree.child_index], minlength=size + 1)
    # tolerance: the rank law's own (its sum may exceed 1 by 1e-9, see _inputs)
    check_removed(out_mass - 1.0, "tree_entropy_identity (children's rank mass above 1)", 1e-9)
    stop = pi * np.clip(1.0 - out_mass, 0.0, 1.0)
    lhs = (1.0 + float(pi[1:].sum())) * rank_entropy(a)
    nz = stop[stop > 0]
    h_n = float(-(nz * np.log(nz)).sum())
    ent_all = np.where(a > 0, -a * np.log(np.where(a > 0, a, 1.0)), 0.0)
    used = np.bincount(slot, weights=ent_all[tree.child_index], minlength=size + 1)
    rest_ent = ent_all.sum() - used  # sum over non-child ranks of -a ln a
    rest_mass = np.clip(1.0 - out_mass, 0.0, 1.0)
    ok = rest_mass > 0
    # H(R | R not a child) = (rest_ent + rest_mass ln rest_mass) / rest_mass
    cond = np.zeros(size + 1)
    cond[ok] = (rest_ent[ok] + rest_mass[ok] * np.log(rest_mass[ok])) / rest_mass[ok]
    rhs = h_n + float((stop * cond).sum())
    return lhs, rhs
