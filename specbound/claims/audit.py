"""Claims on the losslessness audit: the catalogue's exact laws and the audit's stated power.

* ``audit.rule_law``: each catalogue rule (correct and buggy, every kind) outputs exactly
  the law computed by :func:`~specbound.simulations.audit.exact_laws.exact_step`
  (the exact column shows its total variation from the target: a bias the audit must
  see), simulated by :func:`~specbound.simulations.audit.rule_sampler.simulate_rule`.
* ``audit.equality_acceptance``: the rule that emits the target's draw on equality is
  valid but accepts only sum_x p(x) (1 - (1 - q(x))^K) (NSS, arXiv 2410.18234).
* ``audit.tokens_per_step``: exact tokens per step of chain and tree rules.
* ``audit.power``: the chi-square test detects a worst-direction bias of the stated
  smallest size eps_min = sqrt(lambda_99 / 4N) with probability >= 0.99
  (:mod:`specbound.simulations.audit.power`), simulated with multinomial counts.
"""

from __future__ import annotations

import numpy as np

from specbound.claims import DISTRIBUTION, EQUAL, LOWER, Case, Claim, scaled
from specbound.lp.baselines import nss_acceptance
from specbound.simulations.agreement import GofResult, chisquare_gof
from specbound.simulations.audit.battery import battery, exact_on_case
from specbound.simulations.audit.catalogue import rule_sampler
from specbound.simulations.audit.kinds import KINDS, AuditCase, outcome
from specbound.simulations.audit.power import POWER, detectable_tv
from specbound.simulations.audit.rules import CORRECT, bug, bugs_for
from specbound.simulations.estimate import Estimate, from_proportion, from_values

PAPER = "engines (audit)"
TRIALS = 40_000


def _case(kind: str, label: str = "reference n = 3") -> AuditCase:
    return next(c for c in battery(kind) if c.label == label)


def _simulate_codes(rule, kind: str, case: AuditCase, size: int, rng: np.random.Generator):
    out = rule_sampler(rule, kind)(*case.args, size, rng)
    return outcome(KINDS[kind], case, out, size, rng)


def _law_cases() -> list[Case]:
    out = []
    for kind in KINDS:
        case = _case(kind)
        for name, rule in [("correct", CORRECT)] + [(b.name, b.rule) for b in bugs_for(kind)]:
            law = exact_on_case(rule, kind, case).law

            def simulate(rng, scale, rule=rule, kind=kind, case=case, law=law) -> GofResult:
                codes, _ = _simulate_codes(rule, kind, case, scaled(TRIALS, scale), rng)
                return chisquare_gof(codes, law)

            tv = 0.5 * float(np.abs(law - case.law).sum())
            out.append(Case(f"{kind}/{name}", lambda tv=tv: tv, simulate))
    return out


def _equality_cases() -> list[Case]:
    rule = bug("target_draw_on_equality").rule
    out = []
    for kind in ("single", "multi"):
        for label in ("reference n = 3", "softmax n = 1000"):
            case = _case(kind, label)
            p, q = case.args
            drafts = q if q.ndim == 2 else q[None]

            def simulate(rng, scale, kind=kind, case=case) -> Estimate:
                size = scaled(TRIALS, scale)
                _, accepted = _simulate_codes(rule, kind, case, size, rng)
                return from_proportion(int(accepted.sum()), size)

            out.append(
                Case(f"{kind}/{label}", lambda p=p, d=drafts: nss_acceptance(p, d), simulate)
            )
    return out


def _tokens_cases() -> list[Case]:
    out = []
    for kind in ("chain", "tree"):
        for label in ("reference n = 3", "n = 5"):
            case = _case(kind, label)
            for name in ("correct", "bonus_missing", "target_draw_on_equality"):
                rule = CORRECT if name == "correct" else bug(name).rule
                exact = exact_on_case(rule, kind, case).tokens_per_step

                def simulate(rng, scale, rule=rule, kind=kind, case=case) -> Estimate:
                    _, emitted = _simulate_codes(rule, kind, case, scaled(TRIALS, scale), rng)
                    return from_values(emitted)

                out.append(Case(f"{kind}/{label}/{name}", lambda e=exact: e, simulate))
    return out


def _power_cases() -> list[Case]:
    out = []
    trials, level, reps = 20_000, 1e-4 / 20, 2_000
    for bins in (2, 10, 100):
        p = np.full(bins, 1.0 / bins)
        eps = detectable_tv(bins, trials, level)
        biased = p * np.where(np.arange(bins) < bins // 2, 1 + 2 * eps, 1 - 2 * eps)

        def simulate(rng, scale, p=p, biased=biased) -> Estimate:
            m = scaled(reps, scale, minimum=500)
            counts = rng.multinomial(trials, biased, size=m)
            hits = sum(chisquare_gof(None, p, counts=c).pvalue <= level for c in counts)
            return from_proportion(int(hits), m)

        out.append(Case(f"{bins} bins, eps = {eps:.3g}, N = {trials}", lambda: POWER, simulate))
    return out


CLAIMS = [
    Claim(
        id="audit.rule_law",
        paper=PAPER,
        statement=(
            "Each verification rule of the audit's catalogue (correct, and every engine bug "
            "class, for single, K drafts, chains, trees) outputs exactly its computed law; "
            "exact column: its TV from the target."
        ),
        agreement=DISTRIBUTION,
        cases=_law_cases,
        source="engines.md section 4",
    ),
    Claim(
        id="audit.equality_acceptance",
        paper=PAPER,
        statement=(
            "Emitting the target's draw and accepting on equality is valid but accepts "
            "sum_x p(x) (1 - (1 - q(x))^K) (sum p q for one draft)."
        ),
        agreement=EQUAL,
        cases=_equality_cases,
        source="engines.md section 4; arXiv 2410.18234 (NSS)",
    ),
    Claim(
        id="audit.tokens_per_step",
        paper=PAPER,
        statement=(
            "Tokens per step of chain and tree verification rules (correct, bonus missing, "
            "equality) equal the exact recursion over the tree."
        ),
        agreement=EQUAL,
        cases=_tokens_cases,
        source="engines.md section 4",
    ),
    Claim(
        id="audit.power",
        paper=PAPER,
        statement=(
            "The audit's chi-square test detects a bias of TV eps_min = sqrt(lambda_99 / 4N) "
            "in the worst direction with probability >= 0.99 (noncentral chi-square)."
        ),
        agreement=LOWER,
        cases=_power_cases,
        source="Mitra 1958; specbound.simulations.audit.power",
    ),
]
