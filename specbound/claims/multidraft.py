"""Claims on multi-draft speculative sampling (Khisti et al., arXiv 2410.18234, and baselines).

Each scheme's sampler is the real algorithm (:mod:`specbound.simulations.multidraft`);
the exact side comes from :mod:`specbound.lp`. Instances: ``theory/multidraft.md``'s n = 2 and
n = 6 references, random non-identical drafts, a draft without mass where the target
has mass, a one-hot target, large vocabularies (1000, 1024) for the schemes that do
not enumerate tuples, and real text (:mod:`specbound.simulations.text_ngram`): the
bigram target and draft laws after a frequent word, K i.i.d. drafts. The real-text
models are fitted at vocabulary 50 (49 words + ``<unk>``) when K = 2, so that the
schemes enumerating the n^K draft tuples (canonical LP, importance weights) apply,
and at the full vocabulary 200 with K = 3 for the others. Instances and LPs are
built lazily and cached.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial

import numpy as np

from specbound.claims import (
    DISTRIBUTION,
    EQUAL,
    LOWER,
    UPPER,
    Case,
    Claim,
    formulas,
    sampled_acceptance,
    sampled_law,
    scaled,
)
from specbound.distributions import dirichlet, disjoint_pair, pair_at_tv, target_draft_pair
from specbound.lp.baselines import (
    nss_acceptance,
    specinfer_acceptance,
    spectr_acceptance,
    spectr_guarantee,
)
from specbound.lp.optimum import identical, optimal_acceptance
from specbound.lp.selection import canonical_rule, importance_weighted_rule
from specbound.lp.truncated import tournament
from specbound.simulations.agreement import chisquare_gof
from specbound.simulations.multidraft import (
    nss_sampling,
    sample_drafts,
    select_positions,
    selection_sampling,
    specinfer_sampling,
    spectr_sampling,
    tournament_sampling,
    tournament_select,
)
from specbound.simulations.multidraft_reference import (
    selection_reference,
    specinfer_reference,
    spectr_reference,
    tournament_reference,
)
from specbound.simulations.text_ngram import text_pair

PAPER = "Khisti+25"
TRIALS = 200_000
#: Largest n^K for schemes that enumerate draft tuples (canonical LP, importance weights).
SMALL_TUPLES = 5_000
#: Truncation threshold of the truncated LP / tournament in the claims.
S_TRUNC = 3


def _text_instance(vocab_size: int, context: int, k: int) -> tuple[str, np.ndarray, np.ndarray]:
    """(label, target, K i.i.d. drafts) after the ``context``-th most frequent word."""
    word, p, q = text_pair(vocab_size, context)
    return f"real text n={vocab_size} after {word!r} K={k}", p, np.tile(q, (k, 1))


@cache
def _instances() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The instances, by label: (target, drafts)."""
    p6 = np.array([0.30, 0.25, 0.15, 0.12, 0.10, 0.08])
    q1 = np.array([0.10, 0.15, 0.30, 0.25, 0.12, 0.08])
    q2 = np.array([0.20, 0.05, 0.25, 0.20, 0.20, 0.10])
    g = np.random.default_rng(2410_18234)
    onehot = np.zeros(8)
    onehot[5] = 1.0
    p_soft, q_soft = target_draft_pair(1000, rng=11)
    p_tv, q_tv = pair_at_tv(1024, 0.3, rng=12)
    p_dis, q_dis = disjoint_pair(64, rng=13)
    text = [_text_instance(50, 0, 2), _text_instance(200, 1, 3)]
    return {
        "n=2 a=.5 b=.1 K=2": (np.array([0.1, 0.9]), np.full((2, 2), 0.5)),
        "n=6 reference K=2": (p6, np.vstack([q1, q2])),
        "n=6 iid K=3": (p6, np.tile(q1, (3, 1))),
        "n=6 iid K=4 (P*=1)": (p6, np.tile(q1, (4, 1))),
        "n=5 dirichlet K=3": (
            dirichlet(5, 1.0, g),
            np.vstack([dirichlet(5, c, g) for c in (1.0, 0.5, 2.0)]),
        ),
        "n=4 zero draft mass": (
            np.array([0.1, 0.2, 0.3, 0.4]),
            np.array([[0.5, 0.5, 0.0, 0.0], [0.3, 0.3, 0.4, 0.0]]),
        ),
        "n=8 one-hot target": (onehot, np.tile(dirichlet(8, 1.0, g), (2, 1))),
        "n=1000 softmax K=4": (p_soft, np.tile(q_soft, (4, 1))),
        "n=1024 TV=0.3 K=3": (p_tv, np.tile(q_tv, (3, 1))),
        "n=64 disjoint supports K=3": (p_dis, np.tile(q_dis, (3, 1))),
        **{label: (p, q) for label, p, q in text},
    }


