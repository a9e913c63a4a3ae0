"""Exponential-race speculative decoding (ERSD) and the GSD baseline, simulated.

Kobus & Gunduz, "Speculative Sampling via Exponential Races", arXiv 2504.15475.
Every function here runs the algorithm itself on random numbers; the exact laws
live in :mod:`specbound.bounds.exponential_races`.

* :func:`race_ranks`: the shared-clock races in log space (keys ln W - ln p and
  ln W - ln q); the target winner X = argmin, its draft rank R = 1 + #{draft keys
  below X's}. O(n) per trial.
* :func:`ersd_node`: one ERSD node with m drafted children, exact in law and
  O(m + log n) per trial (no length-n vector per trial; see its Notes).
* :func:`ersd_tree_steps`: whole-tree verification, vectorised over steps,
  O(depth n) per step, with fresh clocks per depth (context-free laws).
* :func:`ersd_generate`: text generation by repeated steps with clocks keyed by
  absolute position (drafter invariant) or by (call, node) (exact, not invariant).
* :func:`gsd_verify`: SpecInfer recursive rejection with k drafts, i.i.d. or
  without replacement.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

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
from specbound.simulations.sampling import sample_categorical, sample_rows
from specbound.trees import DraftTree

__all__ = [
    "ersd_generate",
    "ersd_node",
    "ersd_tree_steps",
    "ersd_tree_steps_fast",
    "estimate_rank_distribution",
    "gsd_verify",
    "pfr_index",
    "race_ranks",
    "race_top",
]

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
    ln W_X - ln q(X)} (C1, C3 of the theory note). X has law ``target`` and R has the
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
    then a sort of the m smallest: O(n + m log m) per trial (C1). A size-m sample from
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
    """Rank R and Poisson-functional-representation index J >= R, per trial (C7).

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


# ----------------------------------------------------------------------------- one node, fast


