"""Full-clock ERSD races, simulated: target winners, draft ranks, draft arrivals, PFR index.

Kobus & Gunduz, arXiv 2504.15475 (exponential races, rank law, information
bracket). Each trial draws W ~ Exp(1)^n and
runs the races in log space (keys ln W - ln p and ln W - ln q): O(n) per trial, in
chunks of at most ``_CELLS`` clocks. The exact laws live in
:mod:`specbound.bounds.exponential_races`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from specbound.distributions import (
    RngLike,
    as_distribution,
    as_rng,
    check_int,
    check_same_size,
)
from specbound.errors import InvalidArgumentError

#: Rows of an (rows, n) clock matrix drawn at once (memory bound).
_CELLS = 4_000_000


def _pair(target: ArrayLike, draft: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    p = as_distribution(target, "target")
    q = as_distribution(draft, "draft")
    check_same_size(p, q, "target", "draft")
    return p, q


def _log(x: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(x)  # log 0 = -inf: key ln W - ln 0 = +inf, never first


def _winners_and_ranks(
    log_w: np.ndarray, log_p: np.ndarray, log_q: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Kernel: target winner and its 0-based draft rank for each row of ln W."""
    x = np.argmin(log_w - log_p, axis=1)
    dkey = log_w - log_q
    mine = np.take_along_axis(dkey, x[:, None], axis=1)
    return x, (dkey < mine).sum(axis=1)


def race_ranks(
    target: ArrayLike, draft: ArrayLike, size: int, rng: RngLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """Run ``size`` pairs of shared-clock races; return the target winners and their ranks.

    W ~ Exp(1)^n per trial; X = argmin ln W - ln p; R = 1 + #{y : ln W_y - ln q(y) <
    ln W_X - ln q(X)} (exponential races, rank law). X has law ``target`` and R has the
    law :func:`~specbound.bounds.exponential_races.rank_distribution`. O(n) per trial.

    Returns
    -------
    tokens : (size,) int64
    ranks : (size,) int64, 1-based (n_q + 1 when q(X) = 0)
    """
    p, q = _pair(target, draft)
    size = check_int(size, "size", 1)
    gen = as_rng(rng)
    log_p, log_q = _log(p), _log(q)
    rows = max(1, _CELLS // p.size)
    xs, rs = [], []
    done = 0
    while done < size:
        m = min(rows, size - done)
        x, r = _winners_and_ranks(np.log(gen.standard_exponential((m, p.size))), log_p, log_q)
        xs.append(x)
        rs.append(r + 1)
        done += m
    return np.concatenate(xs), np.concatenate(rs)


def estimate_rank_distribution(
    target: ArrayLike,
    draft: ArrayLike,
    trials: int,
    rng: RngLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Monte Carlo rank law for vocabularies too large for the exact integral.

    Returns the empirical frequencies of R = 1..n over ``trials`` pairs of races
    (:func:`race_ranks`, O(n) per trial) and their standard errors
    sqrt(f (1 - f) / trials).
    """
    trials = check_int(trials, "trials", 2)
    _, ranks = race_ranks(target, draft, trials, rng)
    n = np.asarray(target).shape[-1]
    freq = np.bincount(ranks - 1, minlength=n)[:n] / trials
    return freq, np.sqrt(freq * (1 - freq) / trials)


def race_top(draft: ArrayLike, m: int, size: int, rng: RngLike = None) -> np.ndarray:
    """The first ``m`` arrivals of ``size`` draft races, in order: (size, m) int64.

    Keys ln W - ln q (equivalently Gumbel-top-m with keys ln q - ln W); argpartition
    then a sort of the m smallest: O(n + m log m) per trial. A size-m sample from
    ``draft`` without replacement (Plackett-Luce).
    """
    q = as_distribution(draft, "draft")
    m = check_int(m, "m", 1)
    size = check_int(size, "size", 1)
    nq = int(np.count_nonzero(q > 0))
    if m > nq:
        raise InvalidArgumentError(f"m: only {nq} tokens have q > 0, got m = {m}")
    gen = as_rng(rng)
    log_q = _log(q)
    rows = max(1, _CELLS // q.size)
    parts = []
    for s in range(0, size, rows):
        b = min(rows, size - s)
        key = np.log(gen.standard_exponential((b, q.size))) - log_q
        top = (
            np.argpartition(key, m - 1, axis=1)[:, :m]
            if m < q.size
            else np.tile(np.arange(q.size), (b, 1))
        )
        inner = np.argsort(np.take_along_axis(key, top, axis=1), axis=1)
        parts.append(np.take_along_axis(top, inner, axis=1))
    return np.concatenate(parts)


def pfr_index(
    target: ArrayLike, draft: ArrayLike, size: int, rng: RngLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """Rank R and Poisson-functional-representation index J >= R, per trial (information bracket).

    PFR (Li & El Gamal, arXiv 1701.02827): marks i.i.d. from q on a unit-rate Poisson
    process T_1 < T_2 < ...; J = argmin_i T_i p(X_i)^-1 q(X_i). Token y's first mark
    arrives at its draft key D_y = W_y / q(y), later ones at rate q(y), and the selected
    mark is the first mark of the target winner X. So J = R + sum over the tokens y
    drafted before X of Poisson(q(y) (D_X - D_y)) repeated marks. O(n) per trial.

    Returns
    -------
    ranks : (size,) int64
    index : (size,) float64
        J; +inf when q(X) = 0 (no mark ever equals X: D(p||q) = inf).
    """
    p, q = _pair(target, draft)
    size = check_int(size, "size", 1)
    gen = as_rng(rng)
    n = p.size
    log_p, log_q = _log(p), _log(q)
    rows = max(1, _CELLS // n)
    rs, js = [], []
    for s in range(0, size, rows):
        m = min(rows, size - s)
        log_w = np.log(gen.standard_exponential((m, n)))
        x = np.argmin(log_w - log_p, axis=1)
        d = np.exp(log_w - log_q)  # draft keys (inf when q = 0)
        dx = np.take_along_axis(d, x[:, None], axis=1)
        before = d < dx
        never = ~np.isfinite(dx[:, 0])  # q(X) = 0: X has no mark, J = inf
        dxf = np.where(never[:, None], 0.0, dx)
        gap = np.where(before & ~never[:, None], q * (dxf - np.where(before, d, 0.0)), 0.0)
        r = before.sum(axis=1) + 1
        j = (r + gen.poisson(gap).sum(axis=1)).astype(np.float64)
        j[never] = np.inf
        rs.append(r)
        js.append(j)
    return np.concatenate(rs), np.concatenate(js)
