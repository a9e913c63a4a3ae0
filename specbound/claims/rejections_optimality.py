"""Claims of Yin, Chen, Huang, Wang (arXiv 2411.00841) on the optimality of the rejection rule.

No unbiased one-step accept/reject rule rejects less often than TV(p, q): the
baselines (independent resampling, scaled, threshold) are simulated, checked to be
unbiased, and the LP over all couplings / rules (:mod:`specbound.lp.rejection_lp`)
attains TV, as speculative sampling does. Instances:
:func:`specbound.claims.rejection_instances.step_pairs`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from specbound.bounds.acceptance import total_variation
from specbound.bounds.rejection_rules import Rule, unbiased_baselines
from specbound.claims import DISTRIBUTION, EQUAL, LOWER, Case, Claim, formulas, sampled_law
from specbound.claims.rejection_instances import (
    PAPER,
    SOURCE,
    STEP_TRIALS,
    rejection_rate,
    step_pairs,
)
from specbound.simulations.rejection_rules import accept_reject, independent_resampling
from specbound.simulations.speculative import speculative_sampling


def _simulate_rule(p: np.ndarray, q: np.ndarray, rule: Rule, size: int, rng):
    if rule.name == "independent resampling":  # literal: output Y ~ p, accepted iff X = Y
        return independent_resampling(p, q, size, rng)
    return accept_reject(q, rule.acceptance, rule.residual, size, rng)


def _optimality_cases(tight: bool = False) -> list[Case]:
    """TV(p, q) against each rule's simulated rejection rate (``tight``: the rule's exact rate).

    Both claims name the stream ``rejections.optimality/<case>``: the same draws.
    """
    cases = []
    for lab, p, q in step_pairs():
        for rule in unbiased_baselines(p, q):
            simulate = rejection_rate(partial(_simulate_rule, p, q, rule))
            label = f"{lab}: {rule.name}"
            exact = (
                (lambda r=rule: r.rejection) if tight else (lambda p=p, q=q: total_variation(p, q))
            )
            cases.append(Case(label, exact, simulate, stream=f"rejections.optimality/{label}"))
    return cases


def _unbiased_cases() -> list[Case]:
    cases = []
    for lab, p, q in step_pairs():
        for rule in unbiased_baselines(p, q)[1:]:
            simulate = sampled_law(partial(_simulate_rule, p, q, rule), p, STEP_TRIALS)
            cases.append(Case(f"{lab}: {rule.name}", lambda: float("nan"), simulate))
    return cases


def _lp_cases() -> list[Case]:
    from specbound.lp.rejection_lp import acceptance_rule_lp, coupling_rejection_lp

    lps: list[tuple[str, Callable]] = [
        ("coupling LP", coupling_rejection_lp),
        ("rule LP", acceptance_rule_lp),
    ]
    cases = []
    for lab, p, q in step_pairs():
        for name, lp in lps:
            simulate = rejection_rate(partial(speculative_sampling, p, q))
            cases.append(
                Case(f"{lab}: {name}", lambda p=p, q=q, lp=lp: lp(p, q).rejection, simulate)
            )
    return cases


CLAIMS = [
    Claim(
        id="rejections.optimality",
        paper=PAPER,
        statement="No unbiased accept/reject rule rejects less often than TV(p, q) "
        "(baselines: independent resampling, scaled, threshold; SD attains it).",
        agreement=LOWER,
        cases=_optimality_cases,
        source=f"{SOURCE} Thm 2",
        formula=formulas.TOTAL_VARIATION,
    ),
    Claim(
        id="rejections.baseline_rates",
        paper=PAPER,
        statement="Tight companion of rejections.optimality: each rule's rejection rate "
        "1 - sum_x q(x) b(x) (independent resampling: 1 - sum p q), exactly, vs the same "
        "simulations.",
        agreement=EQUAL,
        cases=lambda: _optimality_cases(tight=True),
        source=f"{SOURCE} Thm 2 (the bounded quantity)",
    ),
    Claim(
        id="rejections.baselines_unbiased",
        paper=PAPER,
        statement="The baseline rules of the optimality check are unbiased (output law = target).",
        agreement=DISTRIBUTION,
        cases=_unbiased_cases,
        source=f"{SOURCE} Thm 2 (rule class)",
    ),
    Claim(
        id="rejections.lp_optimum",
        paper=PAPER,
        statement="The LP over all unbiased one-step rules (couplings) has optimum TV, "
        "attained by speculative sampling's rejection rate.",
        agreement=EQUAL,
        cases=_lp_cases,
        source=f"{SOURCE} Thm 2 (LP form as implemented here)",
    ),
]
