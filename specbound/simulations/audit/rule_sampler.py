"""Monte Carlo of a verification :class:`~.rules.Rule` on a draft tree, vectorised over trials.

One speculative step on a Markov model (state = last token): the root carries
the start token; the K children of a node are drafted i.i.d. from the draft's
law at the node (after the rule's ``sample_law``); the verifier walks down from
the root, verifying the children of the current node one after another, moves to
an accepted child, or emits a residual token and stops; at an accepted leaf it
emits a bonus token. Single draft and K drafts are the one-level trees over a
one-state model (kernels of shape (1, n)), a chain of gamma drafts is a path.

Runs sitting at the same node are processed together: a Python loop over the
tree's nodes and the children of each node, numpy arrays over runs. Cost
O(size (depth + 1) K log(S n)).
"""

from __future__ import annotations

import numpy as np

from specbound.simulations.audit.rules import Rule
from specbound.simulations.speculative import residual_law


class RowSampler:
    """Inverse-CDF draws from the rows of an (S, n) table, one row chosen per draw.

    Rows need not be normalised (each is scaled by its mass); tokens of probability
    0 are never drawn.
    """

    def __init__(self, table: np.ndarray):
        s, n = table.shape
        cdf = np.cumsum(table, axis=1)
        mass = cdf[:, -1].copy()
        mass[mass <= 0] = 1.0
        self.n = n
        self.flat = (cdf / mass[:, None] + np.arange(s)[:, None]).ravel()
        positive = table > 0
        self.last = n - 1 - np.argmax(positive[:, ::-1], axis=1)

    def sample(self, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One token from row ``rows[i]`` for each i."""
        idx = np.searchsorted(self.flat, rows + rng.random(rows.size), side="right")
        return np.minimum(idx - rows * self.n, self.last[rows])


def children_of(parent: np.ndarray) -> list[list[int]]:
    """Children of each slot (0 = root, node i -> slot i + 1), in node order."""
    kids: list[list[int]] = [[] for _ in range(parent.size + 1)]
    for i, par in enumerate(parent):
        kids[int(par) + 1].append(i + 1)
    return kids


def simulate_rule(
    rule: Rule,
    target_kernel: np.ndarray,
    draft_kernel: np.ndarray,
    start: int,
    parent: np.ndarray,
    size: int,
    rng: np.random.Generator,
    bonus: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Run ``size`` independent steps of ``rule`` on the tree ``parent``.

    Parameters
    ----------
    rule : Rule
        The verification rule.
    target_kernel, draft_kernel : (S, n) ndarray
        Next-token laws by state (the last token); S = 1 for a single position.
    start : int
        State at the root.
    parent : (m,) int ndarray
        Parent of each drafted node (-1 = root), parents before children.
    size : int
        Independent steps.
    rng : Generator
        Randomness.
    bonus : bool
        Emit the bonus token after an accepted leaf (False for one-position kinds).

    Returns
    -------
    tokens : (size, depth + bonus) int64 ndarray
        Emitted tokens, -1 after the last one.
    accepted : (size,) int64 ndarray
        Accepted draft tokens.
    """
    p, q = target_kernel, draft_kernel
    kids = children_of(parent)
    depth = np.zeros(parent.size + 1, dtype=np.int64)
    for i, par in enumerate(parent):
        depth[i + 1] = depth[int(par) + 1] + 1
    width = int(depth.max()) + (1 if bonus else 0)
    tokens = np.full((size, width), -1, dtype=np.int64)
    accepted = np.zeros(size, dtype=np.int64)
    qs = rule.ratio_law(q)
    draw_draft = RowSampler(rule.sample_law(q))
    draw_target = RowSampler(p)
    rounds, final = _round_tables(rule, p, qs, max(map(len, kids)))
    draws = [RowSampler(t) for t in rounds]
    draw_final = None if final is None else RowSampler(final)
    late = RowSampler(residual_law(p, qs)) if rule.residual == "wrong_position" else None
    stack = [(0, np.arange(size), np.full(size, start), np.full(size, start))]
    while stack:
        slot, idx, x, prev = stack.pop()
        if not idx.size:
            continue
        d = int(depth[slot])
        if not kids[slot]:
            if bonus and rule.bonus != "missing":
                rows = prev if rule.bonus == "wrong_position" else x
                tokens[idx, d] = draw_target.sample(rows, rng)
            continue
        if rule.equality is not None:
            y = draw_target.sample(x, rng)
            match = np.full(idx.size, -1)
            for k in range(len(kids[slot])):
                hit = (match < 0) & (draw_draft.sample(x, rng) == y)
                match[hit] = k
            out = y.copy()
            miss = np.flatnonzero(match < 0)
            if rule.equality == "keep_draft" and miss.size:
                out[miss] = draw_target.sample(x[miss], rng)
            tokens[idx, d] = out
            for k, child in enumerate(kids[slot]):
                sel = np.flatnonzero(match == k)
                accepted[idx[sel]] += 1
                stack.append((child, idx[sel], y[sel], x[sel]))
            continue
        alive = np.arange(idx.size)
        last = np.zeros(idx.size, dtype=np.int64)
        for k, child in enumerate(kids[slot]):
            xa = x[alive]
            xk = draw_draft.sample(xa, rng)
            r, d_q = rounds[k][xa, xk], qs[xa, xk]
            u = rng.random(alive.size)
            ok = u * r < d_q if rule.inverted else u * d_q < r
            good = alive[ok]
            tokens[idx[good], d] = xk[ok]
            accepted[idx[good]] += 1
            stack.append((child, idx[good], xk[ok], x[good]))
            last[alive[~ok]] = xk[~ok]
            alive = alive[~ok]
            if not alive.size:
                break
        if alive.size:
            if late is not None:
                out = late.sample(last[alive], rng)
            elif draw_final is not None:
                out = draw_final.sample(x[alive], rng)
            else:
                out = draws[len(kids[slot])].sample(x[alive], rng)
            tokens[idx[alive], d] = out
    return tokens, accepted


def _round_tables(
    rule: Rule, p: np.ndarray, qs: np.ndarray, k: int
) -> tuple[list[np.ndarray], np.ndarray | None]:
    """Residuals r_j (by state) child j is verified against, j = 0..k, and the fixed final law.

    With updated residuals, r_j after j rejections is also the final law of a node with j
    children (second item None); stale residuals verify every child against p.
    """
    if rule.residual in ("update", "wrong_position"):
        tables = [p]
        for _ in range(k):
            r = residual_law(tables[-1], qs)
            tables.append(r / r.sum(axis=1, keepdims=True))
        return tables, None
    return [p] * k, p if rule.residual == "target" else residual_law(p, qs)
