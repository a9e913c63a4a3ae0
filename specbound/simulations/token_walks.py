"""Verifier walks that run the real verification at every node of a draft tree.

The acceptance identity E[X | T] = sum of path probabilities (Pankratov & Alistarh,
arXiv 2512.11718; Kobus & Gunduz, arXiv 2504.15475, tree value) is checked here
against walks that never read a path or edge probability: at each node the verifier runs
the real algorithm on the node's laws and moves to the drafted child it lands on.

* :func:`law_outcomes`: the target draws a token x from the node's own next-token
  law; the walk moves iff x is the token of a drafted child (token-level verifier).
* :func:`race_outcomes`: an exponential race at every node (ERSD): draft order by
  the keys E_y / q(y), the target's winner argmin E_y / p(y); the walk moves to the
  child of the winner's draft rank, if drafted.
* :func:`specinfer_outcomes`: SpecInfer recursive rejection with K i.i.d. drafts
  (the GSD positional model): the walk moves to the child of the accepted position.

:func:`walk_tree` runs any of them down a tree; :class:`RecordedLaw` keeps the laws a
random environment's tree builder drew, so a walk can draw its tokens from them
(:func:`environment_laws`). Vectorised over walks; the Python loop runs over depth.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from specbound.distributions import RngLike, as_distribution, as_rng, check_int
from specbound.errors import InvalidArgumentError
from specbound.simulations.speculative import next_residuals

#: Outcome sampler: (slots of the active walks (0 = root, v + 1 = node v), rng) ->
#: the outcome id at each (a token, a rank or a position; -1 = none drafted can match).
Outcomes = Callable[[np.ndarray, np.random.Generator], np.ndarray]
#: Largest deviation of a law's row sum from 1 accepted by :func:`law_outcomes`.
ROW_SUM_TOL = 1e-9


def walk_tree(
    parent: np.ndarray, outcome_id: np.ndarray, outcomes: Outcomes, trials: int, rng: RngLike
) -> np.ndarray:
    """Accepted draft tokens X of ``trials`` walks; node v is reached by ``outcome_id[v]``.

    At the current node the verifier draws an outcome (:data:`Outcomes`); if a child
    of the node carries that outcome id the walk moves there, otherwise it stops.
    """
    trials = check_int(trials, "trials", 1)
    gen = as_rng(rng)
    parent = np.asarray(parent, dtype=np.int64)
    ids = np.asarray(outcome_id, dtype=np.int64)
    x = np.zeros(trials, dtype=np.int64)
    if parent.size == 0:
        return x
    width = int(ids.max()) + 2
    keys = (parent + 1) * width + ids
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    if np.any(sorted_keys[1:] == sorted_keys[:-1]):
        raise InvalidArgumentError("outcome_id: two children of a node share an outcome")
    slot = np.zeros(trials, dtype=np.int64)
    alive = np.arange(trials)
    while alive.size:
        out = outcomes(slot[alive], gen)
        key = slot[alive] * width + out
        pos = np.minimum(np.searchsorted(sorted_keys, key), sorted_keys.size - 1)
        hit = (out >= 0) & (out < width - 1) & (sorted_keys[pos] == key)
        alive = alive[hit]
        slot[alive] = order[pos[hit]] + 1
        x[alive] += 1
    return x


def _checked_rows(laws: np.ndarray) -> np.ndarray:
    rows = np.asarray(laws, dtype=np.float64)
    if rows.ndim != 2 or not np.all(np.isfinite(rows)) or rows.min(initial=0.0) < 0:
        raise InvalidArgumentError("laws: must be a finite non-negative (m, n) array")
    off = float(np.abs(rows.sum(axis=1) - 1.0).max(initial=0.0))
    if off > ROW_SUM_TOL:
        raise InvalidArgumentError(f"laws: a row sums to 1 {off:+.3g} (tolerance {ROW_SUM_TOL:g})")
    return rows


def law_outcomes(laws: np.ndarray, node_law: np.ndarray) -> Outcomes:
    """Token x drawn from the law of the current node: row ``node_law[slot]`` of ``laws``.

    Rows are validated (sum 1 within :data:`ROW_SUM_TOL`); sampling by inverse CDF.
    """
    rows = _checked_rows(laws)
    node_law = np.asarray(node_law, dtype=np.int64)
    used, local = np.unique(node_law, return_inverse=True)
    cdf = np.cumsum(rows[used], axis=1)
    n = rows.shape[1]
    flat = (cdf + np.arange(used.size)[:, None]).ravel()

    def outcomes(slots: np.ndarray, gen: np.random.Generator) -> np.ndarray:
        r = local[slots]
        u = gen.random(slots.size) * cdf[r, -1]
        return np.searchsorted(flat, r + u, side="right") - r * n

    return outcomes


def rank_tokens(
    laws: np.ndarray, node_law: np.ndarray, parent: np.ndarray, rank: np.ndarray
) -> np.ndarray:
    """Token ids of children given by rank in their parent's law (best first, stable)."""
    rows = np.asarray(laws)
    node_law = np.asarray(node_law, dtype=np.int64)
    parent_row = node_law[np.asarray(parent, dtype=np.int64) + 1]
    used, local = np.unique(parent_row, return_inverse=True)
    order = np.argsort(-rows[used], axis=1, kind="stable")
    return order[local, np.asarray(rank, dtype=np.int64)]


