"""Exact functions of the public API as sweep quantities, on synthetic families.

Each quantity builds its law or (target, draft) pair from the point's family
parameters (:mod:`specbound.sweep.families`) and the point's generator, then calls
the public function. Where the quantity has a simulated side, ``trials > 0`` runs
the real algorithm on the same laws and the row carries the estimate, its SE and
the verdict (:func:`~specbound.sweep.quantities.judged`: equal within ``sigmas`` SE,
two-sided false-alarm rate 5.7e-7 per point at the default 5, or below a bound).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import entropy

from specbound.bounds.branching_walk import entropy_moments, speed_of_light_bound
from specbound.bounds.exponential_races import rank_distribution, tokens_per_step_bound
from specbound.bounds.rejections import acceptance_probability, expected_tokens_per_step
from specbound.lp import optimal_acceptance
from specbound.simulations import speculative_sampling
from specbound.simulations.estimate import Estimate, from_proportion
from specbound.simulations.tree_verification import estimate_accepted
from specbound.sweep.families import LAW_FAMILIES, PAIR_FAMILIES, law_from, pair_from
from specbound.sweep.quantities import REPLICATE, Outcome, Param, Quantity, judged
from specbound.trees import optimal_tree

#: Largest vocabulary a sweep point may use (refused up front beyond).
MAX_N = 1 << 20
#: Speculative-sampling trials drawn at once (memory about 9 bytes per trial).
_BATCH = 1 << 20
#: The exact rank law costs O(n^2 c) per quadrature node (up to O(n^3)).
MAX_RANK_N = 2000

_N = Param("n", int, 100, "vocabulary size", 2, MAX_N)
_SHAPE = Param(
    "shape", float, 1.0, "Dirichlet concentration, Zipf exponent or softmax logit scale", 1e-6
)
_TEMPERATURE = Param(
    "temperature", float, 1.5, "softmax temperature (law) or draft temperature (pair)", 1e-6
)
_NOISE = Param("noise", float, 0.5, "draft logit noise (softmax pairs)", 0.0)
_TV = Param("tv", float, 0.3, "total variation of the pair (pair_at_tv)", 0.0, 1.0)
_BUDGET = Param("budget", int, 16, "drafted nodes (tree size, ERSD k)", 1, 10**7)
_TRIALS = Param("trials", int, 10_000, "Monte Carlo trials (0: exact only)", 0, 10**9, None, 2)

_LAW = (Param("family", str, "dirichlet", "law family", choices=LAW_FAMILIES), _N, _SHAPE)
_PAIR = (
    Param("family", str, "pair_at_tv", "pair family", choices=PAIR_FAMILIES),
    _N,
    _SHAPE,
    _TV,
    _TEMPERATURE,
    _NOISE,
)


def _acceptance(params: dict[str, Any], rng: np.random.Generator, sigmas: float) -> Outcome:
    p, q = pair_from(params, rng)
    exact = acceptance_probability(p, q)
    if params["trials"] == 0:
        return judged(exact, None, sigmas)
    trials, hits = params["trials"], 0
    for start in range(0, trials, _BATCH):  # bounded memory for any number of trials
        _, accepted = speculative_sampling(p, q, min(_BATCH, trials - start), rng)
        hits += int(np.count_nonzero(accepted))
    return judged(exact, from_proportion(hits, trials), sigmas)


def _tokens_per_step(params: dict[str, Any], rng: np.random.Generator, sigmas: float) -> Outcome:
    return Outcome(expected_tokens_per_step(params["alpha"], params["gamma"]))


def _rank(params: dict[str, Any], rng: np.random.Generator, sigmas: float) -> Outcome:
    law = rank_distribution(*pair_from(params, rng))
    return Outcome(float(law[0]), extras={"rank_entropy": float(entropy(law))})


def _ersd_bound(params: dict[str, Any], rng: np.random.Generator, sigmas: float) -> Outcome:
    return Outcome(tokens_per_step_bound(*pair_from(params, rng), params["budget"]))


def _moments(params: dict[str, Any], rng: np.random.Generator, sigmas: float) -> Outcome:
    mu, mu2 = entropy_moments(law_from(params, rng))
    return Outcome(mu, extras={"mu2": mu2})


def _walks(tree, law: np.ndarray, params: dict[str, Any], rng) -> Estimate | None:
    """The verifier walking ``tree`` with the target sampling ``law`` (None: trials = 0)."""
    if params["trials"] == 0:
        return None
    return estimate_accepted(tree, params["trials"], rng, target=law, progress=False)


def _speed_of_light(params: dict[str, Any], rng: np.random.Generator, sigmas: float) -> Outcome:
    law = law_from(params, rng)
    mu, mu2 = entropy_moments(law)
    tree = optimal_tree(law, params["budget"], sort=True)
    bound = speed_of_light_bound(mu, mu2, params["budget"])
    est = _walks(tree, law, params, rng)
    extras = {"mu": mu, "mu2": mu2, "optimal_accepted": tree.expected_accepted}
    return judged(bound, est, sigmas, upper=True, **extras)


def _tree(params: dict[str, Any], rng: np.random.Generator, sigmas: float) -> Outcome:
    law = law_from(params, rng)
    tree = optimal_tree(law, params["budget"], params["max_depth"] or None, sort=True)
    est = _walks(tree, law, params, rng)
    extras = {"depth": float(tree.depth), "tokens_per_step": tree.tokens_per_step}
    return judged(tree.expected_accepted, est, sigmas, **extras)


def _multidraft(params: dict[str, Any], rng: np.random.Generator, sigmas: float) -> Outcome:
    p, q = pair_from(params, rng)
    return Outcome(optimal_acceptance(p, np.tile(q, (params["drafts"], 1))))


def _rank_pair() -> tuple[Param, ...]:
    n = Param("n", int, 40, "vocabulary size", 2, MAX_RANK_N)
    return (_PAIR[0], n, *_PAIR[2:])


EXACT_QUANTITIES: tuple[Quantity, ...] = (
    Quantity(
        "acceptance_probability",
        "1 - TV(target, draft) (Yin et al. 2024); Monte Carlo: speculative_sampling",
        (*_PAIR, _TRIALS, REPLICATE),
        _acceptance,
    ),
    Quantity(
        "expected_tokens_per_step",
        "(1 - alpha^(gamma+1)) / (1 - alpha), a chain of gamma drafts (Leviathan et al.)",
        (
            Param("alpha", float, 0.7, "per-token acceptance probability", 0.0, 1.0),
            Param("gamma", int, 4, "drafted tokens per call", 0, 10**9),
            REPLICATE,
        ),
        _tokens_per_step,
    ),
    Quantity(
        "rank_distribution",
        "P(R = 1) of the exponential-race rank law (Kobus & Gunduz 2025)",
        (*_rank_pair(), REPLICATE),
        _rank,
        ("rank_entropy",),
    ),
    Quantity(
        "tokens_per_step_bound",
        "(ln n + ln(k + 1)) / H[R], any k-node ERSD tree (Kobus & Gunduz 2025)",
        (*_rank_pair(), _BUDGET, REPLICATE),
        _ersd_bound,
    ),
    Quantity(
        "entropy_moments",
        "mu (exact column) and mu2 of one law, nats (Pankratov & Alistarh 2026)",
        (*_LAW, _TEMPERATURE, REPLICATE),
        _moments,
        ("mu2",),
    ),
    Quantity(
        "speed_of_light_bound",
        "(mu + mu2)(ln P + 1) / mu^2 accepted tokens, P = budget (Pankratov & Alistarh 2026); "
        "Monte Carlo: verifier walks on the optimal tree, judged sim <= bound + sigmas SE",
        (*_LAW, _TEMPERATURE, _BUDGET, _TRIALS, REPLICATE),
        _speed_of_light,
        ("mu", "mu2", "optimal_accepted"),
    ),
    Quantity(
        "optimal_tree",
        "expected accepted tokens of the optimal budget-node tree (Tunstall / top-P); "
        "Monte Carlo: the verifier walking the tree, target sampling the law",
        (
            *_LAW,
            _TEMPERATURE,
            _BUDGET,
            Param("max_depth", int, 0, "largest depth (0: unlimited)", 0, 10**6),
            _TRIALS,
            REPLICATE,
        ),
        _tree,
        ("depth", "tokens_per_step"),
    ),
    Quantity(
        "optimal_acceptance",
        "multi-draft optimum P* with K identical drafts (Khisti et al. 2025)",
        (*_PAIR, Param("drafts", int, 2, "number of drafts K", 1, 1024), REPLICATE),
        _multidraft,
    ),
)
