"""Certified optimum of K drafts without replacement at vocabulary scale (issue 18).

P*_wor = 1 + min_T f(T), f(T) = p(T) - W(T), W(T) = P(all K sequential draws without
replacement from q lie in T) (:mod:`specbound.lp.without_replacement`).

**Prefix theorem** (proved here; the prefix structure for sampling without replacement
is also the subject of Hu et al., ICLR 2025, arXiv 2502.18779, whose proof we did not
read). Sort the drafted tokens (q > 0) by p/q, ties in any order. Then some minimiser of
f is a prefix of that order, so P*_wor = 1 + min_m f(T_m) over the s + 1 prefixes.
Proof: put W's marginal gains D+_j(T) = W(T + j) - W(T), D-_i(T) = W(T) - W(T - i). In
the exponential race (token y arrives at E_y / q_y; the draws are the first K arrivals),
with R = V - {i, j}, U = T - i, b_m the m-th arrival of R and A_m its first m arrivals,

    D+_j(T) / q_j - D-_i(T) / q_i
      = int_0^inf E[ 1{A_{K-1} in U, b_{K-1} > t} (e^{-q_i b - q_j t} - e^{-q_j b - q_i t})
                   + 1{A_{K-2} in U, b_{K-1} > t} (1 - e^{-q_i b}) e^{-q_j t} ] dt,
                   b = b_{K-1},

and the integrand is >= 0 pointwise (the first indicator implies the second, and then the
sum is e^{-q_j t} - e^{-q_j b - q_i t} >= 0 for b > t). So D+_j(T)/q_j >= D-_i(T)/q_i
("q-convexity"). If a minimiser T of largest size were not a prefix, some j not in T
precedes some i in T, and optimality (p_i <= D-_i, p_j >= D+_j) gives
p_j/q_j >= D+_j/q_j >= D-_i/q_i >= p_i/q_i >= p_j/q_j: equality throughout, so
f(T + j) = f(T), a larger minimiser. Tests check q-convexity in exact rationals.

**W on every prefix, with a bound.** With c = 1 - q(T) and o_y(t) = e^{q_y t} - 1,
P(N_T(t) = k) = e^{-q(T) t} e_k(o(t)) for the number N_T(t) of T's arrivals by t, and the
complement's first arrival is Exp(c), so

.. math:: 1 - W(T) = c \\sum_{k<K} \\int_0^\\infty e^{-t} e_k(o_T(t))\\,dt.

The h most likely drafted tokens H are expanded exactly:
prod_{x in A}(e^{q_x t} - 1) = sum_{B in A} (-1)^{|A - B|} e^{q(B) t}, so every piece is
I_{B,j} = int e^{-a t} e_j(o_L(t)) dt with a = 1 - q(B) over the light tokens L of T.
Gauss-Laguerre (t = v / a, n nodes) never overestimates I (e_j(o) has non-negative Taylor
coefficients) and its error is bounded by the Laplace-series tail of the ERSD rank-law
head (:func:`~specbound.bounds.exponential_races.rank_law_head_bounds._laplace_tail`,
y = sigma_j(L) / a). The e_j of all prefixes come from one pass of cumulative sums in
sqrt(s)-blocks (all terms >= 0), so rounding is a relative (K (2 sqrt(s) + 4) + n + 64)
eps per piece (first order, with an allowance for numpy's nodes), and the signed
combination of the pieces adds (terms + 4) eps of their magnitude. Two further rigorous
bounds tighten the bracket: W(T) <= q(T)^K, and the union bound over the draws
W(T) >= 1 - c sum_{k<K} 1 / (1 - sigma_k) (sigma_k: the k largest q). Values are
probabilities. Cost: one pass of 2^h (n + K) K operations per drafted token.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
from scipy.special import comb

from specbound.bounds.exponential_races.rank_law_head_bounds import _laplace_tail, _nodes
from specbound.lp.exact_sets import Optimum

#: Gauss-Laguerre sizes tried (weights stay above the float64 range's bottom up to 128).
NODE_COUNTS = (8, 12, 16, 24, 32, 48, 64, 96, 128)
#: At most this many most likely tokens are expanded exactly (2^h quadratures).
HEAVY_MAX = 10
#: Bound on the summed quadrature error of the 3^h pieces (each relative to 1 / a).
TAIL_BUDGET = 1e-10
#: Largest planned work (2^h (n + K) K per drafted token; about 20 s at 1.6e9).
PLAN_WORK_MAX = 1.6e9
#: Columns x tokens per block of the cumulative sums.
BLOCK_CELLS = 2_000_000
_EPS = float(np.finfo(float).eps)


def _plan(q_desc: np.ndarray, light_mass: np.ndarray, k: int) -> tuple[int, int]:
    """The cheapest (h, n): h heavy tokens and n nodes whose tail meets the budget.

    ``q_desc`` holds the drafted q in decreasing order and ``light_mass[h]`` the mass of
    all but the first h (at least one token stays light, so q(L) > 0). The rate bound is
    y = sigma_{K-1}(L) / q(L) (a >= q(L)). Plans above ``PLAN_WORK_MAX`` are not tried;
    falls back to the (h, n) of smallest tail when no plan meets the budget (the bracket
    is then wider, and reported).
    """
    best, fallback = None, None
    for h in range(min(HEAVY_MAX, q_desc.size - 1) + 1):
        y = min(1.0, float(q_desc[h : h + k - 1].sum()) / light_mass[h])
        for n in NODE_COUNTS:
            cost = (2**h) * (n + k) * k  # per token: K cumulative sums, the K x K combination
            if cost * q_desc.size > PLAN_WORK_MAX and (h, n) != (0, NODE_COUNTS[0]):
                break
            tail = max(float(_laplace_tail(1.0, y, j, 2 * n)) for j in range(1, k))
            if tail * 3**h <= TAIL_BUDGET:
                if best is None or cost < best[0]:
                    best = (cost, h, n)
                break
            if fallback is None or tail < fallback[0]:
                fallback = (tail, h, n)
    chosen = best[1:] if best is not None else fallback[1:]
    return int(chosen[0]), int(chosen[1])


def _block_size(s: int, columns: int) -> int:
    """Tokens per block: about sqrt(s) (rounding), at most BLOCK_CELLS cells."""
    return max(1, min(math.isqrt(s) + 1, BLOCK_CELLS // max(columns, 1)))


def _prefix_moments(
    qs: np.ndarray, light: np.ndarray, cols: np.ndarray, k: int
) -> Iterator[tuple[int, np.ndarray]]:
    """e_j(o_{L_m}(t_col)) for every prefix m and column (j < K), by blocks.

    Yields ``(start, values)``: values[r, j, col] for the prefix m = start + r + 1. Every
    term is >= 0; q t <= v <= 500 at the nodes used, so nothing overflows.
    """
    carry = np.zeros((k, cols.size))
    carry[0] = 1.0
    block = _block_size(qs.size, cols.size)
    for start in range(0, qs.size, block):
        qb = np.where(light[start : start + block], qs[start : start + block], 0.0)
        o = np.expm1(qb[:, None] * cols[None, :])
        out = np.empty((qb.size, k, cols.size))
        out[:, 0] = 1.0
        for j in range(1, k):
            before = np.vstack([carry[j - 1][None, :], out[:-1, j - 1]])
            out[:, j] = carry[j] + np.cumsum(o * before, axis=0)
        carry = out[-1].copy()
        yield start, out


def _coefficients(mask: int, h: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Columns B within ``mask`` and C[(j, B), k'] with J_k' = sum_{j, B} C I_{B,j}.

    For the heavy set M (``mask``) of a prefix, sum_{A in M, |A| = k' - j} over
    B in A of (-1)^{|A - B|} counts, for B in M with |B| = b, the A between B and M:
    C = (-1)^{k' - j - b} binom(|M| - b, k' - j - b).
    """
    bits = np.arange(2**h)
    subs = bits[(bits & ~mask) == 0]
    b = np.array([bin(int(x)).count("1") for x in subs])
    size = bin(mask).count("1")
    extra = np.arange(k)[:, None, None] - np.arange(k)[None, :, None] - b[None, None, :]
    with np.errstate(invalid="ignore"):
        count = np.where(extra >= 0, comb(size - b[None, None, :], np.maximum(extra, 0)), 0.0)
    coef = np.where(extra % 2 == 1, -count, count)  # [k', j, B]
    return subs, coef.transpose(1, 2, 0).reshape(k * subs.size, k)


