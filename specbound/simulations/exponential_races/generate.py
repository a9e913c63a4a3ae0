"""ERSD text generation by repeated steps, with clocks keyed by position or by node.

Kobus & Gunduz, arXiv 2504.15475 (tree verification): keyed by absolute text position the output
text does not depend on the draft (drafter invariance); keyed by (call, node) it is
still target-distributed but draft-dependent. A reference implementation for the
invariance tests (Python loop over positions), not a throughput path.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from specbound.distributions import check_int
from specbound.errors import InvalidArgumentError
from specbound.simulations.exponential_races.races import _log, _pair
from specbound.trees import DraftTree


def _verify(key: np.ndarray, drafted: list[int]) -> tuple[int, int]:
    """ERSD verification at a node: (emitted token, index of the accepted child or -1).

    Reads the drafted tokens: the best drafted target key is compared with the best
    key among the tokens not drafted; the drafted token is accepted (and emitted) iff
    it wins, otherwise the best undrafted token is emitted (the residual race).
    """
    mask = np.zeros(key.size, dtype=bool)
    real = [i for i, y in enumerate(drafted) if y >= 0]
    mask[[drafted[i] for i in real]] = True
    rest = np.where(mask, np.inf, key)
    best_rest = int(np.argmin(rest))
    if real:
        best = min(real, key=lambda i: key[drafted[i]])
        if key[drafted[best]] < rest[best_rest]:
            return drafted[best], best
    return best_rest, -1


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
    and verifies down the tree (tree verification): at a node the best drafted target key races the
    best key of the tokens not drafted; the drafted token is emitted iff it wins,
    else the undrafted winner is emitted and the step ends (:func:`_verify`). The clock
    vector used at a node is

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
            key = lw - log_p  # target keys: the race winner is argmin
            if kids[slot]:
                order = np.argsort(lw - log_q, kind="stable")
                finite = np.isfinite(log_q[order])
                drafted = [int(order[r]) if r < n and finite[r] else -1 for r in ranks[slot]]
            else:
                drafted = []
            x, child = _verify(key, drafted)
            out[t] = x
            t += 1
            if child < 0:
                break
            slot = kids[slot][child] + 1
    return out, calls
