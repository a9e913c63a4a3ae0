"""Speed of the single-draft speculative-sampling simulator (issue 3 target).

Target: for n = 1000 and 10^6 trials, at most 3x the time numpy's Generator
takes to draw 10^6 categorical samples from the draft alone (same run).
Writes benchmarks/results/speculative.md.
"""

from __future__ import annotations

import numpy as np
from _timing import best_of, write_results

from specbound.distributions import target_draft_pair
from specbound.simulations.speculative import speculative_sampling


def main() -> None:
    n, trials = 1000, 1_000_000
    p, q = target_draft_pair(n, rng=0)
    rng = np.random.default_rng(0)
    base, _ = best_of(lambda: rng.choice(n, size=trials, p=q), 7)
    ours, _ = best_of(lambda: speculative_sampling(p, q, trials, rng=rng), 7)
    ratio = ours / base
    lines = [
        "# Speculative sampling simulator (issue 3)",
        "",
        "| what | n | trials | time (best of 7) | ratio |",
        "|---|---|---|---|---|",
        f"| numpy `Generator.choice(n, p=draft)` (baseline) | {n} | {trials:,} | "
        f"{base * 1e3:.1f} ms | 1.00 |",
        f"| `speculative_sampling` (draft + accept + residual) | {n} | {trials:,} | "
        f"{ours * 1e3:.1f} ms | {ratio:.2f} |",
        "",
        f"Target: ratio <= 3. {'MET' if ratio <= 3 else 'MISSED'}.",
    ]
    write_results("speculative", lines, echo=True)


if __name__ == "__main__":
    main()
