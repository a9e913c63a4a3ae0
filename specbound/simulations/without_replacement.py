"""Drafts drawn without replacement and two verification schemes for them, vectorised.

The setting of tree-based engines: K distinct candidates drawn sequentially from one
draft law q without replacement (the optimum is in
:mod:`specbound.lp.without_replacement`). Samplers return ``(tokens, accepted)``.

* :func:`sample_without_replacement`: the K ordered candidates, by inverse CDF over q
  with the intervals of the tokens already drawn skipped (exact sequential sampling).
* :func:`rrs_without_replacement_sampling`: recursive rejection sampling without
  replacement (Jeon et al., arXiv 2402.14160): round k accepts X_k with probability
  min(1, r_k(X_k) / q_k(X_k)), q_k = q without X_1..X_{k-1} renormalised; a rejection
  moves to r_{k+1} = norm((r_k - q_k)^+); after K rejections emit a draw of r_{K+1}.
* :func:`rule_sampling`: an explicit selection rule P(y | x) on the ordered tuples
  (e.g. the optimal rule from the coupling LP).

Cost: O(size K^2 log n) for the candidates; the rejection scheme keeps one residual law
per run, O(size n) memory, processed in chunks of ``CHUNK`` runs.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from specbound.distributions import RngLike, as_distribution, as_rng, check_int
from specbound.simulations.sampling import sample_rows

#: Runs per chunk of the rejection scheme (bounds the (distinct prefixes, n) residual laws).
CHUNK = 50_000


def sample_without_replacement(
    draft: np.ndarray, k: int, size: int, rng: np.random.Generator
) -> np.ndarray:
    """(size, K) ordered distinct tokens drawn sequentially from ``draft`` without replacement.

    Draw j takes u uniform on [0, 1 - mass drawn so far) and skips the CDF intervals of
    the tokens already drawn (in increasing order of position), which is sampling from q
    restricted to the tokens left. Needs K tokens with positive mass.
    """
    cdf = np.cumsum(draft)
    start = cdf - draft
    out = np.empty((size, k), dtype=np.int64)
    removed = np.zeros(size)
    for j in range(k):
        u = rng.random(size) * (cdf[-1] - removed)
        for t in np.sort(out[:, :j], axis=1).T:  # drawn tokens by increasing position
            u = np.where(u >= start[t], u + draft[t], u)
        tok = np.minimum(np.searchsorted(cdf, u, side="right"), draft.size - 1)
        out[:, j] = tok
        removed += draft[tok]
    return out


def _residuals(p: np.ndarray, q: np.ndarray, history: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Residual target r and draft law left (unnormalised) after rejecting each row of
    ``history`` (u, j) in order: r <- norm((r - q_left)^+), then the token leaves q."""
    u = history.shape[0]
    r = np.tile(p, (u, 1))
    left = np.tile(q, (u, 1))
    rows = np.arange(u)
    for t in history.T:
        resid = np.maximum(r - left / left.sum(axis=1, keepdims=True), 0.0)
        r = resid / resid.sum(axis=1, keepdims=True)
        left[rows, t] = 0.0
    return r, left


def _sample_grouped(laws: np.ndarray, inv: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One token from ``laws[inv[i]]`` for every i, without building laws[inv].

    The CDFs of the u laws are laid end to end (law j shifted by 2 j) and searched once.
    """
    u, n = laws.shape
    flat = (np.cumsum(laws, axis=1) + 2.0 * np.arange(u)[:, None]).ravel()
    total = flat[n - 1 :: n] - 2.0 * np.arange(u)
    pos = np.searchsorted(flat, 2.0 * inv + rng.random(inv.size) * total[inv], side="right")
    return np.minimum(pos - inv * n, n - 1)


def rrs_without_replacement_sampling(
    target: ArrayLike, draft: ArrayLike, k: int, size: int, rng: RngLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """Recursive rejection sampling with K candidates without replacement (module docstring).

    Output law: the target p (each round emits min(r_k, q_k) and passes on the residual).
    The residual laws depend only on the rejected prefix, so they are built once per
    distinct prefix in a chunk of runs.
    """
    p = as_distribution(target, "target")
    q = as_distribution(draft, "draft")
    k, size, g = check_int(k, "k", 1), check_int(size, "size", 1), as_rng(rng)
    tokens, accepted = [], []
    for lo in range(0, size, CHUNK):
        m = min(CHUNK, size - lo)
        x = sample_without_replacement(q, k, m, g)
        out = np.empty(m, dtype=np.int64)
        acc = np.zeros(m, dtype=bool)
        active = np.arange(m)
        for j in range(k + 1):
            # r_j and the draft law left both depend on the first j - 1 ... j candidates;
            # the final residual norm((r_K - q_K)^+) only on the first K - 1
            prefixes, inv = np.unique(x[active, : min(j, k - 1)], axis=0, return_inverse=True)
            r, left = _residuals(p, q, prefixes)
            inv = inv.ravel()
            if j == k:  # every candidate rejected: emit from the last residual
                resid = np.maximum(r - left / left.sum(axis=1, keepdims=True), 0.0)
                out[active] = _sample_grouped(resid, inv, g)
                break
            xj = x[active, j]
            qj = left[inv, xj] / left.sum(axis=1)[inv]
            ok = g.random(active.size) * qj < r[inv, xj]
            out[active[ok]] = xj[ok]
            acc[active[ok]] = True
            active = active[~ok]
            if not active.size:
                break
        tokens.append(out)
        accepted.append(acc)
    return np.concatenate(tokens), np.concatenate(accepted)


def rule_sampling(
    draft: np.ndarray,
    tuples: np.ndarray,
    rule: np.ndarray,
    size: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Candidates drawn without replacement, then Y ~ rule[row of the tuple] (m, n).

    ``tuples`` (m, K) lists every ordered tuple with positive probability; ``rule`` holds
    P(y | x) per tuple row. Accepted iff Y is one of the candidates.
    """
    n, k = draft.size, tuples.shape[1]
    code = np.zeros(tuples.shape[0], dtype=np.int64)
    for j in range(k):
        code = code * n + tuples[:, j]
    lookup = np.full(n**k, -1, dtype=np.int64)
    lookup[code] = np.arange(tuples.shape[0])
    x = sample_without_replacement(draft, k, size, rng)
    xcode = np.zeros(size, dtype=np.int64)
    for j in range(k):
        xcode = xcode * n + x[:, j]
    y = sample_rows(rule[lookup[xcode]], rng)
    return y, (x == y[:, None]).any(axis=1)
