"""The battery of cases an audit runs: the user's pairs plus edge cases that break kernels.

Edge cases follow the ones that catch real sampling bugs (FlashInfer's sampling
tests, engines.md): a one-hot target, disjoint supports, a draft equal to the
target, near-zero probabilities (ratios of 1e12), n = 1, a vocabulary size that is
not a power of two, peaked float32 laws (tokens underflowing to exactly 0), top-k
truncated laws, and a softmax pair. Single and multi-draft cases use one law per
model (n up to 1025); chains and trees use Markov kernels on n <= 6 tokens so the
exact sequence law (n^(depth + 1) sequences) stays small.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from specbound.bounds.rejections import acceptance_probability, sequence_law
from specbound.distributions import (
    as_distribution,
    as_kernel,
    check_int,
    check_same_size,
    dirichlet,
    disjoint_pair,
    pair_at_tv,
    random_kernel,
    target_draft_pair,
)
from specbound.errors import InvalidArgumentError
from specbound.lp import optimal_acceptance
from specbound.lp.optimum import validate_drafts
from specbound.simulations.audit.exact_laws import ExactStep, exact_step
from specbound.simulations.audit.kinds import AuditCase
from specbound.simulations.audit.rules import CORRECT, Rule, truncate_top_k

#: Largest number of completed sequences (n^(depth + 1)) of a chain or tree case.
MAX_SEQUENCES = 200_000


def chain_parent(gamma: int) -> np.ndarray:
    """Parent array of a chain of ``gamma`` drafted tokens."""
    return np.arange(gamma, dtype=np.int64) - 1


def kary_parent(branching: int, depth: int) -> np.ndarray:
    """Parent array of the complete ``branching``-ary tree of ``depth`` levels (BFS order)."""
    parent, level, nxt = [], [-1], 0
    for _ in range(depth):
        new = []
        for par in level:
            for _ in range(branching):
                parent.append(par)
                new.append(nxt)
                nxt += 1
        level = new
    return np.array(parent, dtype=np.int64)


def single_case(label: str, target: ArrayLike, draft: ArrayLike) -> AuditCase:
    """A single-draft case; reference 1 - TV (Yin et al., arXiv 2411.00841, Thm 2)."""
    p, q = as_distribution(target, "target"), as_distribution(draft, "draft")
    check_same_size(p, q, "target", "draft")
    return AuditCase(label, (p, q), p, acceptance_probability(p, q))


def multi_case(label: str, target: ArrayLike, drafts: ArrayLike) -> AuditCase:
    """A K-draft case; reference the optimum P* (Khisti et al., arXiv 2410.18234)."""
    p, q = validate_drafts(target, drafts)
    return AuditCase(label, (p, q), p, optimal_acceptance(p, q))


def tree_case(
    label: str,
    target_kernel: ArrayLike,
    draft_kernel: ArrayLike,
    start: int,
    parent: ArrayLike,
    chain: bool = False,
) -> AuditCase:
    """A tree case; reference: tokens per step of SpecInfer verification (token-wise SD on a
    chain). ``chain=True``: ``parent`` is a path and the sampler receives gamma instead."""
    p, q = as_kernel(target_kernel, "target_kernel"), as_kernel(draft_kernel, "draft_kernel")
    check_same_size(p, q, "target_kernel", "draft_kernel")
    start = check_int(start, "start", 0)
    if start >= p.shape[0]:
        raise InvalidArgumentError(f"start: must lie in 0..{p.shape[0] - 1}, got {start}")
    par = check_parent(parent)
    depth = _depth(par)
    if float(p.shape[0]) ** (depth + 1) > MAX_SEQUENCES:
        raise InvalidArgumentError(
            f"target_kernel: n^(depth + 1) = {p.shape[0]}^{depth + 1} sequences exceeds "
            f"{MAX_SEQUENCES:,}; use a smaller vocabulary or a shallower tree"
        )
    ref = float(exact_step(CORRECT, p, q, start, par).tokens_per_step)
    law = sequence_law(p, start, depth + 1)
    shape = depth if chain else par
    return AuditCase(label, (p, q, start, shape), law, ref, p, start, depth + 1)


def exact_on_case(rule: Rule, kind: str, case: AuditCase) -> ExactStep:
    """Exact outcome of ``rule`` as a ``kind`` sampler on ``case`` (multi: identical drafts)."""
    if kind in ("single", "multi"):
        p, q = case.args
        drafts = q if q.ndim == 2 else q[None]
        parent = np.full(drafts.shape[0] if kind == "multi" else 1, -1)
        return exact_step(rule, p[None], drafts[:1], 0, parent, bonus=False)
    p, q, start, shape = case.args
    parent = chain_parent(shape) if kind == "chain" else shape
    return exact_step(rule, p, q, start, parent)


def check_parent(parent: ArrayLike) -> np.ndarray:
    """Validate a parent array: integers, -1 or an earlier node, at least one node."""
    par = np.asarray(parent)
    if par.ndim != 1 or par.size == 0 or not np.issubdtype(par.dtype, np.integer):
        raise InvalidArgumentError("parent: must be a non-empty 1-D integer array")
    par = par.astype(np.int64)
    if (par < -1).any() or (par >= np.arange(par.size)).any():
        raise InvalidArgumentError("parent: each entry must be -1 or an earlier node's index")
    return par


def _depth(parent: np.ndarray) -> int:
    depth = np.zeros(parent.size + 1, dtype=np.int64)
    for i, par in enumerate(parent):
        depth[i + 1] = depth[par + 1] + 1
    return int(depth.max())


def _normalised(x: np.ndarray) -> np.ndarray:
    return x / x.sum(axis=-1, keepdims=True)


def _float32_softmax(logits: np.ndarray) -> np.ndarray:
    """softmax computed in float32 (tiny entries underflow to 0), renormalised in float64."""
    z = logits.astype(np.float32)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return _normalised((e / e.sum(axis=-1, keepdims=True)).astype(np.float64))


def edge_pairs() -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(label, target, draft) edge cases for single and multi-draft samplers."""
    g = np.random.default_rng(2026)
    one_hot = np.zeros(50)
    one_hot[17] = 1.0
    base = dirichlet(16, 1.0, g)
    p_tiny, q_tiny = base.copy(), base[::-1].copy()
    p_tiny[[0, 1]], q_tiny[[2, 3]] = 1e-12, 1e-9
    p_top, q_top = target_draft_pair(1000, rng=g)
    p_eq = dirichlet(20, 0.5, g)
    peak = g.normal(0.0, 25.0, 1000)
    return [
        ("one-hot target", one_hot, dirichlet(50, 1.0, g)),
        ("disjoint supports", *disjoint_pair(64, rng=g)),
        ("draft = target", p_eq, p_eq.copy()),
        ("near-zero probabilities", _normalised(p_tiny), _normalised(q_tiny)),
        ("n = 1", np.ones(1), np.ones(1)),
        ("n = 1025, TV 0.3", *pair_at_tv(1025, 0.3, rng=g)),
        (
            "peaked float32",
            _float32_softmax(peak),
            _float32_softmax(peak + g.normal(0.0, 3.0, 1000)),
        ),
        ("top-k truncated", truncate_top_k(p_top, 50), truncate_top_k(q_top, 20)),
        ("softmax n = 1000", *target_draft_pair(1000, rng=g)),
    ]


