"""Claims on what a drafter's tree achieves (Pankratov & Alistarh, arXiv 2512.11718).

The runtime lower bound (no tree of size P beats T_ver(P) / (1 + E[X_opt(P)])
time per token) against optimal, chain, batch and binary trees, and the imperfect-drafter
bound (a tree ranked by the drafter's own law q accepts at most E[X_opt(P)]
under the target p), as implemented here from ``theory/branching_walk.md``.
Simulated side: the verifier walking each tree.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from specbound.bounds.branching_walk import runtime_lower_bound
from specbound.claims import EQUAL, LOWER, UPPER, Case, Claim, scaled
from specbound.claims.branching_walk_instances import (
    PAPER,
    SOURCE,
    WALKS,
    walk,
)
from specbound.claims.tree_instances import imperfect_tree, random_tree, tokens_of
from specbound.claims.tree_instances import walk as walk_tree_tokens
from specbound.distributions import softmax, zipf
from specbound.simulations.estimate import Estimate, from_values
from specbound.simulations.text_ngram import TEXT_VOCAB, text_pair
from specbound.trees import batch_tree, chain_tree, optimal_tree


def verifier_cost(size: int) -> float:
    """The cost model of the runtime claim: T_ver(P) = 1 + P / 64 (time of one call)."""
    return 1.0 + size / 64.0


#: The law of the runtime claim: 100 tokens, so every tree shape has P = 64 nodes.
RUNTIME_LAW = zipf(100, 1.2)
RUNTIME_LABEL = "zipf(1.2), n=100"
RUNTIME_SIZE = 64


def _runtime_cases(tight: bool = False) -> list[Case]:
    """The runtime lower bound against each tree's time per token (``tight``: its exact time).

    Both claims name the stream ``bw.runtime/<case>`` (the same walks).
    """
    p = RUNTIME_SIZE
    trees = {
        "optimal": lambda: optimal_tree(RUNTIME_LAW, p),
        "chain": lambda: chain_tree(RUNTIME_LAW, p),
        "batch": lambda: batch_tree(RUNTIME_LAW, p),
        "random shape": lambda: random_tree(RUNTIME_LAW, p, 64),
    }
    best = optimal_tree(RUNTIME_LAW, p).expected_accepted
    exact = runtime_lower_bound(verifier_cost, p, best)
    out = []
    for name, make in trees.items():

        def simulate(rng, scale, make=make, name=name):
            tree = make()
            if tree.size != p:
                raise RuntimeError(f"bw.runtime: the {name} tree has {tree.size} nodes, not {p}")
            x = walk_tree_tokens(make, tokens_of(RUNTIME_LAW), scaled(WALKS, scale), rng)
            est = from_values(x + 1.0)  # tokens per verifier call
            t = verifier_cost(p)
            # delta method: time per token = T / mean(tokens per call)
            return Estimate(t / est.mean, t * est.se / est.mean**2, est.n)

        label = f"{RUNTIME_LABEL} {name} P={p}"
        value = partial(_time_per_token, make, p) if tight else partial(float, exact)
        out.append(Case(label, value, simulate, stream=f"bw.runtime/{label}"))
    return out


def _time_per_token(make, size: int) -> float:
    """T_ver(P) / (1 + E[X | T]) of the tree ``make()``, E[X | T] its exact value."""
    return verifier_cost(size) / make().tokens_per_step


def _own_value(make) -> float:
    """E[X | T] = sum of path probabilities of the tree ``make()``."""
    return make().expected_accepted


def _optimum(p: np.ndarray, size: int) -> float:
    """E[X_opt(P)] of the law p at every node (exact optimal tree)."""
    return optimal_tree(np.sort(p)[::-1], size).expected_accepted


def _imperfect_cases(tight: bool = False) -> list[Case]:
    """Target p at every node; the drafter builds the optimal tree of its own law q.

    ``tight``: the exact value of T_q under p (sum of pi_p over T_q) instead of the optimum;
    both claims name the stream ``bw.imperfect_drafter/<case>`` (the same walks).

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
            tree = partial(imperfect_tree, p, q, size)
            exact = partial(_own_value, tree) if tight else partial(_optimum, p, size)
            name = f"{label} P={size}"
            simulate = walk(tree, lambda p=p: p, q)
            out.append(Case(name, exact, simulate, stream=f"bw.imperfect_drafter/{name}"))
    return out


CLAIMS = [
    Claim(
        id="bw.runtime",
        paper=PAPER,
        statement="No tree of size P beats T_ver(P) / (1 + E[X_opt(P)]) time per token "
        "(T_ver(P) = 1 + P/64, P = 64, zipf(1.2) law on 100 tokens; optimal, chain, batch "
        "and random-shape trees of 64 nodes simulated).",
        agreement=LOWER,
        cases=_runtime_cases,
        source=SOURCE + " (runtime lower bound)",
    ),
    Claim(
        id="bw.imperfect_drafter",
        paper=PAPER,
        statement="A drafter ranking nodes by its own law q (tree T_q) accepts "
        "E[X] = sum_{v in T_q} pi_p(v) <= E[X_opt(P)] under the target p.",
        agreement=UPPER,
        cases=_imperfect_cases,
        source=SOURCE + " (imperfect-drafter bound)",
    ),
    Claim(
        id="bw.runtime_value",
        paper=PAPER,
        statement="Tight companion of bw.runtime: each tree's time per token "
        "T_ver(P) / (1 + E[X | T]), E[X | T] its exact value, vs the same walks.",
        agreement=EQUAL,
        cases=lambda: _runtime_cases(tight=True),
        source=SOURCE + " (acceptance identity, runtime lower bound)",
    ),
    Claim(
        id="bw.imperfect_value",
        paper=PAPER,
        statement="Tight companion of bw.imperfect_drafter: E[X] of the drafter's tree T_q "
        "under the target = sum_{v in T_q} pi_p(v), exactly, vs the same walks.",
        agreement=EQUAL,
        cases=lambda: _imperfect_cases(tight=True),
        source=SOURCE + " (acceptance identity, imperfect-drafter bound)",
    ),
]
