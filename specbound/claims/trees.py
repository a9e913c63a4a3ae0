"""Claims on draft trees: the acceptance identity, the law of accepted tokens, optimality.

Shared by Kobus & Gunduz (arXiv 2504.15475, C5: Tunstall-optimal trees under a rank
law) and Pankratov & Alistarh (arXiv 2512.11718, C1/C2: acceptance identity and the
top-P tree of a deterministic environment). The exact side is computed by
:mod:`specbound.trees`; the simulated side walks the tree with the verifier of
:mod:`specbound.simulations.tree_verification` (target token drawn at every node,
move down while it is a drafted child). "As implemented here": the statements are
the notes' reconstructions under stateless acceptance (the same law at every node).

Real text (:mod:`specbound.simulations.text_ngram`): the word-bigram target and draft
laws after the most frequent word at vocabulary 200 give two acceptance vectors, the
ERSD rank law of the pair and the sorted target law (token-level verifier).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache

import numpy as np

from specbound.bounds.exponential_races import rank_distribution
from specbound.claims import DISTRIBUTION, EQUAL, UPPER, Case, Claim, scaled
from specbound.simulations.agreement import chisquare_gof
from specbound.simulations.text_ngram import text_pair
from specbound.simulations.tree_verification import estimate_accepted, tree_walk
from specbound.trees import (
    DraftTree,
    accepted_distribution,
    batch_tree,
    chain_tree,
    enumerate_trees,
    kary_tree,
    optimal_tree,
    tree_from_paths,
    tree_value,
)

PAPER = "Kobus+25 / Pankratov+25"
TRIALS = 100_000

#: Example A of exponential_races.md section 4: the ERSD rank law, and the GSD positional vector.
ERSD_A = np.array([0.789024, 0.155250, 0.047601, 0.008125])
GSD_A = np.array([0.8, 0.06, 0.042, 0.0294])


@cache
def text_rank_law() -> np.ndarray:
    """ERSD rank law of the real-text pair (non-increasing, a positional vector)."""
    _, target, draft = text_pair()
    return rank_distribution(target, draft)


def text_sorted_target() -> np.ndarray:
    """The real-text target law sorted in decreasing order (best child first)."""
    return np.sort(text_pair()[1])[::-1]


def zipf_law(n: int, exponent: float) -> np.ndarray:
    """r^-exponent over ranks 1..n, normalised (decreasing)."""
    w = np.arange(1, n + 1, dtype=np.float64) ** -exponent
    return w / w.sum()


def shuffled(p: np.ndarray, seed: int) -> np.ndarray:
    """The law ``p`` with its tokens relabelled at random (the verifier sees token ids)."""
    return p[np.random.default_rng(seed).permutation(p.size)]


def random_tree(acceptance: np.ndarray, size: int, seed: int) -> DraftTree:
    """A random prefix-closed tree: each new node is a random free slot of a random node."""
    g = np.random.default_rng(seed)
    m = acceptance.size
    paths: list[tuple[int, ...]] = []
    have: set[tuple[int, ...]] = set()
    while len(paths) < size:
        base = () if not paths or g.random() < 0.2 else paths[g.integers(len(paths))]
        child = (*base, int(g.integers(m)))
        if child not in have:
            have.add(child)
            paths.append(child)
    return tree_from_paths(acceptance, paths)


def imperfect_tree(target: np.ndarray, draft: np.ndarray, size: int) -> DraftTree:
    """The optimal tree for ``draft`` evaluated under ``target`` (C8, imperfect knowledge).

    Ranks are the draft's order; under the target, draft-rank r is accepted with
    probability ``target[draft_order[r]]``.
    """
    order = np.argsort(-draft, kind="stable")
    tq = optimal_tree(draft[order], size)
    return tree_value(target[order], tq.parent, tq.child_index)


# ----------------------------------------------------------------------------- identity


def _identity_instances() -> list[tuple[str, Callable[[], DraftTree], np.ndarray | None]]:
    """(label, tree builder, target token law or None for the positional model)."""
    zipf = zipf_law(1000, 1.8)
    return [
        ("chain k=8, (0.8,0.1,0.05)", lambda: chain_tree([0.8, 0.1, 0.05], 8), None),
        ("batch k=3, (0.8,0.1,0.05)", lambda: batch_tree([0.8, 0.1, 0.05], 3), None),
        ("3-ary depth 3, ERSD rank law A", lambda: kary_tree(ERSD_A, 3, 3), None),
        ("random tree k=60, GSD vector A", lambda: random_tree(GSD_A, 60, 1), None),
        ("optimal k=64, ERSD rank law A", lambda: optimal_tree(ERSD_A, 64), None),
        (
            "optimal k=64 depth<=3, GSD vector A",
            lambda: optimal_tree(GSD_A, 64, max_depth=3),
            None,
        ),
        (
            "optimal k=1e4, tokens (0.1, 0.9)",
            lambda: optimal_tree([0.9, 0.1], 10_000),
            np.array([0.1, 0.9]),
        ),
        (
            "optimal k=1e4, tokens (0.3, 0.2, 0.5)",
            lambda: optimal_tree([0.5, 0.3, 0.2], 10_000),
            np.array([0.3, 0.2, 0.5]),
        ),
        (
            "optimal k=4096, shuffled zipf(1.8) n=1000",
            lambda: optimal_tree(zipf, 4096),
            shuffled(zipf, 2),
        ),
        (
            "optimal k=256, real-text ERSD rank law",
            lambda: optimal_tree(text_rank_law(), 256),
            None,
        ),
        (
            "optimal k=1024, real-text target law (token ids)",
            lambda: optimal_tree(text_sorted_target(), 1024),
            text_pair()[1],
        ),
    ]


def _identity_cases() -> list[Case]:
    def make(label, build, target):
        def exact() -> float:
            return build().expected_accepted

        def simulate(rng, scale):
            return estimate_accepted(build(), scaled(TRIALS, scale), rng, target=target)

        return Case(label, exact, simulate)

    return [make(*inst) for inst in _identity_instances()]


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
    for label, build, target in _identity_instances():
        if not any(label.startswith(p) or p in label for p in picks):
            continue

        def simulate(rng, scale, build=build, target=target):
            tree = build()
            counts = tree_walk(tree, scaled(TRIALS, scale), rng, target=target)
            return chisquare_gof(counts, accepted_distribution(tree))

        out.append(Case(label, lambda build=build: build().expected_accepted, simulate))
    return out


# ----------------------------------------------------------------------------- optimality


def _brute_force_cases() -> list[Case]:
    """Exact: the maximum over every prefix-closed tree; simulated: walk the greedy/DP tree.

    Only the first k ranks are enumerated: for a non-increasing vector a tree of k nodes
    never gains from a rank >= k (each node has a free lower rank to move it to), so the
    maximum over trees of the truncated vector is the maximum over all trees. The
    simulated tree is built from the full vector.
    """
    text = text_sorted_target()
    instances = [
        ("k=6, 3 ranks (0.5,0.3,0.2)", np.array([0.5, 0.3, 0.2]), 6, None),
        ("k=5, ERSD rank law A", ERSD_A, 5, None),
        ("k=7, depth<=2, GSD vector A", GSD_A, 7, 2),
        ("k=6, depth<=2, (0.45,0.45,0.05)", np.array([0.45, 0.45, 0.05]), 6, 2),
        ("k=5, real-text target law n=200", text, 5, None),
        ("k=5, depth<=2, real-text ERSD rank law", text_rank_law(), 5, 2),
    ]

    def make(label, acc, k, depth):
        def exact() -> float:
            a = acc[:k].tolist()
            return max(
                sum(math.prod(a[r] for r in path) for path in paths)
                for paths in enumerate_trees(len(a), k, depth)
            )

        def simulate(rng, scale):
            tree = optimal_tree(acc, k, max_depth=depth)
            return estimate_accepted(tree, scaled(TRIALS, scale), rng)

        return Case(label, exact, simulate)

    return [make(*inst) for inst in instances]


def _upper_bound_cases() -> list[Case]:
    """Exact: the optimum of a size (and depth); simulated: another tree of that size."""
    zipf = zipf_law(1000, 1.8)
    g = np.random.default_rng(5)
    target = zipf_law(50, 1.2)
    draft = target * np.exp(0.5 * g.standard_normal(50))
    draft /= draft.sum()
    instances = [
        ("chain k=30 vs optimal, (0.9,0.1)", lambda: chain_tree([0.9, 0.1], 30), [0.9, 0.1], None),
        ("batch k=64 vs optimal, zipf(1.8)", lambda: batch_tree(zipf, 64), zipf, None),
        ("binary depth 5 vs optimal depth<=5, ERSD A", lambda: kary_tree(ERSD_A, 2, 5), ERSD_A, 5),
        ("random tree k=60 vs optimal, GSD A", lambda: random_tree(GSD_A, 60, 1), GSD_A, None),
        (
            "tree of a perturbed draft k=256 vs optimal, zipf(1.2) n=50",
            lambda: imperfect_tree(target, draft, 256),
            np.sort(target)[::-1],
            None,
        ),
        (
            "tree of the real-text draft k=256 vs optimal, real-text target n=200",
            lambda: imperfect_tree(text_pair()[1], text_pair()[2], 256),
            text_sorted_target(),
            None,
        ),
        (
            "chain k=30 vs optimal, real-text ERSD rank law",
            lambda: chain_tree(text_rank_law(), 30),
            text_rank_law(),
            None,
        ),
    ]

    def make(label, build, acc, depth):
        def exact() -> float:
            return optimal_tree(acc, build().size, max_depth=depth).expected_accepted

        def simulate(rng, scale):
            return estimate_accepted(build(), scaled(TRIALS, scale), rng)

        return Case(label, exact, simulate)

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
        source="branching_walk.md C1; exponential_races.md C5",
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
        source="branching_walk.md C1",
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
        source="exponential_races.md C5; branching_walk.md C2; Sequoia arXiv 2402.12374",
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
        source="branching_walk.md C2, C8",
    ),
]
