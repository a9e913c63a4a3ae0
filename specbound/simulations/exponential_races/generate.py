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
    and verifies down the tree (tree verification). The clock vector used at a node is

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
