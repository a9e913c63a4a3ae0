"""Claims on exponential-race speculative decoding (Kobus & Gunduz, arXiv 2504.15475).

Exact sides: :mod:`specbound.bounds.exponential_races` (rank law, alpha(1) closed
form, the entropy bound, optimal trees via :mod:`specbound.trees`, GSD positional
vectors). Simulated sides: :mod:`specbound.simulations.exponential_races` (the
races, the ERSD verifier at a node and over a tree, generation with clocks keyed by
position, SpecInfer recursive rejection). Formulas as implemented here (theory note
``exponential_races.md``); the broad sweeps (every family, k = 1..4096) are exact-side
tests in ``tests/test_exponential_races.py``.
"""

from __future__ import annotations

from functools import cache, partial

import numpy as np

from specbound.bounds.exponential_races import (
    alpha_one,
    chain_limit,
    drafted_acceptance,
    ersd_batch_tree,
    ersd_chain_tree,
    ersd_optimal_tree,
    gsd_positional_acceptance,
    gsd_positional_acceptance_without_replacement,
    information_bracket,
    rank_distribution,
    tokens_per_step_bound,
)
from specbound.claims import DISTRIBUTION, EQUAL, UPPER, Case, Claim, sampled_law, scaled
from specbound.distributions import dirichlet, disjoint_pair, pair_at_tv, target_draft_pair
from specbound.simulations.agreement import chisquare_gof
from specbound.simulations.estimate import Estimate, from_proportion, from_values
from specbound.simulations.exponential_races import (
    ersd_generate,
    ersd_node,
    ersd_tree_steps,
    ersd_tree_steps_fast,
    gsd_verify,
    pfr_index,
    race_ranks,
)
from specbound.simulations.text_ngram import text_pairs

PAPER = "Kobus+25 (ERSD)"
TEXT = "real text 'the' n=200"
TEXT_SMALL = "real text 'the' n=16"
SOURCE = "arXiv 2504.15475; theory note exponential_races.md"


@cache
def _pair(name: str) -> tuple[np.ndarray, np.ndarray]:
    if name == "example A":
        return np.array([0.5, 0.3, 0.15, 0.05]), np.array([0.3, 0.4, 0.2, 0.1])
    if name == "softmax n=40":
        return target_draft_pair(40, rng=1)
    if name == "dirichlet n=20":
        return dirichlet(20, 0.5, 13), dirichlet(20, 0.5, 14)
    if name == "tv=0.5 n=32":
        return pair_at_tv(32, 0.5, rng=12)
    if name == "zeros n=16":  # p = 0 and q = 0 tokens, q(X) = 0 possible
        return (
            np.r_[dirichlet(12, 1.0, 15), np.zeros(4)],
            np.r_[np.zeros(3), dirichlet(13, 1.0, 16)],
        )
    if name == "disjoint n=20":
        return disjoint_pair(20, 4)
    if name == "kl counterexample n=2":  # H[R] < ln 2 < D(p||q) = 4.503
        return np.array([0.01, 0.99]), np.array([0.99, 0.01])
    if name == "dirichlet n=12":
        return dirichlet(12, 0.7, 21), dirichlet(12, 0.7, 22)
    if name == "softmax n=150":
        return target_draft_pair(150, rng=6)
    if name == "softmax n=1000":
        return target_draft_pair(1000, rng=5)
    if name == "n=1023 tv=0.3":
        return pair_at_tv(1023, 0.3, rng=2)
    if name == "softmax n=128000":
        return target_draft_pair(128_000, rng=3)
    if name in (TEXT, TEXT_SMALL):  # real-text word bigrams after the most frequent word
        (_, target, draft), *_ = text_pairs(200 if name == TEXT else 16, contexts=1)
        return target, draft
    raise KeyError(name)


@cache
def _alpha(name: str) -> np.ndarray:
    return rank_distribution(*_pair(name))


# ----------------------------------------------------------------------------- output law


