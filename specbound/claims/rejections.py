"""Claims of Yin, Chen, Huang, Wang (arXiv 2411.00841): the Markov-chain theory of SD.

Every claim pairs an exact computation (DP / closed form / LP) with a Monte Carlo
simulation of the real algorithm (:func:`~specbound.simulations.markov.speculative_decoding`,
:func:`~specbound.simulations.batch_decoding.batch_speculative_decoding`, one-step
rules). Reference instances: the theory note's Examples A and B, the 3x3 block of
A, seeded random kernels, equal and disjoint kernels. Results reconstructed by
the project (finite gamma, batch scheme, trade-off formulas) are "as implemented here".
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from specbound.bounds.rejection_examples import example_a, example_a_block, example_b
from specbound.bounds.rejection_rules import Rule, unbiased_baselines
from specbound.bounds.rejections import (
    expected_rejections,
    expected_rejections_and_calls,
    expected_tokens_per_step,
    sequence_law,
    total_variation,
)
from specbound.bounds.rejections_batch import (
    batch_expected_rejections,
    batch_rejection_floor,
    batch_rejection_probability,
)
from specbound.bounds.tradeoff import (
    biased_expected_rejections,
    min_rejection_with_budget,
    optimal_biased_rule,
)
from specbound.claims import (
    DISTRIBUTION,
    EQUAL,
    LOWER,
    Case,
    Claim,
    Sampler,
    sampled_law,
    scaled,
)
from specbound.distributions import dirichlet, pair_at_tv, random_kernel
from specbound.simulations.agreement import GofResult, chisquare_gof
from specbound.simulations.batch_decoding import BatchRun, batch_speculative_decoding
from specbound.simulations.estimate import Estimate, from_proportion, from_values
from specbound.simulations.markov import SequenceRun, encode_sequences, speculative_decoding
from specbound.simulations.rejection_rules import accept_reject, independent_resampling
from specbound.simulations.speculative import speculative_sampling
from specbound.simulations.text_ngram import text_models, text_pairs

PAPER = "Yin+24 (2411.00841)"
SEQ_TRIALS = 100_000
STEP_TRIALS = 200_000

Kernels = tuple[str, np.ndarray, np.ndarray, int, int]  # label, P, Q, start, horizon
#: ``decode(size, rng)``: ``size`` independent runs of a sequence-level algorithm.
Decoder = Callable[[int, np.random.Generator], SequenceRun | BatchRun]
Simulation = Callable[[np.random.Generator, float], Estimate | GofResult]


def _mixture_kernel(n: int, weight: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random target kernel and a draft = (1 - weight) P + weight * (another random kernel)."""
    p = random_kernel(n, 0.5, rng=seed)
    return p, (1 - weight) * p + weight * random_kernel(n, 0.5, rng=seed + 1)


