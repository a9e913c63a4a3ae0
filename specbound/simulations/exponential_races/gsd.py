"""The GSD baseline simulated: SpecInfer recursive rejection with k drafts.

Drafts i.i.d. (arXiv 2305.09781) or without replacement (arXiv 2402.14160), vectorised
over trials, O(k n) per trial; the exact positional laws live in
:mod:`specbound.bounds.exponential_races.gsd`. Compared with ERSD in Kobus & Gunduz,
arXiv 2504.15475.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from specbound.distributions import RngLike, as_rng, check_int
from specbound.simulations.exponential_races.races import _pair
from specbound.simulations.sampling import sample_rows
from specbound.simulations.speculative import next_residuals


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
        r[lr] = next_residuals(r[lr], rows_q[rej], "gsd_verify")
        if not replacement:
            qi[lr, y[rej]] = 0.0
        live = lr
    if live.size:
        out[live] = sample_rows(r[live], gen)
    rest = np.flatnonzero(out < 0)
    if rest.size:  # drafts ran out (every q token drafted without replacement)
        out[rest] = sample_rows(r[rest], gen)
    return out, pos
