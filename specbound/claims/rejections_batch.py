"""Claims of Yin, Chen, Huang, Wang (arXiv 2411.00841) on batch speculative decoding.

M i.i.d. drafts verified by trie recursive rejection (the project's scheme, as
implemented here): E[rejections] follows the (token, survivors) DP of
:mod:`specbound.bounds.rejections_batch`, the output is the target's sequence law,
and no M removes the target mass outside the draft's support. Simulated side:
:func:`~specbound.simulations.batch_decoding.batch_speculative_decoding`.
"""

from __future__ import annotations

import numpy as np

from specbound.bounds.rejection_examples import example_a, example_b
from specbound.bounds.rejections_batch import (
    batch_expected_rejections,
    batch_rejection_floor,
    batch_rejection_probability,
)
from specbound.claims import DISTRIBUTION, EQUAL, LOWER, Case, Claim
from specbound.claims.rejection_instances import (
    PAPER,
    SEQ_TRIALS,
    SOURCE,
    batch_decoder,
    context_free,
    mixture_kernel,
    run_mean,
    sampled_sequence_law,
    text_kernels,
)
from specbound.distributions import random_kernel


def _batch_cases() -> list[Case]:
    a, blk = example_a(), example_b()
    p5, q5 = mixture_kernel(5, 0.6, 51)
    ref_p, ref_q = context_free(np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.3, 0.5]))
    two_p, two_q = context_free(np.array([0.5, 0.5, 0, 0]), np.full(4, 0.25))
    inst = [
        ("4-token chain", a.target, a.draft, a.start, 3, (2, 3, 4)),
        ("time-varying chain", blk.target, blk.draft, 0, 3, (2, 4)),
        ("random n=5 H=6", p5, q5, 0, 6, (3,)),
        ("one step n=3 reference", ref_p, ref_q, 0, 1, (2, 5)),
        ("one step uniform 2 of 4", two_p, two_q, 0, 1, (3,)),
        ("real text V=30 H=6", *text_kernels(30), 6, (3,)),
    ]
    cases = []
    for lab, p, q, s, h, ms in inst:
        for m in ms:

            def exact(p=p, q=q, s=s, h=h, m=m) -> float:
                if h == 1:  # the closed-form recursion, independent of the DP
                    return batch_rejection_probability(p[s], q[s], m)
                return batch_expected_rejections(p, q, s, h, m)[0]

            simulate = run_mean(batch_decoder(p, q, s, h, m), "rejections", SEQ_TRIALS)
            cases.append(Case(f"{lab} M={m}", exact, simulate))
    return cases


def _batch_law_cases() -> list[Case]:
    a, blk = example_a(), example_b()
    text_p, text_q, text_start = text_kernels(8)
    inst = [
        ("4-token chain M=3", a.target, a.draft, a.start, 3),
        ("time-varying chain M=4", blk.target, blk.draft, blk.start, 4),
        ("real text V=8 M=3", text_p, text_q, text_start, 3),
    ]
    cases = []
    for lab, p, q, s, m in inst:
        simulate = sampled_sequence_law(batch_decoder(p, q, s, 3, m), p, s, 3)
        cases.append(Case(lab, lambda p=p: float(len(p) ** 3), simulate))
    return cases


def _batch_floor_cases() -> list[Case]:
    a = example_a()
    p6 = random_kernel(6, 1.0, rng=61)
    q6 = random_kernel(6, 1.0, rng=62)
    q6[np.arange(6), (np.arange(6) + 1) % 6] = 0.0  # each state misses one token
    q6 /= q6.sum(axis=1, keepdims=True)
    inst = [
        ("4-token chain H=3", a.target, a.draft, a.start, 3, (16, 40)),
        ("random n=6 H=4", p6, q6, 0, 4, (40,)),
    ]
    cases = []
    for lab, p, q, s, h, ms in inst:
        for m in ms:
            cases.append(
                Case(
                    f"{lab} M={m}",
                    lambda p=p, q=q, s=s, h=h: batch_rejection_floor(p, q, s, h),
                    run_mean(batch_decoder(p, q, s, h, m), "rejections", SEQ_TRIALS),
                )
            )
    return cases


CLAIMS = [
    Claim(
        id="rejections.batch",
        paper=PAPER,
        statement="Batch SD with M i.i.d. drafts (trie recursive rejection, as implemented "
        "here): E[rejections] follows the (token, survivors) DP; one step: prod_m TV(p^(m), q).",
        agreement=EQUAL,
        cases=_batch_cases,
        source=f"{SOURCE} Sec. 4 (Thm 3 setting; project's scheme)",
    ),
    Claim(
        id="rejections.batch_law",
        paper=PAPER,
        statement="Batch SD (as implemented here) outputs exactly the target's sequence law.",
        agreement=DISTRIBUTION,
        cases=_batch_law_cases,
        source=f"{SOURCE} Sec. 4",
    ),
    Claim(
        id="rejections.batch_floor",
        paper=PAPER,
        statement="Batch SD never removes the target mass outside the draft's support: "
        "E[rejections] >= sum_t E[p_t(outside supp q_t)] for every M (the M -> inf limit).",
        agreement=LOWER,
        cases=_batch_floor_cases,
        source=f"{SOURCE} Prop. 1 (mechanism as implemented here)",
    ),
]
