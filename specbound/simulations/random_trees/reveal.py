"""Best-first reveal of a random environment's nodes, in numpy batches (top-P tree).

Pankratov & Alistarh, arXiv 2512.11718 (EACL 2026), as implemented here from the note
``theory/branching_walk.md`` (top-P tree, asymptotic value): nodes of the
token tree are revealed (their
laws drawn from the environment's stream, the i-th law to the i-th node revealed)
best-first, in batches per surprisal band of
:mod:`specbound.simulations.random_trees.band_queue`, the rest of a thin band one node
at a time from a Python heap, until the ``size`` nodes of largest path probability are
certain. Children are listed only down to an extrapolated level; a
level that proves too high restarts the reveal from the same random stream.
"""

from __future__ import annotations

import heapq
import math

import numpy as np

from specbound.errors import InvalidArgumentError
from specbound.simulations.random_trees.band_queue import (
    _BAND,
    _CANDIDATE,
    _band,
    _band_floor,
    _children,
    _key_order,
    _Nodes,
    _route,
)
from specbound.simulations.random_trees.laws import LawSampler, _draw_weights

#: Children are listed down to _MARGIN nats (plus _SLACK times the extrapolation gap)
#: below the extrapolated final level; a level that proves too high forces a restart.
_MARGIN = 0.75
_SLACK = 0.25
#: Random numbers per batch of laws (2^19 float32 entries: 2 MB, cache-sized), and the
#: bounds on the batch size in laws. The batch size fixes the reveal order (seeds).
_CHUNK_ENTRIES = 1 << 19
_MIN_CHUNK = 64
_MAX_CHUNK = 1024
#: The rest of a band is revealed one node at a time (a Python heap) once _PATIENCE
#: batches of it were smaller than _FEW: thin, deep trees (near-deterministic laws)
#: would otherwise take one numpy step per tree level, while typical laws end a band
#: in one or two small batches (and keep the batched path). The one-at-a-time path
#: draws its laws _AHEAD at a time and sorts their _TOP largest entries up front.
_FEW = 32
_PATIENCE = 2
_AHEAD = 64
_TOP = 16


class _Restart(Exception):
    """The kept entries were cut too high: rebuild from the same stream with ``cap``."""

    def __init__(self, cap: float, drawn: int):
        super().__init__(cap)
        self.cap, self.drawn = cap, drawn


