"""Claims on the losslessness audit: the catalogue's exact laws and the audit's stated power.

* ``audit.rule_law``: each catalogue rule (correct and buggy, every kind) outputs exactly
  the law computed by :func:`~specbound.simulations.audit.exact_laws.exact_step`
  (the exact column shows its total variation from the target: a bias the audit must
  see), simulated by :func:`~specbound.simulations.audit.rule_sampler.simulate_rule`.
* ``audit.equality_acceptance``: the rule that emits the target's draw on equality is
  valid but accepts only sum_x p(x) (1 - (1 - q(x))^K) (NSS, arXiv 2410.18234).
* ``audit.tokens_per_step``: exact tokens per step of chain and tree rules.
* ``audit.power``: the chi-square test detects a worst-direction bias of the stated
  smallest size eps_min with probability >= 0.99 (:mod:`specbound.simulations.audit.power`),
  simulated with multinomial counts, including laws with many small merged bins where the
  textbook noncentral chi-square overstates the power (0.89 instead of 0.99).

Real text: the bigram laws of the Python documentation (:mod:`specbound.simulations.text_ngram`)
after 'the' (n = 200) and the n = 6 bigram kernels of its most frequent words.
"""

from __future__ import annotations

import numpy as np

from specbound.claims import DISTRIBUTION, EQUAL, LOWER, Case, Claim, formulas, scaled
from specbound.lp.baselines import nss_acceptance
from specbound.simulations.agreement import GofResult, chisquare_gof, merge_bins
from specbound.simulations.audit.battery import (
    battery,
    chain_parent,
    exact_on_case,
    kary_parent,
    multi_case,
    single_case,
    tree_case,
)
from specbound.simulations.audit.catalogue import rule_sampler
from specbound.simulations.audit.kinds import KINDS, AuditCase, outcome
from specbound.simulations.audit.power import POWER, detectable_tv
from specbound.simulations.audit.rules import CORRECT, Rule, bug, bugs_for
from specbound.simulations.estimate import Estimate, from_proportion, from_values
from specbound.simulations.text_ngram import text_model_array, text_pairs

PAPER = "engines (audit)"
TRIALS = 25_000


def _case(kind: str, label: str = "reference n = 3") -> AuditCase:
    return next(c for c in battery(kind) if c.label == label)


def _text_case(kind: str) -> AuditCase:
    """Real text: bigram laws after 'the' (n = 200; K = 2 drafts), or the n = 6 bigram
    kernels of the most frequent words (chains of 3 drafts, binary trees of depth 2)."""
    if kind in ("single", "multi"):
        word, p, q = text_pairs(200, contexts=1)[0]
        label = f"real text after {word!r}"
        return single_case(label, p, q) if kind == "single" else multi_case(label, p, [q, q])
    p, q = text_model_array("target", 6), text_model_array("draft", 6)
    if kind == "chain":
        return tree_case("real text n = 6", p, q, 0, chain_parent(3), chain=True)
    return tree_case("real text n = 6", p, q, 0, kary_parent(2, 2))


def _simulate_codes(rule, kind: str, case: AuditCase, size: int, rng: np.random.Generator):
    out = rule_sampler(rule, kind)(*case.args, size, rng)
    return outcome(KINDS[kind], case, out, size, rng)


def _rules(kind: str) -> list[tuple[str, Rule]]:
    return [("correct", CORRECT)] + [(b.name, b.rule) for b in bugs_for(kind)]


def _law_cases() -> list[Case]:
    out = []
    for kind in KINDS:
        cases = [_case(kind)] + ([_text_case(kind)] if kind in ("single", "chain") else [])
        for case in cases:
            for name, rule in _rules(kind):
                law = exact_on_case(rule, kind, case).law

                def simulate(rng, scale, rule=rule, kind=kind, case=case, law=law) -> GofResult:
                    codes, _ = _simulate_codes(rule, kind, case, scaled(TRIALS, scale), rng)
                    return chisquare_gof(codes, law)

                tv = 0.5 * float(np.abs(law - case.law).sum())
                where = "" if case.label.startswith("reference") else f" ({case.label})"
                out.append(Case(f"{kind}/{name}{where}", lambda tv=tv: tv, simulate))
    return out


