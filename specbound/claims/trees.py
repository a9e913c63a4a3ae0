"""Claims on draft trees: the acceptance identity, the law of accepted tokens, optimality.

Shared by Kobus & Gunduz (arXiv 2504.15475: Tunstall-optimal trees under a rank
law) and Pankratov & Alistarh (arXiv 2512.11718: acceptance identity and the
top-P tree of a deterministic environment). Instances and verifiers:
:mod:`specbound.claims.tree_instances`. The exact side is computed by
:mod:`specbound.trees` from an acceptance vector; the simulated side walks the tree
running the real verification at every node (:mod:`specbound.simulations.token_walks`),
never reading the vector: a target token drawn from the token law (sorted-law
vectors), an exponential race of example A's or the real-text pair's laws (ERSD rank
laws), SpecInfer recursive rejection with 4 i.i.d. drafts of example A (the GSD
positional vector). "As implemented here": the statements are the notes'
reconstructions under stateless acceptance (the same law at every node).

Real text (:mod:`specbound.simulations.text_ngram`): the word-bigram target and draft
laws after the most frequent word at vocabulary 200 give two acceptance vectors, the
ERSD rank law of the pair and the sorted target law (token-level verifier).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

import numpy as np

from specbound.claims import DISTRIBUTION, EQUAL, UPPER, Case, Claim, scaled
from specbound.claims.tree_instances import (
    ERSD_A,
    EXAMPLE_A,
    GSD_A,
    GSD_EXAMPLE_A,
    SHORT,
    TRIALS,
    Verifier,
    imperfect_tree,
    random_tree,
    shuffled,
    text_race,
    text_rank_law,
    text_sorted_target,
    tokens_of,
    walk,
    walk_estimate,
    zipf_law,
)
from specbound.simulations.agreement import chisquare_gof
from specbound.simulations.text_ngram import text_pair
from specbound.trees import (
    DraftTree,
    accepted_distribution,
    batch_tree,
    chain_tree,
    enumerate_trees,
    kary_tree,
    optimal_tree,
)

PAPER = "Kobus+25 / Pankratov+25"


# ----------------------------------------------------------------------------- identity


def _identity_instances() -> list[tuple[str, Callable[[], DraftTree], Verifier]]:
    """(label, tree builder, verifier run by the simulated side)."""
    zipf = zipf_law(1000, 1.8)
    text_target = text_pair()[1]
    return [
        ("chain k=8, (0.8,0.1,0.05)", lambda: chain_tree([0.8, 0.1, 0.05], 8), tokens_of(SHORT)),
        ("batch k=3, (0.8,0.1,0.05)", lambda: batch_tree([0.8, 0.1, 0.05], 3), tokens_of(SHORT)),
        ("3-ary depth 3, ERSD 4-rank law", lambda: kary_tree(ERSD_A, 3, 3), EXAMPLE_A),
        ("random tree k=60, GSD vector A", lambda: random_tree(GSD_A, 60, 1), GSD_EXAMPLE_A),
        ("optimal k=64, ERSD 4-rank law", lambda: optimal_tree(ERSD_A, 64), EXAMPLE_A),
        (
            "optimal k=64 depth<=3, GSD vector A",
            lambda: optimal_tree(GSD_A, 64, max_depth=3),
            GSD_EXAMPLE_A,
        ),
        (
            "optimal k=1e4, tokens (0.1, 0.9)",
            lambda: optimal_tree([0.9, 0.1], 10_000),
            tokens_of(np.array([0.1, 0.9])),
        ),
        (
            "optimal k=1e4, tokens (0.3, 0.2, 0.5)",
            lambda: optimal_tree([0.5, 0.3, 0.2], 10_000),
            tokens_of(np.array([0.3, 0.2, 0.5])),
        ),
        (
            "optimal k=4096, shuffled zipf(1.8) n=1000",
            lambda: optimal_tree(zipf, 4096),
            tokens_of(shuffled(zipf, 2)),
        ),
        (
            "optimal k=256, real-text ERSD rank law",
            lambda: optimal_tree(text_rank_law(), 256),
            text_race(),
        ),
        (
            "optimal k=1024, real-text target law (token ids)",
            lambda: optimal_tree(text_sorted_target(), 1024),
            tokens_of(text_target),
        ),
    ]


def _identity_cases() -> list[Case]:
    return [
        Case(label, lambda build=build: build().expected_accepted, walk_estimate(build, verifier))
        for label, build, verifier in _identity_instances()
    ]


# ----------------------------------------------------------------------------- law of X


def _law_cases() -> list[Case]:
    picks = [
        "3-ary",
        "random tree",
        "optimal k=64, ERSD",
        "depth<=3",
        "tokens (0.1, 0.9)",
        "real-text",
    ]
    out = []
    for label, build, verifier in _identity_instances():
        if not any(label.startswith(p) or p in label for p in picks):
            continue

        def simulate(rng, scale, build=build, verifier=verifier):
            x = walk(build, verifier, scaled(TRIALS, scale), rng)
            return chisquare_gof(x, accepted_distribution(build()))

        out.append(Case(label, lambda build=build: build().expected_accepted, simulate))
    return out


# ----------------------------------------------------------------------------- optimality


def _brute_force_cases() -> list[Case]:
    """Exact: the maximum over every prefix-closed tree; simulated: walk the greedy/DP tree.

    Only the first k ranks are enumerated: for a non-increasing vector a tree of k nodes
    never gains from a rank >= k (each node has a free lower rank to move it to), so the
    maximum over trees of the truncated vector is the maximum over all trees. The
    simulated tree is built from the full vector and walked by the real verifier.
    """
    text = text_sorted_target()
    instances = [
        ("k=6, 3 ranks (0.5,0.3,0.2)", np.array([0.5, 0.3, 0.2]), 6, None, None),
        ("k=5, ERSD 4-rank law", ERSD_A, 5, None, EXAMPLE_A),
        ("k=7, depth<=2, GSD vector A", GSD_A, 7, 2, GSD_EXAMPLE_A),
        (
            "k=6, depth<=2, (0.45,0.45,0.05)",
            np.array([0.45, 0.45, 0.05]),
            6,
            2,
            tokens_of(np.array([0.45, 0.45, 0.05, 0.05])),
        ),
        ("k=5, real-text target law n=200", text, 5, None, tokens_of(text_pair()[1])),
        ("k=5, depth<=2, real-text ERSD rank law", text_rank_law(), 5, 2, text_race()),
    ]

    def make(label, acc, k, depth, verifier):
        def exact() -> float:
            a = acc[:k].tolist()
            return max(
                sum(math.prod(a[r] for r in path) for path in paths)
                for paths in enumerate_trees(len(a), k, depth)
            )

        build = partial(optimal_tree, acc, k, max_depth=depth)
        return Case(label, exact, walk_estimate(build, verifier or tokens_of(acc)))

    return [make(*inst) for inst in instances]


def _upper_bound_cases(tight: bool = False) -> list[Case]:
    """Exact: the optimum of a size (and depth); simulated: another tree of that size.

    ``tight``: the tree's own exact value instead (the bounded quantity); both claims
    name the stream ``trees.optimal_upper_bound/<case>``, so they share the draws.
    """
    zipf = zipf_law(1000, 1.8)
    g = np.random.default_rng(5)
    target = zipf_law(50, 1.2)
    draft = target * np.exp(0.5 * g.standard_normal(50))
    draft /= draft.sum()
    _, text_target, text_draft = text_pair()
    two = np.array([0.9, 0.1])
    instances = [
        (
            "chain k=30 vs optimal, (0.9,0.1)",
            lambda: chain_tree(two, 30),
            two,
            None,
            tokens_of(two),
        ),
        (
            "batch k=64 vs optimal, zipf(1.8)",
            lambda: batch_tree(zipf, 64),
            zipf,
            None,
            tokens_of(zipf),
        ),
        (
            "binary depth 5 vs optimal depth<=5, ERSD A",
            lambda: kary_tree(ERSD_A, 2, 5),
            ERSD_A,
            5,
            EXAMPLE_A,
        ),
        (
            "random tree k=60 vs optimal, GSD A",
            lambda: random_tree(GSD_A, 60, 1),
            GSD_A,
            None,
            GSD_EXAMPLE_A,
        ),
        (
            "tree of a perturbed draft k=256 vs optimal, zipf(1.2) n=50",
            lambda: imperfect_tree(target, draft, 256),
            np.sort(target)[::-1],
            None,
            tokens_of(target, draft),
        ),
        (
            "tree of the real-text draft k=256 vs optimal, real-text target n=200",
            lambda: imperfect_tree(text_target, text_draft, 256),
            text_sorted_target(),
            None,
            tokens_of(text_target, text_draft),
        ),
        (
            "chain k=30 vs optimal, real-text ERSD rank law",
            lambda: chain_tree(text_rank_law(), 30),
            text_rank_law(),
            None,
            text_race(),
        ),
    ]

    def make(label, build, acc, depth, verifier):
        def exact() -> float:
            if tight:
                return build().expected_accepted
            return optimal_tree(acc, build().size, max_depth=depth).expected_accepted

        stream = f"trees.optimal_upper_bound/{label}"
        return Case(label, exact, walk_estimate(build, verifier), stream=stream)

    return [make(*inst) for inst in instances]


CLAIMS = [
    Claim(
        id="trees.acceptance_identity",
        paper=PAPER,
        statement=(
            "E[accepted] of the verifier walking any fixed draft tree equals the sum of the "
            "nodes' path probabilities (fixed shapes, random trees, optimal and depth-limited "
            "optimal trees; rank-law and token-level verifiers)"
        ),
        agreement=EQUAL,
        cases=_identity_cases,
        source="branching_walk.md (acceptance identity); exponential_races.md (tree value)",
    ),
    Claim(
        id="trees.accepted_law",
        paper=PAPER,
        statement=(
            "The number of accepted tokens has law P(X >= j) = sum of path probabilities at "
            "depth j (chi-square of the verifier walk against it)"
        ),
        agreement=DISTRIBUTION,
        cases=_law_cases,
        source="branching_walk.md (acceptance identity)",
    ),
    Claim(
        id="trees.optimal_is_brute_force_max",
        paper=PAPER,
        statement=(
            "The Tunstall/top-k greedy (and the depth-limited DP) attains the maximum of "
            "E[accepted] over every prefix-closed tree of its size (exact: enumeration of all "
            "trees; simulated: the verifier walking the constructed tree)"
        ),
        agreement=EQUAL,
        cases=_brute_force_cases,
        source="exponential_races.md, branching_walk.md (optimal tree); Sequoia arXiv 2402.12374",
    ),
    Claim(
        id="trees.optimal_upper_bound",
        paper=PAPER,
        statement=(
            "No draft tree of k nodes (chain, batch, k-ary, random, ranked by a perturbed "
            "draft) accepts more in expectation than the optimal tree of k nodes (of the same "
            "depth limit)"
        ),
        agreement=UPPER,
        cases=_upper_bound_cases,
        source="branching_walk.md (optimal tree, imperfect-drafter bound)",
    ),
    Claim(
        id="trees.suboptimal_value",
        paper=PAPER,
        statement=(
            "Tight companion of trees.optimal_upper_bound: each compared tree's E[accepted] = "
            "the sum of its own path probabilities, vs the same verifier walks"
        ),
        agreement=EQUAL,
        cases=lambda: _upper_bound_cases(tight=True),
        source="branching_walk.md (acceptance identity, imperfect-drafter bound)",
    ),
]