def prefix_bounds(
    p: np.ndarray, q: np.ndarray, k: int, plan: tuple[int, int] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """Bounds on f(T_m) = p(T_m) - W(T_m) for every prefix of the drafted tokens in p/q order.

    Returns ``(order, f_lower, f_upper, info)``: ``order`` the drafted tokens sorted by p/q
    (prefix T_m = order[:m]); (s + 1,) arrays of rigorous bounds; ``info`` = dict(heavy=h,
    nodes=n). ``plan`` = (h, n) overrides the choice of heavy tokens and nodes (tests).
    Memory: one block of prefixes at a time (``BLOCK_CELLS`` cells).
    """
    drafted = np.flatnonzero(q > 0)
    order = drafted[np.argsort(p[drafted] / q[drafted], kind="stable")]
    ps, qs = p[order], q[order]
    s = qs.size
    by_q = np.argsort(-qs, kind="stable")
    q_desc = qs[by_q]
    light_mass = np.concatenate([np.cumsum(q_desc[::-1])[::-1], [0.0]])
    h, n = _plan(q_desc, light_mass, k) if plan is None else plan
    heavy = by_q[:h]
    light = np.ones(s, dtype=bool)
    light[heavy] = False
    members = (np.arange(2**h)[:, None] >> np.arange(h)) & 1
    a = light_mass[h] + (1 - members) @ qs[heavy]  # 1 - q(B), summed outside B
    v, w = _nodes(n)
    cols = (v[None, :] / a[:, None]).ravel()
    weights = (w[None, :] / a[:, None]).ravel()
    block = _block_size(s, cols.size)
    rel = (k * (block + -(-s // block) + 4) + n + 64) * _EPS
    mask_at = np.zeros(s + 1, dtype=np.int64)  # heavy tokens in each prefix, as bits
    for bit, idx in enumerate(heavy):
        mask_at[idx + 1 :] |= 1 << bit
    q_light_m = np.concatenate([[0.0], np.cumsum(np.where(light, qs, 0.0))])
    top = np.cumsum(np.concatenate([[0.0], np.sort(qs[light])[::-1][: k - 1]]))
    top = np.concatenate([top, np.full(k - top.size, top[-1])])
    coefficients = {}
    j_lo = np.zeros((s + 1, k))
    j_hi = np.zeros((s + 1, k))
    for start, vals in _prefix_moments(qs, light, cols, k):
        rows = np.arange(start + 1, start + 1 + vals.shape[0])
        pieces = (vals * weights).reshape(rows.size, k, 2**h, n).sum(axis=3)
        # quadrature tails, at the block's last prefix (they grow with the prefix):
        # ratio = q(L_m) / a, y = sigma_j(L_m) / a; e_0 = 1 is integrated exactly
        last = rows[-1]
        tails = np.zeros((k, 2**h))
        for j in range(1, k):
            y = min(top[j], q_light_m[last]) / a
            tails[j] = _laplace_tail(q_light_m[last] / a, y, j, 2 * n) / a
        for mask in np.unique(mask_at[rows]):
            if mask not in coefficients:
                coefficients[mask] = _coefficients(int(mask), h, k)
            subs, coef = coefficients[mask]
            sel = mask_at[rows] == mask
            part = pieces[sel][:, :, subs].reshape(int(sel.sum()), -1)
            tail = tails[:, subs].ravel()
            pos, neg = np.maximum(coef, 0.0), np.maximum(-coef, 0.0)
            with np.errstate(invalid="ignore", over="ignore"):
                # the signed sums round by at most (terms + 4) eps of their magnitude
                slack = (coef.shape[0] + 4) * _EPS * (part @ (pos + neg))
                j_lo[rows[sel]] = part @ (pos * (1 - rel) - neg * (1 + rel)) - tail @ neg - slack
                j_hi[rows[sel]] = part @ (pos * (1 + rel) - neg * (1 - rel)) + tail @ pos + slack
    c = np.concatenate([np.cumsum(qs[::-1])[::-1], [0.0]])  # q outside the prefix
    p_m = np.concatenate([[0.0], np.cumsum(ps)])
    q_m = np.concatenate([[0.0], np.cumsum(qs)])
    acc = (s + 2) * _EPS
    with np.errstate(invalid="ignore", over="ignore"):
        w_lo = 1.0 - c * (1 + acc) * j_hi.sum(axis=1) - 8 * _EPS
        w_hi = 1.0 - c * (1 - acc) * j_lo.sum(axis=1) + 8 * _EPS
    # W <= q(T)^K; W >= 1 - c sum_{k < K} 1 / (1 - sigma_k) (union bound over the draws,
    # sigma_k = the k largest q, 1 - sigma_k summed over the others)
    with np.errstate(divide="ignore"):
        union = 1.0 - c * (1 + acc) * float(np.sum(1.0 / light_mass[:k]))
    w_hi = np.minimum(np.nan_to_num(w_hi, nan=1.0), np.minimum(1.0, (q_m * (1 + acc)) ** k))
    w_lo = np.clip(np.maximum(np.nan_to_num(w_lo, nan=0.0), union), 0.0, w_hi)
    sizes = np.arange(s + 1)
    w_lo[sizes < k] = w_hi[sizes < k] = 0.0
    if s >= k:
        w_lo[s] = w_hi[s] = 1.0
    f_lo = p_m * (1 - acc) - w_hi
    f_hi = p_m * (1 + acc) - w_lo
    return order, f_lo, f_hi, {"heavy": h, "nodes": n}


def prefix_optimum_without_replacement(p: np.ndarray, q: np.ndarray, k: int) -> Optimum:
    """P*_wor for any K at vocabulary scale: the best prefix, with a certified bracket.

    ``acceptance`` is 1 + the upper bound on f at the best prefix (an achievable value up
    to the bound), ``lower_bound`` is 1 + min over all prefixes of the lower bounds, so
    P*_wor lies in [lower_bound, acceptance] (module docstring). Method ``"prefix"``;
    ``iterations`` holds the Gauss-Laguerre node count.
    """
    order, f_lo, f_hi, info = prefix_bounds(p, q, k)
    best = int(np.argmin(f_hi))
    upper = float(np.clip(1.0 + f_hi[best], 0.0, 1.0))
    lower = float(np.clip(1.0 + f_lo.min(), 0.0, upper))
    return Optimum(upper, np.sort(order[:best]), lower, "prefix", info["nodes"])