def edge_kernels() -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(label, target_kernel, draft_kernel) edge cases for chain and tree samplers."""
    g = np.random.default_rng(2027)
    shift = np.roll(np.eye(4), 1, axis=1)
    disjoint_p = np.zeros((4, 4))
    disjoint_q = np.zeros((4, 4))
    disjoint_p[:, :2] = g.dirichlet(np.ones(2), 4)
    disjoint_q[:, 2:] = g.dirichlet(np.ones(2), 4)
    same = random_kernel(4, 0.7, g)
    tiny_p, tiny_q = random_kernel(4, 1.0, g), random_kernel(4, 1.0, g)
    tiny_p[:, 0], tiny_q[:, 1] = 1e-12, 1e-12
    peak = g.normal(0.0, 4.0, (4, 4))
    return [
        ("one-hot target rows", shift, random_kernel(4, 1.0, g)),
        ("disjoint supports", disjoint_p, disjoint_q),
        ("draft = target", same, same.copy()),
        ("near-zero probabilities", _normalised(tiny_p), _normalised(tiny_q)),
        ("n = 1", np.ones((1, 1)), np.ones((1, 1))),
        ("n = 5", random_kernel(5, 0.5, g), random_kernel(5, 0.5, g)),
        (
            "peaked float32",
            _float32_softmax(peak * 6.0),
            _float32_softmax(peak * 6.0 + g.normal(0.0, 2.0, (4, 4))),
        ),
        (
            "top-k truncated",
            truncate_top_k(random_kernel(5, 1.0, g), 3),
            truncate_top_k(random_kernel(5, 1.0, g), 2),
        ),
        ("sparse n = 6", random_kernel(6, 0.3, g), random_kernel(6, 0.3, g)),
    ]


REFERENCE_PAIR = (np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.3, 0.5]))


def battery(
    kind: str,
    pairs: Sequence[tuple[ArrayLike, ArrayLike]] | None = None,
    drafts: int = 2,
    gamma: int = 3,
    parent: ArrayLike | None = None,
) -> list[AuditCase]:
    """The cases of an audit of ``kind``: the user's pairs (or a reference pair), then edges.

    Parameters
    ----------
    kind : {"single", "multi", "chain", "tree"}
        Sampler kind.
    pairs : sequence of (target, draft), optional
        The user's own laws (single), (target, draft or drafts) (multi: a 1-D draft is
        repeated ``drafts`` times) or (target_kernel, draft_kernel) (chain, tree).
    drafts : int
        K for multi-draft cases; the branching of the default tree.
    gamma : int
        Drafted tokens of a chain.
    parent : (m,) array-like, optional
        The tree (default: ``drafts``-ary of depth 2).

    Returns
    -------
    list of AuditCase
        Ten cases with no user pair: a reference case and nine edge cases.
    """
    drafts = check_int(drafts, "drafts", 1)
    if kind in ("single", "multi"):
        given = list(pairs) if pairs else [REFERENCE_PAIR]
        named = [
            (f"your pair {i + 1}" if pairs else "reference n = 3", *pq)
            for i, pq in enumerate(given)
        ]
        named += edge_pairs()
        if kind == "single":
            return [single_case(label, p, q) for label, p, q in named]
        return [multi_case(label, p, _repeat(q, drafts)) for label, p, q in named]
    if kind not in ("chain", "tree"):
        raise InvalidArgumentError(f"kind: must be single, multi, chain or tree, got {kind!r}")
    if kind == "chain":
        shape = chain_parent(check_int(gamma, "gamma", 1))
    else:
        shape = kary_parent(drafts, 2) if parent is None else check_parent(parent)
    g = np.random.default_rng(2028)
    given = list(pairs) if pairs else [(random_kernel(3, 1.0, g), random_kernel(3, 1.0, g))]
    named = [
        (f"your pair {i + 1}" if pairs else "reference n = 3", *pq) for i, pq in enumerate(given)
    ]
    chain = kind == "chain"
    return [tree_case(label, p, q, 0, shape, chain) for label, p, q in named + edge_kernels()]


def _repeat(draft: ArrayLike, k: int) -> np.ndarray:
    q = np.asarray(draft, dtype=np.float64)
    return np.tile(q, (k, 1)) if q.ndim == 1 else q
