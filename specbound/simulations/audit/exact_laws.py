"""Exact output law of a verification :class:`~.rules.Rule`, correct or buggy.

For one speculative step on a draft tree over a Markov model (see
:mod:`.rule_sampler` for the algorithm), the emitted tokens are a prefix of the
sequence; completing the prefix with the target's own kernel gives a sequence of
fixed length (depth + 1 positions), whose law is the target's sequence law if
and only if the rule is lossless. This module computes that law and the expected
tokens per step by recursion over the tree, exactly (float64, no sampling).

At a node with state x, children verified in order, with s the sampling law,
qs the ratio law and r_j the residual child j is verified against
(r_1 = p; r_(j+1) = (r_j - qs)_+ normalised when the residual is updated):

    P(child j accepted with token y) = R_j s(y) a_j(y),  a_j = P(U qs < r_j) = min(1, r_j / qs)
    R_(j+1) = R_j (1 - sum_y s(y) a_j(y))          (R_1 = 1)

and after the last child the emitted token follows the rule's final residual with
mass R_(K+1). The equality rules draw Y ~ p: child j matches with probability
p(y) (1 - s(y))^(j-1) s(y); no child matches with probability p(y) (1 - s(y))^K.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from specbound.bounds.rejections import sequence_law_kernel
from specbound.simulations.audit.rules import Rule


@dataclass(frozen=True)
class ExactStep:
    """Exact outcome of one step.

    Attributes
    ----------
    law : ndarray
        Law of the completed output: over tokens (one position) or over sequences of
        ``width`` positions, index sum_t x_t n^(width - t) (first token most significant).
    tokens_per_step : float
        E[emitted tokens] (accepted drafts + the residual or bonus token).
    acceptance : float
        P(the first drafted position is accepted).
    """

    law: np.ndarray
    tokens_per_step: float
    acceptance: float


def _accept(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """P(U den < num), U ~ Uniform[0, 1): min(1, num / den); 1 if den = 0 < num; 0 if num = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(den > 0, np.minimum(1.0, num / np.where(den > 0, den, 1.0)), 1.0)
    return np.where(num > 0, ratio, 0.0)


def _excess(r: np.ndarray, q: np.ndarray) -> np.ndarray:
    """(r - q)_+ normalised along the last axis; r itself where nothing exceeds."""
    e = np.maximum(r - q, 0.0)
    s = e.sum(axis=-1, keepdims=True)
    return np.where(s > 0, e / np.where(s > 0, s, 1.0), r)


def node_outcome(
    rule: Rule, p: np.ndarray, s: np.ndarray, qs: np.ndarray, x: int, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """(acc (k, n), rej (n,)): P(child j accepted with token y), P(no child, emit y).

    ``p``, ``s``, ``qs`` are (S, n) tables: target, sampling law and ratio law by state.
    """
    px, sx, qx = p[x], s[x], qs[x]
    acc = np.zeros((k, px.size))
    if rule.equality is not None:
        miss = np.ones_like(px)
        for j in range(k):
            acc[j] = px * miss * sx
            miss = miss * (1.0 - sx)
        none = px * miss
        rej = none if rule.equality == "emit_target" else none.sum() * px
        return acc, rej
    reach, r = 1.0, px
    last = np.zeros_like(px)
    for j in range(k):
        a = _accept(qx, r) if rule.inverted else _accept(r, qx)
        acc[j] = reach * sx * a
        last = reach * sx * (1.0 - a)
        reach = reach - acc[j].sum()
        if rule.residual in ("update", "wrong_position"):
            r = _excess(r, qx)
    reach = max(reach, 0.0)
    if rule.residual == "update":
        rej = reach * r
    elif rule.residual == "stale":
        rej = reach * _excess(px, qx)
    elif rule.residual == "target":
        rej = reach * px
    else:  # wrong position: the residual at the rejected token's state
        rej = last @ _excess(p, qs)
    return acc, rej


def exact_step(
    rule: Rule,
    target_kernel: np.ndarray,
    draft_kernel: np.ndarray,
    start: int,
    parent: np.ndarray,
    bonus: bool = True,
) -> ExactStep:
    """Exact completed output law and tokens per step of ``rule`` on the tree ``parent``.

    Parameters as in :func:`~.rule_sampler.simulate_rule`. Cost O(n^width) memory and
    O(nodes n^width) time: for the small vocabularies of sequence-level audits.
    """
    p = target_kernel
    s, qs = rule.sample_law(draft_kernel), rule.ratio_law(draft_kernel)
    n = p.shape[1]
    kids: list[list[int]] = [[] for _ in range(parent.size + 1)]
    depth = [0] * (parent.size + 1)
    for i, par in enumerate(parent):
        kids[int(par) + 1].append(i + 1)
        depth[i + 1] = depth[int(par) + 1] + 1
    width = max(depth) + (1 if bonus else 0)

    def complete(y: int, r: int) -> np.ndarray:
        return np.ones(1) if r == 0 else sequence_law_kernel(p, y, r)

    def from_node(slot: int, x: int, prev: int, r: int) -> tuple[np.ndarray, float]:
        if r == 0:
            return np.ones(1), 0.0
        if not kids[slot]:
            if rule.bonus == "missing":
                return complete(x, r), 0.0
            row = p[prev] if rule.bonus == "wrong_position" else p[x]
            return np.concatenate([row[y] * complete(y, r - 1) for y in range(n)]), 1.0
        acc, rej = node_outcome(rule, p, s, qs, x, len(kids[slot]))
        parts, tokens = [], float(rej.sum())
        for y in range(n):
            part = rej[y] * complete(y, r - 1)
            for j, child in enumerate(kids[slot]):
                if acc[j, y] > 0:
                    law, more = from_node(child, y, x, r - 1)
                    part = part + acc[j, y] * law
                    tokens += acc[j, y] * (1.0 + more)
            parts.append(part)
        return np.concatenate(parts), tokens

    law, tokens = from_node(0, start, start, width)
    first = node_outcome(rule, p, s, qs, start, len(kids[0]))[0].sum() if kids[0] else 0.0
    return ExactStep(law, tokens, float(first))
