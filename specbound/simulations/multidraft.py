"""Multi-draft verification schemes, vectorised over independent trials.

K draft tokens X_k ~ q_k (independent) are offered at one position; every sampler
returns ``(tokens, accepted)``: the output tokens (exactly target-distributed) and
whether the scheme accepted one of the drafts. The exact acceptance of each scheme
is in :mod:`specbound.lp` (Khisti et al., arXiv 2410.18234, and the baselines of
arXiv 2305.09781 and arXiv 2310.15141).

* :func:`selection_sampling`: two-step rule of a
  :class:`~specbound.lp.selection.SelectionRule` (the canonical decomposition, or
  importance weights): select a position, then speculative sampling with q_I.
* :func:`pair_sampling`, :func:`tournament_sampling`: the truncated LP (K = 2) and the
  pairwise tournament (K > 2).
* :func:`specinfer_sampling`, :func:`spectr_sampling`, :func:`nss_sampling`,
  :func:`importance_sampling`: the baselines.

Cost: O(size K log n) plus O(n) per draft law; no Python loop over trials or tokens
(the loops run over the K drafts).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from specbound.distributions import RngLike, as_rng, check_int
from specbound.errors import InvalidArgumentError
from specbound.lp.baselines import specinfer_residuals, spectr_rho
from specbound.lp.optimum import identical, validate_drafts
from specbound.lp.selection import SelectionRule, importance_weighted_rule
from specbound.lp.truncated import PairRule, Tournament
from specbound.simulations.sampling import sample_categorical, sample_rows
from specbound.simulations.speculative import exact_residual, verify


def sample_drafts(drafts: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """(size, K) independent draft tokens, column k from the law ``drafts[k]``."""
    return np.stack([sample_categorical(q, size, rng) for q in drafts], axis=1)


def _size(size: int) -> int:
    return check_int(size, "size", 1)


# ----------------------------------------------------------------------------- canonical


def select_positions(rule: SelectionRule, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Step 1 of a selection rule: the selected token of each tuple row of ``x`` (size, K)."""
    k, n = rule.drafts.shape
    flat = np.zeros(x.shape[0], dtype=np.int64)
    for j in range(k):
        flat = flat * n + x[:, j]
    pos = sample_rows(rule.selection[flat], rng)
    pos = np.minimum(pos, k - 1)
    return x[np.arange(x.shape[0]), pos]


