"""Instances and simulated sides shared by the rejection claims (Yin et al., arXiv 2411.00841).

Reference instances: the 4-token chain and the time-varying chain of ``theory/rejections.md``,
the 3x3 block of the 4-token chain, seeded
random kernels, real-text bigram kernels, equal and disjoint kernels (sequence
level); one-step (target, draft) pairs. Simulated sides run the real algorithms
(:func:`~specbound.simulations.markov.speculative_decoding`,
:func:`~specbound.simulations.batch_decoding.batch_speculative_decoding`, one-step
rules). The claims are in ``rejections_markov``, ``rejections_optimality``,
``rejections_batch`` and ``rejections_tradeoff``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from specbound.bounds.rejection_examples import example_a, example_a_block, example_b
from specbound.bounds.rejections import sequence_law
from specbound.claims import Sampler, scaled
from specbound.distributions import dirichlet, pair_at_tv, random_kernel
from specbound.simulations.agreement import GofResult, chisquare_gof
from specbound.simulations.batch_decoding import BatchRun, batch_speculative_decoding
from specbound.simulations.estimate import Estimate, from_proportion, from_values
from specbound.simulations.markov import SequenceRun, encode_sequences, speculative_decoding
from specbound.simulations.text_ngram import text_models, text_pair

PAPER = "Yin+24 (2411.00841)"
SOURCE = "arXiv 2411.00841"
SEQ_TRIALS = 100_000
STEP_TRIALS = 200_000

Kernels = tuple[str, np.ndarray, np.ndarray, int, int]  # label, P, Q, start, horizon
#: ``decode(size, rng)``: ``size`` independent runs of a sequence-level algorithm.
Decoder = Callable[[int, np.random.Generator], SequenceRun | BatchRun]
Simulation = Callable[[np.random.Generator, float], Estimate | GofResult]


def mixture_kernel(n: int, weight: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
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
        ("4-token chain H=3", a.target, a.draft, a.start, 3),
        ("time-varying chain H=3", blk.target, blk.draft, blk.start, 3),
        ("3x3 block H=10", b.target, b.draft, 0, 10),
        ("3x3 block H=50", b.target, b.draft, 0, 50),  # 30k runs (see rejections.sum_tv)
    ]
    p, q = mixture_kernel(5, 0.5, 11)
    out.append(("random n=5 H=8", p, q, 0, 8))
    p, q = mixture_kernel(50, 0.3, 21)
    out.append(("random n=50 H=20", p, q, 0, 20))
    out.append(("real text V=200 H=20", *text_kernels(200), 20))
    p = random_kernel(6, 1.0, rng=31)
    out.append(("equal kernels H=5", p, p.copy(), 0, 5))
    eye = np.eye(4)
    out.append(("disjoint (TV=1) H=4", eye[[1, 0, 3, 2]], eye, 0, 4))
    return out


def step_pairs() -> list[tuple[str, np.ndarray, np.ndarray]]:
    """One-step (target, draft) instances of the optimality and trade-off claims.

    The real-text pair is the bigram target and draft laws after the most frequent word.
    """
    g = np.random.default_rng(5)
    q8 = dirichlet(8, 0.7, g)
    q8[[1, 5]] = 0.0
    q8 /= q8.sum()
    word, target, draft = text_pair(200)
    return [
        ("n=3 reference", np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.3, 0.5])),
        ("n=8 zeros in draft", dirichlet(8, 1.0, g), q8),
        ("n=50 TV=0.4", *pair_at_tv(50, 0.4, rng=6)),
        (f"real text after {word!r} n=200", target, draft),
    ]


# ----------------------------------------------------------------------------- simulated sides


def speculative_decoder(
    p: np.ndarray,
    q: np.ndarray,
    start: int,
    horizon: int,
    gamma: int | None = None,
    mix: float = 0.0,
) -> Decoder:
    """Speculative decoding of ``horizon`` tokens from ``start`` (gamma drafts, bias ``mix``)."""
    return lambda size, rng: speculative_decoding(p, q, horizon, size, gamma, rng, start, mix=mix)


def batch_decoder(p: np.ndarray, q: np.ndarray, start: int, horizon: int, m: int) -> Decoder:
    """Batch speculative decoding of ``horizon`` tokens from ``start`` with ``m`` drafts."""
    return lambda size, rng: batch_speculative_decoding(p, q, horizon, size, m, rng, start)


def run_mean(decode: Decoder, field: str, trials: int) -> Simulation:
    """Simulated side: the mean of a per-run count (``field`` of the run) over ``trials`` runs."""

    def simulate(rng: np.random.Generator, scale: float) -> Estimate:
        return from_values(getattr(decode(scaled(trials, scale), rng), field))

    return simulate


def sampled_sequence_law(
    decode: Decoder, kernel: np.ndarray, start: int, horizon: int
) -> Simulation:
    """Simulated side: chi-square of the emitted sequences vs the chain ``kernel``'s law."""

    def simulate(rng: np.random.Generator, scale: float) -> GofResult:
        tokens = decode(scaled(SEQ_TRIALS, scale), rng).tokens
        law = sequence_law(kernel, start, horizon)
        return chisquare_gof(encode_sequences(tokens, len(kernel)), law)

    return simulate


def rejection_rate(sample: Sampler) -> Simulation:
    """Simulated side: the fraction of rejected trials of a one-step rule."""

    def simulate(rng: np.random.Generator, scale: float) -> Estimate:
        _, acc = sample(scaled(STEP_TRIALS, scale), rng)
        return from_proportion(int((~acc).sum()), acc.size)

    return simulate