def _equality_cases() -> list[Case]:
    rule = bug("target_draw_on_equality").rule
    out = []
    for kind in ("single", "multi"):
        for case in (_case(kind), _case(kind, "softmax n = 1000"), _text_case(kind)):
            p, q = case.args
            drafts = q if q.ndim == 2 else q[None]

            def simulate(rng, scale, kind=kind, case=case) -> Estimate:
                size = scaled(TRIALS, scale)
                _, accepted = _simulate_codes(rule, kind, case, size, rng)
                return from_proportion(int(accepted.sum()), size)

            exact = nss_acceptance(p, drafts)
            out.append(Case(f"{kind}/{case.label}", lambda e=exact: e, simulate))
    return out


def _tokens_cases() -> list[Case]:
    out = []
    for kind in ("chain", "tree"):
        # real text only on the chain: its n = 6 tree emits 2 tokens with probability
        # 0.9997, too rare an alternative for a plug-in standard error at these trials
        text = [_text_case(kind)] if kind == "chain" else []
        for case in [_case(kind), _case(kind, "n = 5"), *text]:
            for name in ("correct", "bonus_missing", "target_draw_on_equality"):
                rule = CORRECT if name == "correct" else bug(name).rule
                exact = exact_on_case(rule, kind, case).tokens_per_step

                def simulate(rng, scale, rule=rule, kind=kind, case=case) -> Estimate:
                    _, emitted = _simulate_codes(rule, kind, case, scaled(TRIALS, scale), rng)
                    return from_values(emitted)

                out.append(Case(f"{kind}/{case.label}/{name}", lambda e=exact: e, simulate))
    return out


def worst_bias(law: np.ndarray, trials: int, eps: float) -> np.ndarray:
    """``law`` with a TV-``eps`` bias in the direction the audit's test sees least.

    The merged bins (as the test merges them at ``trials``) are split greedily into two
    halves A, B of nearly equal mass; every token of A gains the factor 1 + eps / p(A),
    every token of B loses 1 - eps / p(B). Noncentrality N eps^2 (1/p(A) + 1/p(B)) >=
    4 N eps^2, the bound the stated power uses, with equality when p(A) = p(B).
    """
    support = np.flatnonzero(law > 0)
    labels = merge_bins(trials * law[support], 5.0)
    mass = np.bincount(labels, weights=law[support])
    in_a = np.zeros(mass.size, dtype=bool)
    total_a = 0.0
    for b in np.argsort(-mass):
        if total_a + mass[b] <= 0.5 or total_a == 0.0:
            in_a[b] = True
            total_a += mass[b]
    factor = np.where(in_a, 1 + eps / total_a, 1 - eps / (1 - total_a))
    out = law.copy()
    out[support] *= factor[labels]
    return out


def _power_cases() -> list[Case]:
    out = []
    trials, level, reps = 20_000, 1e-4 / 20, 2_000
    laws = [(f"uniform, {b} bins", np.full(b, 1.0 / b)) for b in (2, 10, 100)]
    word, p, _ = text_pairs(200, contexts=1)[0]
    laws.append((f"real text after {word!r}, n = 200", p))
    laws.append(("softmax n = 1000 (489 merged bins)", _case("single", "softmax n = 1000").law))
    for label, law in laws:
        eps = detectable_tv(law, trials, level)
        biased = worst_bias(law, trials, eps)

        def simulate(rng, scale, law=law, biased=biased) -> Estimate:
            m = scaled(reps, scale, minimum=500)
            counts = rng.multinomial(trials, biased, size=m)
            hits = sum(chisquare_gof(None, law, counts=c).pvalue <= level for c in counts)
            return from_proportion(int(hits), m)

        out.append(Case(f"{label}, eps = {eps:.3g}, N = {trials}", lambda: POWER, simulate))
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
        formula=formulas.EQUALITY_ACCEPTANCE,
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
            "The audit's chi-square test detects a bias of merged-bin TV eps_min (its stated "
            "power line: two Poisson moments of X^2, adversarial signs, Patnaik's matched "
            "chi-square) in the worst direction with probability >= 0.99."
        ),
        agreement=LOWER,
        cases=_power_cases,
        source="Patnaik 1949; specbound.simulations.audit.power",
    ),
]
