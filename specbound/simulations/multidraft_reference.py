"""Reference multi-draft samplers written from the papers, sharing nothing with specbound.lp.

The acceptance claims (``md.acceptance``) compare the exact formulas of
:mod:`specbound.lp` with these samplers, so a wrong helper shared by an exact side and
the production samplers of :mod:`specbound.simulations.multidraft` (SpecInfer's
residuals, SpecTr's rho, the importance weights, the intermediate law q_I) cannot
cancel out. Each returns ``(tokens, accepted)`` for ``size`` independent trials.

* :func:`specinfer_reference`: SpecInfer multi-round rejection (Miao et al., arXiv
  2305.09781), residuals computed round by round.
* :func:`spectr_reference`: SpecTr K-SEQ (Sun et al., arXiv 2310.15141), rho found as
  the smallest rho >= 1 whose residual is a measure (bisection on the residual itself).
* :func:`tournament_reference`: the pairwise tournament of truncated LPs (the
  multi-draft note's tournament): the pair rules' selection, then speculative sampling
  against the law of the selected token propagated here rule by rule (:func:`pair_selected_law`).
* :func:`selection_reference`: a two-step scheme (Khisti et al., arXiv 2410.18234) with
  a given per-tuple selection (the canonical LP's) or importance weights p(x_k)/q_k(x_k)
  computed here; q_I is the law of the selected token, by enumerating the n^K tuples.

Reference implementations for small instances (O(n^K) for the selection schemes).
"""

from __future__ import annotations

import numpy as np

from specbound.distributions import RngLike, as_rng, check_int
from specbound.errors import InvalidArgumentError
from specbound.simulations.sampling import sample_categorical, sample_rows
from specbound.simulations.speculative import exact_residual, next_residuals, verify

#: Largest n^K enumerated by :func:`selection_reference`.
MAX_TUPLES = 100_000


