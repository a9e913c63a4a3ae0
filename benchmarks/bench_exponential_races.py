"""Speed of the exponential-race code (issue 5 targets), with same-run baselines.

Targets (the machine is shared, so each timing is paired with a baseline measured in
the same run and the ratio is reported):

* ``alpha_one`` (closed form, O(n log n)) for n = 128,000 under 0.1 s. Baseline:
  ``np.sort`` of the same n floats (the sort it needs). Checked against the O(n^2)
  definition on a random subset of terms.
* the full rank law (``rank_distribution``, now the certified head with R = n) for
  n = 1,000 under 1 s (issue 18), against the older double-exponential quadrature
  (``_quadrature_law``) timed in the same run; also n = 100, 300.
* the certified head (``rank_distribution_head``), R = 64, n = 128,000: under 2 s and
  under 1 GB (issue 18), measured in a fresh subprocess (wall and CPU time, peak RSS
  from ``resource.getrusage``), and within 5x of one Monte Carlo estimate of the same
  head at standard error 1e-3 (the node verifier ``ersd_node`` with m = 64, as many
  trials as SE <= 1e-3 on every rank needs), timed in the same run; the full-clock
  races (``race_ranks``) are timed on 400 trials and scaled to that trial count.
* ERSD Monte Carlo at one node, >= 10^6 trials/s for n = 1000 (``ersd_node``, m = 1
  and m = 4). Baselines: ``sample_categorical`` and ``Generator.choice`` drawing the
  same number of categorical samples from the draft. The full-clock reference
  simulator (``race_ranks``, n exponentials per trial) is shown for comparison.

Writes benchmarks/results/exponential_races.md.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time

import numpy as np
from _timing import best_of, write_results

from specbound.bounds.exponential_races import (
    alpha_one,
    rank_distribution,
    rank_distribution_head,
)
from specbound.bounds.exponential_races.rank_law import _quadrature_law
from specbound.distributions import target_draft_pair
from specbound.simulations.estimate import from_proportion
from specbound.simulations.exponential_races import ersd_node, race_ranks
from specbound.simulations.sampling import sample_categorical

_HEAD_CHILD = """
import resource, sys, time
from specbound.bounds.exponential_races import rank_distribution_head
from specbound.distributions import target_draft_pair
p, q = target_draft_pair(128_000, rng=3)
best = (float("inf"), 0.0)
for _ in range(3):
    w, c = time.perf_counter(), time.process_time()
    head = rank_distribution_head(p, q, 64)
    best = min(best, (time.perf_counter() - w, time.process_time() - c))
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(best[0], best[1], rss, head.error_bound)
"""


def _cpu(fn) -> float:
    """CPU seconds of one call (less sensitive than wall time to the machine's load)."""
    c = time.process_time()
    fn()
    return time.process_time() - c


def head_at_scale() -> list[tuple[str, str, str, str, str]]:
    """The certified head, R = 64, n = 128k (fresh subprocess) vs Monte Carlo at SE 1e-3."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    out = subprocess.run(
        [sys.executable, "-c", _HEAD_CHILD], capture_output=True, text=True, check=True, env=env
    ).stdout.split()
    wall, cpu, rss, bound = (float(v) for v in out)
    p, q = target_draft_pair(128_000, rng=3)
    law = rank_distribution_head(p, q, 64).law
    trials = math.ceil(float(np.max(law * (1 - law))) / 1e-6)  # SE <= 1e-3 on every rank
    rng = np.random.default_rng(2)
    w, c = time.perf_counter(), time.process_time()
    _, rank = ersd_node(p, q, 64, trials, rng)
    t_mc, c_mc = time.perf_counter() - w, time.process_time() - c
    freq = np.bincount(rank[rank >= 0], minlength=64)[:64] / trials
    z = (freq - law) / np.maximum(np.sqrt(law * (1 - law) / trials), 1e-12)
    assert np.all(np.abs(z) <= 5), z
    t_race, _ = best_of(lambda: race_ranks(p, q, 400, rng))
    t_races = t_race * trials / 400
    print(f"head n=128k: {wall:.2f} s wall, {cpu:.2f} s CPU, {rss:.0f} MB, bound {bound:.1e}")
    print(f"MC ({trials} trials): node {t_mc:.2f} s; full races ~{t_races:.0f} s")
    ok = rss < 1024 and wall <= 5 * t_mc
    met = ("yes" if wall < 2 else "CPU only (loaded)" if cpu < 2 else "NO") if ok else "NO"
    return [
        (
            f"`rank_distribution_head`, R = 64, n = 128,000 (bound {bound:.1e}; "
            f"peak RSS {rss:.0f} MB, fresh process)",
            f"{wall:.2f} s wall, {cpu:.2f} s CPU",
            f"Monte Carlo at SE 1e-3 ({trials:,} node trials, all ranks within 5 SE): "
            f"{t_mc:.2f} s wall, {c_mc:.2f} s CPU; full-clock races ~{t_races:.0f} s",
            f"{wall / t_mc:.2f}x (CPU {cpu / c_mc:.2f}x); vs races {wall / t_races:.4f}x",
            met,
        )
    ]


def main() -> None:
    rows: list[tuple[str, str, str, str, str]] = []

    # --- alpha(1), n = 128,000
    n = 128_000
    p, q = target_draft_pair(n, rng=3)
    ours, a1 = best_of(lambda: alpha_one(p, q), 5)
    base, _ = best_of(lambda: np.sort(p / q), 5)
    xs = np.random.default_rng(0).choice(n, 200, replace=False)
    terms = [p[x] / np.maximum(p, q * p[x] / q[x]).sum() for x in xs]
    assert np.all(np.isfinite(terms)) and 0 < a1 < 1
    rows.append(
        (
            f"`alpha_one`, n = {n:,}",
            f"{ours * 1e3:.1f} ms",
            f"np.sort: {base * 1e3:.1f} ms",
            f"{ours / base:.1f}x",
            "yes" if ours < 0.1 else "NO",
        )
    )
    print(f"alpha_one n={n}: {ours * 1e3:.1f} ms (alpha(1) = {a1:.6f}), sort {base * 1e3:.1f} ms")

    # --- full rank law
    for m in (100, 300):
        pm, qm = target_draft_pair(m, rng=5)
        t_m, law = best_of(lambda pm=pm, qm=qm: rank_distribution(pm, qm), 3)
        assert abs(law.sum() - 1) < 1e-9
        rows.append((f"`rank_distribution` full law, n = {m}", f"{t_m:.3f} s", "-", "-", "-"))
        print(f"rank law n={m}: {t_m:.3f} s, sum-1 = {law.sum() - 1:.1e}")
    p1, q1 = target_draft_pair(1000, rng=5)
    t_full, law = best_of(lambda: rank_distribution(p1, q1), 3)
    c_full, _ = best_of(lambda: _cpu(lambda: rank_distribution(p1, q1)), 3)
    head_full = rank_distribution_head(p1, q1, 1000, tol=1e-10)
    t_old, old = best_of(lambda: _quadrature_law(p1, q1, 1000, 1e-10))
    assert abs(law.sum() - 1) < 1e-9 and np.abs(law - old).max() < 1e-9
    rows.append(
        (
            "`rank_distribution` full law, n = 1000 (certified head, R = n; "
            f"bound {head_full.error_bound:.1e})",
            f"{t_full:.2f} s wall, {c_full:.2f} s CPU",
            f"older quadrature: {t_old:.1f} s",
            f"{t_full / t_old:.3f}x",
            "yes" if t_full < 1 else ("CPU only (loaded)" if c_full < 1 else "NO"),
        )
    )
    print(f"rank law n=1000: head {t_full:.2f} s; older quadrature {t_old:.1f} s")
    rows += head_at_scale()

    # --- ERSD node Monte Carlo, n = 1000
    trials = 1_000_000
    rng = np.random.default_rng(1)
    t_cat, _ = best_of(lambda: sample_categorical(q1, trials, rng), 3)
    t_choice, _ = best_of(lambda: rng.choice(q1.size, size=trials, p=q1), 3)
    for m in (1, 4):
        t_node, (_, rank) = best_of(lambda m=m: ersd_node(p1, q1, m, trials, rng), 3)
        if m == 1:
            est = from_proportion(int((rank == 0).sum()), trials)
            assert abs(est.z(alpha_one(p1, q1))) <= 5
        rate = trials / t_node
        rows.append(
            (
                f"`ersd_node`, n = 1000, m = {m}, 10^6 trials",
                f"{t_node:.3f} s ({rate / 1e6:.2f}M trials/s)",
                f"sample_categorical {t_cat:.3f} s, Generator.choice {t_choice:.3f} s",
                f"{t_node / t_cat:.1f}x / {t_node / t_choice:.1f}x",
                "yes" if rate >= 1e6 else "NO",
            )
        )
        print(f"ersd_node m={m}: {rate / 1e6:.2f}M trials/s; categorical {t_cat:.3f} s")
    t_full_race, _ = best_of(lambda: race_ranks(p1, q1, 50_000, rng))
    rows.append(
        (
            "`race_ranks` (n clocks per trial), n = 1000",
            f"{50_000 / t_full_race / 1e6:.3f}M trials/s",
            "-",
            "-",
            "(reference simulator)",
        )
    )

    header = "| measurement | time | same-run baseline | ratio | target met |"
    lines = [
        "# Benchmarks: exponential races (issues 5 and 18)",
        "",
        "Run: `.venv/bin/python benchmarks/bench_exponential_races.py` on the shared "
        "2-core machine, loaded by other jobs while measured (load average "
        f"{os.getloadavg()[0]:.1f} at the end): timings are noisy; compare the ratios "
        "against the baselines of the same run, and the CPU times.",
        "",
        header,
        "|---|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    lines += [
        "",
        "Issue 18 (vocabulary scale): the head replaces an (n, n) dynamic program "
        "(n = 50,257 with max_rank = 8 was killed at 22.7 GB; the full law took 8 s at "
        "n = 1000 and 224 s at n = 2000) by Gauss-Laguerre quadrature per target token "
        "with node values from moment sums shared in c = p/q order, and a proved bound "
        "on the error (module docstring of `rank_law_head`).",
        "",
        "History of the full n = 1000 law on this machine: 855 s (trapezoid in ln tau, "
        "~185 nodes, full O(n^3) DP per node), 140 s (double-exponential map), about "
        "12-14 s (Poisson-binomial columns cut by Bernstein's inequality per node; 113 "
        "nodes at tol = 1e-10). A faster stopping rule (predicting the finer estimate's "
        "error as err^2 / err_previous) reached 3 s but was rejected: it stopped with "
        "errors of 4e-10 > tol. The worst case stays O(n^3) per node (e.g. Dirichlet(0.3) "
        "pairs, where many counts are uncertain at once).",
    ]
    write_results("exponential_races", lines)


if __name__ == "__main__":
    main()
