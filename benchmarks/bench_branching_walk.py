"""Benchmark: optimal trees in i.i.d. random environments (Pankratov & Alistarh, arXiv 2512.11718).

Run as ``.venv/bin/python benchmarks/bench_branching_walk.py [--quick]``; writes
``benchmarks/results/branching_walk.md``. Measures

1. the issue's speed target: E[X_opt(P)] for P = 10^5 over 40 random environments,
   vocabulary 1000 (softmax-of-Gaussian law; 2 worker processes), split into the time
   spent drawing the 10^5 laws of 1000 tokens per environment and the heap work;
2. the scaling with P = 10^3..10^6: time / (P log P) for a small vocabulary (heap work
   dominates) and time / P for vocabulary 1000 (drawing the laws dominates, O(P n));
3. the ratio against the note's C2 pseudocode (one law per call, full sort, plain heapq)
   measured in the same run;
4. the softmax row of the note's table at k = 10^4 (3.139 +/- .032, seeds 1000-1039).

The machine is shared: compare ratios measured in the same run, not absolute times.
"""

from __future__ import annotations

import argparse
import heapq
import math
import os
import platform
import time
from pathlib import Path

import numpy as np

from specbound.simulations.random_trees import (
    DirichletLaw,
    SoftmaxGaussianLaw,
    optimal_accepted_curve,
    optimal_random_tree,
)

OUT = Path(__file__).parent / "results" / "branching_walk.md"


def naive_tree_value(law, size: int, seed: int) -> float:
    """The note's C2 pseudocode: one law per call, fully sorted, plain heapq."""
    rng = np.random.default_rng(seed)
    laws = [np.sort(law(rng, 1)[0])[::-1]]
    heap = [(-laws[0][0], 0, 0, 1.0)]
    total = 0.0
    for _ in range(size):
        negpi, par, r, pipar = heapq.heappop(heap)
        pi = -negpi
        total += pi
        p = laws[par]
        if r + 1 < p.size and p[r + 1] > 0:
            heapq.heappush(heap, (-pipar * p[r + 1], par, r + 1, pipar))
        laws.append(np.sort(law(rng, 1)[0])[::-1])
        if laws[-1][0] > 0:
            heapq.heappush(heap, (-pi * laws[-1][0], len(laws) - 1, 0, pi))
    return total


def timed(fn, *args, **kw):
    t = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t


