"""``results/mutants.md``: the mutant x claim table of a :class:`MutationRun`."""

from __future__ import annotations

from specbound.claims import all_claims
from specbound.mutants.run import MutationRun


def _cell(run: MutationRun, name: str, claim_id: str) -> str:
    out = run.cells.get((name, claim_id))
    if out is None:
        return ""
    failed, total, error = out
    if error:
        return f"E{failed}"
    return f"**{failed}**/{total}" if failed else "."


def format_report(run: MutationRun, scale: float, jobs: int) -> str:
    """Markdown: legend of the mutants, the table, claims that kill none, the last line.

    Cells: ``**f**/n`` = f of the claim's n cases failed under the mutant (killed),
    ``E f`` = f cases raised, ``.`` = the claim reaches the mutated code and every case
    passed, empty = the claim never calls the mutated code.
    """
    killed = run.killed()
    claims = {c.id: c for c in all_claims()}
    lines = [
        "# Mutation testing of the claim registry",
        "",
        f"{len(run.mutants)} injected bugs (`specbound/mutants/catalogue.py`), each applied in "
        f"memory; {len(run.claim_ids)} claims at scale {scale:g}, {jobs} worker(s), "
        f"{run.seconds:.0f} s. A mutant is killed when a case of a claim fails (or raises) "
        "under it. Cells: **f**/n = f of n cases failed; Ef = f cases raised; "
        "`.` = reached, all passed; empty = the claim never calls the mutated code.",
        "",
        "## Mutants",
        "",
        "| # | mutant | bug | patched | killed by |",
        "|---|---|---|---|---|",
    ]
    for i, m in enumerate(run.mutants, 1):
        by = ", ".join(f"`{c}`" for c in run.killers(m.name)) or "**NOT KILLED**"
        targets = ", ".join(f"`{t}`" for t in m.targets)
        bug = m.description.replace("|", "\\|")
        lines.append(f"| M{i} | `{m.name}` | {bug} | {targets} | {by} |")
    used = [c for c in run.claim_ids if any((m.name, c) in run.cells for m in run.mutants)]
    lines += ["", "## Mutant x claim", ""]
    lines.append("| claim | " + " | ".join(f"M{i}" for i in range(1, len(run.mutants) + 1)) + " |")
    lines.append("|---|" + "---|" * len(run.mutants))
    for c in used:
        cells = [_cell(run, m.name, c) for m in run.mutants]
        lines.append(f"| `{c}` | " + " | ".join(cells) + " |")
    idle = [c for c in run.claim_ids if not any(run.killers_of(c, m.name) for m in run.mutants)]
    lines += ["", "## Claims that kill no mutant", ""]
    if idle:
        lines += ["| claim | rule | least bound slack (baseline) |", "|---|---|---|"]
    for c in idle:
        mine = [v for v in run.baseline if v.claim_id == c and v.is_bound]
        slack = min(mine, key=lambda v: v.slack()[1]).slack_text() if mine else "(tight check)"
        lines.append(f"| `{c}` | {claims[c].agreement.describe()} | {slack} |")
    baseline_failed = [v for v in run.baseline if not v.passed]
    lines += [
        "",
        f"baseline (real code): {len(run.baseline) - len(baseline_failed)}/"
        f"{len(run.baseline)} cases passed",
        "",
        f"mutants: {len(killed)} killed of {len(run.mutants)}",
    ]
    return "\n".join(lines) + "\n"