def race_outcomes(target: np.ndarray, draft: np.ndarray) -> Outcomes:
    """0-based draft rank of the target's race winner (full races, n clocks per node).

    Clocks E_y ~ Exp(1): draft order by E_y / q(y), the target's token
    argmin E_y / p(y); -1 when the winner has q = 0 (never drafted).
    """
    p, q = as_distribution(target, "target"), as_distribution(draft, "draft")
    with np.errstate(divide="ignore"):
        log_p, log_q = np.log(p), np.log(q)

    def outcomes(slots: np.ndarray, gen: np.random.Generator) -> np.ndarray:
        lw = np.log(gen.standard_exponential((slots.size, p.size)))
        win = np.argmin(lw - log_p, axis=1)
        dkey = lw - log_q
        mine = dkey[np.arange(slots.size), win]
        rank = (dkey < mine[:, None]).sum(axis=1)
        return np.where(np.isfinite(mine), rank, -1)

    return outcomes


def specinfer_outcomes(target: np.ndarray, draft: np.ndarray, k: int) -> Outcomes:
    """0-based position of the accepted draft in SpecInfer recursive rejection, or -1.

    K i.i.d. drafts X_i ~ q; draft i is accepted with probability
    min(1, r_i(X_i) / q(X_i)), r_0 = p, r_{i+1} = norm((r_i - q)^+) (arXiv 2305.09781).
    """
    p, q = as_distribution(target, "target"), as_distribution(draft, "draft")
    k = check_int(k, "k", 1)
    residuals = [p]
    for _ in range(k - 1):
        residuals.append(next_residuals(residuals[-1], q, "specinfer_outcomes"))
    cdf = np.cumsum(q)

    def outcomes(slots: np.ndarray, gen: np.random.Generator) -> np.ndarray:
        out = np.full(slots.size, -1, dtype=np.int64)
        open_ = np.arange(slots.size)
        for i, r in enumerate(residuals):
            x = np.searchsorted(cdf, gen.random(open_.size) * cdf[-1], side="right")
            ok = gen.random(open_.size) * q[x] < r[x]
            out[open_[ok]] = i
            open_ = open_[~ok]
        return out

    return outcomes


class RecordedLaw:
    """A law sampler that keeps every row it returns (the environment of a tree).

    A tree builder that restarts from the same generator state draws the same laws
    again: the record restarts with it (a sampler that consumes no randomness
    replays identical rows, so its record needs no restart).
    """

    def __init__(self, law: Callable[[np.random.Generator, int], np.ndarray]):
        self.law = law
        self.rows: list[np.ndarray] = []
        self._start: dict | None = None
        self._moved = False

    @property
    def name(self) -> str:
        """The wrapped sampler's name."""
        return str(getattr(self.law, "name", "recorded law"))

    def __call__(self, rng: np.random.Generator, size: int) -> np.ndarray:
        state = rng.bit_generator.state
        if self._start is None:
            self._start = state
        elif self._moved and state == self._start:
            self.rows, self._moved = [], False
        out = np.asarray(self.law(rng, size), dtype=np.float64)
        self._moved = self._moved or rng.bit_generator.state != self._start
        self.rows.append(out)
        return out

    def laws(self) -> np.ndarray:
        """Every recorded row, in drawing order: the environment's stream of laws."""
        return np.concatenate(self.rows)


def environment_laws(tree, recorded: RecordedLaw) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(laws, node_law, token) of a random-environment tree built from ``recorded``.

    ``node_law`` = [0, law_index...] (root first); ``token`` = the drafted token of each
    node, its ``child_index`` rank in its parent's recorded law.
    """
    laws = recorded.laws()
    node_law = np.concatenate([[0], np.asarray(tree.law_index, dtype=np.int64)])
    token = rank_tokens(laws, node_law, tree.parent, tree.child_index)
    return laws, node_law, token
