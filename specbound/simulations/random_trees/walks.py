"""Walks down token trees: the verifier's walk and the tree-free spine walk.

Pankratov & Alistarh, arXiv 2512.11718 (EACL 2026), as implemented here from the note
``theory/branching_walk.md``: :func:`verifier_accepted` simulates the verifier walking a
given tree (the number X of accepted draft tokens); :func:`spine_estimate` predicts
E[X_opt(P)] from spine walks S_j = xi_1 + ... + xi_j, xi = -ln p(x), without a tree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from specbound.distributions import RngLike, as_rng, check_int
from specbound.errors import InvalidArgumentError
from specbound.simulations.estimate import Estimate, from_values
from specbound.simulations.random_trees.laws import LawSampler, _draw
from specbound.simulations.sampling import sample_rows


def _edges(tree) -> np.ndarray:
    edge = getattr(tree, "edge_probability", None)
    if edge is not None:
        return np.asarray(edge, dtype=np.float64)
    pi = np.asarray(tree.path_probability, dtype=np.float64)
    par = np.asarray(tree.parent)
    parent_pi = np.where(par >= 0, pi[np.maximum(par, 0)], 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(parent_pi > 0, pi / parent_pi, 0.0)


def verifier_accepted(tree, trials: int, rng: RngLike = None) -> np.ndarray:
    """Accepted tokens X of ``trials`` verifier walks down ``tree``.

    At node u (the root first) the target samples its next token from p_u; if the
    token is a drafted child of u the walk moves there, otherwise it stops (the token
    is the bonus). Only which drafted child, if any, the sample hits matters, so the
    walk samples that outcome with probabilities (p_u(child_1), ..., 1 - sum). Works
    for any tree with arrays ``parent`` and ``path_probability`` (and optional
    ``edge_probability``), e.g. :class:`RandomTree` or ``specbound.trees.DraftTree``.
    Vectorised over walks: O(trials * depth + size log size).
    """
    trials = check_int(trials, "trials", 1)
    gen = as_rng(rng)
    par = np.asarray(tree.parent, dtype=np.int64)
    edge = _edges(tree)
    size = par.size
    x = np.zeros(trials, dtype=np.int64)
    if size == 0:
        return x
    order = np.argsort(par, kind="stable")  # children grouped by parent (root = -1 first)
    cum = np.cumsum(edge[order])
    group = par[order] + 1  # 0 = root
    starts = np.searchsorted(group, np.arange(size + 1), side="left")
    ends = np.searchsorted(group, np.arange(size + 1), side="right")
    base = np.concatenate([[0.0], cum])[starts]
    node = np.zeros(trials, dtype=np.int64)  # 0 = root, v + 1 = tree node v
    active = np.arange(trials)
    while active.size:
        cur = node[active]
        target = base[cur] + gen.random(active.size)
        idx = np.searchsorted(cum, target, side="right")
        hit = idx < ends[cur]
        active = active[hit]
        node[active] = order[idx[hit]] + 1
        x[active] += 1
    return x


def simulate_verifier(tree, trials: int, rng: RngLike = None) -> Estimate:
    """Monte Carlo estimate of E[X | tree] from :func:`verifier_accepted` (acceptance identity)."""
    return from_values(verifier_accepted(tree, check_int(trials, "trials", 2), rng))


@dataclass(frozen=True)
class SpineEstimate:
    """Tree-free prediction of E[X_opt(P)] from spine walks (asymptotic value).

    Attributes
    ----------
    sizes : (m,) int64
        Budgets P.
    threshold : (m,) float64
        t_P solving C(t) - 1 = P, C(t) = 1 + E sum_{j>=1} e^{S_j} 1{S_j <= t} (nats).
    accepted : list of Estimate
        U(t_P) - 1 = E #{j >= 1 : S_j <= t_P} (SE over walks, t_P held fixed).
    walks : int
    """

    sizes: np.ndarray
    threshold: np.ndarray
    accepted: list[Estimate]
    walks: int


def _spine_steps(law: LawSampler, rng: np.random.Generator, size: int) -> np.ndarray:
    fast = getattr(law, "spine_steps", None)
    if fast is not None:
        return np.asarray(fast(rng, size), dtype=np.float64)
    rows = _draw(law, rng, size)
    x = sample_rows(rows, rng)
    return -np.log(rows[np.arange(size), x])


def spine_estimate(
    law: LawSampler,
    sizes: int | Sequence[int],
    walks: int = 20_000,
    rng: RngLike = None,
    max_steps: int = 100_000,
) -> SpineEstimate:
    """Predict E[X_opt(P)] from ``walks`` spine walks, without building a tree (asymptotic value).

    Spine walk: S_j = xi_1 + ... + xi_j with i.i.d. steps xi = -ln p(x), p ~ L, x ~ p.
    By the many-to-one lemma the expected number of tree nodes with surprisal <= t is
    C(t) - 1 and their total path probability is U(t) - 1, where
    U(t) = 1 + E #{j >= 1: S_j <= t}. The estimator solves C^(t_P) - 1 = P (the
    smallest observed level at which the empirical C^ reaches P) and returns
    U^(t_P) - 1. Biased only through the plug-in t_P (consistent as walks grow).

    Parameters
    ----------
    law : law sampler
        If it has a ``spine_steps(rng, size)`` method (e.g. :class:`DirichletLaw`)
        the steps are drawn directly; otherwise a law is drawn and a token sampled.
    sizes : int or sequence of int >= 1
    walks : int >= 2
    rng : Generator or seed
    max_steps : int
        Give up (InvalidArgumentError) if the walks have not passed the threshold by
        then: the step law is (nearly) degenerate at 0, i.e. mu ~ 0.
    """
    size_list = [sizes] if isinstance(sizes, (int, np.integer)) else list(sizes)
    arr = np.array([check_int(s, "sizes", 1) for s in size_list], dtype=np.int64)
    walks = check_int(walks, "walks", 2)
    gen = as_rng(rng)
    kmax = int(arr.max())
    s = np.zeros(walks)
    active = np.arange(walks)
    levels: list[np.ndarray] = []
    owners: list[np.ndarray] = []
    t_cap = math.inf
    steps = 0
    while active.size:
        steps += 1
        if steps > max_steps:
            raise InvalidArgumentError(
                f"law: spine walks did not pass the threshold in {max_steps} steps (mu ~ 0?)"
            )
        s[active] += _spine_steps(law, gen, active.size)
        keep = s[active] <= t_cap
        levels.append(s[active][keep])
        owners.append(active[keep])
        active = active[keep]
        allv = np.concatenate(levels)
        order = np.argsort(allv)
        mass = np.cumsum(np.exp(allv[order])) / walks
        j = int(np.searchsorted(mass, kmax, side="left"))
        if j < mass.size:
            t_cap = float(allv[order][j])
            active = active[s[active] <= t_cap]
    allv = np.concatenate(levels)
    who = np.concatenate(owners)
    order = np.argsort(allv)
    sorted_v = allv[order]
    mass = np.cumsum(np.exp(sorted_v)) / walks
    thresholds, estimates = [], []
    for k in arr:
        j = int(np.searchsorted(mass, k, side="left"))
        t = float(sorted_v[min(j, sorted_v.size - 1)])
        counts = np.bincount(who[allv <= t], minlength=walks)
        thresholds.append(t)
        estimates.append(from_values(counts))
    return SpineEstimate(arr, np.array(thresholds), estimates, walks)