def _drafts(drafts: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    return np.stack([sample_categorical(q, size, rng) for q in drafts], axis=1)


def specinfer_reference(
    target: np.ndarray, drafts: np.ndarray, size: int, rng: RngLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """SpecInfer: round k accepts X_k ~ q_k w.p. min(1, r_k(X_k)/q_k(X_k)), r_1 = p.

    After a rejection r_{k+1} = norm((r_k - q_k)^+); after K rejections, emit from r_{K+1}.
    """
    gen, size = as_rng(rng), check_int(size, "size", 1)
    x = _drafts(drafts, size, gen)
    out = np.empty(size, dtype=np.int64)
    accepted = np.zeros(size, dtype=bool)
    active = np.arange(size)
    r = np.asarray(target, dtype=np.float64)
    for k, q in enumerate(drafts):
        xk = x[active, k]
        ok = gen.random(active.size) * q[xk] < r[xk]
        out[active[ok]] = xk[ok]
        accepted[active[ok]] = True
        active = active[~ok]
        r = next_residuals(r, q, "specinfer_reference")
    if active.size:
        out[active] = sample_categorical(r, active.size, gen)
    return out, accepted


def _spectr_scale(p: np.ndarray, q: np.ndarray, rho: float, k: int) -> tuple[np.ndarray, float]:
    """(min(q, p/rho), c): the offered part and its scale c = (1 - (1 - eta)^K) / eta."""
    low = np.minimum(q, p / rho)
    eta = float(low.sum())
    return low, (1.0 - (1.0 - eta) ** k) / eta if eta > 0 else 0.0


def spectr_rho_reference(target: np.ndarray, draft: np.ndarray, k: int) -> float:
    """Smallest rho >= 1 with p - c(rho) min(q, p/rho) >= 0 everywhere (bisection, 100 steps).

    The residual of K-SEQ must be a measure; the smallest such rho gives the largest
    acceptance 1 - (1 - eta(rho))^K, eta falling in rho. rho = K always qualifies.
    """

    def ok(rho: float) -> bool:
        low, c = _spectr_scale(target, draft, rho, k)
        return bool(np.all(target - c * low >= -1e-13))

    if ok(1.0):
        return 1.0
    lo, hi = 1.0, float(k)
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return hi


def spectr_reference(
    target: np.ndarray, drafts: np.ndarray, size: int, rng: RngLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """SpecTr K-SEQ: accept the first X_k ~ q with U rho q(X_k) < p(X_k); else the residual."""
    gen, size = as_rng(rng), check_int(size, "size", 1)
    q = drafts[0]
    if not np.array_equal(drafts, np.broadcast_to(q, drafts.shape)):
        raise InvalidArgumentError("drafts: SpecTr K-SEQ needs identical drafts")
    k = drafts.shape[0]
    rho = spectr_rho_reference(target, q, k)
    x = _drafts(drafts, size, gen)
    ok = gen.random((size, k)) * rho * q[x] < target[x]
    accepted = ok.any(axis=1)
    out = x[np.arange(size), np.argmax(ok, axis=1)]
    rest = np.flatnonzero(~accepted)
    if rest.size:
        low, c = _spectr_scale(target, q, rho, k)
        residual = exact_residual(target, c * low, "spectr_reference")
        out[rest] = sample_categorical(residual, rest.size, gen)
    return out, accepted


def _tuples(n: int, k: int) -> np.ndarray:
    if n**k > MAX_TUPLES:
        raise InvalidArgumentError(f"drafts: n^K = {n}^{k} exceeds {MAX_TUPLES}")
    return np.stack(np.unravel_index(np.arange(n**k), (n,) * k), axis=1)


def importance_selection(target: np.ndarray, drafts: np.ndarray) -> np.ndarray:
    """(n^K, K) selection: position k w.p. w_k / sum w, w_k = p(x_k)/q_k(x_k) (row-major tuples).

    A tuple whose weights are all 0 selects position 1.
    """
    k, n = drafts.shape
    tup = _tuples(n, k)
    q_at = drafts[np.arange(k)[None, :], tup]
    w = np.where(q_at > 0, target[tup] / np.where(q_at > 0, q_at, 1.0), 0.0)
    total = w.sum(axis=1, keepdims=True)
    beta = np.divide(w, total, out=np.zeros_like(w), where=total > 0)
    beta[total[:, 0] == 0, 0] = 1.0
    return beta


def selected_law(drafts: np.ndarray, selection: np.ndarray) -> np.ndarray:
    """q_I(y) = sum_x prod_k q_k(x_k) sum_k beta_k(x) [x_k = y], by enumerating tuples."""
    k, n = drafts.shape
    tup = _tuples(n, k)
    prob = np.prod(drafts[np.arange(k)[None, :], tup], axis=1)
    return np.bincount(tup.ravel(), weights=(prob[:, None] * selection).ravel(), minlength=n)


def selection_reference(
    target: np.ndarray,
    drafts: np.ndarray,
    selection: np.ndarray | None,
    size: int,
    rng: RngLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Two-step scheme: select a draft position by ``selection`` (None: importance weights),
    then speculative sampling of the selected token against p with its own law q_I.
    """
    gen, size = as_rng(rng), check_int(size, "size", 1)
    k, n = drafts.shape
    beta = importance_selection(target, drafts) if selection is None else selection
    law = selected_law(drafts, beta)
    x = _drafts(drafts, size, gen)
    flat = np.ravel_multi_index(tuple(x.T), (n,) * k)
    pos = np.minimum(sample_rows(beta[flat], gen), k - 1)
    return verify(target, law, x[np.arange(size), pos], gen)


def pair_selected_law(a: np.ndarray, b: np.ndarray, rule) -> np.ndarray:
    """Law of a pair rule's output for independent X_1 ~ ``a``, X_2 ~ ``b``; O(n + s^2).

    The rule (a :class:`~specbound.lp.truncated.PairRule`: priority ``rank``, Omega_1 =
    ranks < s, ``first``): equal tokens give that token; otherwise the token of higher
    priority wins unless both are in Omega_1, where X_1 wins with probability
    first[o(X_1), o(X_2)]. In rank order, with A(>r) = P(o(X_1) > r):
    P(Y = r) = a_r b_r + a_r B(>r) + b_r A(>r) for r >= s, and for r < s
    a_r b_r + a_r B(>=s) + b_r A(>=s) + a_r sum_{z<s, z!=r} first[r, z] b_z
    + b_r sum_{z<s, z!=r} (1 - first[z, r]) a_z.
    """
    order = np.argsort(rule.rank, kind="stable")
    ar, br = a[order], b[order]
    a_after = np.cumsum(ar[::-1])[::-1] - ar
    b_after = np.cumsum(br[::-1])[::-1] - br
    out = ar * br + ar * b_after + br * a_after
    k = rule.s
    if k:
        off = 1.0 - np.eye(k)
        f = np.asarray(rule.first, dtype=np.float64)[:k, :k]
        a_out, b_out = ar[k:].sum(), br[k:].sum()
        out[:k] = (
            ar[:k] * br[:k]
            + ar[:k] * b_out
            + br[:k] * a_out
            + ar[:k] * ((f * off) @ br[:k])
            + br[:k] * (((1.0 - f) * off).T @ ar[:k])
        )
    law = np.empty_like(out)
    law[order] = out
    return law


def tournament_reference(t, size: int, rng: RngLike = None) -> tuple[np.ndarray, np.ndarray]:
    """Tournament ``t``: its pair rules select Y_K, then SD against r_K computed here."""
    from specbound.simulations.multidraft import tournament_select

    gen, size = as_rng(rng), check_int(size, "size", 1)
    law = t.drafts[0]
    for j, rule in enumerate(t.rules, start=1):
        law = pair_selected_law(law, t.drafts[j], rule)
    x = _drafts(t.drafts, size, gen)
    return verify(t.target, law, tournament_select(t, x, gen), gen)