def draw_only(law, rows: int, seed: int) -> float:
    """Time to draw ``rows`` laws in batches of 4096 (the sampling floor of one tree)."""
    rng = np.random.default_rng(seed)
    t = time.perf_counter()
    left = rows
    while left:
        k = min(left, 4096)
        law(rng, k)
        left -= k
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    args = ap.parse_args()
    q = args.quick
    lines = [
        "# Benchmark: optimal trees in i.i.d. random environments (branching_walk)",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores "
        f"(shared with other jobs while measured: load average "
        f"{os.getloadavg()[0]:.1f}); numpy {np.__version__}. "
        "Times are wall-clock seconds; compare the ratios measured in the same run.",
        "",
    ]

    # 1. the speed target ------------------------------------------------------------
    law = SoftmaxGaussianLaw(3.0, 1000)
    p_target = 10**4 if q else 10**5
    envs = 4 if q else 40
    floor = draw_only(law, p_target + 1, 0)
    _, t_single = timed(optimal_random_tree, law, p_target, 1)
    ests, t_all = timed(optimal_accepted_curve, law, p_target, envs, rng=2, jobs=2, progress=False)
    lines += [
        "## 1. Speed target: E[X_opt(P)], P = 10^5, 40 environments, vocabulary 1000",
        "",
        f"Law: {law.name}, P = {p_target}, {envs} environments, 2 worker processes.",
        "",
        "| quantity | seconds |",
        "|---|---|",
        f"| drawing the {p_target + 1} laws of one environment only (sampling floor) "
        f"| {floor:.2f} |",
        f"| one environment's optimal tree (draws + heap) | {t_single:.2f} |",
        f"| heap and bookkeeping of one environment (difference) | {t_single - floor:.2f} |",
        f"| all {envs} environments, jobs=2 | {t_all:.1f} |",
        "",
        f"E[X_opt({p_target})] = {ests[0].mean:.4f} ± {ests[0].se:.4f} (SE over environments).",
        "",
        "Target: under 30 s. Each environment draws P + 1 laws of 1000 tokens, i.e. "
        f"{(p_target + 1) * 1000:.1e} random numbers, and every one is needed for an exact "
        "optimum (each popped node's top probability depends on its whole law through the "
        "normaliser). The sampling floor above is therefore a lower bound for any exact "
        "method built on numpy's generators; see the note at the end.",
        "",
    ]

    # 2. scaling in P ------------------------------------------------------------------
    small = DirichletLaw(0.5, 10)
    big = SoftmaxGaussianLaw(3.0, 1000)
    sizes_small = [10**3, 10**4, 10**5] + ([] if q else [10**6])
    sizes_big = [10**3, 10**4] + ([] if q else [10**5])
    lines += [
        "## 2. Scaling with P (one environment each)",
        "",
        "| law | P | seconds | s / (P ln P) x 1e6 | s / P x 1e6 |",
        "|---|---|---|---|---|",
    ]
    for lw, sizes in ((small, sizes_small), (big, sizes_big)):
        for p in sizes:
            _, t = timed(optimal_random_tree, lw, p, 3)
            lines.append(
                f"| {lw.name} | {p:.0e} | {t:.3f} | {t / (p * math.log(p)) * 1e6:.3f} "
                f"| {t / p * 1e6:.2f} |"
            )
    lines += [
        "",
        "Vocabulary 10: the per-node cost is the heap (O(log P)) plus constant bookkeeping, so "
        "s / (P ln P) stays roughly flat. Vocabulary 1000: drawing the law of every popped "
        "node (O(n) each) dominates, so s / P is flat: O(P n + P log P) overall.",
        "",
    ]

    # 3. against the note's pseudocode ---------------------------------------------------
    p_cmp = 2000 if q else 10**4
    rows = []
    for lw in (small, big):
        ref, t_ref = timed(naive_tree_value, lw, p_cmp, 5)
        fast, t_fast = timed(optimal_random_tree, lw, p_cmp, 5)
        assert abs(fast.expected_accepted - ref) <= 1e-9 * max(1.0, ref), "mismatch"
        rows.append(
            f"| {lw.name} | {p_cmp} | {t_ref:.3f} | {t_fast:.3f} | {t_ref / t_fast:.1f}x |"
        )
    lines += [
        "## 3. Against the note's pseudocode (same seed, identical tree)",
        "",
        "| law | P | pseudocode s | optimal_random_tree s | speed-up |",
        "|---|---|---|---|---|",
        *rows,
        "",
    ]

    # 4. the softmax row of the note's table at k = 10^4 -----------------------------------
    if not q:
        est, t = timed(
            optimal_accepted_curve,
            SoftmaxGaussianLaw(2.5, 200),
            10**4,
            seeds=range(1000, 1040),
            jobs=2,
            progress=False,
        )
        ok = abs(est[0].mean - 3.139) <= 5e-4 and abs(est[0].se - 0.032) <= 5e-4
        lines += [
            "## 4. Note table, softmax(2.5 N(0,1)), n = 200, k = 10^4, seeds 1000-1039",
            "",
            f"E[X_opt] = {est[0].mean:.4f} ± {est[0].se:.4f} (note: 3.139 ± .032): "
            f"{'reproduced' if ok else 'NOT reproduced'} ({t:.1f} s, jobs=2).",
            "",
        ]
        if not ok:
            raise SystemExit("the note's softmax k = 10^4 value was not reproduced")

    lines += [
        "## Note",
        "",
        "The 30 s target for 40 environments at P = 10^5 and vocabulary 1000 is not met on "
        "this machine: the exact lazy tree must draw 10^8 random numbers per environment "
        "(4e9 in all), and numpy draws and normalises them at tens of ns each (gamma variates "
        "for Dirichlet laws are slower still). The heap part alone meets it easily (section "
        "2, vocabulary 10). Faster exact options left for later: a law-specific sampler of "
        "the sorted top entries plus the normaliser, or float32 generation (changes the "
        "random stream, so the note's seeded tables would no longer match draw for draw).",
        "",
    ]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
