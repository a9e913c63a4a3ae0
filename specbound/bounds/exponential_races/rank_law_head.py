"""The first ranks of the ERSD rank law at vocabulary scale, with a rigorous error bound.

Kobus & Gunduz, arXiv 2504.15475 (note C3, as implemented). Given the target's winner
X = x (probability p(x)), the count N = R - 1 of tokens drafted before x is the number
of arrivals, before an independent Exp(1) clock u, of independent clocks of rates
lambda_y = q(y) (c_x - c_y)^+ (c = p/q; y with c_y < c_x only; the rates depend on x
only through c_x). With t_y(u) = e^{u lambda_y} - 1 and s = 1 + Lambda_x,
Lambda_x = sum_y lambda_y,

.. math:: P(N = k \\mid X = x) = \\int_0^\\infty e^{-s u}\\, e_k(t(u))\\, du,

e_k the elementary symmetric polynomial. e_k(t(u)) has non-negative Taylor
coefficients in u, so Gauss-Laguerre quadrature with n nodes (weight e^{-su}) is exact
up to degree 2n - 1 and never overestimates; the rest of the Laplace series bounds its
error (:mod:`~specbound.bounds.exponential_races.rank_law_head_bounds`).

The predecessors y of x come in three tiers. *Light* ones (small u lambda_y at every
node that matters) enter through the power sums S_j = sum_y t_y^j, j <= D, and
exp(sum_j (-1)^{j+1} S_j z^j / j); the S_j come from P_m = sum_y lambda_y^m, and the
P_m of every x from moment sums over the tokens sorted by c, shared by all x
(:mod:`~specbound.bounds.exponential_races.rank_law_head_nodes`). *Medium* ones (among
the most likely draft tokens) are multiplied in exactly at each node. The few *heavy*
ones (lambda_y >= 5% of s, at most 4) are expanded:
prod_h (z + (1 - z) e^{-u lambda_h}) = sum_A z^{h-|A|} (1 - z)^{|A|} e^{-u Lambda_A},
so each subset A is a Laplace transform at s_A = s + Lambda_A with fast convergence.
Every truncation is bounded; ranks k >= K of x are dropped with
P(N >= K | x) <= (Lambda/s)^K; a token x whose bound reaches 1 is dropped with its
whole mass p(x) counted as error. Rank 1 is the closed form (:func:`alpha_one`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from specbound.bounds.exponential_races._inputs import _pair
from specbound.bounds.exponential_races.alpha_one import alpha_one
from specbound.bounds.exponential_races.rank_law_head_bounds import _EPS, _choose
from specbound.bounds.exponential_races.rank_law_head_nodes import (
    _light_laplace,
    _power_sums,
    _stirling_coefficients,
)
from specbound.distributions import check_int, check_real
from specbound.errors import InvalidArgumentError

#: Tokens x per vectorised chunk (with nodes x ranks values each).
_CHUNK_CELLS = 6_000_000
#: At most this many candidates for exact treatment (the draft's most likely tokens).
_CANDIDATES_MAX = 512
#: At most this many heavy tokens per target token (2^h subsets each).
_HEAVY_MAX = 4
#: A candidate g is heavy for x when lambda_xg >= _HEAVY_SHARE * (1 + Lambda_x).
_HEAVY_SHARE = 0.05
#: ... and medium (multiplied in exactly at each node) when lambda_xg * u_x >= this,
#: u_x = min(30, (R + 6 sqrt(R) + 10) / Lambda_x) the race times that matter.
_MEDIUM_REACH = 0.1


@dataclass(frozen=True)
class RankLawHead:
    """alpha(1..R) of the ERSD rank law with a bound on its absolute error.

    Attributes
    ----------
    law : (R,) ndarray of float64
        ``law[r - 1]`` approximates alpha(r) = P(R = r).
    error_bound : float
        sum_r |law[r - 1] - alpha(r)| <= error_bound (truncation and quadrature,
        plus a first-order allowance for rounding).
    max_rank : int
        R.
    dropped_mass : float
        Target mass of the tokens x whose ranks were not integrated (inside
        ``error_bound``).
    """

    law: np.ndarray
    error_bound: float
    max_rank: int
    dropped_mass: float

    def to_dict(self) -> dict:
        """JSON-ready fields."""
        return {
            "law": [float(v) for v in self.law],
            "error_bound": float(self.error_bound),
            "max_rank": int(self.max_rank),
            "dropped_mass": float(self.dropped_mass),
        }


class _Targets:
    """The target tokens x of a pair, sorted by c = p/q, and their predecessor tiers.

    Attributes (sorted draftable tokens): ``cs, ps, qs`` and ``first`` (index of the
    first token of each run of equal c); per target token x (``xs``, with p(x) > 0 and
    Lambda_x > 0): ``cx``, ``big_x`` (Lambda_x), ``reach``, ``idx`` (= first[xs]); the
    candidates ``cand`` (largest q) and, without them, ``qs_l, ps_l``, ``qmax_l`` and
    ``big_nc`` (Lambda of the non-candidates); ``dropped`` (mass of non-finite rows).
    ``wide``: candidates and medium tokens for the longest reach (30), as if the heavy
    rates did not shorten the race times that matter (the retry of inputs whose
    first bound misses tol).
    """

    def __init__(self, p: np.ndarray, q: np.ndarray, ranks: int, wide: bool = False):
        d = np.flatnonzero(q > 0)
        with np.errstate(over="ignore"):
            c = p[d] / q[d]
        order = np.argsort(c, kind="stable")
        self.cs, self.ps, self.qs = c[order], p[d][order], q[d][order]
        new_run = np.concatenate(([True], self.cs[1:] != self.cs[:-1]))
        self.first = np.maximum.accumulate(np.where(new_run, np.arange(self.cs.size), 0))
        big = _prefix_rate(self.cs, self.ps, self.qs, self.first, self.cs)
        xs = np.flatnonzero((self.ps > 0) & (big > 0))
        bad = ~(np.isfinite(big[xs]) & np.isfinite(self.cs[xs]))
        self.dropped = float(self.ps[xs[bad]].sum())
        self.xs = xs[~bad]
        self.cx, self.big_x = self.cs[self.xs], big[self.xs]
        self.reach = np.minimum(
            30.0, (ranks + 6 * math.sqrt(ranks) + 10) / np.maximum(self.big_x, 1e-300)
        )
        if wide:
            self.reach = np.full_like(self.big_x, 30.0)
        # candidates: every draft token that could be a light token of rate above
        # _MEDIUM_REACH / reach for some x (lambda_xy <= q_y c_x), at most _CANDIDATES_MAX
        with np.errstate(divide="ignore", over="ignore"):
            theta = float(np.min(_MEDIUM_REACH / (self.cx * self.reach), initial=np.inf))
        count = min(_CANDIDATES_MAX, int(np.count_nonzero(self.qs > theta)))
        self.cand = np.argsort(-self.qs, kind="stable")[:count]
        self.qs_l, self.ps_l = self.qs.copy(), self.ps.copy()
        self.qs_l[self.cand], self.ps_l[self.cand] = 0.0, 0.0
        self.idx = self.first[self.xs]
        self.qmax_l = np.concatenate(([0.0], np.maximum.accumulate(self.qs_l)))[self.idx]
        self.big_nc = _prefix_rate(self.cs, self.ps_l, self.qs_l, self.idx, self.cx)

    def tiers(self, rows: np.ndarray) -> dict:
        """Rates of the candidates for target rows, split heavy / medium / light."""
        with np.errstate(over="ignore", invalid="ignore"):
            lam_g = self.qs[self.cand][None, :] * np.maximum(
                self.cx[rows, None] - self.cs[self.cand][None, :], 0.0
            )
        lam_g = -np.sort(-lam_g, axis=1)
        heavy = lam_g >= _HEAVY_SHARE * (1.0 + self.big_x[rows, None])
        heavy[:, _HEAVY_MAX:] = False
        medium = ~heavy & (lam_g * self.reach[rows, None] >= _MEDIUM_REACH)
        light_g = np.where(heavy | medium, 0.0, lam_g)
        med = -np.sort(-np.where(medium, lam_g, 0.0), axis=1)
        big_light = self.big_nc[rows] + light_g.sum(axis=1)
        lam_light = np.maximum(self.cx[rows] * self.qmax_l[rows], light_g.max(axis=1, initial=0))
        return {
            "heavy": np.where(heavy, lam_g, 0.0),
            "light_g": light_g,
            "med": med,
            "big_light": big_light,
            "lam_light": np.minimum(big_light, lam_light),
            "big_m": med.sum(axis=1),
            "h": int(heavy.sum(axis=1).max(initial=0)),
            "mm": int(medium.sum(axis=1).max(initial=0)),
        }


def _prefix_rate(cs, ps, qs, idx, cx):
    """Lambda = sum over tokens before idx of q_y (c_x - c_y) = c_x Q_< - P_< (>= 0)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.maximum(
            cx * np.concatenate(([0.0], np.cumsum(qs)))[idx]
            - np.concatenate(([0.0], np.cumsum(ps)))[idx],
            0.0,
        )