def _small(q: np.ndarray) -> bool:
    return q.shape[1] ** q.shape[0] <= SMALL_TUPLES


Sampler = Callable[[str, int, np.random.Generator], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Scheme:
    """A multi-draft scheme: exact acceptance, sampler, selection step, applicability.

    ``reference``: a sampler written from the paper that shares nothing with the exact
    side (:mod:`specbound.simulations.multidraft_reference`), used by ``md.acceptance``.
    """

    name: str
    exact: Callable[[str], float]
    sample: Callable[[str, int, np.random.Generator], tuple[np.ndarray, np.ndarray]]
    applies: Callable[[np.ndarray], bool]
    select: Callable[[str, int, np.random.Generator], tuple[np.ndarray, np.ndarray]] | None = None
    reference: Sampler | None = None


@cache
def _canonical(label: str):
    return canonical_rule(*_instances()[label])


@cache
def _importance(label: str):
    return importance_weighted_rule(*_instances()[label])


@cache
def _tournament(label: str):
    return tournament(*_instances()[label], S_TRUNC)


@cache
def _optimum(label: str) -> float:
    return optimal_acceptance(*_instances()[label])


def _rule_scheme(name: str, rule_of: Callable, reference: Sampler) -> Scheme:
    """A selection-rule scheme (canonical LP, importance weights) built by ``rule_of(label)``."""

    def select(label: str, size: int, rng: np.random.Generator):
        rule = rule_of(label)
        x = sample_drafts(rule.drafts, size, rng)
        return select_positions(rule, x, rng), rule.intermediate

    return Scheme(
        name,
        lambda lab: rule_of(lab).acceptance,
        lambda lab, m, g: selection_sampling(rule_of(lab), m, g),
        _small,
        select,
        reference,
    )


def _baseline_scheme(
    name: str,
    acceptance: Callable,
    sampling: Callable,
    applies: Callable[[np.ndarray], bool],
    reference: Callable | None = None,
) -> Scheme:
    """A scheme with ``acceptance(target, drafts)`` and ``sampling(target, drafts, m, rng)``.

    ``reference(target, drafts, m, rng)``: the independent sampler, if any.
    """
    ref = None if reference is None else lambda lab, m, g: reference(*_instances()[lab], m, g)
    return Scheme(
        name,
        lambda lab: acceptance(*_instances()[lab]),
        lambda lab, m, g: sampling(*_instances()[lab], m, g),
        applies,
        reference=ref,
    )


def _canonical_reference(label: str, size: int, rng: np.random.Generator):
    """The canonical scheme run by the reference: the LP's selection, q_I enumerated here."""
    return selection_reference(*_instances()[label], _canonical(label).selection, size, rng)


def _importance_reference(label: str, size: int, rng: np.random.Generator):
    """Importance weights p(x_k)/q_k(x_k) and q_I computed by the reference sampler."""
    return selection_reference(*_instances()[label], None, size, rng)


def _selected_tournament(label, size, rng):
    t = _tournament(label)
    return tournament_select(t, sample_drafts(t.drafts, size, rng), rng), t.intermediate


SCHEMES = [
    _rule_scheme("canonical LP", _canonical, _canonical_reference),
    Scheme(
        f"truncated LP/tournament s={S_TRUNC}",
        lambda lab: _tournament(lab).acceptance,
        lambda lab, m, g: tournament_sampling(_tournament(lab), m, g),
        lambda q: q.shape[0] >= 2,
        _selected_tournament,
        lambda lab, m, g: tournament_reference(_tournament(lab), m, g),
    ),
    _rule_scheme("importance weights", _importance, _importance_reference),
    _baseline_scheme(
        "SpecInfer", specinfer_acceptance, specinfer_sampling, lambda q: True, specinfer_reference
    ),
    _baseline_scheme(
        "SpecTr K-SEQ", spectr_acceptance, spectr_sampling, identical, spectr_reference
    ),
    _baseline_scheme("NSS", nss_acceptance, nss_sampling, lambda q: True),
]


def _pairs(schemes=SCHEMES):
    return [(s, label) for s in schemes for label, (_, q) in _instances().items() if s.applies(q)]


def _law_cases() -> list[Case]:
    return [
        Case(
            f"{s.name} | {lab}",
            lambda: float("nan"),
            sampled_law(partial(s.sample, lab), _instances()[lab][0], TRIALS),
        )
        for s, lab in _pairs()
    ]


def _accept(s: Scheme, label: str):
    return sampled_acceptance(partial(s.sample, label), TRIALS)


def _acceptance_cases() -> list[Case]:
    """Exact formula vs the reference sampler (the production one for NSS)."""

    def simulate(s: Scheme, label: str):
        sampler = s.sample if s.reference is None else s.reference
        return sampled_acceptance(partial(sampler, label), TRIALS)

    return [
        Case(f"{s.name} | {lab}", lambda s=s, lab=lab: s.exact(lab), simulate(s, lab))
        for s, lab in _pairs()
    ]


def _bound_cases() -> list[Case]:
    baselines = [s for s in SCHEMES if s.name != "canonical LP"]
    return [
        Case(f"{s.name} | {lab}", lambda lab=lab: _optimum(lab), _accept(s, lab))
        for s, lab in _pairs(baselines)
    ]


def _canonical_cases() -> list[Case]:
    (s,) = [s for s in SCHEMES if s.name == "canonical LP"]
    return [
        Case(lab, lambda lab=lab: _optimum(lab), _accept(s, lab))
        for lab, (_, q) in _instances().items()
        if _small(q)
    ]


def _intermediate_cases() -> list[Case]:
    def make(s: Scheme, label: str):
        def simulate(rng, scale):
            y, law = s.select(label, scaled(TRIALS, scale), rng)
            return chisquare_gof(y, law)

        return simulate

    chosen = [s for s in SCHEMES if s.select is not None]
    return [
        Case(f"{s.name} | {lab}", lambda: float("nan"), make(s, lab)) for s, lab in _pairs(chosen)
    ]


def _spectr_guarantee_cases() -> list[Case]:
    (s,) = [s for s in SCHEMES if s.name == "SpecTr K-SEQ"]

    def bound(lab):
        k = _instances()[lab][1].shape[0]
        return spectr_guarantee(k, _optimum(lab))

    return [
        Case(lab, lambda lab=lab: bound(lab), _accept(s, lab))
        for lab, (_, q) in _instances().items()
        if identical(q)
    ]


CLAIMS = [
    Claim(
        id="md.canonical",
        paper=PAPER,
        statement=(
            "The canonical decomposition built from the coupling LP (importance selection, "
            "then speculative sampling with q_I) accepts with the optimum "
            "P* = min_T [p(T) + 1 - prod_k q_k(T)]."
        ),
        agreement=EQUAL,
        cases=_canonical_cases,
        source="arXiv 2410.18234 (canonical decomposition; optimum as implemented here)",
        formula=formulas.IDENTICAL_OPTIMUM,
    ),
    Claim(
        id="md.output_law",
        paper=PAPER,
        statement=(
            "Every multi-draft scheme (canonical, truncated LP/tournament, importance "
            "weights, SpecInfer, SpecTr, NSS) outputs exactly the target law."
        ),
        agreement=DISTRIBUTION,
        cases=_law_cases,
        source="arXiv 2410.18234; 2305.09781; 2310.15141",
    ),
    Claim(
        id="md.selection_law",
        paper=PAPER,
        statement="The token chosen by the selection step is distributed as the exact q_I.",
        agreement=DISTRIBUTION,
        cases=_intermediate_cases,
        source="arXiv 2410.18234 (importance-weighted selection, truncated LP, tournament)",
    ),
    Claim(
        id="md.acceptance",
        paper=PAPER,
        statement="Each scheme's exact acceptance formula equals the acceptance of a "
        "reference sampler written from the paper (own residuals, rho, weights and "
        "intermediate law q_I; NSS: its sampler).",
        agreement=EQUAL,
        cases=_acceptance_cases,
        source="arXiv 2410.18234; 2305.09781; 2310.15141 (baselines of theory/multidraft.md)",
    ),
    Claim(
        id="md.optimum_bound",
        paper=PAPER,
        statement="No scheme accepts more often than the optimum P* (min-cut closed form).",
        agreement=UPPER,
        cases=_bound_cases,
        source="arXiv 2410.18234 (optimal acceptance)",
        formula=formulas.IDENTICAL_OPTIMUM,
    ),
    Claim(
        id="md.spectr_guarantee",
        paper="Sun+23",
        statement="SpecTr K-SEQ accepts at least (1 - (1 - 1/K)^K) P* >= (1 - 1/e) P*.",
        agreement=LOWER,
        cases=_spectr_guarantee_cases,
        source="arXiv 2310.15141 (K-SEQ approximation guarantee)",
        formula=formulas.SPECTR_GUARANTEE,
    ),
]
