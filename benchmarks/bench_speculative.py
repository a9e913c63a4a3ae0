"""Speed of the single-draft speculative-sampling simulator (issue 3 target).

Target: for n = 1000 and 10^6 trials, at most 3x the time numpy's Generator
takes to draw 10^6 categorical samples from the draft alone (same run).
Writes benchmarks/results/speculative.md.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from specbound.distributions import target_draft_pair
from specbound.simulations.speculative import speculative_sampling


def best_of(fn, repeat: int = 7) -> float:
    """Smallest wall time of ``repeat`` calls (seconds)."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    n, trials = 1000, 1_000_000
    p, q = target_draft_pair(n, rng=0)
    rng = np.random.default_rng(0)
    base = best_of(lambda: rng.choice(n, size=trials, p=q))
    ours = best_of(lambda: speculative_sampling(p, q, trials, rng=rng))
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
    text = "\n".join(lines) + "\n"
    out = Path(__file__).parent / "results" / "speculative.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
