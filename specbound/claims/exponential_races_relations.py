"""Claims relating exponential races to other schemes (Kobus & Gunduz, arXiv 2504.15475).

The rank R is a deduplicated Poisson-functional-representation index J with
E[ln J] <= D(p||q) + 1/e + ln 2 (Li & El Gamal, arXiv 1701.02827), and the GSD
baseline (SpecInfer recursive rejection, arXiv 2305.09781, 2402.14160): law of the
accepted draft position, i.i.d. and without replacement. Exact sides:
:mod:`specbound.bounds.exponential_races`; simulated sides:
:mod:`specbound.simulations.exponential_races`.
"""

from __future__ import annotations

import numpy as np

from specbound.bounds.exponential_races import (
    gsd_positional_acceptance,
    gsd_positional_acceptance_without_replacement,
    information_bracket,
)
from specbound.claims import DISTRIBUTION, UPPER, Case, Claim, formulas, scaled
from specbound.claims.exponential_race_instances import (
    PAPER,
    SOURCE,
    TEXT,
    TEXT_SMALL,
    race_pair,
)
from specbound.distributions import check_removed
from specbound.simulations.agreement import chisquare_gof
from specbound.simulations.estimate import from_values
from specbound.simulations.exponential_races import gsd_verify, pfr_index

# ------------------------------------------------------------- information bracket for H[R]


def _pfr_cases() -> list[Case]:
    def make(name: str) -> Case:
        def simulate(rng, scale):
            p, q = race_pair(name)
            _, j = pfr_index(p, q, scaled(200_000, scale), rng)
            return from_values(np.log(j))

        return Case(name, lambda: information_bracket(*race_pair(name))["pfr_bound"], simulate)

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
            p, q = race_pair(name)
            if replacement:
                vec = gsd_positional_acceptance(p, q, k)
            else:
                vec = gsd_positional_acceptance_without_replacement(p, q, k)
            check_removed(vec.sum() - 1.0, "ersd.gsd_positional (positional mass above 1)")
            law = np.r_[vec, max(0.0, 1.0 - vec.sum())]
            _, pos = gsd_verify(p, q, k, scaled(200_000, scale), rng, replacement=replacement)
            return chisquare_gof(np.where(pos >= 0, pos, k), law)

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
        id="ersd.pfr_index",
        paper=PAPER,
        statement="The rank R is a deduplicated Poisson-functional-representation index J, and "
        "E[ln J] <= D(p||q) + 1/e + ln 2 (so E[ln R] is too).",
        agreement=UPPER,
        cases=_pfr_cases,
        source=SOURCE + " (information bracket for H[R]); arXiv 1701.02827 Lemma 1",
        formula=formulas.PFR_BOUND,
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
