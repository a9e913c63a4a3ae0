"""Verdicts of the claim registry and their tables: per case, per claim, in counts.

A verdict records one case's exact value, simulated value and statistic. Bound cases
(inequalities) also show their slack: how far inside the bound the simulated value
lies, in standard errors and relative to the bound, so a bound too loose to catch a
bug is visible; the summary counts tight checks (equalities, laws) and bound cases
apart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: Rule kinds that are bounds; with the sign of (exact - simulated) inside the bound.
BOUND_SIGN = {"upper": 1.0, "exact_upper": 1.0, "lower": -1.0, "exact_lower": -1.0}


@dataclass(frozen=True)
class Verdict:
    """The outcome of one case of one claim (``kind``: the agreement rule's kind)."""

    claim_id: str
    paper: str
    case: str
    rule: str
    exact: float
    simulated: float
    se: float
    statistic: float
    passed: bool
    n: int
    seconds: float
    kind: str = "equal"

    @property
    def is_bound(self) -> bool:
        """True for a bound case (an inequality), False for a tight check."""
        return self.kind in BOUND_SIGN

    def slack(self) -> tuple[float, float]:
        """(slack in SE, relative slack) of a bound case; (nan, nan) otherwise.

        Slack = sign * (exact - simulated), sign +1 for an upper bound: positive
        inside the bound (a gap within 1e-12 of rounding counts as 0). In SE it is that
        over the simulated SE (+-inf for a comparison without SE); relative, over
        |exact| (0 for a zero gap at a zero bound).
        """
        sign = BOUND_SIGN.get(self.kind)
        if sign is None:
            return math.nan, math.nan
        gap = sign * (self.exact - self.simulated)
        if abs(gap) <= 1e-12 * max(1.0, abs(self.exact)):
            gap = 0.0
        if self.se > 0:
            in_se = gap / self.se
        else:
            in_se = math.copysign(math.inf, gap) if gap else 0.0
        if abs(self.exact) > 1e-12:
            rel = gap / abs(self.exact)
        else:
            rel = math.copysign(math.inf, gap) if gap else 0.0
        return in_se, rel

    def slack_text(self) -> str:
        """The slack cell, e.g. ``"12.3 SE, 4.1%"`` (empty for a tight check)."""
        if not self.is_bound:
            return ""
        in_se, rel = self.slack()
        if self.kind.startswith("exact"):
            se_part = "exact"
        elif self.se > 0:
            se_part = f"{in_se:.1f} SE"
        else:
            se_part = "SE 0"
        return f"{se_part}, {rel:.2%}"

    def row(self) -> list[str]:
        """Cells of the verdict table."""
        if self.rule.startswith("chi-square"):
            sim = f"X² p = {self.simulated:.3g}"
            ex = "target law" if math.isnan(self.exact) else f"{self.exact:.6g}"
            stat = f"p = {self.statistic:.3g}"
        elif self.kind.startswith("exact"):
            sim = f"{self.simulated:.6g} (exact)"
            ex = f"{self.exact:.6g}"
            stat = f"diff = {self.statistic:+.3g}"
        else:
            sim = f"{self.simulated:.6g} ± {self.se:.2g}"
            ex = f"{self.exact:.6g}"
            stat = f"z = {self.statistic:+.2f}"
        verdict = "PASS" if self.passed else "FAIL"
        return [
            self.claim_id,
            self.case,
            self.paper,
            ex,
            sim,
            stat,
            self.slack_text(),
            self.rule,
            verdict,
        ]


HEADER = [
    "claim",
    "case",
    "paper",
    "exact",
    "simulated ± SE",
    "statistic",
    "bound slack",
    "rule",
    "verdict",
]


def format_table(verdicts: Sequence[Verdict], markdown: bool = False) -> str:
    """The verdict table as aligned text, or as a Markdown table."""
    rows = [v.row() for v in verdicts]
    if markdown:
        lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(HEADER)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [fmt.format(*HEADER), fmt.format(*("-" * w for w in widths))]
    out += [fmt.format(*r) for r in rows]
    return "\n".join(out)


def format_counts(verdicts: Sequence[Verdict], claims: int) -> str:
    """``"k/n cases passed (m claims: t tight checks, b bound cases)"``."""
    passed = sum(v.passed for v in verdicts)
    bounds = [v for v in verdicts if v.is_bound]
    noun = "claim" if claims == 1 else "claims"
    return (
        f"{passed}/{len(verdicts)} cases passed ({claims} {noun}: "
        f"{len(verdicts) - len(bounds)} tight checks, {len(bounds)} bound cases)"
    )


def format_summary(claims: Sequence[Any], verdicts: Sequence[Verdict]) -> str:
    """One Markdown row per claim: id, paper, rule, cases passed / run, slack, statement.

    A claim with no verdicts reads "not run", one with a failing case "k/n **FAIL**".
    Bound claims show their smallest slack over the cases (SE and relative). A claim
    whose exact side is a closed form shows it in LaTeX (``$...$``, from its sympy
    ``formula``) with the meaning of each symbol.
    """
    lines = [
        "| claim | paper | rule | cases passed | least bound slack | statement | exact side |",
        "|---|---|---|---|---|---|---|",
    ]
    for claim in claims:
        mine = [v for v in verdicts if v.claim_id == claim.id]
        passed = sum(v.passed for v in mine)
        if not mine:
            status = "not run"
        else:
            status = f"{passed}/{len(mine)}" + ("" if passed == len(mine) else " **FAIL**")
        bounds = [v for v in mine if v.is_bound]
        slack = min(bounds, key=lambda v: v.slack()[1]).slack_text() if bounds else ""
        statement = claim.statement.replace("|", "\\|")
        formula = getattr(claim, "formula", None)
        shown = "" if formula is None else f"${formula.latex()}$ ({formula.legend()})"
        shown = shown.replace("|", "\\|")
        lines.append(
            f"| `{claim.id}` | {claim.paper} | {claim.agreement.describe()} | {status} "
            f"| {slack} | {statement} | {shown} |"
        )
    return "\n".join(lines)
