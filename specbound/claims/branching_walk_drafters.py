"""Claims on what a drafter's tree achieves (Pankratov & Alistarh, arXiv 2512.11718).

The runtime lower bound C7 (no tree of size P beats T_ver(P) / (1 + E[X_opt(P)])
time per token) against optimal, chain, batch and binary trees, and the imperfect
drafter C8 (a tree ranked by the drafter's own law q accepts at most E[X_opt(P)]
under the target p), as implemented here from ``theory/branching_walk.md``.
Simulated side: the verifier walking each tree.
"""

from __future__ import annotations

import numpy as np

from specbound.bounds.branching_walk import runtime_lower_bound
from specbound.claims import LOWER, UPPER, Case, Claim, scaled
from specbound.claims.branching_walk_instances import (
    DETERMINISTIC,
    PAPER,
    SOURCE,
    WALKS,
    exact_tree,
    walk,
)
from specbound.claims.trees import imperfect_tree
from specbound.distributions import softmax, zipf
from specbound.simulations.estimate import Estimate, from_values
from specbound.simulations.random_trees import verifier_accepted
from specbound.simulations.text_ngram import TEXT_VOCAB, text_pair
from specbound.trees import batch_tree, chain_tree, kary_tree, optimal_tree


def verifier_cost(size: int) -> float:
    """The cost model of the runtime claim: T_ver(P) = 1 + P / 64 (time of one call)."""
    return 1.0 + size / 64.0


def _runtime_cases() -> list[Case]:
    label = "(0.5, 0.3, 0.2)"
    p_law = DETERMINISTIC[label]
    trees = {
        "optimal": lambda p: exact_tree(label, p),
        "chain": lambda p: chain_tree(p_law, p),
        "batch": lambda p: batch_tree(p_law, min(p, p_law.size)),
        "binary depth 5": lambda p: kary_tree(p_law, 2, 5),
    }
    out = []
    p = 64
    for name, make in trees.items():
        exact = runtime_lower_bound(verifier_cost, p, exact_tree(label, p).expected_accepted)

        def simulate(rng, scale, make=make):
            x = verifier_accepted(make(p), scaled(WALKS, scale), rng)
            est = from_values(x + 1.0)  # tokens per verifier call
            t = verifier_cost(p)
            # delta method: time per token = T / mean(tokens per call)
            return Estimate(t / est.mean, t * est.se / est.mean**2, est.n)

        out.append(Case(f"{label} {name} P={p}", lambda e=exact: e, simulate))
    return out


def _imperfect_cases() -> list[Case]:
    """Target p at every node; the drafter builds the optimal tree of its own law q.

    The real-text pair is the bigram target and draft laws after the most frequent word.
    """
    g = np.random.default_rng(2512)
    z = g.normal(0.0, 2.0, 12)
    pairs = {
        "(0.5, 0.3, 0.2) vs reversed q": (np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.3, 0.5])),
        "zipf(1.5) vs flatter zipf(0.7)": (zipf(10, 1.5), zipf(10, 0.7)),
        "softmax vs noisy softmax": (softmax(z), softmax(z + g.normal(0.0, 1.0, 12))),
    }
    word, p_text, q_text = text_pair(TEXT_VOCAB)
    pairs[f"real text after {word!r}: target vs draft bigram"] = (p_text, q_text)
    out = []
    for label, (p, q) in pairs.items():
        for size in (10, 1000):
            out.append(
                Case(
                    f"{label} P={size}",
                    lambda p=p, size=size: optimal_tree(np.sort(p)[::-1], size).expected_accepted,
                    walk(lambda p=p, q=q, size=size: imperfect_tree(p, q, size)),
                )
            )
    return out


CLAIMS = [
    Claim(
        id="bw.runtime",
        paper=PAPER,
        statement="No tree of size P beats T_ver(P) / (1 + E[X_opt(P)]) time per token "
        "(T_ver(P) = 1 + P/64, P = 64; optimal, chain, batch, binary trees simulated).",
        agreement=LOWER,
        cases=_runtime_cases,
        source=SOURCE + " C7",
    ),
    Claim(
        id="bw.imperfect_drafter",
        paper=PAPER,
        statement="A drafter ranking nodes by its own law q (tree T_q) accepts "
        "E[X] = sum_{v in T_q} pi_p(v) <= E[X_opt(P)] under the target p.",
        agreement=UPPER,
        cases=_imperfect_cases,
        source=SOURCE + " C8",
    ),
]
