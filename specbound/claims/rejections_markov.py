"""Claims of Yin, Chen, Huang, Wang (arXiv 2411.00841) on sequence-level SD along a Markov model.

E[rejections] = sum of TV (drafting to the end), the finite-gamma DP (as implemented
here), the output sequence law, and the chain formula of tokens per step. Exact
sides: :mod:`specbound.bounds.rejections`; simulated sides:
:func:`~specbound.simulations.markov.speculative_decoding` on the instances of
:mod:`specbound.claims.rejection_instances`.
"""

from __future__ import annotations

import numpy as np

from specbound.bounds.acceptance import expected_tokens_per_step, total_variation
from specbound.bounds.rejection_examples import example_a, example_b
from specbound.bounds.rejections import expected_rejections, expected_rejections_and_calls
from specbound.claims import DISTRIBUTION, EQUAL, Case, Claim, formulas
from specbound.claims.rejection_instances import (
    PAPER,
    SEQ_TRIALS,
    SOURCE,
    STEP_TRIALS,
    context_free,
    kernel_instances,
    mixture_kernel,
    run_mean,
    sampled_sequence_law,
    speculative_decoder,
    text_kernels,
)

# ----------------------------------------------------------------------------- (a) sum of TV


def _sum_tv_cases() -> list[Case]:
    return [
        Case(
            lab,
            lambda p=p, q=q, s=s, h=h: expected_rejections(p, q, s, h),
            # long horizons: fewer, costlier runs
            run_mean(
                speculative_decoder(p, q, s, h), "rejections", SEQ_TRIALS if h <= 10 else 30_000
            ),
        )
        for lab, p, q, s, h in kernel_instances()
    ]


def _finite_gamma_cases() -> list[Case]:
    a, blk = example_a(), example_b()
    p5, q5 = mixture_kernel(5, 0.5, 11)
    inst = [
        ("4-token chain", a.target, a.draft, a.start, 3, (1, 2)),
        ("time-varying chain", blk.target, blk.draft, 0, 3, (1, 2)),
        ("random n=5 H=12", p5, q5, 0, 12, (0, 3)),  # 40k runs
        ("real text V=200 H=12", *text_kernels(200), 12, (4,)),
    ]
    cases = []
    for lab, p, q, s, h, gammas in inst:
        for g in gammas:
            for what, k in (("rejections", 0), ("calls", 1)):

                def exact(p=p, q=q, s=s, h=h, g=g, k=k) -> float:
                    return expected_rejections_and_calls(p, q, s, h, g)[k]

                trials = SEQ_TRIALS if h <= 3 else 40_000
                simulate = run_mean(speculative_decoder(p, q, s, h, g), what, trials)
                cases.append(Case(f"{lab} gamma={g} E[{what}]", exact, simulate))
    return cases


def _sequence_law_cases() -> list[Case]:
    a, blk = example_a(), example_b()
    p3, q3 = mixture_kernel(3, 0.6, 41)
    inst = [
        ("4-token chain gamma=1", a.target, a.draft, a.start, 3, 1),
        ("4-token chain to the end", a.target, a.draft, a.start, 3, None),
        ("time-varying chain gamma=2", blk.target, blk.draft, 0, 3, 2),
        ("random n=3 H=5 gamma=2", p3, q3, 0, 5, 2),
        ("disjoint H=4 gamma=3", *kernel_instances()[-1][1:4], 4, 3),
        ("real text V=12 H=3 gamma=2", *text_kernels(12), 3, 2),
    ]
    return [
        Case(
            lab,
            lambda p=p, h=h: float(len(p) ** h),
            sampled_sequence_law(speculative_decoder(p, q, s, h, g), p, s, h),
        )
        for lab, p, q, s, h, g in inst
    ]


# ----------------------------------------------------------------------------- (b) chain


def _chain_pairs() -> list[tuple[str, np.ndarray, np.ndarray]]:
    return [
        ("alpha=0.7", np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.3, 0.5])),
        ("alpha=0.5", np.array([0.5, 0.5, 0.0]), np.array([0.0, 0.5, 0.5])),
        ("alpha=1", np.array([0.25, 0.75]), np.array([0.25, 0.75])),
        ("alpha=0", np.array([1.0, 0.0]), np.array([0.0, 1.0])),
    ]


def _tokens_per_step_cases() -> list[Case]:
    cases = []
    for lab, t, d in _chain_pairs():
        gammas = (1, 2, 4, 8) if lab == "alpha=0.7" else (1, 2, 4) if lab == "alpha=0.5" else (3,)
        p, q = context_free(t, d)
        for g in gammas:

            def exact(t=t, d=d, g=g) -> float:
                return expected_tokens_per_step(1.0 - total_variation(t, d), g)

            # horizon gamma + 1: the first call never hits the horizon
            trials = STEP_TRIALS if g <= 2 else SEQ_TRIALS
            simulate = run_mean(
                speculative_decoder(p, q, 0, g + 1, g), "first_round_tokens", trials
            )
            cases.append(Case(f"{lab} gamma={g}", exact, simulate))
    return cases


CLAIMS = [
    Claim(
        id="rejections.sum_tv",
        paper=PAPER,
        statement="Drafting to the end, E[rejections] = sum_t E_{prefix~target}[TV(p_t, q_t)].",
        agreement=EQUAL,
        cases=_sum_tv_cases,
        source=f"{SOURCE} Thm 1",
    ),
    Claim(
        id="rejections.finite_gamma",
        paper=PAPER,
        statement="With gamma drafts per call, E[rejections] and E[calls] follow the "
        "(token, position-in-round) DP (as implemented here).",
        agreement=EQUAL,
        cases=_finite_gamma_cases,
        source=f"{SOURCE} Thm 1 (finite-gamma variant)",
    ),
    Claim(
        id="rejections.sequence_law",
        paper=PAPER,
        statement="Sequence-level speculative decoding outputs exactly the target's sequence law.",
        agreement=DISTRIBUTION,
        cases=_sequence_law_cases,
        source=f"{SOURCE} Thm 1",
    ),
    Claim(
        id="rejections.tokens_per_step",
        paper="Leviathan+23 / Yin+24",
        statement="With i.i.d. acceptance alpha and gamma drafts, "
        "E[tokens per step] = (1 - alpha^(gamma+1)) / (1 - alpha).",
        agreement=EQUAL,
        cases=_tokens_per_step_cases,
        source="arXiv 2211.17192 Eq. 1 (chain formula)",
        formula=formulas.CHAIN,
    ),
]