def _output_law_cases() -> list[Case]:
    def node(name: str, m: int) -> Case:
        p, q = _pair(name)
        simulate = sampled_law(partial(ersd_node, p, q, m), p, 200_000)
        return Case(f"node m={m}, {name}", lambda: float("nan"), simulate)

    def text(name: str, k: int) -> Case:
        def simulate(rng, scale):
            p, q = _pair(name)
            tree = ersd_optimal_tree(p, q, k, rank_law=_alpha(name))
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
            p, q1 = _pair(name)
            if other == "random":
                q2 = dirichlet(p.size, 0.3, int(rng.integers(2**31)))
            else:
                q2 = q1[::-1].copy()
            t1 = ersd_optimal_tree(p, q1, k1, rank_law=_alpha(name))
            t2 = ersd_optimal_tree(p, q2, k2)
            seed = int(rng.integers(2**31))
            length = scaled(5_000, scale)
            a, _ = ersd_generate(p, q1, t1, length, seed=seed)
            b, _ = ersd_generate(p, q2, t2, length, seed=seed)
            return from_values((a != b).astype(float))

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
            p, q = _pair(name)
            _, ranks = race_ranks(p, q, scaled(trials, scale), rng)
            return chisquare_gof(ranks - 1, _alpha(name))

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
            p, q = _pair(name)
            _, ranks = race_ranks(p, q, scaled(trials, scale), rng)
            return from_proportion(int((ranks == 1).sum()), ranks.size)

        return Case(f"full races, {name}", lambda: alpha_one(*_pair(name)), simulate)

    def fast(name: str, trials: int) -> Case:
        def simulate(rng, scale):
            p, q = _pair(name)
            _, rank = ersd_node(p, q, 1, scaled(trials, scale), rng)
            return from_proportion(int((rank == 0).sum()), rank.size)

        return Case(f"fast node, {name}", lambda: alpha_one(*_pair(name)), simulate)

    return [
        full("example A", 400_000),
        full("softmax n=1000", 40_000),
        full(TEXT, 100_000),
        fast("softmax n=128000", 400_000),
    ]


def _node_acceptance_cases() -> list[Case]:
    def make(name: str, m: int) -> Case:
        def exact():
            p, q = _pair(name)
            return float(rank_distribution(p, q, max_rank=m)[:m].sum())

        def simulate(rng, scale):
            p, q = _pair(name)
            _, rank = ersd_node(p, q, m, scaled(400_000, scale), rng)
            return from_proportion(int((rank >= 0).sum()), rank.size)

        return Case(f"m={m}, {name}", exact, simulate)

    return [
        make("softmax n=40", 4),
        make("softmax n=150", 3),
        make("zeros n=16", 6),
        make(TEXT, 4),
    ]


# ----------------------------------------------------------------------------- trees


def _tree_value_cases() -> list[Case]:
    def make(name: str, shape: str, k: int, trials: int) -> Case:
        def tree():
            p, q = _pair(name)
            a = _alpha(name)
            if shape == "optimal":
                return ersd_optimal_tree(p, q, k, rank_law=a)
            acc = drafted_acceptance(a, q)
            return ersd_chain_tree(acc, k) if shape == "chain" else ersd_batch_tree(acc, k)

        def simulate(rng, scale):
            p, q = _pair(name)
            g, _ = ersd_tree_steps(p, q, tree(), scaled(trials, scale), rng)
            return from_values(g)

        return Case(f"{shape} k={k}, {name}", lambda: tree().tokens_per_step, simulate)

    def fast_chain(name: str, k: int, trials: int) -> Case:
        def exact():
            a1 = alpha_one(*_pair(name))
            return float(sum(a1**i for i in range(k + 1)))

        def simulate(rng, scale):
            p, q = _pair(name)
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


def _bound_cases() -> list[Case]:
    def make(name: str, k: int, trials: int) -> Case:
        def simulate(rng, scale):
            p, q = _pair(name)
            tree = ersd_optimal_tree(p, q, k, rank_law=_alpha(name))
            g, _ = ersd_tree_steps(p, q, tree, scaled(trials, scale), rng)
            return from_values(g)

        def exact():
            p, q = _pair(name)
            return tokens_per_step_bound(p, q, k, rank_law=_alpha(name))

        return Case(f"optimal tree k={k}, {name}", exact, simulate)

    return [
        make("tv=0.5 n=32", 1, 100_000),
        make("dirichlet n=20", 16, 100_000),
        make("softmax n=40", 256, 50_000),
        make("example A", 4096, 20_000),
        make(TEXT, 1024, 20_000),
    ]


def _limit_cases() -> list[Case]:
    def chain(name: str, k: int) -> Case:
        def simulate(rng, scale):
            p, q = _pair(name)
            tree = ersd_chain_tree(drafted_acceptance(_alpha(name), q), k)
            g, _ = ersd_tree_steps(p, q, tree, scaled(100_000, scale), rng)
            return from_values(g)

        return Case(
            f"chain k={k} <= 1/(1-alpha(1)), {name}", lambda: chain_limit(*_pair(name)), simulate
        )

    def batch(name: str) -> Case:
        def simulate(rng, scale):
            p, q = _pair(name)
            acc = drafted_acceptance(_alpha(name), q)
            g, _ = ersd_tree_steps(
                p, q, ersd_batch_tree(acc, acc.size), scaled(50_000, scale), rng
            )
            if g.std() == 0:  # every step emits exactly 2 tokens (all ranks drafted)
                return Estimate(float(g[0]), 0.0, g.size)
            return from_values(g)

        return Case(f"batch of all ranks <= 2, {name}", lambda: 2.0, simulate)

    return [
        chain("example A", 64),
        chain("softmax n=40", 64),
        chain(TEXT, 64),
        batch("softmax n=40"),
        batch("zeros n=16"),
        batch(TEXT),
    ]


# ----------------------------------------------------------------------------- C7


