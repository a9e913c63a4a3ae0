"""The verdicts of ``specbound check`` as rows: value, measured, agreement, verdict.

An ``equal`` claim compares an exact value with the measured mean (z-score in
standard errors); a bound claim (``upper`` / ``lower``) reports the bound, the
measured mean and the *slack*: how far the measurement sits inside the bound, in
standard errors, (bound - estimate) / SE for an upper bound and (estimate - bound) /
SE for a lower bound, and relative to |bound|. A bound passes when its slack is at
least -k (k = 5 SE). A ``distribution`` claim reports the chi-square p-value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from specbound.claims.verdicts import Verdict
from specbound.commands.output import Column, table

#: Widest case label in the default table (longer ones are shortened; --wide: in full).
CASE_WIDTH = 24


def verdict_record(v: Verdict) -> dict:
    """One case as a plain dict (the JSON / CSV schema of ``specbound check``).

    ``rule`` is the agreement kind (:class:`~specbound.claims.Agreement`); bound cases
    (``upper``, ``lower``, ``exact_upper``, ``exact_lower``) carry their slack from
    :meth:`~specbound.claims.Verdict.slack`, other cases ``None``.
    """
    dist = v.kind == "distribution"
    s_se, s_rel = v.slack()
    return {
        "claim": v.claim_id,
        "case": v.case,
        "paper": v.paper,
        "rule": v.kind,
        "rule_text": v.rule,
        "exact": None if math.isnan(v.exact) else v.exact,
        "estimate": None if dist else v.simulated,
        "se": None if dist else v.se,
        "z": v.statistic if v.kind == "equal" else None,
        "pvalue": v.statistic if dist else None,
        "slack_se": s_se if v.is_bound else None,
        "slack_relative": s_rel if v.is_bound else None,
        "verdict": "PASS" if v.passed else "FAIL",
        "samples": v.n,
        "seconds": v.seconds,
    }


def _value(r: dict) -> str:
    if r["rule"] == "distribution":
        return "target law" if r["exact"] is None else f"n = {r['exact']:.6g}"
    return f"{r['exact']:.6g}"


def _measured(r: dict) -> str:
    return "chi-square" if r["rule"] == "distribution" else f"{r['estimate']:.6g} ± {r['se']:.2g}"


def _agreement(r: dict) -> str:
    if r["rule"] == "distribution":
        return f"p = {r['pvalue']:.3g}"
    if r["rule"] == "equal":
        return f"z = {r['z']:+.2f}"
    if r["slack_se"] is None:  # a deterministic comparison (e.g. a mismatch count of 0)
        return "exact"
    rel = r["slack_relative"]
    rel_text = "" if rel is None or math.isnan(rel) else f" ({rel:.1%})"
    if r["rule"].startswith("exact"):
        return f"slack exact{rel_text}"
    s = r["slack_se"]
    return f"slack {s:.0f} SE{rel_text}" if abs(s) >= 100 else f"slack {s:.3g} SE{rel_text}"


def _short(width: int):
    def fmt(text: str) -> str:
        return text if len(text) <= width else text[: width - 1] + "…"

    return fmt


def format_verdicts(records: Sequence[dict], wide: bool = False) -> str:
    """The verdict table: one heading line per claim (id, paper, rule), one row per case.

    Under 100 columns unless ``wide`` (case labels shortened to :data:`CASE_WIDTH`).
    """
    cols = [
        Column("case", "case", str if wide else _short(CASE_WIDTH), left=True),
        Column("value", "exact/bound"),
        Column("measured", "simulated ± SE"),
        Column("agreement", "agreement"),
        Column("verdict", "verdict"),
    ]
    rows = [
        {**r, "value": _value(r), "measured": _measured(r), "agreement": _agreement(r)}
        for r in records
    ]
    head, *body = table(cols, rows, wide=True).splitlines()
    out = ["  " + head]
    for i, (r, line) in enumerate(zip(rows, body, strict=True)):
        if i == 0 or rows[i - 1]["claim"] != r["claim"]:
            out.append(f"{r['claim']}  ({r['paper']}; {r['rule_text']})")
        out.append("  " + line)
    return "\n".join(out)


def markdown_verdicts(records: Sequence[dict]) -> str:
    """The verdicts as a Markdown table (claim, case, exact/bound, simulated, agreement, ...)."""
    head = ["claim", "case", "exact/bound", "simulated ± SE", "agreement", "rule", "verdict"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in records:
        cells = [r["claim"], r["case"], _value(r), _measured(r), _agreement(r)]
        cells += [r["rule_text"], r["verdict"]]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


#: CSV columns of ``specbound check --format csv`` (the keys of :func:`verdict_record`).
CSV_COLUMNS = [
    Column(k, k)
    for k in (
        "claim",
        "case",
        "paper",
        "rule",
        "exact",
        "estimate",
        "se",
        "z",
        "pvalue",
        "slack_se",
        "slack_relative",
        "verdict",
        "samples",
        "seconds",
    )
]

LEGEND = (
    "exact/bound: the exact value (rule =) or the bound (rules <=, >=); agreement: z-score "
    "of the estimate against the exact value, or slack = how far the estimate lies inside the "
    "bound (in SE and relative to the bound; a bound passes at slack >= -5 SE), or the "
    "chi-square p-value of the output law against the target."
)
