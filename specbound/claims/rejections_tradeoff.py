"""Claims of Yin, Chen, Huang, Wang (arXiv 2411.00841) on the quality / rejection trade-off.

With a budget TV(output, target) <= eps the least rejection is max(0, TV - eps),
attained by the rule with output (1 - lam) p + lam q; at sequence level, biased SD
with fixed lam follows the chain K_lam = (1 - lam) P + lam Q. Exact sides:
:mod:`specbound.bounds.tradeoff` and the eps-budget LP (closed forms as implemented
here); simulated sides: the biased rule and biased
:func:`~specbound.simulations.markov.speculative_decoding`.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from specbound.bounds.acceptance import total_variation
from specbound.bounds.rejection_examples import example_a, example_a_block
from specbound.bounds.rejection_rules import Rule
from specbound.bounds.tradeoff import (
    biased_expected_rejections,
    min_rejection_with_budget,
    optimal_biased_rule,
)
from specbound.claims import DISTRIBUTION, EQUAL, Case, Claim, Sampler, formulas, sampled_law
from specbound.claims.rejection_instances import (
    PAPER,
    SEQ_TRIALS,
    SOURCE,
    STEP_TRIALS,
    Simulation,
    rejection_rate,
    run_mean,
    sampled_sequence_law,
    speculative_decoder,
    step_pairs,
    text_kernels,
)
from specbound.simulations.rejection_rules import accept_reject


def _budgets() -> list[tuple[str, np.ndarray, np.ndarray, float]]:
    out = []
    p, q = np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.3, 0.5])
    for eps in (0.0, 0.1, 0.2, 0.4):
        out.append((f"n=3 reference eps={eps:g}", p, q, eps))
    for lab, p, q in step_pairs()[1:]:
        out.append((f"{lab} eps=TV/2", p, q, total_variation(p, q) / 2))
    return out


def _biased_rule(p: np.ndarray, q: np.ndarray, eps: float) -> tuple[Rule, Sampler]:
    """The optimal rule with TV(output, target) <= eps, and a sampler of it."""
    rule = optimal_biased_rule(p, q, eps)
    return rule, partial(accept_reject, q, rule.acceptance, rule.residual)


def _biased_rejection(p: np.ndarray, q: np.ndarray, eps: float) -> Simulation:
    """Simulated side: the rejection rate of the optimal rule with budget ``eps``."""
    return rejection_rate(_biased_rule(p, q, eps)[1])


def _tradeoff_cases() -> list[Case]:
    return [
        Case(
            lab,
            lambda p=p, q=q, e=e: min_rejection_with_budget(p, q, e),
            _biased_rejection(p, q, e),
        )
        for lab, p, q, e in _budgets()
    ]


def _tradeoff_lp_cases() -> list[Case]:
    from specbound.lp.rejection_lp import budget_lp

    return [
        Case(lab, lambda p=p, q=q, e=e: budget_lp(p, q, e).rejection, _biased_rejection(p, q, e))
        for lab, p, q, e in _budgets()
    ]


def _tradeoff_law_cases() -> list[Case]:
    cases = []
    for lab, p, q, e in _budgets():
        rule, sample = _biased_rule(p, q, e)
        simulate = sampled_law(sample, rule.output, STEP_TRIALS)
        cases.append(Case(f"{lab} (output (1-lam)p + lam q)", lambda: float("nan"), simulate))
    a = example_a()
    for lam in (0.5, 0.8):
        decode = speculative_decoder(a.target, a.draft, a.start, 3, mix=lam)
        simulate = sampled_sequence_law(decode, (1 - lam) * a.target + lam * a.draft, a.start, 3)
        cases.append(
            Case(f"4-token chain sequence lam={lam:g} (chain K_lam)", lambda: 64.0, simulate)
        )
    return cases


def _tradeoff_sequence_cases() -> list[Case]:
    a, b = example_a(), example_a_block()
    inst = [
        ("4-token chain H=3", a.target, a.draft, a.start, 3),
        ("3x3 block H=20", b.target, b.draft, 0, 20),
        ("real text V=200 H=20", *text_kernels(200), 20),
    ]
    cases = []
    for lab, p, q, s, h in inst:
        for lam in (0.5, 0.8):

            def exact(p=p, q=q, s=s, h=h, lam=lam) -> float:
                return biased_expected_rejections(p, q, s, h, lam)

            simulate = run_mean(speculative_decoder(p, q, s, h, mix=lam), "rejections", SEQ_TRIALS)
            cases.append(Case(f"{lab} lam={lam:g}", exact, simulate))
    return cases


CLAIMS = [
    Claim(
        id="rejections.tradeoff",
        paper=PAPER,
        statement="Least rejection with TV(output, target) <= eps is max(0, TV - eps), "
        "attained by the rule with output (1 - lam) p + lam q.",
        agreement=EQUAL,
        cases=_tradeoff_cases,
        source=f"{SOURCE} Thms 4-5 (closed form as implemented here)",
        formula=formulas.TRADEOFF,
    ),
    Claim(
        id="rejections.tradeoff_lp",
        paper=PAPER,
        statement="The eps-budget LP's optimum equals the optimal biased rule's rejection rate.",
        agreement=EQUAL,
        cases=_tradeoff_lp_cases,
        source=f"{SOURCE} Thms 4-5 (LP form as implemented here)",
    ),
    Claim(
        id="rejections.tradeoff_law",
        paper=PAPER,
        statement="The optimal biased rule outputs (1 - lam) p + lam q; at sequence level "
        "the chain (1 - lam) P + lam Q.",
        agreement=DISTRIBUTION,
        cases=_tradeoff_law_cases,
        source=f"{SOURCE} Thm 5 (as implemented here)",
    ),
    Claim(
        id="rejections.tradeoff_sequence",
        paper=PAPER,
        statement="Biased SD with fixed lam: E[rejections] = (1 - lam) sum_t E_{K_lam}[TV_t].",
        agreement=EQUAL,
        cases=_tradeoff_sequence_cases,
        source=f"{SOURCE} Thms 4-5, sequence form (as implemented here)",
    ),
]
