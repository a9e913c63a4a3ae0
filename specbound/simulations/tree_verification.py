"""Monte Carlo of the verifier walking a draft tree (the acceptance identity, by simulation).

One speculative step with a draft tree: starting at the root, the target samples
its next token at the current node; if that token is a drafted child of the node,
the verifier moves there and repeats, otherwise it emits the token and stops. The
number of moves is the number of accepted draft tokens X (tokens per step =
X + 1). The acceptance identity (Pankratov & Alistarh, arXiv 2512.11718;
of Kobus & Gunduz, arXiv 2504.15475) states E[X] = sum of the tree's path
probabilities; :func:`specbound.trees.accepted_distribution` gives the whole law.

Two ways of sampling the target's choice at a node, the same at every node:

* ``target`` given: a next-token distribution over token ids. The verifier draws a
  token id from it. If the tree was built from ``acceptance = sorted target``, its
  ``child_index`` is the token's rank in ``target`` sorted decreasingly (ties by
  token id); if it was built from the target itself
  (``optimal_tree(target, k, sort=True)``), ``child_index`` is the token id. This is
  the verifier itself.
* ``target`` omitted: the positional (rank) model. The verifier draws the index ``r``
  of the accepted child from ``tree.acceptance`` with the remaining mass
  ``1 - sum(acceptance)`` meaning "no drafted child accepted" (a GSD positional
  vector or an ERSD rank law truncated to the drafted ranks).

Vectorised over trials; the only Python loop runs over depth levels.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from specbound.distributions import RngLike, as_distribution, as_rng, check_int
from specbound.errors import InvalidArgumentError
from specbound.limits import check_work
from specbound.simulations.estimate import Estimate, estimate_mean
from specbound.simulations.sampling import sample_categorical
from specbound.trees import DraftTree

__all__ = ["estimate_accepted", "tree_walk"]


def _outcome_law(tree: DraftTree, target: ArrayLike | None) -> tuple[np.ndarray, np.ndarray]:
    """(law over outcomes, outcome -> child rank map; -1 = never a drafted child)."""
    if target is None:
        if tree.acceptance is None:
            raise InvalidArgumentError("target: required when the tree carries no acceptance")
        acc = tree.acceptance
        rest = max(0.0, 1.0 - float(acc.sum()))
        law = np.append(acc, rest)
        to_rank = np.append(np.arange(acc.size), -1)
        return law / law.sum(), to_rank
    p = as_distribution(target, "target")
    if tree.size and int(tree.child_index.max()) >= p.size:
        raise InvalidArgumentError(
            f"target: the tree uses rank {int(tree.child_index.max())} but target has "
            f"only {p.size} tokens"
        )
    acc = tree.acceptance
    if acc is not None and acc.size == p.size and np.allclose(acc, p, rtol=1e-9, atol=1e-12):
        # built from the target itself (optimal_tree(..., sort=True)): ranks are token ids
        return p, np.arange(p.size)
    order = np.argsort(-p, kind="stable")
    to_rank = np.empty(p.size, dtype=np.int64)
    to_rank[order] = np.arange(p.size)
    if acc is not None and (
        acc.size > p.size or not np.allclose(p[order][: acc.size], acc, rtol=1e-9, atol=1e-12)
    ):
        raise InvalidArgumentError(
            "target: neither the target nor its decreasingly sorted probabilities match "
            "the tree's acceptance vector; build the tree from the (sorted) target"
        )
    return p, to_rank


def tree_walk(
    tree: DraftTree, trials: int, rng: RngLike = None, target: ArrayLike | None = None
) -> np.ndarray:
    """Simulate ``trials`` independent verifier walks; return the accepted counts.

    Parameters
    ----------
    tree : DraftTree
        The draft tree (nodes with ``parent`` and ``child_index``).
    trials : int
        Number of independent speculative steps (>= 1).
    rng : Generator or seed
        Source of randomness.
    target : (n,) array_like, optional
        The target's next-token law at every node (see the module docstring); if
        omitted, the positional model with ``tree.acceptance`` is used.

    Returns
    -------
    (trials,) int64
        Accepted draft tokens per step (tokens per step is this + 1).

    Notes
    -----
    Cost O(trials * (X + 1) * log(n + size)): a binary search for the sampled token
    and one for the child lookup per move.
    """
    trials = check_int(trials, "trials", 1)
    gen = as_rng(rng)
    law, to_rank = _outcome_law(tree, target)
    width = int(max(to_rank.max(), tree.child_index.max() if tree.size else 0)) + 2
    keys = (tree.parent + 1) * width + tree.child_index
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    accepted = np.zeros(trials, dtype=np.int64)
    slot = np.zeros(trials, dtype=np.int64)  # 0 = root, node i -> i + 1
    alive = np.arange(trials)
    while alive.size and tree.size:
        rank = to_rank[sample_categorical(law, alive.size, gen)]
        key = slot[alive] * width + rank
        pos = np.minimum(np.searchsorted(sorted_keys, key), sorted_keys.size - 1)
        hit = (rank >= 0) & (sorted_keys[pos] == key)
        alive = alive[hit]
        slot[alive] = order[pos[hit]] + 1
        accepted[alive] += 1
    return accepted


def estimate_accepted(
    tree: DraftTree,
    trials: int,
    rng: RngLike = None,
    target: ArrayLike | None = None,
    batch_size: int = 200_000,
    progress: bool | None = None,
) -> Estimate:
    """Monte Carlo estimate (mean, SE) of the accepted draft tokens per step of ``tree``.

    See :func:`tree_walk`; the exact value is ``tree.expected_accepted``. Memory is
    bounded by ``batch_size``; ``trials`` x (depth + 1) beyond the work limit of
    :mod:`specbound.limits` raises :class:`~specbound.errors.ResourceLimitError`.
    """
    check_work("trials", float(check_int(trials, "trials", 2)) * (tree.depth + 1), "node visits")
    return estimate_mean(
        lambda m, g: tree_walk(tree, m, g, target),
        trials,
        rng,
        batch_size=batch_size,
        progress=progress,
        desc="tree walks",
    )