class _PhantomRace:
    """Precomputed structure of the race with head starts u_y = q(y)/p(y) (rate p(y)).

    h(u) = sum_y (p(y) u - q(y))^+ is its cumulative hazard per unit of draft time;
    tokens sorted by u (rho descending); p = 0 tokens never run.
    """

    def __init__(self, p: np.ndarray, q: np.ndarray):
        run = np.flatnonzero(p > 0)
        u = q[run] / p[run]
        order = np.argsort(u, kind="stable")
        self.tokens = run[order]
        self.u = u[order]
        ps, qs = p[self.tokens], q[self.tokens]
        self.cum_p = np.cumsum(ps)  # inclusive
        self.cum_q = np.cumsum(qs)
        before_p = self.cum_p - ps
        before_q = self.cum_q - qs
        self.h_break = self.u * before_p - before_q  # h at each breakpoint, non-decreasing
        np.maximum.accumulate(self.h_break, out=self.h_break)

    def first_arrival(
        self, d: np.ndarray, gen: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Time and token of the first arrival when head starts scale with draft time d."""
        e = gen.standard_exponential(d.size) / d
        idx = np.searchsorted(self.h_break, e, side="right")  # active tokens: [0, idx)
        mass_p = self.cum_p[idx - 1]
        u = (e + self.cum_q[idx - 1]) / mass_p
        pick = np.searchsorted(self.cum_p, gen.random(d.size) * mass_p, side="right")
        pick = np.minimum(pick, idx - 1)
        return d * u, self.tokens[pick]


class _GuideTable:
    """Categorical sampler by inverse CDF with a guide table (Chen & Asau's indexed search).

    The unit interval is cut into n equal-mass buckets; bucket k stores the first token
    whose CDF exceeds its left edge, so a draw starts there and walks forward (O(1)
    expected steps per draw, vectorised; zero-probability tokens are never drawn).
    Exactly the law of ``sample_categorical``, about 3-5x faster for n = 1000.
    """

    def __init__(self, probs: np.ndarray):
        self.cdf = np.cumsum(probs)
        self.total = self.cdf[-1]
        self.n = probs.size
        edges = np.arange(self.n) * (self.total / self.n)
        self.guide = np.searchsorted(self.cdf, edges, side="right")

    def sample(self, size: int, gen: np.random.Generator) -> np.ndarray:
        u = gen.random(size) * self.total
        bucket = np.minimum((u * (self.n / self.total)).astype(np.int64), self.n - 1)
        idx = self.guide[bucket]
        behind = np.flatnonzero(self.cdf[idx] <= u)
        while behind.size:
            idx[behind] += 1
            behind = behind[self.cdf[idx[behind]] <= u[behind]]
        return idx


def _draft_arrivals(
    q: np.ndarray, m: int, size: int, gen: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """First m arrivals of the draft race: tokens (size, m) and times (size, m).

    Plackett-Luce sequential sampling: the i-th arrival is drawn from q restricted to
    the tokens not yet arrived (rejection on collisions, then exact masked sampling for
    stragglers), after an Exp(1)/(remaining mass) gap.
    """
    tokens = np.empty((size, m), dtype=np.int64)
    times = np.empty((size, m))
    remaining = np.ones(size)
    clock = np.zeros(size)
    table = _GuideTable(q)
    for i in range(m):
        clock = clock + gen.standard_exponential(size) / np.maximum(remaining, 1e-300)
        y = table.sample(size, gen)
        if i:
            bad = np.flatnonzero((tokens[:, :i] == y[:, None]).any(axis=1))
            for _ in range(20):
                if not bad.size:
                    break
                y[bad] = table.sample(bad.size, gen)
                bad = bad[(tokens[bad, :i] == y[bad, None]).any(axis=1)]
            if bad.size:
                rows = np.broadcast_to(q, (bad.size, q.size)).copy()
                np.put_along_axis(rows, tokens[bad, :i], 0.0, axis=1)
                y[bad] = sample_rows(rows, gen)
        tokens[:, i] = y
        times[:, i] = clock
        remaining = remaining - q[y]
    return tokens, times


def ersd_node(
    target: ArrayLike, draft: ArrayLike, m: int, size: int, rng: RngLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """``size`` independent ERSD verifications at one node with ``m`` drafted children.

    The drafts are the first m arrivals of the draft race; the output is the target
    race's winner; it is accepted iff it was drafted, with probability
    sum_{r <= m} alpha(r) (C4 (ii)).

    Parameters
    ----------
    target, draft : (n,) array-like
        Laws p and q.
    m : int
        Drafted children, >= 0 (capped at #{q > 0}: q = 0 tokens are never drafted).
    size : int
        Trials, >= 1.
    rng : Generator or seed

    Returns
    -------
    tokens : (size,) int64
        Output tokens, distributed exactly as ``target``.
    rank : (size,) int64
        0-based draft rank of the accepted child, -1 when rejected.

    Notes
    -----
    Exact in law, O(m + log n) per trial, without drawing n clocks per trial:
    (1) sample the first m draft arrivals (tokens y_i, times D_i; W_{y_i} = q(y_i) D_i);
    (2) t* = min_i W_{y_i}/p(y_i), the best drafted target key; (3) by memorylessness,
    every other token has W_y = q(y) d + Exp(1), d = D_m, so its target key is
    d u_y + Exp(1)/p(y) with head start u_y = q(y)/p(y): a race with piecewise-linear
    cumulative hazard d h(t/d), h(u) = sum_y (p(y) u - q(y))^+, inverted by one binary
    search over precomputed prefix sums. Running that race over *all* tokens changes
    nothing before t*, because a drafted token's head start d u_y >= its real key >= t*.
    So the draft is rejected iff this "phantom" race's first arrival is before t*, and
    the output is then its winner. Equality in law with the full-clock races is tested
    against :func:`race_ranks`.
    """
    p, q = _pair(target, draft)
    m = check_int(m, "m", 0)
    size = check_int(size, "size", 1)
    gen = as_rng(rng)
    m = min(m, int(np.count_nonzero(q > 0)))
    return _node_kernel(p, q, m, size, gen, _PhantomRace(p, q))


def _node_kernel(
    p: np.ndarray,
    q: np.ndarray,
    m: int,
    size: int,
    gen: np.random.Generator,
    phantom: _PhantomRace,
) -> tuple[np.ndarray, np.ndarray]:
    """Target race winner and its 0-based rank if among the first m draft arrivals, else -1."""
    if m == 0:
        return sample_categorical(p, size, gen), np.full(size, -1, dtype=np.int64)
    tokens, times = _draft_arrivals(q, m, size, gen)
    with np.errstate(divide="ignore"):
        keys = np.where(p[tokens] > 0, q[tokens] * times / p[tokens], np.inf)
    best = np.argmin(keys, axis=1)
    t_star = keys[np.arange(size), best]
    t_ph, y_ph = phantom.first_arrival(times[:, -1], gen)
    inside = t_ph >= t_star
    out = np.where(inside, tokens[np.arange(size), best], y_ph)
    return out, np.where(inside, best, -1)


# ----------------------------------------------------------------------------- trees


def _child_lookup(tree: DraftTree, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted keys slot * n + rank of every node, and the node index per key."""
    slot = tree.parent + 1
    rank = np.asarray(tree.child_index, dtype=np.int64)
    if rank.size and rank.max() >= n:
        raise InvalidArgumentError(f"tree: a child rank {int(rank.max())} is >= n = {n}")
    keys = slot * n + rank
    order = np.argsort(keys, kind="stable")
    if np.any(np.diff(keys[order]) == 0):
        raise InvalidArgumentError("tree: two siblings use the same rank")
    return keys[order], order


def _find_child(
    keys: np.ndarray, nodes: np.ndarray, slot: np.ndarray, rank: np.ndarray, n: int
) -> np.ndarray:
    """Node index of child (slot, rank), -1 if it is not in the tree."""
    want = slot * n + rank
    pos = np.searchsorted(keys, want)
    pos_c = np.minimum(pos, max(keys.size - 1, 0))
    hit = (pos < keys.size) & (keys[pos_c] == want) if keys.size else np.zeros(want.size, bool)
    return np.where(hit, nodes[pos_c] if keys.size else -1, -1)


def _walk_tree(
    size: int, step: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
) -> tuple[np.ndarray, np.ndarray]:
    """Walk ``size`` verifier steps down a draft tree, one depth at a time.

    Parameters
    ----------
    size : int
        Independent steps.
    step : callable (slots) -> (winner, child)
        Decides one depth for the steps still walking, whose current nodes are
        ``slots`` (0 = root, i + 1 = node i): the target race winner of each, and the
        node index of the drafted child it matches (-1: not drafted, the step ends).

    Returns
    -------
    tokens_per_step : (size,) int64
        Accepted drafts + 1.
    first_token : (size,) int64
        The winner at the root (the first emitted token).
    """
    g = np.ones(size, dtype=np.int64)
    first = np.empty(size, dtype=np.int64)
    alive = np.arange(size)
    slot = np.zeros(size, dtype=np.int64)
    depth = 0
    while alive.size:
        x, child = step(slot[alive])
        if depth == 0:
            first[alive] = x
        ok = child >= 0
        g[alive[ok]] += 1
        slot[alive[ok]] = child[ok] + 1
        alive = alive[ok]
        depth += 1
    return g, first


def ersd_tree_steps(
    target: ArrayLike,
    draft: ArrayLike,
    tree: DraftTree,
    size: int,
    rng: RngLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``size`` independent ERSD steps with a draft tree (context-free p, q).

    The children of a node at depth d are the draft-race arrivals of the clock vector
    W[d + 1] at the ranks ``tree.child_index`` (rank 0 = first arrival); the verifier
    walks down while the target race winner of W[d + 1] is a drafted child (C4).
    Each depth uses a fresh W ~ Exp(1)^n.

    Returns
    -------
    tokens_per_step : (size,) int64
        G = accepted drafts + 1; E[G] = tree value (C5).
    first_token : (size,) int64
        The first emitted token of each step (law ``target``).
    """
    p, q = _pair(target, draft)
    size = check_int(size, "size", 1)
    gen = as_rng(rng)
    n = p.size
    keys, nodes = _child_lookup(tree, n)
    log_p, log_q = _log(p), _log(q)
    rows = max(1, _CELLS // n)

    def step(slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        parts_x, parts_r = [], []
        for s in range(0, slots.size, rows):
            m = min(rows, slots.size - s)
            x, r = _winners_and_ranks(np.log(gen.standard_exponential((m, n))), log_p, log_q)
            parts_x.append(x)
            parts_r.append(r)
        x, rank = np.concatenate(parts_x), np.concatenate(parts_r)
        # a winner with q(X) = 0 never arrives in the draft race: never a drafted child
        child = _find_child(keys, nodes, slots, np.minimum(rank, n - 1), n)
        return x, np.where(q[x] > 0, child, -1)

    return _walk_tree(size, step)


def ersd_tree_steps_fast(
    target: ArrayLike,
    draft: ArrayLike,
    tree: DraftTree,
    size: int,
    rng: RngLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`ersd_tree_steps` in O(depth (m + log n)) per step, for large vocabularies.

    At a node whose children sit at draft ranks S (``tree.child_index``), the first
    M = max(S) + 1 draft arrivals are sampled with the exact lazy construction of
    :func:`ersd_node`; the target race winner is either one of them (known rank) or a
    token arriving later (phantom race). The step goes on iff the winner's rank is in
    S. Same law as :func:`ersd_tree_steps` (tested); fresh clocks per depth.

    Returns
    -------
    tokens_per_step : (size,) int64
    first_token : (size,) int64
    """
    p, q = _pair(target, draft)
    size = check_int(size, "size", 1)
    gen = as_rng(rng)
    n = p.size
    keys, nodes = _child_lookup(tree, n)
    nq = int(np.count_nonzero(q > 0))
    need = np.zeros(tree.size + 1, dtype=np.int64)  # arrivals needed per slot
    np.maximum.at(need, tree.parent + 1, np.asarray(tree.child_index, dtype=np.int64) + 1)
    need = np.minimum(need, nq)
    phantom = _PhantomRace(p, q)

    def step(slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        m_alive = need[slots]
        x = np.empty(slots.size, dtype=np.int64)
        rank = np.empty(slots.size, dtype=np.int64)
        for m in np.unique(m_alive):
            sel = np.flatnonzero(m_alive == m)
            x[sel], rank[sel] = _node_kernel(p, q, int(m), sel.size, gen, phantom)
        child = _find_child(keys, nodes, slots, np.maximum(rank, 0), n)
        return x, np.where(rank >= 0, child, -1)

    return _walk_tree(size, step)


def ersd_generate(
    target: ArrayLike,
    draft: ArrayLike,
    tree: DraftTree,
    length: int,
    seed: int = 0,
    keying: Literal["position", "node"] = "position",
) -> tuple[np.ndarray, int]:
    """Generate ``length`` tokens by ERSD steps; return the text and the target calls.

    Each step drafts the tree (children of a node = draft-race arrivals at the ranks
    in ``tree.child_index``, found by sorting the draft keys), makes one target call,
    and verifies down the tree (C4). The clock vector used at a node is

    * ``keying="position"``: W[t] for the absolute text position t it decides (row t
      of one Exp(1) stream seeded by ``seed``): the text is argmin_x W[t]_x / p(x)
      position by position, whichever draft is used (drafter invariance);
    * ``keying="node"``: a vector seeded by (seed, call, node): still exactly
      target-distributed, but the text depends on the draft.

    Cost O(length * n log n) with a Python loop over positions (a reference
    implementation for invariance tests, not a throughput path).
    """
    p, q = _pair(target, draft)
    length = check_int(length, "length", 1)
    seed = check_int(seed, "seed", 0)
    if keying not in ("position", "node"):
        raise InvalidArgumentError(f"keying: must be 'position' or 'node', got {keying!r}")
    n = p.size
    kids = tree.children()
    ranks = [tree.child_index[c].tolist() for c in kids]
    log_p, log_q = _log(p), _log(q)
    stream = np.random.default_rng(seed).standard_exponential((length, n))
    out = np.empty(length, dtype=np.int64)
    t, calls = 0, 0
    while t < length:
        calls += 1
        slot = 0
        while t < length:
            if keying == "position":
                w = stream[t]
            else:
                w = np.random.default_rng([seed, calls, slot]).standard_exponential(n)
            lw = np.log(w)
            x = int(np.argmin(lw - log_p))
            out[t] = x
            t += 1
            if not kids[slot]:
                break
            order = np.argsort(lw - log_q, kind="stable")
            finite = np.isfinite(log_q[order])
            drafted = [int(order[r]) if r < n and finite[r] else -1 for r in ranks[slot]]
            if x not in drafted:
                break
            slot = kids[slot][drafted.index(x)] + 1
    return out, calls


# ----------------------------------------------------------------------------- GSD


def gsd_verify(
    target: ArrayLike,
    draft: ArrayLike,
    k: int,
    size: int,
    rng: RngLike = None,
    replacement: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Multi-draft speculative sampling with k drafts and recursive rejection (SpecInfer).

    Drafts y_1..y_k from q (i.i.d., or without replacement: y_i ~ q restricted to the
    tokens not drafted yet, renormalised = q_i). With r_0 = p: accept y_i with
    probability min(1, r_{i-1}(y_i)/q_i(y_i)); otherwise r_i = (r_{i-1} - q_i)^+
    normalised and try the next draft; after k rejections emit a token of r_k
    (arXiv 2305.09781; without replacement, arXiv 2402.14160). O(k n) per trial.

    Returns
    -------
    tokens : (size,) int64
        Output tokens, law ``target``.
    position : (size,) int64
        0-based index of the accepted draft, -1 when all k were rejected.
    """
    p, q = _pair(target, draft)
    k = check_int(k, "k", 1)
    size = check_int(size, "size", 1)
    gen = as_rng(rng)
    n = p.size
    r = np.broadcast_to(p, (size, n)).copy()
    qi = np.broadcast_to(q, (size, n)).copy()
    out = np.full(size, -1, dtype=np.int64)
    pos = np.full(size, -1, dtype=np.int64)
    live = np.arange(size)
    for i in range(k):
        if not live.size:
            break
        rows_q = qi[live]
        mass = rows_q.sum(axis=1)
        can = mass > 0
        live, rows_q, mass = live[can], rows_q[can], mass[can]
        if not live.size:
            break
        rows_q /= mass[:, None]
        y = sample_rows(rows_q, gen)
        ry = r[live, y]
        qy = rows_q[np.arange(live.size), y]
        acc = gen.random(live.size) * qy < ry
        out[live[acc]] = y[acc]
        pos[live[acc]] = i
        rej = ~acc
        lr = live[rej]
        res = np.maximum(r[lr] - rows_q[rej], 0.0)
        tot = res.sum(axis=1, keepdims=True)
        r[lr] = np.where(tot > 0, res / np.where(tot > 0, tot, 1.0), r[lr])
        if not replacement:
            qi[lr, y[rej]] = 0.0
        live = lr
    if live.size:
        out[live] = sample_rows(r[live], gen)
    rest = np.flatnonzero(out < 0)
    if rest.size:  # drafts ran out (every q token drafted without replacement)
        out[rest] = sample_rows(r[rest], gen)
    return out, pos
