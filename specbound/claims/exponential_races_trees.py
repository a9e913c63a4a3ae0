"""Claims on exponential-race speculative decoding over trees (Kobus & Gunduz, arXiv 2504.15475).

Tokens per step of ERSD trees (optimal, chain, batch), the entropy bound
(ln n + ln(k+1)) / H[R] for any k-node tree, and the limits of chains (1/(1 - alpha(1)))
(a batch's 2 is structural: one level). Exact sides:
:mod:`specbound.bounds.exponential_races`; simulated side: ERSD tree verification
(:mod:`specbound.simulations.exponential_races`). ``ersd.bound`` sits far inside its
limit; ``ersd.bound_tree_value`` checks the bounded quantity on the same simulations.
Formulas as implemented here (``theory/exponential_races.md``).
"""

from __future__ import annotations

import numpy as np

from specbound.bounds.exponential_races import (
    alpha_one,
    chain_limit,
    drafted_acceptance,
    ersd_batch_tree,
    ersd_chain_tree,
    ersd_optimal_tree,
    tokens_per_step_bound,
)
from specbound.claims import EQUAL, UPPER, Case, Claim, formulas, scaled
from specbound.claims.exponential_race_instances import (
    PAPER,
    SOURCE,
    TEXT,
    race_pair,
    rank_law,
)
from specbound.simulations.estimate import from_values
from specbound.simulations.exponential_races import ersd_tree_steps, ersd_tree_steps_fast

# ----------------------------------------------------------------------------- trees


def _tree_value_cases() -> list[Case]:
    def make(name: str, shape: str, k: int, trials: int) -> Case:
        def tree():
            p, q = race_pair(name)
            a = rank_law(name)
            if shape == "optimal":
                return ersd_optimal_tree(p, q, k, rank_law=a)
            acc = drafted_acceptance(a, q)
            return ersd_chain_tree(acc, k) if shape == "chain" else ersd_batch_tree(acc, k)

        def simulate(rng, scale):
            p, q = race_pair(name)
            g, _ = ersd_tree_steps(p, q, tree(), scaled(trials, scale), rng)
            return from_values(g)

        return Case(f"{shape} k={k}, {name}", lambda: tree().tokens_per_step, simulate)

    def fast_chain(name: str, k: int, trials: int) -> Case:
        def exact():
            a1 = alpha_one(*race_pair(name))
            return float(sum(a1**i for i in range(k + 1)))

        def simulate(rng, scale):
            p, q = race_pair(name)
            tree = ersd_chain_tree([alpha_one(p, q)], k)
            g, _ = ersd_tree_steps_fast(p, q, tree, scaled(trials, scale), rng)
            return from_values(g)

        return Case(f"chain k={k}, {name} (lazy sampler)", exact, simulate)

    return [
        fast_chain("softmax n=128000", 16, 200_000),
        make("example A", "optimal", 8, 400_000),
        make("softmax n=40", "optimal", 64, 100_000),
        make("zeros n=16", "optimal", 16, 100_000),
        make("dirichlet n=20", "chain", 5, 100_000),
        make("tv=0.5 n=32", "batch", 3, 100_000),
        make(TEXT, "optimal", 64, 100_000),
    ]


#: Simulated tokens per step of the bound's optimal trees, by (instance, k, generator state).
_STEPS: dict[tuple[str, int, str], np.ndarray] = {}

#: (instance, k, trials) of the entropy-bound cases and of their tight companions.
BOUND_TREES = (
    ("tv=0.5 n=32", 1, 100_000),
    ("dirichlet n=20", 16, 100_000),
    ("softmax n=40", 256, 50_000),
    ("example A", 4096, 20_000),
    (TEXT, 1024, 20_000),
)


def _bound_tree(name: str, k: int):
    p, q = race_pair(name)
    return ersd_optimal_tree(p, q, k, rank_law=rank_law(name))


def _bound_steps(name: str, k: int, trials: int, rng: np.random.Generator) -> np.ndarray:
    """Tokens per step of the optimal k-node tree of ``name``, simulated once per stream.

    ``ersd.bound`` and ``ersd.bound_tree_value`` name the same random stream, so their
    generators start in the same state and share one simulation.
    """
    key = (name, k, repr(rng.bit_generator.state))
    if key not in _STEPS:
        p, q = race_pair(name)
        _STEPS[key], _ = ersd_tree_steps(p, q, _bound_tree(name, k), trials, rng)
    return _STEPS[key]


def _bound_cases(tight: bool = False) -> list[Case]:
    """The entropy bound on the optimal trees (``tight``: their exact value instead)."""

    def make(name: str, k: int, trials: int) -> Case:
        def simulate(rng, scale):
            return from_values(_bound_steps(name, k, scaled(trials, scale), rng))

        def bound():
            p, q = race_pair(name)
            return tokens_per_step_bound(p, q, k, rank_law=rank_law(name))

        def value():
            return _bound_tree(name, k).tokens_per_step

        label = f"optimal tree k={k}, {name}"
        return Case(label, value if tight else bound, simulate, stream=f"ersd.bound/{label}")

    return [make(*inst) for inst in BOUND_TREES]


def _limit_cases() -> list[Case]:
    def chain(name: str, k: int) -> Case:
        def simulate(rng, scale):
            p, q = race_pair(name)
            tree = ersd_chain_tree(drafted_acceptance(rank_law(name), q), k)
            g, _ = ersd_tree_steps(p, q, tree, scaled(100_000, scale), rng)
            return from_values(g)

        return Case(
            f"chain k={k} <= 1/(1-alpha(1)), {name}",
            lambda: chain_limit(*race_pair(name)),
            simulate,
        )

    return [
        chain("example A", 64),
        chain("softmax n=40", 64),
        chain(TEXT, 64),
    ]


CLAIMS = [
    Claim(
        id="ersd.tree_value",
        paper=PAPER,
        statement="Tokens per step of an ERSD tree = 1 + sum_v prod alpha(ranks) (optimal, "
        "chain, batch) vs simulated tree verification.",
        agreement=EQUAL,
        cases=_tree_value_cases,
        source=SOURCE + " (tree value)",
    ),
    Claim(
        id="ersd.bound",
        paper=PAPER,
        statement="E[tokens per step] <= (ln n + ln(k+1)) / H[R] for any k-node tree "
        "(simulated optimal trees, k = 1..4096).",
        agreement=UPPER,
        cases=_bound_cases,
        source=SOURCE + " (ERSD entropy bound)",
        formula=formulas.ERSD_BOUND,
    ),
    Claim(
        id="ersd.bound_tree_value",
        paper=PAPER,
        statement="Tight companion of ersd.bound: the tokens per step of the same optimal "
        "trees (k = 1..4096) = 1 + sum_v prod alpha(ranks), exactly, vs the same simulations.",
        agreement=EQUAL,
        cases=lambda: _bound_cases(tight=True),
        source=SOURCE + " (tree value, ERSD entropy bound)",
    ),
    Claim(
        id="ersd.limits",
        paper=PAPER,
        statement="Chains saturate at 1/(1 - alpha(1)) tokens per step (a batch's limit of 2 "
        "holds by construction, one level; its value is checked in ersd.tree_value).",
        agreement=UPPER,
        cases=_limit_cases,
        source=SOURCE + " (tree shapes)",
        formula=formulas.CHAIN_LIMIT,
    ),
]