class _Laws:
    """The environment's stream of laws: the i-th law drawn goes to the i-th node revealed.

    Law 0 (the root's) is drawn on creation. :meth:`take` serves a batch of nodes,
    :meth:`take_one` a single node from a block drawn ``_AHEAD`` at a time; both serve
    the rows drawn ahead first. ``drawn`` counts every row drawn, served or not.
    """

    def __init__(self, law: LawSampler, gen: np.random.Generator):
        self.law, self.gen = law, gen
        self.w, self.z = _draw_weights(law, gen, 1)
        self.n = self.w.shape[1]
        self.top: list[list[float]] = []  # per row of w: its _TOP largest p, decreasing
        self.pos = 0  # rows w[:pos] are served
        self.drawn = 1

    def _fresh(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        w, z = _draw_weights(self.law, self.gen, k)
        if w.shape[1] != self.n:
            raise InvalidArgumentError(
                f"law: vocabulary size changed from {self.n} to {w.shape[1]} between draws"
            )
        self.drawn += k
        return w, z

    def take(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(w, z): the laws w / z of the next ``k`` nodes."""
        left = self.w.shape[0] - self.pos
        if left >= k:
            self.pos += k
            return self.w[self.pos - k : self.pos], self.z[self.pos - k : self.pos]
        w, z = self._fresh(k - left)
        if left:
            w = np.concatenate([self.w[self.pos :], w])
            z = np.concatenate([self.z[self.pos :], z])
            self.pos = self.w.shape[0]
        return w, z

    def take_one(self) -> int:
        """Row of ``w`` (and ``top``) holding the law of the next node."""
        if self.pos == self.w.shape[0]:
            self.w, self.z = self._fresh(_AHEAD)
            w = self.w
            if self.n > _TOP:
                w = np.partition(w, self.n - _TOP, axis=1)[:, self.n - _TOP :]
            top = np.sort(w, axis=1)[:, ::-1].astype(np.float64) / self.z[:, None]
            self.top, self.pos = top.tolist(), 0
        self.pos += 1
        return self.pos - 1


def _reveal_singly(
    cands: np.ndarray,
    band: int,
    level: float,
    nodes: _Nodes,
    laws: _Laws,
    buckets: dict[int, list[np.ndarray]],
    size: int,
    count: int,
) -> tuple[int, bool]:
    """Reveal the band's candidates ``cands`` one at a time, best first (heap order).

    The Python-loop counterpart of the batch steps of :func:`_reveal`, for the rest of
    a band that keeps yielding small batches: pops the best candidate, gives it the
    next law, and lists its children down to ``level`` (the band's into the heap,
    later ones into ``buckets``), until the band is empty or the top ``size`` are
    certain. The heap does not grow: a node has at most one child in its own band,
    since the band is narrower than ln 2. ``count`` nodes were revealed before.
    Returns the new count and whether the top ``size`` are certain. Popped path
    probabilities do not increase, so the ``size`` largest revealed ones are tracked
    exactly: each pop replaces the smallest of them.
    """
    lo = _band_floor(band)  # a child is in the band iff pi >= lo
    heap = [(-pi, par, r, e, d) for pi, e, par, r, d in cands.tolist()]
    heapq.heapify(heap)
    first = nodes.size
    new: list[tuple[float, float, int, int, int]] = []  # revealed, as _CANDIDATE rows
    later: list[tuple[float, float, int, int, int]] = []  # children of later bands
    wide: list[np.ndarray] = []  # children of later bands of nodes with many children
    best: list[float] | None = None  # the size largest revealed pi (once count >= size)
    kept, last = 0, math.inf  # best[:kept] and the pops since `best` was made
    done = False
    while True:
        if count >= size:
            if best is None:
                nodes.append(np.array(new, dtype=_CANDIDATE))
                first, new = nodes.size, []
                best, kept = nodes.largest_pi(size), size
            kth = min(best[kept - 1], last) if kept else last
            if kth >= (-heap[0][0] if heap else 0.0):
                done = True
                break
        if not heap:
            break
        negpi, parent, rank, edge, depth = heapq.heappop(heap)
        pi = -negpi
        if best is not None:  # pi > kth = best[kept - 1]: it replaces that one
            kept, last = kept - 1, pi
        node = first + len(new)
        new.append((pi, edge, parent, rank, depth))
        count += 1
        j = laws.take_one()
        top = laws.top[j]
        if len(top) < laws.n and pi * top[-1] >= level:  # more children than in `top`
            _, ranks, ps = _children(laws.w[j : j + 1], laws.z[j : j + 1], np.array([pi]), level)
            kids = np.empty(ps.size, dtype=_CANDIDATE)
            kids["pi"], kids["edge"], kids["parent"] = pi * ps, ps, node
            kids["rank"], kids["depth"] = ranks, depth + 1
            kids = kids[kids["pi"] > 0]
            inband = kids["pi"] >= lo
            wide.append(kids[~inband])
            for c, p, _, r, d in kids[inband].tolist():
                heapq.heappush(heap, (-c, node, r, p, d))
            continue
        for r, p in enumerate(top):
            c = pi * p
            if c < level or c == 0.0:
                break
            if c >= lo:
                heapq.heappush(heap, (-c, node, r, p, depth + 1))
            else:
                later.append((c, p, node, r, depth + 1))
    nodes.append(np.array(new, dtype=_CANDIDATE))
    _route(np.concatenate([np.array(later, dtype=_CANDIDATE), *wide]), -1, buckets)  # file all
    return count, done


def _keep_level(size: int, count: int, band: int) -> float:
    """A path-probability level below the final one (speed only, never correctness).

    ``count`` nodes have surprisal < band * _BAND; the number of nodes below level t
    grows like e^t (asymptotic value), so the final level is near band * _BAND + ln(size /
    count). Margin: _MARGIN nats plus _SLACK times that gap (growth rate >= 1 / (1 +
    _SLACK) is enough). A level that turns out too high triggers a restart.
    """
    gap = max(0.0, math.log(size / max(count, 1)))
    return math.exp(-(band * _BAND + (1.0 + _SLACK) * gap + _MARGIN))


def _reveal(
    law: LawSampler, size: int, gen: np.random.Generator, cap: float
) -> tuple[_Nodes, int]:
    """Reveal nodes (draw their laws) best-first in batches until the top ``size`` are known.

    A bucket queue over surprisal bands of width _BAND holds the candidates; within a
    band the ``chunk`` candidates of largest pi (ties: heap order) are revealed
    together (one sampler call), and their children are filed into bands (those in
    the current band join an inbox merged into the band's sorted queue). After
    _PATIENCE batches of fewer than _FEW candidates, the rest of the band is revealed
    one node at a time instead (:func:`_reveal_singly`). Children are only listed
    down to a level c <= ``cap`` (:func:`_keep_level`); every unlisted child has
    pi < c. The reveal sequence depends on neither ``size`` nor ``cap``. Returns the
    nodes and the number of laws drawn.
    """
    laws = _Laws(law, gen)
    w, z = laws.take(1)
    n = laws.n
    chunk = int(np.clip(_CHUNK_ENTRIES // n, _MIN_CHUNK, _MAX_CHUNK))
    nodes = _Nodes(size + chunk + 1)
    buckets: dict[int, list[np.ndarray]] = {}
    row, rank, p = _children(w, z, np.ones(1), 0.0)
    root = np.zeros(p.size, dtype=_CANDIDATE)
    root["pi"], root["edge"], root["rank"], root["depth"] = p, p, rank, 1
    _route(root, -1, buckets)
    count, listed_to = 0, 0.0  # listed_to: every unlisted child has pi < listed_to
    while buckets:
        band = min(buckets)
        if listed_to > 0 and _band(np.array([listed_to]))[0] <= band:
            raise _Restart(min(cap, math.exp(-(band + 1) * _BAND - 2.0)), laws.drawn)
        queue = np.concatenate(buckets.pop(band))
        queue = queue[_key_order(queue)]
        inbox = queue[:0]  # in-band children found meanwhile, in key order
        head = 0
        level = min(cap, _keep_level(size, count, band), math.exp(-(band + 1) * _BAND - 1e-3))
        small = 0  # batches of this band smaller than _FEW
        while (left := queue.size - head + inbox.size) and (left >= _FEW or small < _PATIENCE):
            small += left < _FEW
            listed_to = max(listed_to, level)
            batch = queue[head : head + chunk]
            if inbox.size:  # the chunk best candidates of queue[head:] and inbox
                both = np.concatenate([batch, inbox])
                order = _key_order(both)[:chunk]
                from_queue = order < batch.size
                batch, inbox = both[order], np.delete(inbox, order[~from_queue] - batch.size)
                head += int(from_queue.sum())
            else:
                head += batch.size
            ids = nodes.append(batch)
            w, z = laws.take(batch.size)
            row, rank, p = _children(w, z, batch["pi"], level)
            kids = np.empty(p.size, dtype=_CANDIDATE)
            kids["pi"] = batch["pi"][row] * p
            kids["edge"], kids["parent"], kids["rank"] = p, ids[row], rank
            kids["depth"] = batch["depth"][row] + 1
            here = _route(kids[kids["pi"] > 0], band, buckets)
            if here.size:
                inbox = np.concatenate([inbox, here])
                inbox = inbox[_key_order(inbox)]
            count += batch.size
            if count >= size:
                best_left = max(
                    queue["pi"][head] if head < queue.size else 0.0,
                    inbox["pi"][0] if inbox.size else 0.0,
                )
                if nodes.kth_largest_pi(size) >= best_left:
                    return nodes, laws.drawn
        rest = np.concatenate([queue[head:], inbox])
        if rest.size:
            listed_to = max(listed_to, level)
            count, done = _reveal_singly(rest, band, level, nodes, laws, buckets, size, count)
            if done:
                return nodes, laws.drawn
    if listed_to > 0:  # ran out of listed candidates: list deeper
        raise _Restart(listed_to * math.exp(-4.0) if listed_to > 1e-300 else 0.0, laws.drawn)
    return nodes, laws.drawn  # the environment has fewer nodes of positive probability