def context_free(target: np.ndarray, draft: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kernels whose every row is the same law (context-free models)."""
    n = len(target)
    return np.tile(target, (n, 1)), np.tile(draft, (n, 1))


def text_kernels(vocab_size: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Real-text bigram kernels (target, draft) and the start token (the most frequent word).

    Word bigrams of the Python documentation (:mod:`specbound.simulations.text_ngram`):
    the target is fitted on the whole corpus, the draft on its first quarter with
    heavier smoothing; token 0 is the most frequent word.
    """
    target, draft = text_models(vocab_size, 2)
    return target, draft, 0


def kernel_instances() -> list[Kernels]:
    """Sequence instances of the rejection claims: (label, P, Q, start, horizon)."""
    a, b, blk = example_a(), example_a_block(), example_b()
    out: list[Kernels] = [
        ("Example A H=3", a.target, a.draft, a.start, 3),
        ("Example B H=3", blk.target, blk.draft, blk.start, 3),
        ("A block H=10", b.target, b.draft, 0, 10),
        ("A block H=50", b.target, b.draft, 0, 50),  # 30k runs (see _sum_tv_cases)
    ]
    p, q = _mixture_kernel(5, 0.5, 11)
    out.append(("random n=5 H=8", p, q, 0, 8))
    p, q = _mixture_kernel(50, 0.3, 21)
    out.append(("random n=50 H=20", p, q, 0, 20))
    out.append(("real text V=200 H=20", *text_kernels(200), 20))
    p = random_kernel(6, 1.0, rng=31)
    out.append(("equal kernels H=5", p, p.copy(), 0, 5))
    eye = np.eye(4)
    out.append(("disjoint (TV=1) H=4", eye[[1, 0, 3, 2]], eye, 0, 4))
    return out


# ----------------------------------------------------------------------------- simulated sides


def _sd(
    p: np.ndarray,
    q: np.ndarray,
    start: int,
    horizon: int,
    gamma: int | None = None,
    mix: float = 0.0,
) -> Decoder:
    """Speculative decoding of ``horizon`` tokens from ``start`` (gamma drafts, bias ``mix``)."""
    return lambda size, rng: speculative_decoding(p, q, horizon, size, gamma, rng, start, mix=mix)


def _batch_sd(p: np.ndarray, q: np.ndarray, start: int, horizon: int, m: int) -> Decoder:
    """Batch speculative decoding of ``horizon`` tokens from ``start`` with ``m`` drafts."""
    return lambda size, rng: batch_speculative_decoding(p, q, horizon, size, m, rng, start)


def _run_mean(decode: Decoder, field: str, trials: int) -> Simulation:
    """Simulated side: the mean of a per-run count (``field`` of the run) over ``trials`` runs."""

    def simulate(rng: np.random.Generator, scale: float) -> Estimate:
        return from_values(getattr(decode(scaled(trials, scale), rng), field))

    return simulate


def _sequence_law(decode: Decoder, kernel: np.ndarray, start: int, horizon: int) -> Simulation:
    """Simulated side: chi-square of the emitted sequences vs the chain ``kernel``'s law."""

    def simulate(rng: np.random.Generator, scale: float) -> GofResult:
        tokens = decode(scaled(SEQ_TRIALS, scale), rng).tokens
        law = sequence_law(kernel, start, horizon)
        return chisquare_gof(encode_sequences(tokens, len(kernel)), law)

    return simulate


def _rejection_rate(sample: Sampler) -> Simulation:
    """Simulated side: the fraction of rejected trials of a one-step rule."""

    def simulate(rng: np.random.Generator, scale: float) -> Estimate:
        _, acc = sample(scaled(STEP_TRIALS, scale), rng)
        return from_proportion(int((~acc).sum()), acc.size)

    return simulate


# ----------------------------------------------------------------------------- (a) sum of TV


def _sum_tv_cases() -> list[Case]:
    return [
        Case(
            lab,
            lambda p=p, q=q, s=s, h=h: expected_rejections(p, q, s, h),
            # long horizons: fewer, costlier runs
            _run_mean(_sd(p, q, s, h), "rejections", SEQ_TRIALS if h <= 10 else 30_000),
        )
        for lab, p, q, s, h in kernel_instances()
    ]


def _finite_gamma_cases() -> list[Case]:
    a, blk = example_a(), example_b()
    p5, q5 = _mixture_kernel(5, 0.5, 11)
    inst = [
        ("Example A", a.target, a.draft, a.start, 3, (1, 2)),
        ("Example B", blk.target, blk.draft, 0, 3, (1, 2)),
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
                simulate = _run_mean(_sd(p, q, s, h, g), what, trials)
                cases.append(Case(f"{lab} gamma={g} E[{what}]", exact, simulate))
    return cases


def _sequence_law_cases() -> list[Case]:
    a, blk = example_a(), example_b()
    p3, q3 = _mixture_kernel(3, 0.6, 41)
    inst = [
        ("Example A gamma=1", a.target, a.draft, a.start, 3, 1),
        ("Example A to the end", a.target, a.draft, a.start, 3, None),
        ("Example B gamma=2", blk.target, blk.draft, 0, 3, 2),
        ("random n=3 H=5 gamma=2", p3, q3, 0, 5, 2),
        ("disjoint H=4 gamma=3", *kernel_instances()[-1][1:4], 4, 3),
        ("real text V=12 H=3 gamma=2", *text_kernels(12), 3, 2),
    ]
    return [
        Case(lab, lambda p=p, h=h: float(len(p) ** h), _sequence_law(_sd(p, q, s, h, g), p, s, h))
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
            simulate = _run_mean(_sd(p, q, 0, g + 1, g), "first_round_tokens", trials)
            cases.append(Case(f"{lab} gamma={g}", exact, simulate))
    return cases


# ----------------------------------------------------------------------------- (c) optimality


def step_pairs() -> list[tuple[str, np.ndarray, np.ndarray]]:
    """One-step (target, draft) instances of the optimality and trade-off claims."""
    g = np.random.default_rng(5)
    q8 = dirichlet(8, 0.7, g)
    q8[[1, 5]] = 0.0
    q8 /= q8.sum()
    return [
        ("n=3 reference", np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.3, 0.5])),
        ("n=8 zeros in draft", dirichlet(8, 1.0, g), q8),
        ("n=50 TV=0.4", *pair_at_tv(50, 0.4, rng=6)),
        _text_step_pair(),
    ]


def _text_step_pair() -> tuple[str, np.ndarray, np.ndarray]:
    """Real-text bigram laws (target, draft) after the most frequent word, n = 200."""
    (word, target, draft), *_ = text_pairs(200, contexts=1)
    return f"real text after {word!r} n=200", target, draft


def _simulate_rule(p: np.ndarray, q: np.ndarray, rule: Rule, size: int, rng):
    if rule.name == "independent resampling":  # literal: output Y ~ p, accepted iff X = Y
        return independent_resampling(p, q, size, rng)
    return accept_reject(q, rule.acceptance, rule.residual, size, rng)


def _optimality_cases() -> list[Case]:
    cases = []
    for lab, p, q in step_pairs():
        for rule in unbiased_baselines(p, q):
            simulate = _rejection_rate(partial(_simulate_rule, p, q, rule))
            cases.append(
                Case(f"{lab}: {rule.name}", lambda p=p, q=q: total_variation(p, q), simulate)
            )
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
            simulate = _rejection_rate(partial(speculative_sampling, p, q))
            cases.append(
                Case(f"{lab}: {name}", lambda p=p, q=q, lp=lp: lp(p, q).rejection, simulate)
            )
    return cases


# ----------------------------------------------------------------------------- (d) batch


def _batch_cases() -> list[Case]:
    a, blk = example_a(), example_b()
    p5, q5 = _mixture_kernel(5, 0.6, 51)
    ref_p, ref_q = context_free(np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.3, 0.5]))
    two_p, two_q = context_free(np.array([0.5, 0.5, 0, 0]), np.full(4, 0.25))
    inst = [
        ("Example A", a.target, a.draft, a.start, 3, (2, 3, 4)),
        ("Example B", blk.target, blk.draft, 0, 3, (2, 4)),
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

            simulate = _run_mean(_batch_sd(p, q, s, h, m), "rejections", SEQ_TRIALS)
            cases.append(Case(f"{lab} M={m}", exact, simulate))
    return cases


def _batch_law_cases() -> list[Case]:
    a, blk = example_a(), example_b()
    text_p, text_q, text_start = text_kernels(8)
    inst = [
        ("Example A M=3", a.target, a.draft, a.start, 3),
        ("Example B M=4", blk.target, blk.draft, blk.start, 4),
        ("real text V=8 M=3", text_p, text_q, text_start, 3),
    ]
    cases = []
    for lab, p, q, s, m in inst:
        simulate = _sequence_law(_batch_sd(p, q, s, 3, m), p, s, 3)
        cases.append(Case(lab, lambda p=p: float(len(p) ** 3), simulate))
    return cases


def _batch_floor_cases() -> list[Case]:
    a = example_a()
    p6 = random_kernel(6, 1.0, rng=61)
    q6 = random_kernel(6, 1.0, rng=62)
    q6[np.arange(6), (np.arange(6) + 1) % 6] = 0.0  # each state misses one token
    q6 /= q6.sum(axis=1, keepdims=True)
    inst = [
        ("Example A H=3", a.target, a.draft, a.start, 3, (16, 40)),
        ("random n=6 H=4", p6, q6, 0, 4, (40,)),
    ]
    cases = []
    for lab, p, q, s, h, ms in inst:
        for m in ms:
            cases.append(
                Case(
                    f"{lab} M={m}",
                    lambda p=p, q=q, s=s, h=h: batch_rejection_floor(p, q, s, h),
                    _run_mean(_batch_sd(p, q, s, h, m), "rejections", SEQ_TRIALS),
                )
            )
    return cases


# ----------------------------------------------------------------------------- (e) trade-off


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
    return _rejection_rate(_biased_rule(p, q, eps)[1])


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
        decode = _sd(a.target, a.draft, a.start, 3, mix=lam)
        simulate = _sequence_law(decode, (1 - lam) * a.target + lam * a.draft, a.start, 3)
        cases.append(Case(f"Example A sequence lam={lam:g} (chain K_lam)", lambda: 64.0, simulate))
    return cases


def _tradeoff_sequence_cases() -> list[Case]:
    a, b = example_a(), example_a_block()
    inst = [
        ("Example A H=3", a.target, a.draft, a.start, 3),
        ("A block H=20", b.target, b.draft, 0, 20),
        ("real text V=200 H=20", *text_kernels(200), 20),
    ]
    cases = []
    for lab, p, q, s, h in inst:
        for lam in (0.5, 0.8):

            def exact(p=p, q=q, s=s, h=h, lam=lam) -> float:
                return biased_expected_rejections(p, q, s, h, lam)

            simulate = _run_mean(_sd(p, q, s, h, mix=lam), "rejections", SEQ_TRIALS)
            cases.append(Case(f"{lab} lam={lam:g}", exact, simulate))
    return cases


SOURCE = "arXiv 2411.00841"

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
        source=f"{SOURCE} Thm 1 (finite-gamma variant, theory note C2)",
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
        source="arXiv 2211.17192 Eq. 1; theory note C3",
    ),
    Claim(
        id="rejections.optimality",
        paper=PAPER,
        statement="No unbiased accept/reject rule rejects less often than TV(p, q) "
        "(baselines: independent resampling, scaled, threshold; SD attains it).",
        agreement=LOWER,
        cases=_optimality_cases,
        source=f"{SOURCE} Thm 2",
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
    Claim(
        id="rejections.tradeoff",
        paper=PAPER,
        statement="Least rejection with TV(output, target) <= eps is max(0, TV - eps), "
        "attained by the rule with output (1 - lam) p + lam q.",
        agreement=EQUAL,
        cases=_tradeoff_cases,
        source=f"{SOURCE} Thms 4-5 (closed form as implemented here)",
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
