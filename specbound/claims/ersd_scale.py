"""Claims on the ERSD rank law at vocabulary scale (issue 18; Kobus & Gunduz, arXiv 2504.15475).

Exact side: :func:`specbound.bounds.exponential_races.rank_distribution_head`, the
first ranks of the rank law with a proved bound on their summed absolute error
(asserted <= 1e-9 here, far below the standard errors). Simulated sides, sharing no
code with it: the ERSD verifier at one node with m drafted children
(:func:`~specbound.simulations.exponential_races.ersd_node`, the real verification
algorithm, exact in law, O(m + log n) per trial) and the full-clock races
(:func:`~specbound.simulations.exponential_races.race_ranks`, n clocks per trial).
Rule: equal within 5 SE (two-sided false-alarm rate 5.7e-7 per case); the SE of each
case is that of the simulated proportion, sqrt(f (1 - f) / trials).
"""

from __future__ import annotations

from functools import cache

import numpy as np

from specbound.bounds.exponential_races import rank_distribution_head
from specbound.claims import EQUAL, Case, Claim, scaled
from specbound.distributions import softmax, target_draft_pair
from specbound.simulations.estimate import from_proportion
from specbound.simulations.exponential_races import ersd_node, race_ranks
from specbound.simulations.text_ngram import text_pairs

PAPER = "Kobus+25 (ERSD)"
SOURCE = "arXiv 2504.15475; theory note exponential_races.md (C3); issue 18"
SOFTMAX = "softmax n=128000"
HEAVY = "zipf-1.05 softmax n=50000"
TEXT = "real text 'the' n=2000"
#: Ranks computed by the certified head in these claims.
RANKS = 64


@cache
def _pair(name: str) -> tuple[np.ndarray, np.ndarray]:
    if name == SOFTMAX:
        return target_draft_pair(128_000, rng=3)
    if name == HEAVY:  # heavy-tailed: logits -1.05 ln(rank) + noise, draft with more noise
        g = np.random.default_rng(7)
        n = 50_000
        z = -1.05 * np.log(np.arange(1, n + 1)) + 0.5 * g.normal(size=n)
        z = z[g.permutation(n)]
        return softmax(z), softmax(z + 0.3 * g.normal(size=n))
    if name == TEXT:  # word bigrams after the most frequent word, 2000-word vocabulary
        (_, target, draft), *_ = text_pairs(2000, contexts=1)
        return target, draft
    raise KeyError(name)


@cache
def _head(name: str) -> np.ndarray:
    head = rank_distribution_head(*_pair(name), RANKS, tol=1e-9)
    if head.error_bound > 1e-9:  # the exact side must be exact to far below the SE
        raise AssertionError(f"{name}: head error bound {head.error_bound:.3g} > 1e-9")
    return head.law


def _cases() -> list[Case]:
    def node(name: str, lo: int, hi: int, m: int, trials: int) -> Case:
        """P(lo <= R <= hi) vs the node verifier with m drafted children (hi <= m)."""

        def simulate(rng, scale):
            p, q = _pair(name)
            _, rank = ersd_node(p, q, m, scaled(trials, scale), rng)  # 0-based, -1 rejected
            hits = int(np.count_nonzero((rank >= lo - 1) & (rank <= hi - 1)))
            return from_proportion(hits, rank.size)

        label = f"P({lo} <= R <= {hi}), {name}, node m={m}"
        return Case(label, lambda: float(_head(name)[lo - 1 : hi].sum()), simulate)

    def races(name: str, r: int, trials: int) -> Case:
        """alpha(r) vs full-clock races (n exponential clocks per trial)."""

        def simulate(rng, scale):
            p, q = _pair(name)
            _, ranks = race_ranks(p, q, scaled(trials, scale, minimum=500), rng)
            return from_proportion(int(np.count_nonzero(ranks == r)), ranks.size)

        return Case(f"alpha({r}), {name}, full races", lambda: float(_head(name)[r - 1]), simulate)

    return [
        node(SOFTMAX, 2, 8, 8, 200_000),
        node(SOFTMAX, 9, 64, 64, 50_000),
        node(HEAVY, 2, 64, 64, 30_000),
        races(HEAVY, 2, 2_000),
        node(TEXT, 2, 64, 64, 40_000),
    ]


CLAIMS = [
    Claim(
        id="ersd.rank_head_scale",
        paper=PAPER,
        statement="The certified rank-law head (alpha(1..64), summed error <= 1e-9) at "
        "vocabulary scale (n = 50k, 128k; real text n = 2000) matches the real verifier "
        "and races.",
        agreement=EQUAL,
        cases=_cases,
        source=SOURCE,
    ),
]
