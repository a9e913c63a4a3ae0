"""Claims on exact optimal trees for positional acceptance vectors in any order.

A node drafts a prefix of its candidates and verifies them in order; candidate ``i`` is
the accepted one with probability ``a[i]`` (a GSD / Sequoia positional vector,
arXiv 2402.12374), which need not be sorted. The exact side is the value of the
prefix-drafting DP of :mod:`specbound.trees.positional` (not the path products of the
tree). The simulated side walks the tree that DP returns with a verifier that checks
each node's drafted candidates one after another
(:mod:`specbound.simulations.positional_walk`): either an accept/reject coin per
candidate from the positional vector, or SpecInfer recursive rejection of drafts
sampled without replacement from ``draft`` against ``target`` (the real algorithm; its
positional vector is the exact enumeration of
:func:`~specbound.bounds.exponential_races.gsd_positional_acceptance_without_replacement`,
or of :func:`specbound.pairs.positional_acceptance_rows` for the real-text word-bigram
pair of the Python documentation, whose first three positions happen to be sorted).
"""

from __future__ import annotations

from functools import cache

import numpy as np

from specbound.bounds.exponential_races import gsd_positional_acceptance_without_replacement
from specbound.claims import EQUAL, Case, Claim, scaled
from specbound.claims.trees import text_pair
from specbound.pairs.positional import positional_acceptance_rows
from specbound.simulations.positional_walk import estimate_positional
from specbound.trees import positional_optimal_tree, positional_optimal_values

PAPER = "Sequoia (Chen+24) / Kobus+25"
TRIALS = 100_000

#: An illustrative measured-looking positional vector: candidate 9 beats candidate 8.
DIP = np.array([0.62, 0.11, 0.05, 0.03, 0.02, 0.012, 0.008, 0.006, 0.009, 0.004])

#: (target, draft) pairs whose positional vector without replacement is not sorted: the
#: draft puts mass on a token the target never emits, so candidate 1 is often wasted.
GSD_PAIRS = {
    "p=(.5,.5,0) q=(.05,.05,.9)": (np.array([0.5, 0.5, 0.0]), np.array([0.05, 0.05, 0.9])),
    "p=(.6,.4,0) q=(.2,.2,.6)": (np.array([0.6, 0.4, 0.0]), np.array([0.2, 0.2, 0.6])),
    "p=(.45,.35,.2,0) q=(.1,.1,.1,.7)": (
        np.array([0.45, 0.35, 0.2, 0.0]),
        np.array([0.1, 0.1, 0.1, 0.7]),
    ),
}


#: Label of the real-text pair: the word-bigram laws after the most frequent word, n = 200.
TEXT = "real-text bigram laws n=200, 3 candidates"


def pair_laws(label: str) -> tuple[np.ndarray, np.ndarray]:
    """(target, draft) of a labelled pair (synthetic, or the real-text pair)."""
    if label == TEXT:
        _, target, draft = text_pair()
        return target, draft
    return GSD_PAIRS[label]


@cache
def gsd_vector(label: str) -> np.ndarray:
    """Exact positional vector of recursive rejection without replacement for a pair.

    Synthetic pairs: every position (enumeration of rejection histories); the real-text
    pair: its first 3 positions (the batched exact kernel of :mod:`specbound.pairs`).
    """
    target, draft = pair_laws(label)
    if label == TEXT:
        return positional_acceptance_rows(target[None], draft[None], 3)[0]
    return gsd_positional_acceptance_without_replacement(target, draft, target.size)


def random_dip_vector(seed: int, m: int) -> np.ndarray:
    """A decreasing Dirichlet vector of ``m`` entries with two neighbours swapped."""
    g = np.random.default_rng(seed)
    a = np.sort(g.dirichlet(np.ones(m + 1))[:m])[::-1]
    i = m // 2
    a[[i, i + 1]] = a[[i + 1, i]]
    return a


def _cases() -> list[Case]:
    def coins(label, acc, size, depth):
        def exact() -> float:
            return float(positional_optimal_values(acc, size, depth)[size])

        def simulate(rng, scale):
            tree = positional_optimal_tree(acc, size, depth)
            return estimate_positional(tree, scaled(TRIALS, scale), rng)

        return Case(label, exact, simulate)

    def real(label, size, depth, trials=TRIALS):
        target, draft = pair_laws(label)

        def exact() -> float:
            return float(positional_optimal_values(gsd_vector(label), size, depth)[size])

        def simulate(rng, scale):
            tree = positional_optimal_tree(gsd_vector(label), size, depth)
            return estimate_positional(
                tree, scaled(trials, scale), rng, target=target, draft=draft
            )

        depth_text = "" if depth is None else f", depth<={depth}"
        return Case(f"recursive rejection k={size}{depth_text}, {label}", exact, simulate)

    return [
        coins("coins k=64, vector with 9th > 8th", DIP, 64, None),
        coins("coins k=256 depth<=5, vector with 9th > 8th", DIP, 256, 5),
        coins("coins k=128, dirichlet m=8 with a swap", random_dip_vector(4, 8), 128, None),
        real("p=(.5,.5,0) q=(.05,.05,.9)", 32, None),
        real("p=(.6,.4,0) q=(.2,.2,.6)", 64, 4),
        real("p=(.45,.35,.2,0) q=(.1,.1,.1,.7)", 48, None),
        # a sorted measured vector (the DP is exact for any order); n = 200 laws per node
        # make each walk ~100x dearer than on 3 tokens, hence fewer walks
        real(TEXT, 64, None, TRIALS // 4),
    ]


CLAIMS = [
    Claim(
        id="trees.positional_optimal",
        paper=PAPER,
        statement=(
            "For a positional acceptance vector in any order, the exact prefix-drafting DP "
            "value equals the expected accepted tokens of the verifier checking each node's "
            "drafted candidates in order on the tree it returns (per-candidate coins, and "
            "SpecInfer recursive rejection without replacement on target/draft laws)"
        ),
        agreement=EQUAL,
        cases=_cases,
        source="engines.md section 3; Sequoia arXiv 2402.12374; issue 19 item 4",
    ),
]