def selection_sampling(
    rule: SelectionRule, size: int, rng: RngLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two-step scheme: select a draft by ``rule``, then speculative sampling with q_I.

    With the canonical rule the acceptance is the optimum P* (Khisti et al.,
    arXiv 2410.18234); in general it is sum_y min(p(y), q_I(y)).
    """
    size, g = _size(size), as_rng(rng)
    x = sample_drafts(rule.drafts, size, g)
    y = select_positions(rule, x, g)
    return verify(rule.target, rule.intermediate, y, g)


def importance_sampling(
    target: ArrayLike, drafts: ArrayLike, size: int, rng: RngLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """Importance-weighted selection (weights p(x_k) / q_k(x_k)) then speculative sampling."""
    return selection_sampling(importance_weighted_rule(target, drafts), size, rng)


# ----------------------------------------------------------------------------- truncated LP


def pair_select(
    rule: PairRule, first: np.ndarray, second: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """The token the pair rule selects from (X_1, X_2) = (``first``, ``second``), vectorised.

    Equal tokens: that token; a token outside Omega_1: the higher-priority one; both in
    Omega_1 and different: X_1 with probability ``rule.first[o(X_1), o(X_2)]``.
    """
    r1, r2 = rule.rank[first], rule.rank[second]
    out = np.where(r1 <= r2, first, second)
    inside = (r1 < rule.s) & (r2 < rule.s) & (r1 != r2)
    idx = np.flatnonzero(inside)
    if idx.size:
        keep_first = rng.random(idx.size) < rule.first[r1[idx], r2[idx]]
        out[idx] = np.where(keep_first, first[idx], second[idx])
    return out


def pair_sampling(rule: PairRule, size: int, rng: RngLike = None) -> tuple[np.ndarray, np.ndarray]:
    """Truncated-LP scheme for two drafts: pair selection, then SD with q_I."""
    size, g = _size(size), as_rng(rng)
    x = sample_drafts(rule.drafts, size, g)
    y = pair_select(rule, x[:, 0], x[:, 1], g)
    return verify(rule.target, rule.intermediate, y, g)


def tournament_select(t: Tournament, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Y_K of the tournament: Y_1 = X_1, Y_k = pair rule k applied to (Y_{k-1}, X_k)."""
    y = x[:, 0].copy()
    for j, rule in enumerate(t.rules, start=1):
        y = pair_select(rule, y, x[:, j], rng)
    return y


def tournament_sampling(
    t: Tournament, size: int, rng: RngLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise tournament of truncated LPs (K drafts), then SD with the final law r_K."""
    size, g = _size(size), as_rng(rng)
    x = sample_drafts(t.drafts, size, g)
    return verify(t.target, t.intermediate, tournament_select(t, x, g), g)


# ----------------------------------------------------------------------------- baselines


def specinfer_sampling(
    target: ArrayLike, drafts: ArrayLike, size: int, rng: RngLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """SpecInfer multi-round rejection sampling (Miao et al., arXiv 2305.09781).

    Round k accepts X_k with probability min(1, r^(k)(X_k) / q_k(X_k)); a rejection moves
    to r^(k+1) = norm((r^(k) - q_k)^+); after K rejections emit a draw of r^(K+1).
    """
    p, q = validate_drafts(target, drafts)
    size, g = _size(size), as_rng(rng)
    r = specinfer_residuals(p, q)
    x = sample_drafts(q, size, g)
    out = np.empty(size, dtype=np.int64)
    accepted = np.zeros(size, dtype=bool)
    active = np.arange(size)
    for k in range(q.shape[0]):
        xk = x[active, k]
        ok = g.random(active.size) * q[k, xk] < r[k, xk]
        out[active[ok]] = xk[ok]
        accepted[active[ok]] = True
        active = active[~ok]
        if not active.size:
            break
    if active.size:
        out[active] = sample_categorical(r[-1], active.size, g)
    return out, accepted


def spectr_sampling(
    target: ArrayLike, drafts: ArrayLike, size: int, rng: RngLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """SpecTr K-SEQ (Sun et al., arXiv 2310.15141) with rho = rho*; identical drafts only.

    Draft k (in order) is accepted with probability min(1, p(X_k) / (rho q(X_k))); if none
    is, emit from p - min(q, p / rho) (1 - (1 - eta)^K) / eta, normalised.
    """
    p, q = validate_drafts(target, drafts)
    if not identical(q):
        raise InvalidArgumentError("drafts: SpecTr K-SEQ needs identical drafts (all rows equal)")
    size, g = _size(size), as_rng(rng)
    k, d = q.shape[0], q[0]
    rho = spectr_rho(p, d, k)
    x = sample_drafts(q, size, g)
    ok = g.random((size, k)) * rho * d[x] < p[x]
    accepted = ok.any(axis=1)
    first = np.argmax(ok, axis=1)
    out = x[np.arange(size), first]
    rest = np.flatnonzero(~accepted)
    if rest.size:
        low = np.minimum(d, p / rho)
        eta = low.sum()
        # eta = 0 (disjoint supports): nothing is ever accepted and the residual is p
        scale = (1.0 - (1.0 - eta) ** k) / eta if eta > 0 else 0.0
        residual = exact_residual(p, low * scale, "spectr_sampling")
        out[rest] = sample_categorical(residual, rest.size, g)
    return out, accepted


def nss_sampling(
    target: ArrayLike, drafts: ArrayLike, size: int, rng: RngLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """Naive sampling: Y ~ p independently of the drafts; accepted iff Y is one of them."""
    p, q = validate_drafts(target, drafts)
    size, g = _size(size), as_rng(rng)
    x = sample_drafts(q, size, g)
    y = sample_categorical(p, size, g)
    return y, (x == y[:, None]).any(axis=1)
