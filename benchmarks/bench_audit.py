"""Speed of ``specbound audit`` (issue 15 target).

Target: a full single-draft audit (10 cases x 10^6 trials) of a vectorised sampler in
under 20 s on 2 cores, the audit's own overhead under 30% of the sampler's time.
Baseline: the sampler alone on the same 10 cases and trials, timed in the same run
(the machine is shared: ratios, medians of 3). Writes benchmarks/results/audit.md.
"""

from __future__ import annotations

import time

import numpy as np
from _timing import median_of, write_results

from specbound.simulations.audit import audit, battery, correct_samplers
from specbound.simulations.speculative import speculative_step

TRIALS = 1_000_000
CPU = time.process_time


def sampler_alone(sampler, cases) -> None:
    rng = np.random.default_rng(0)
    for case in cases:
        sampler(*case.args, TRIALS, rng)


def measure(kind, sampler, repeat):
    """(sampler alone CPU s, audit CPU s, audit wall s, verdict) on the default battery."""
    cases = battery(kind)
    base, _ = median_of(lambda: sampler_alone(sampler, cases), repeat, CPU)

    def run():
        return audit(sampler, kind, trials=TRIALS, rng=0, progress=False)

    full, result = median_of(run, repeat, CPU)
    wall, _ = median_of(run)
    return len(cases), base, full, wall, result.verdict


def main() -> None:
    rows = []
    runs = [("single", "speculative_step", speculative_step, 5)]
    runs += [
        ("multi", "specinfer_sampling", correct_samplers("multi")["specinfer_sampling"], 1),
        ("chain", "markov_chain_step", correct_samplers("chain")["markov_chain_step"], 1),
        ("tree", "specinfer_tree", correct_samplers("tree")["specinfer_tree"], 1),
    ]
    verdict = ""
    for kind, name, sampler, repeat in runs:
        count, base, full, wall, verdict_of = measure(kind, sampler, repeat)
        overhead = (full - base) / base
        rows.append(
            f"| {kind} | `{name}` | {count} x {TRIALS:,} | {base:.2f} s | {full:.2f} s | "
            f"{100 * overhead:.0f}% | {wall:.2f} s | {verdict_of} |"
        )
        if kind == "single":
            met = wall < 20 and overhead < 0.30
            verdict = (
                f"Target (single draft): audit < 20 s and overhead < 30%: "
                f"{wall:.1f} s wall, {100 * overhead:.0f}% CPU overhead. "
                f"{'MET' if met else 'MISSED'}."
            )
    lines = [
        "# Losslessness audit (issue 15)",
        "",
        "Full battery at the default 10^6 trials per case; the sampler alone on the same "
        "cases and trials is the baseline. CPU time (process_time; median of 5 for single, "
        "1 run otherwise) because the 2-core machine is shared with other jobs; the wall "
        "column is one audit's elapsed time.",
        "",
        "| kind | sampler | cases x trials | sampler alone (CPU) | full audit (CPU) | overhead "
        "| full audit (wall) | verdict |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        verdict,
        "",
        "Overhead = (audit - sampler alone) / sampler alone: battery construction (exact "
        "laws, optima), counting, completing sequences (chain, tree), chi-square, power.",
    ]
    write_results("audit", lines, echo=True)


if __name__ == "__main__":
    main()