def _plan(tg: _Targets, ranks: int, tol: float) -> tuple[list, float, float]:
    """Chunks of target tokens with their (K, n, (D, M), node mask); error and dropped mass.

    Tokens are sorted by (heavy count, medium count, Lambda) so a chunk's parameters,
    set by its worst token, fit all. The budget per token (conditional on X = x) is
    tol / 4 max(1, 1 / (#x p(x))), so the p-weighted total is at most tol / 2.
    """
    counts = np.zeros((tg.xs.size, 2), dtype=np.int64)
    for lo in range(0, tg.xs.size, 8192):
        rows = np.arange(lo, min(lo + 8192, tg.xs.size))
        t = tg.tiers(rows)
        counts[rows, 0] = np.count_nonzero(t["heavy"], axis=1)
        counts[rows, 1] = np.count_nonzero(t["med"], axis=1)
    ok = np.isfinite(tg.big_nc) & np.isfinite(tg.cx * tg.qmax_l)
    dropped = float(tg.ps[tg.xs[~ok]].sum())
    sel = np.flatnonzero(ok)
    # groups of equal heavy count and medium count within a factor 2; Lambda inside
    group = counts[sel, 0] * 64 + np.ceil(np.log2(counts[sel, 1] + 1.0)).astype(np.int64)
    order = np.lexsort((tg.big_x[sel], group))
    sel, group = sel[order], group[order]
    p_sel = tg.ps[tg.xs[sel]]
    budget = 0.25 * tol * np.maximum(1.0, 1.0 / (max(sel.size, 1) * p_sel))
    chunk = max(256, min(4096, _CHUNK_CELLS // (48 * ranks)))
    starts = np.flatnonzero(np.concatenate(([True], group[1:] != group[:-1])))
    bounds = [
        (lo, min(lo + chunk, end))
        for start, end in zip(starts, [*starts[1:], sel.size], strict=True)
        for lo in range(start, end, chunk)
    ]
    plans, error = [], 0.0
    for lo, hi in bounds:
        rows = sel[lo:hi]
        t = tg.tiers(rows)
        tok = {
            "s": 1.0 + t["big_light"] + t["big_m"],
            "big": t["big_light"] + t["big_m"],
            "lam": np.maximum(t["lam_light"], t["med"][:, :1].max(axis=1, initial=0.0)),
            "lam_light": t["lam_light"],
            "big_light": t["big_light"],
            "big_m": t["big_m"],
            "med_top": np.concatenate((np.zeros((rows.size, 1)), np.cumsum(t["med"], 1)), 1),
            "big_x": tg.big_x[rows],
        }
        spread = 3.0 ** t["h"]  # sum over subsets A of 2^|A|
        k_cap, nodes, orders, bound, mask = _choose(tok, budget[lo:hi] / spread, ranks)
        bound = bound * spread
        keep = bound < 1.0
        dropped += float(p_sel[lo:hi][~keep].sum())
        error += float(np.sum(p_sel[lo:hi][keep] * bound[keep]))
        if keep.any():
            plans.append((rows[keep], k_cap, nodes, orders, mask[keep]))
    return plans, error, dropped


def _integrate(tg: _Targets, plans: list, law: np.ndarray) -> tuple[float, float]:
    """Add sum_x p(x) P(N = k | x), k >= 1, to ``law``; return (rounding error, dropped)."""
    need = np.zeros(tg.xs.size, dtype=np.int64)
    for rows, _, _, orders, _ in plans:
        need[rows] = orders[1]
    stir = _stirling_coefficients(int(need.max()))
    scale = 1.0 + tg.big_nc
    pm_all, rnd_all = _power_sums(tg.cs, tg.ps_l, tg.qs_l, tg.first, tg.cx, tg.idx, need, scale)
    error = dropped = 0.0
    for rows, k_cap, nodes, orders, mask in plans:
        t = tg.tiers(rows)
        h = t["h"]
        pm = pm_all[rows].copy()
        if t["light_g"].any():
            scaled = t["light_g"] / scale[rows, None]
            for m in range(1, orders[1] + 1):
                pm[:, m] += np.sum(scaled**m, axis=1)
        mass = tg.ps[tg.xs[rows]]
        cond = np.zeros((rows.size, k_cap))
        for subset in range(2**h):
            bits = np.array([(subset >> i) & 1 for i in range(h)], dtype=float)
            size = int(bits.sum())
            s_a = 1.0 + t["big_light"] + t["big_m"] + t["heavy"][:, :h] @ bits
            vals, rnd = _light_laplace(
                s_a, scale[rows], t["lam_light"], t["big_light"], t["med"][:, : t["mm"]],
                pm, rnd_all[rows], k_cap, nodes, orders, mask, stir,
            )  # fmt: skip
            for i in range(size + 1):  # times z^(h - |A|) (1 - z)^|A|
                shift = h - size + i
                if shift < k_cap:
                    cond[:, shift:] += math.comb(size, i) * (-1) ** i * vals[:, : k_cap - shift]
            error += float(np.sum(np.where(np.isfinite(rnd), mass * rnd, 0.0))) * 2.0**size
        good = np.all(np.isfinite(cond), axis=1)  # overflow (extreme ratios c): dropped
        dropped += float(mass[~good].sum())
        top = min(k_cap, law.size)
        law[1:top] += mass[good] @ cond[good, 1:top]
    return error, dropped


def rank_distribution_head(
    target: ArrayLike, draft: ArrayLike, max_rank: int, *, tol: float = 1e-9
) -> RankLawHead:
    """alpha(1..max_rank) of the ERSD rank law with a rigorous absolute error bound.

    Method: module docstring (Gauss-Laguerre per target token in the race time, node
    values from shared moment sums in c = p/q order, every truncation bounded).
    Predecessors among the draft's most likely tokens with a large rate are multiplied
    in exactly at the nodes ("medium") or, if at least 5% of 1 + Lambda_x (at most 4),
    expanded over subsets ("heavy"). Tokens are processed in chunks of equal heavy
    count. The law is clipped at 0 and values below tol / 10^6 are set to 0, both
    inside the bound.
    Rank 1 is :func:`alpha_one` (closed form); a draft-impossible target token
    (q = 0) puts its mass at rank n_q + 1 exactly, n_q = #{q > 0}.

    Cost O(n log n + n m^2) for the moment sums (m = the Stirling order, usually
    <= 16) plus, per target token, 2^h x nodes x ranks x (power-sum order + medium
    tokens) operations; memory O(n m). At n = 128k (softmax pairs), R = 64: about a
    second (benchmarks/); heavy-tailed pairs at n = 50k about the same. Inputs whose
    tokens are each preceded by many comparable rates (e.g. unrelated Dirichlet(0.3)
    pairs) can miss ``tol``: the bound then says so.

    Parameters
    ----------
    target, draft : (n,) array-like
        Next-token laws p and q.
    max_rank : int
        R >= 1; ranks 1..min(R, n) are returned.
    tol : float
        Target for ``error_bound`` (default 1e-9). The bound returned is what was
        proved; it can exceed ``tol`` on extreme inputs (a token x whose bound fails
        is dropped, its mass p(x) counted as error: ``dropped_mass``).

    Returns
    -------
    RankLawHead
        ``law`` (probabilities per rank) and ``error_bound`` (on the sum over the
        returned ranks of the absolute errors).

    Raises
    ------
    InvalidArgumentError
        Invalid laws, different sizes, max_rank < 1, tol outside (0, 1e-3].

    Examples
    --------
    >>> head = rank_distribution_head([0.5, 0.3, 0.15, 0.05], [0.3, 0.4, 0.2, 0.1], 4)
    >>> np.round(head.law, 6), bool(head.error_bound < 1e-9)
    (array([0.789024, 0.15525 , 0.047601, 0.008125]), True)
    """
    p, q = _pair(target, draft)
    n = p.size
    ranks = min(check_int(max_rank, "max_rank", 1), n)
    tol = check_real(tol, "tol", 0.0, 1e-3)
    if tol == 0:
        raise InvalidArgumentError("tol: must be > 0")
    law = np.zeros(ranks)
    nq = int(np.count_nonzero(q > 0))
    if nq < n and nq < ranks:
        law[nq] = p[q == 0].sum()
    law[0] += alpha_one(p, q)
    error = 8 * n * _EPS
    if ranks == 1 or nq <= 1:
        return RankLawHead(law, error, ranks, 0.0)
    head = _head(p, q, law, error, ranks, tol, wide=False)
    if head.error_bound > tol:  # retry with more tokens treated exactly
        wide = _head(p, q, law, error, ranks, tol, wide=True)
        head = wide if wide.error_bound < head.error_bound else head
    return head


def _head(p, q, law, error, ranks, tol, wide) -> RankLawHead:
    """Add ranks 2..R to a copy of ``law`` (rank 1 and the q = 0 atom already in)."""
    law = law.copy()
    tg = _Targets(p, q, ranks, wide)
    plans, plan_error, dropped = _plan(tg, ranks, tol)
    rnd_error, overflow = _integrate(tg, plans, law) if plans else (0.0, 0.0)
    dropped += tg.dropped + overflow
    # alpha(r) >= 0: moving a value below 0 (by at most the error bound) up to 0 only
    # brings it closer to alpha(r). Values below tol / 10^6 (rounding noise of the
    # cancelling sums, or true but negligible ranks) are set to 0 and counted as error.
    law = np.maximum(law, 0.0)
    tiny = law < 1e-6 * tol
    error += float(law[tiny].sum())
    law[tiny] = 0.0
    return RankLawHead(law, error + plan_error + rnd_error + dropped, ranks, dropped)
