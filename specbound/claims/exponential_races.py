"""Claims on exponential-race speculative decoding at one node (Kobus & Gunduz, arXiv 2504.15475).

The output law (node and tree), drafter invariance with clocks keyed by position, the
rank law of the target's race winner, alpha(1) and the acceptance of a node with m
drafted children. Exact sides: :mod:`specbound.bounds.exponential_races`; simulated
sides: :mod:`specbound.simulations.exponential_races` (the races, the ERSD verifier
at a node, generation). Formulas as implemented here
(``theory/exponential_races.md``); the broad sweeps (every family, k = 1..4096) are exact-side
tests in ``tests/test_exponential_races.py``. Instances:
:mod:`specbound.claims.exponential_race_instances`.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from specbound.bounds.exponential_races import alpha_one, ersd_optimal_tree, rank_distribution
from specbound.claims import (
    DISTRIBUTION,
    EQUAL,
    EXACT_ZERO,
    Case,
    Claim,
    formulas,
    sampled_law,
    scaled,
)
from specbound.claims.exponential_race_instances import (
    PAPER,
    SOURCE,
    TEXT,
    race_pair,
    rank_law,
)
from specbound.distributions import dirichlet
from specbound.simulations.agreement import chisquare_gof
from specbound.simulations.estimate import Estimate, from_proportion
from specbound.simulations.exponential_races import ersd_generate, ersd_node, race_ranks

# ----------------------------------------------------------------------------- output law


def _output_law_cases() -> list[Case]:
    def node(name: str, m: int) -> Case:
        p, q = race_pair(name)
        simulate = sampled_law(partial(ersd_node, p, q, m), p, 200_000)
        return Case(f"node m={m}, {name}", lambda: float("nan"), simulate)

    def text(name: str, k: int) -> Case:
        def simulate(rng, scale):
            p, q = race_pair(name)
            tree = ersd_optimal_tree(p, q, k, rank_law=rank_law(name))
            seed = int(rng.integers(2**31))
            tokens, _ = ersd_generate(p, q, tree, scaled(20_000, scale), seed=seed)
            return chisquare_gof(tokens, p)

        return Case(f"text, tree k={k}, {name}", lambda: float("nan"), simulate)

    return [
        node("n=1023 tv=0.3", 3),
        node("disjoint n=20", 2),
        node("zeros n=16", 4),
        text("softmax n=40", 16),
        text("zeros n=16", 8),
        text(TEXT, 16),
    ]


# ----------------------------------------------------------------------------- invariance


def _invariance_cases() -> list[Case]:
    def make(name: str, other: str, k1: int, k2: int) -> Case:
        def simulate(rng, scale):
            p, q1 = race_pair(name)
            if other == "random":
                q2 = dirichlet(p.size, 0.3, int(rng.integers(2**31)))
            else:
                q2 = q1[::-1].copy()
            t1 = ersd_optimal_tree(p, q1, k1, rank_law=rank_law(name))
            t2 = ersd_optimal_tree(p, q2, k2)
            seed = int(rng.integers(2**31))
            length = scaled(5_000, scale)
            a, _ = ersd_generate(p, q1, t1, length, seed=seed)
            b, _ = ersd_generate(p, q2, t2, length, seed=seed)
            return Estimate(float(np.count_nonzero(a != b)), 0.0, length)

        return Case(f"{name} vs {other} draft", lambda: 0.0, simulate)

    return [
        make("softmax n=40", "random", 16, 6),
        make("example A", "reversed", 8, 3),
        make(TEXT, "reversed", 16, 4),
    ]


# ----------------------------------------------------------------------------- rank law


def _rank_law_cases() -> list[Case]:
    def make(name: str, trials: int) -> Case:
        def simulate(rng, scale):
            p, q = race_pair(name)
            _, ranks = race_ranks(p, q, scaled(trials, scale), rng)
            return chisquare_gof(ranks - 1, rank_law(name))

        return Case(name, lambda: float("nan"), simulate)

    return [
        make("example A", 400_000),
        make("softmax n=40", 200_000),
        make("zeros n=16", 200_000),
        make(TEXT, 200_000),
    ]


def _alpha_one_cases() -> list[Case]:
    def full(name: str, trials: int) -> Case:
        def simulate(rng, scale):
            p, q = race_pair(name)
            _, ranks = race_ranks(p, q, scaled(trials, scale), rng)
            return from_proportion(int((ranks == 1).sum()), ranks.size)

        return Case(f"full races, {name}", lambda: alpha_one(*race_pair(name)), simulate)

    def fast(name: str, trials: int) -> Case:
        def simulate(rng, scale):
            p, q = race_pair(name)
            _, rank = ersd_node(p, q, 1, scaled(trials, scale), rng)
            return from_proportion(int((rank == 0).sum()), rank.size)

        return Case(f"fast node, {name}", lambda: alpha_one(*race_pair(name)), simulate)

    return [
        full("example A", 400_000),
        full("softmax n=1000", 40_000),
        full(TEXT, 100_000),
        fast("softmax n=128000", 400_000),
    ]


def _node_acceptance_cases() -> list[Case]:
    def make(name: str, m: int) -> Case:
        def exact():
            p, q = race_pair(name)
            return float(rank_distribution(p, q, max_rank=m)[:m].sum())

        def simulate(rng, scale):
            p, q = race_pair(name)
            _, rank = ersd_node(p, q, m, scaled(400_000, scale), rng)
            return from_proportion(int((rank >= 0).sum()), rank.size)

        return Case(f"m={m}, {name}", exact, simulate)

    return [
        make("softmax n=40", 4),
        make("softmax n=150", 3),
        make("zeros n=16", 6),
        make(TEXT, 4),
    ]


CLAIMS = [
    Claim(
        id="ersd.output_law",
        paper=PAPER,
        statement="ERSD output is exactly target-distributed whatever the drafts (node and tree).",
        agreement=DISTRIBUTION,
        cases=_output_law_cases,
        source=SOURCE + " (ERSD verification, node and tree)",
    ),
    Claim(
        id="ersd.drafter_invariance",
        paper=PAPER,
        statement="With clocks keyed by absolute position, two different drafts give the "
        "same text: the number of mismatched positions, each token emitted by the "
        "verification that reads the draft, is exactly 0.",
        agreement=EXACT_ZERO,
        cases=_invariance_cases,
        source=SOURCE + " (absolute-position clocks); arXiv 2408.07978",
    ),
    Claim(
        id="ersd.rank_law",
        paper=PAPER,
        statement="Rank of the target's race winner in the draft order: exact law (1-D "
        "Poisson-binomial integral) vs sampled races.",
        agreement=DISTRIBUTION,
        cases=_rank_law_cases,
        source=SOURCE + " (full rank law)",
    ),
    Claim(
        id="ersd.alpha_one",
        paper=PAPER,
        statement="alpha(1) = sum_x [sum_y max(p_y/p_x, q_y/q_x)]^-1 (O(n log n) closed "
        "form) vs full races and the fast node sampler.",
        agreement=EQUAL,
        cases=_alpha_one_cases,
        source=SOURCE + " (single-draft race coupling)",
        formula=formulas.ALPHA_ONE,
    ),
    Claim(
        id="ersd.node_acceptance",
        paper=PAPER,
        statement="At a node with m drafted children, P(accept) = sum_{r<=m} alpha(r).",
        agreement=EQUAL,
        cases=_node_acceptance_cases,
        source=SOURCE + " (acceptance at a node)",
    ),
]