def _pfr_cases() -> list[Case]:
    def make(name: str) -> Case:
        def simulate(rng, scale):
            p, q = _pair(name)
            _, j = pfr_index(p, q, scaled(200_000, scale), rng)
            return from_values(np.log(j))

        return Case(name, lambda: information_bracket(*_pair(name))["pfr_bound"], simulate)

    return [
        make("example A"),
        make("kl counterexample n=2"),
        make("dirichlet n=12"),
        make(TEXT_SMALL),
    ]


# ----------------------------------------------------------------------------- GSD


def _gsd_cases() -> list[Case]:
    def make(name: str, k: int, replacement: bool) -> Case:
        def simulate(rng, scale):
            p, q = _pair(name)
            if replacement:
                vec = gsd_positional_acceptance(p, q, k)
            else:
                vec = gsd_positional_acceptance_without_replacement(p, q, k)
            law = np.r_[vec, max(0.0, 1.0 - vec.sum())]
            _, pos = gsd_verify(p, q, k, scaled(200_000, scale), rng, replacement=replacement)
            return chisquare_gof(np.where(pos >= 0, pos, k), law / law.sum())

        kind = "i.i.d." if replacement else "without replacement"
        return Case(f"{kind} k={k}, {name}", lambda: float("nan"), simulate)

    return [
        make("example A", 4, True),
        make("softmax n=40", 4, True),
        make("example A", 4, False),
        make(TEXT, 4, True),
        make(TEXT, 3, False),
        make("zeros n=16", 3, False),
    ]


CLAIMS = [
    Claim(
        id="ersd.output_law",
        paper=PAPER,
        statement="ERSD output is exactly target-distributed whatever the drafts (node and tree).",
        agreement=DISTRIBUTION,
        cases=_output_law_cases,
        source=SOURCE + " (C4 i)",
    ),
    Claim(
        id="ersd.drafter_invariance",
        paper=PAPER,
        statement="With clocks keyed by absolute position, two different drafts give the "
        "same text (mismatch fraction 0).",
        agreement=EQUAL,
        cases=_invariance_cases,
        source=SOURCE + " (C4 iii); arXiv 2408.07978",
    ),
    Claim(
        id="ersd.rank_law",
        paper=PAPER,
        statement="Rank of the target's race winner in the draft order: exact law (1-D "
        "Poisson-binomial integral) vs sampled races.",
        agreement=DISTRIBUTION,
        cases=_rank_law_cases,
        source=SOURCE + " (C3)",
    ),
    Claim(
        id="ersd.alpha_one",
        paper=PAPER,
        statement="alpha(1) = sum_x [sum_y max(p_y/p_x, q_y/q_x)]^-1 (O(n log n) closed "
        "form) vs full races and the fast node sampler.",
        agreement=EQUAL,
        cases=_alpha_one_cases,
        source=SOURCE + " (C2)",
    ),
    Claim(
        id="ersd.node_acceptance",
        paper=PAPER,
        statement="At a node with m drafted children, P(accept) = sum_{r<=m} alpha(r).",
        agreement=EQUAL,
        cases=_node_acceptance_cases,
        source=SOURCE + " (C4 ii)",
    ),
    Claim(
        id="ersd.tree_value",
        paper=PAPER,
        statement="Tokens per step of an ERSD tree = 1 + sum_v prod alpha(ranks) (optimal, "
        "chain, batch) vs simulated tree verification.",
        agreement=EQUAL,
        cases=_tree_value_cases,
        source=SOURCE + " (C5)",
    ),
    Claim(
        id="ersd.bound",
        paper=PAPER,
        statement="E[tokens per step] <= (ln n + ln(k+1)) / H[R] for any k-node tree "
        "(simulated optimal trees, k = 1..4096).",
        agreement=UPPER,
        cases=_bound_cases,
        source=SOURCE + " (C6)",
    ),
    Claim(
        id="ersd.limits",
        paper=PAPER,
        statement="Chains saturate at 1/(1 - alpha(1)); a batch (one level) never exceeds 2 "
        "tokens per step.",
        agreement=UPPER,
        cases=_limit_cases,
        source=SOURCE + " (C5 shapes)",
    ),
    Claim(
        id="ersd.pfr_index",
        paper=PAPER,
        statement="The rank R is a deduplicated Poisson-functional-representation index J, and "
        "E[ln J] <= D(p||q) + 1/e + ln 2 (so E[ln R] is too).",
        agreement=UPPER,
        cases=_pfr_cases,
        source=SOURCE + " (C7); arXiv 1701.02827 Lemma 1",
    ),
    Claim(
        id="ersd.gsd_positional",
        paper=PAPER,
        statement="GSD baseline (SpecInfer recursive rejection): law of the accepted draft "
        "position, exact recursion vs simulation, i.i.d. and without replacement.",
        agreement=DISTRIBUTION,
        cases=_gsd_cases,
        source=SOURCE + " (section 5); arXiv 2305.09781, 2402.14160",
    ),
]
