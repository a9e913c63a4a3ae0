"""Results of an audit: one :class:`CaseResult` per case, the :class:`AuditResult` around them."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from specbound.commands.output import Column, number, table
from specbound.simulations.audit.kinds import KINDS
from specbound.simulations.audit.power import POWER
from specbound.simulations.estimate import Estimate


@dataclass(frozen=True)
class CaseResult:
    """The audit of one case.

    Attributes
    ----------
    label : str
        The case.
    vocab : int
        n.
    trials : int
        Trials run (0 when the sampler failed).
    pvalue : float
        Chi-square p-value of the output law (nan when the sampler failed).
    bins : int
        Merged chi-square bins.
    measured : Estimate or None
        Acceptance (single, multi) or tokens per step (chain, tree), mean ± SE.
    reference : float
        The optimum (single, multi) or the reference tokens per step (chain, tree).
    above_pvalue : float
        Exact binomial p-value of "acceptance above the optimum" (nan when not tested).
    detectable_tv : float
        Smallest merged-bin TV bias detected with probability 0.99 (power.py).
    pooled_mass : float
        Target mass in merged bins holding several outcomes (bias inside them is invisible).
    verdict : str
        "biased (...)", "valid, optimal", "valid, x% below ..." or "error: ...".
    sampler_seconds : float
        Time spent inside the sampler.
    seconds : float
        Total time of the case.
    """

    label: str
    vocab: int
    trials: int
    pvalue: float
    bins: int
    measured: Estimate | None
    reference: float
    above_pvalue: float
    detectable_tv: float
    pooled_mass: float
    verdict: str
    sampler_seconds: float
    seconds: float

    @property
    def biased(self) -> bool:
        """The audit found this case biased."""
        return self.verdict.startswith("biased")

    @property
    def failed(self) -> bool:
        """The sampler raised or returned unreadable output."""
        return self.verdict.startswith("error")


@dataclass(frozen=True)
class AuditResult:
    """An audit: the sampler, its kind, every case, the false-alarm and power statements."""

    sampler: str
    kind: str
    cases: tuple[CaseResult, ...]
    alpha: float
    tests: int
    trials: int
    per_trial: bool

    @property
    def verdict(self) -> str:
        """ "valid", "biased" (some case biased) or "error" (some case failed, none biased)."""
        if any(c.biased for c in self.cases):
            return "biased"
        return "error" if any(c.failed for c in self.cases) else "valid"

    @property
    def passed(self) -> bool:
        """Every case valid."""
        return self.verdict == "valid"

    def power_line(self) -> str:
        """The stated power of the audit."""
        level = self.alpha / self.tests
        tvs = [c.detectable_tv for c in self.cases if not math.isnan(c.detectable_tv)]
        worst = f"{max(tvs):.3g}" if tvs else "n/a"
        return (
            f"power: each case detects, with probability {POWER:g}, any bias of the output law "
            f"whose total variation over the merged bins is at least its 'detects TV' value "
            f"(largest: {worst}; two-moment chi-square, worst direction, Bonferroni level "
            f"{level:.2g})"
        )

    def false_alarm_line(self) -> str:
        """The stated family-wise false-alarm rate."""
        return (
            f"false alarms: P(a correct sampler is called biased) <= {self.alpha:g} over the "
            f"whole battery (Holm over {self.tests} tests: the output law of every case"
            + (", and acceptance above the optimum" if KINDS[self.kind].upper_bound else "")
            + ")"
        )

    def summary(self) -> str:
        """One line: verdict and counts."""
        bad = sum(c.biased for c in self.cases)
        err = sum(c.failed for c in self.cases)
        n = len(self.cases)
        return (
            f"verdict: {self.verdict.upper()} ({n - bad - err}/{n} cases valid"
            + (f", {bad} biased" if bad else "")
            + (f", {err} failed" if err else "")
            + ")"
        )

    def to_dict(self) -> dict:
        """Plain data for ``--format json``."""
        cases = []
        for c in self.cases:
            d = asdict(c)
            d["measured"] = None if c.measured is None else asdict(c.measured)
            cases.append(
                {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in d.items()}
            )
        return {
            "sampler": self.sampler,
            "kind": self.kind,
            "verdict": self.verdict,
            "trials": self.trials,
            "per_trial_loop": self.per_trial,
            "family_wise_alpha": self.alpha,
            "tests": self.tests,
            "correction": "Holm",
            "power": POWER,
            "cases": cases,
        }

    def columns(self) -> tuple[Column, ...]:
        """Columns of the case table (``bins``, then ``detects TV``, give way to fit)."""
        kind = KINDS[self.kind]
        return (
            Column("case", "case", left=True),
            Column("n", "n"),
            Column("pvalue", "X² p", _general(3)),
            Column("measured", kind.measure, number(4)),
            Column("measured_se", "± SE", _general(1)),
            Column("reference", kind.reference, number(4)),
            Column("detects_tv", "detects TV", _general(2), optional=True),
            Column("bins", "bins", optional=True),
            Column("verdict", "verdict", left=True),
        )

    def rows(self) -> list[dict]:
        """One row per case: raw values (None where not measured) for the table and CSV."""
        return [
            {
                "case": c.label,
                "n": c.vocab,
                "trials": c.trials,
                "pvalue": None if math.isnan(c.pvalue) else c.pvalue,
                "bins": c.bins,
                "measured": None if c.measured is None else c.measured.mean,
                "measured_se": None if c.measured is None else c.measured.se,
                "reference": c.reference,
                "detects_tv": None if math.isnan(c.detectable_tv) else c.detectable_tv,
                "verdict": c.verdict,
            }
            for c in self.cases
        ]

    def heading(self) -> str:
        """The line above the table: sampler, kind, cases and trials."""
        return (
            f"audit of {self.sampler} ({self.kind}: "
            f"{len(self.cases)} cases x {self.trials:,} trials"
            + (", one trial per call in a Python loop" if self.per_trial else "")
            + ")"
        )

    def footer(self) -> list[str]:
        """The lines below the table: false alarms, power, time, verdict."""
        sampler = sum(c.sampler_seconds for c in self.cases)
        total = sum(c.seconds for c in self.cases)
        runs = sum(c.trials for c in self.cases)
        per = f"{1e6 * sampler / runs:.3g} µs per trial" if runs else "no trial ran"
        return [
            self.false_alarm_line(),
            self.power_line(),
            f"time: {total:.2f} s ({sampler:.2f} s in the sampler, {per})",
            self.summary(),
        ]

    def format_table(self, wide: bool = True) -> str:
        """The case table with the false-alarm, power and verdict lines."""
        body = table(self.columns(), self.rows(), wide)
        return "\n".join([self.heading(), body, *self.footer()])


def _general(digits: int):
    """Formatter: ``digits`` significant digits, "-" for None."""
    return lambda x: "-" if x is None else f"{x:.{digits}g}"
