"""Claims on single-draft speculative sampling (Leviathan et al. 2023; Chen et al. 2023).

Both are the one-step statements restated as Thm 1's building block by Yin et al.
(arXiv 2411.00841): the output law is exactly the target, and the acceptance
probability is 1 - TV(target, draft).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from specbound.bounds.acceptance import acceptance_probability
from specbound.claims import (
    DISTRIBUTION,
    EQUAL,
    Case,
    Claim,
    formulas,
    sampled_acceptance,
    sampled_law,
)
from specbound.distributions import disjoint_pair, pair_at_tv, target_draft_pair
from specbound.simulations.speculative import speculative_sampling
from specbound.simulations.text_ngram import text_pairs

PAPER = "Leviathan+23 / Yin+24"
TRIALS = 200_000


def _one_hot(n: int, i: int) -> np.ndarray:
    e = np.zeros(n)
    e[i] = 1.0
    return e


def _single_residual_pair() -> tuple[np.ndarray, np.ndarray]:
    """Target exceeds the draft on exactly one token: the residual is a point mass."""
    q = np.full(8, 1 / 8)
    p = q.copy()
    p[3] += 0.3
    p[[0, 1, 2]] -= 0.1
    return p, q


def pairs() -> list[tuple[str, np.ndarray, np.ndarray]]:
    """The synthetic (label, target, draft) instances both claims are checked on.

    Small n, n = 1000, vocabularies around powers of two (1023, 1024, 1025), a
    one-hot target, disjoint supports, equal laws, a single non-zero residual, and
    bigram laws of real text (:mod:`specbound.simulations.text_ngram`).
    """
    out = [("n=3 reference", np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.3, 0.5]))]
    out.append(("n=1000 softmax", *target_draft_pair(1000, rng=1)))
    for n in (1023, 1024, 1025):
        out.append((f"n={n} TV=0.3", *pair_at_tv(n, 0.3, rng=n)))
    g = np.random.default_rng(7)
    out.append(("one-hot target", _one_hot(50, 17), g.dirichlet(np.ones(50))))
    out.append(("disjoint supports", *disjoint_pair(64, rng=2)))
    p = np.random.default_rng(3).dirichlet(np.full(20, 0.5))
    out.append(("equal laws", p, p.copy()))
    out.append(("single residual", *_single_residual_pair()))
    for word, p, q in text_pairs(200, contexts=2):
        out.append((f"real text after {word!r}", p, q))
    return out


def _law_cases() -> list[Case]:
    return [
        Case(
            label,
            lambda: float("nan"),
            sampled_law(partial(speculative_sampling, p, q), p, TRIALS),
        )
        for label, p, q in pairs()
    ]


def _acceptance_cases() -> list[Case]:
    return [
        Case(
            label,
            lambda p=p, q=q: acceptance_probability(p, q),
            sampled_acceptance(partial(speculative_sampling, p, q), TRIALS),
        )
        for label, p, q in pairs()
    ]


CLAIMS = [
    Claim(
        id="sd.output_law",
        paper=PAPER,
        statement="The output of speculative sampling is distributed exactly as the target.",
        agreement=DISTRIBUTION,
        cases=_law_cases,
        source="arXiv 2211.17192 Thm 1; arXiv 2411.00841 Thm 1",
    ),
    Claim(
        id="sd.acceptance",
        paper=PAPER,
        statement="P(draft token accepted) = sum_x min(p, q) = 1 - TV(target, draft).",
        agreement=EQUAL,
        cases=_acceptance_cases,
        source="arXiv 2211.17192 Thm 3.5; arXiv 2411.00841 Thm 1 (one step)",
        formula=formulas.ACCEPTANCE,
    ),
]
