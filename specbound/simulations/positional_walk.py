"""Monte Carlo of the verifier checking each node's drafted candidates one after another.

The positional (GSD / Sequoia, arXiv 2402.12374) verifier: at the current node the
drafted children are verified in drafting order; the first one accepted is where the
verifier moves next; if all are rejected it emits a corrected token and the step ends.
The number of moves is the number of accepted draft tokens X (tokens per step = X + 1).

Two ways of deciding acceptance, the same at every node:

* :func:`sequential_walk`: from a positional vector ``a`` (``a[i]`` = P(candidate i is
  the accepted one)), candidate ``i`` is accepted, given that candidates ``0..i-1``
  were rejected, with probability :math:`a_i / (1 - \\sum_{j<i} a_j)`: an accept/reject
  coin per candidate, not a draw of the path.
* :func:`recursive_rejection_walk`: the real algorithm. Each node drafts its ``c``
  candidates from the draft law without replacement and verifies them by SpecInfer
  recursive rejection against the updated residual
  (:func:`~specbound.simulations.exponential_races.gsd.gsd_verify`, arXiv 2305.09781,
  2402.14160).

Vectorised over trials; Python loops run over depth levels and candidate positions.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from specbound.distributions import RngLike, as_rng, check_int
from specbound.errors import InvalidArgumentError
from specbound.simulations.estimate import Estimate, estimate_mean
from specbound.simulations.exponential_races.gsd import gsd_verify
from specbound.trees import DraftTree, as_acceptance

__all__ = ["estimate_positional", "recursive_rejection_walk", "sequential_walk"]


def _child_table(tree: DraftTree) -> np.ndarray:
    """``table[slot, i]``: node index of child ``i`` of slot (0 = root, node j = j + 1), or -1."""
    width = int(tree.child_index.max()) + 1 if tree.size else 1
    table = np.full((tree.size + 1, width), -1, dtype=np.int64)
    table[tree.parent + 1, tree.child_index] = np.arange(tree.size)
    return table


def _walk(tree: DraftTree, trials: int, choose: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Accepted counts of ``trials`` walks; ``choose(slots)`` gives each next node or -1."""
    accepted = np.zeros(trials, dtype=np.int64)
    slot = np.zeros(trials, dtype=np.int64)  # 0 = root, node j -> j + 1
    alive = np.arange(trials) if tree.size else np.zeros(0, dtype=np.int64)
    while alive.size:
        nxt = choose(slot[alive])
        moved = nxt >= 0
        alive = alive[moved]
        slot[alive] = nxt[moved] + 1
        accepted[alive] += 1
    return accepted


def sequential_walk(
    tree: DraftTree, trials: int, rng: RngLike = None, acceptance: ArrayLike | None = None
) -> np.ndarray:
    """Accepted draft tokens of ``trials`` verifier walks with per-candidate coins.

    Parameters
    ----------
    tree : DraftTree
        Siblings must use candidate positions (``child_index``) ``0..c-1``.
    trials : int
        Number of independent speculative steps (>= 1).
    rng : Generator or seed
    acceptance : (m,) array_like, optional
        The positional vector (any order); default ``tree.acceptance``.

    Returns
    -------
    (trials,) int64
    """
    trials = check_int(trials, "trials", 1)
    gen = as_rng(rng)
    acc = tree.acceptance if acceptance is None else acceptance
    if acc is None:
        raise InvalidArgumentError("acceptance: required when the tree carries none")
    a = as_acceptance(acc, require_sorted=False)
    table = _child_table(tree)
    if table.shape[1] > a.size:
        raise InvalidArgumentError(
            f"acceptance: the tree uses candidate {table.shape[1] - 1} but only {a.size} given"
        )
    left = 1.0 - np.concatenate([[0.0], np.cumsum(a)[:-1]])  # mass not taken by earlier ones
    cond = np.where(left > 0, a / np.where(left > 0, left, 1.0), 0.0)

    def choose(slots: np.ndarray) -> np.ndarray:
        nxt = np.full(slots.size, -1, dtype=np.int64)
        open_ = np.ones(slots.size, dtype=bool)  # still verifying candidates at this node
        for i in range(table.shape[1]):
            child = table[slots, i]
            here = open_ & (child >= 0)
            if not here.any():
                break
            hit = here & (gen.random(slots.size) < cond[i])
            nxt[hit] = child[hit]
            open_ &= ~hit & (child >= 0)
        return nxt

    return _walk(tree, trials, choose)


def recursive_rejection_walk(
    tree: DraftTree, target: ArrayLike, draft: ArrayLike, trials: int, rng: RngLike = None
) -> np.ndarray:
    """Accepted draft tokens of ``trials`` walks with real multi-draft verification per node.

    At every node with ``c`` children the step drafts ``c`` tokens from ``draft`` without
    replacement and runs recursive rejection against ``target`` (the same laws at every
    node: stateless acceptance); the accepted candidate's position picks the child.

    Returns
    -------
    (trials,) int64
    """
    trials = check_int(trials, "trials", 1)
    gen = as_rng(rng)
    table = _child_table(tree)
    count = (table >= 0).sum(axis=1)

    def choose(slots: np.ndarray) -> np.ndarray:
        nxt = np.full(slots.size, -1, dtype=np.int64)
        c_here = count[slots]
        for c in np.unique(c_here[c_here > 0]).tolist():
            rows = np.flatnonzero(c_here == c)
            _, pos = gsd_verify(target, draft, c, rows.size, gen, replacement=False)
            ok = pos >= 0
            nxt[rows[ok]] = table[slots[rows[ok]], pos[ok]]
        return nxt

    return _walk(tree, trials, choose)


def estimate_positional(
    tree: DraftTree,
    trials: int,
    rng: RngLike = None,
    *,
    target: ArrayLike | None = None,
    draft: ArrayLike | None = None,
    batch_size: int = 100_000,
) -> Estimate:
    """Monte Carlo mean (and SE) of accepted draft tokens per step of ``tree``.

    With ``target`` and ``draft``: :func:`recursive_rejection_walk`; otherwise
    :func:`sequential_walk` with ``tree.acceptance``.
    """
    if (target is None) != (draft is None):
        raise InvalidArgumentError("draft: give both target and draft, or neither")
    if target is None:
        return estimate_mean(lambda m, g: sequential_walk(tree, m, g), trials, rng, batch_size)
    return estimate_mean(
        lambda m, g: recursive_rejection_walk(tree, target, draft, m, g),
        trials,
        rng,
        batch_size,
    )
