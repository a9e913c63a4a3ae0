"""Benchmark: multi-draft optimum (issues 7, 18) -> benchmarks/results/multidraft.md.

Run: ``.venv/bin/python benchmarks/bench_multidraft.py [--quick]`` (``--quick``, a smoke
run, prints only and leaves ``benchmarks/results/multidraft.md`` as it is).

1. ``optimal_acceptance`` with identical drafts, n = 128,000, K = 16 (target < 50 ms),
   against a baseline measured in the same run (one ``np.argsort`` of n floats).
2. The cvxpy coupling LP at n = 30, K = 2 (27,000 variables in the full form; target
   < 10 s), both formulations.
3. LP scaling: the largest n^K solved within a time budget per formulation and K, and the
   speed ratio LP time / ``optimal_acceptance`` time on the same instance.
4. The certified optimum for different drafts (branch and bound, issue 18): K = 2 at
   n = 128,000 (target < 1 s), K = 4 at n = 32,000 and K = 8 at n = 4,000 (< 5 s), on
   Dirichlet(1) drafts and on drafts at several temperatures, with the ratio to one
   ``np.argsort`` of n floats timed in the same run.
5. Branch and bound against the earlier certified min-norm-point method (K = 3).
6. Drafts without replacement, certified: K = 2, 3, 4, 8 at n = 32,000 and 128,000
   (target: K = 4, n = 32,000 under 5 s), Dirichlet(1) and softmax drafts.

Timings are wall-clock on a shared 2-core machine (noisy); medians of repeats for the
fast paths, single solves for LPs.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
from _timing import median_of, write_results

from specbound.errors import ResourceLimitError
from specbound.lp import coupling_lp, optimal_acceptance, optimal_acceptance_identical, optimum
from specbound.lp.exact_sets import prefix_optimum
from specbound.lp.minnorm import minnorm_optimum
from specbound.lp.temperatures import temperature_drafts
from specbound.lp.without_replacement import optimum_without_replacement
from specbound.lp.without_replacement_prefix import prefix_bounds


def laws(n: int, k: int, seed: int, same: bool = True) -> tuple[np.ndarray, np.ndarray]:
    g = np.random.default_rng(seed)
    p = g.dirichlet(np.ones(n))
    q = np.tile(g.dirichlet(np.ones(n)), (k, 1)) if same else g.dirichlet(np.ones(n), size=k)
    return p, q


def tempered(n: int, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Target softmax(z + noise); K drafts softmax(z / T) at T spread over [0.5, 1.5]."""
    g = np.random.default_rng(seed)
    z = g.normal(0.0, 3.0, size=n)
    p = np.exp(z + g.normal(0.0, 1.0, size=n))
    q = np.exp(z - z.max())
    return p / p.sum(), temperature_drafts(q / q.sum(), np.linspace(0.5, 1.5, k))


def timed(solve, n: int, quick: bool) -> tuple[float, float, object, float]:
    """(wall median of 3, CPU of one run, result, one ``np.argsort`` of n floats) of ``solve``."""
    x = np.random.default_rng(0).random(n)
    base, _ = median_of(lambda: np.argsort(x), repeat=5)
    t, res = median_of(solve, repeat=1 if quick else 3)
    cpu, _ = median_of(solve, clock=time.process_time)
    return t, cpu, res, base


def certified_sections(quick: bool) -> list[str]:
    """Sections 4-6: certified optimum for different drafts and without replacement."""
    lines = [
        "## 4. Certified optimum, different drafts (issue 18 targets)",
        "",
        "| drafts | K | n | wall (s) | CPU (s) | target (s) | met (wall) | boxes "
        "| certified gap | wall / argsort(n) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    targets = [(2, 128_000, 1.0), (4, 32_000, 5.0), (8, 4_000, 5.0)]
    for k, n, target in targets:
        for name, make in (
            ("Dirichlet(1)", lambda k=k, n=n: laws(n, k, 5 * n + k, False)),
            ("temperatures 0.5..1.5", lambda k=k, n=n: tempered(n, k, n + k)),
        ):
            p, q = make()
            t, cpu, res, base = timed(lambda p=p, q=q: optimum(p, q), n, quick)
            row = (
                f"| {name} | {k} | {n:,} | {t:.3f} | {cpu:.3f} | {target:g} | "
                f"{'yes' if t < target else 'NO'} | {res.iterations} | "
                f"{res.acceptance - res.lower_bound:.1e} | {t / base:,.0f} |"
            )
            lines.append(row)
            print(row, flush=True)
    lines += [
        "",
        "Wall: median of 3 runs; CPU: one run (process time, robust to the load of the "
        "shared machine); the argsort baseline is timed next to each case.",
        "",
        "## 5. Branch and bound vs the min-norm-point method (K = 3, Dirichlet(1))",
        "",
        "| n | branch and bound (s) | min-norm point (s) | ratio | |difference| |",
        "|---|---|---|---|---|",
    ]
    for n in (300, 1000):
        p, q = laws(n, 3, 7 * n, same=False)
        t_bb, res = median_of(lambda p=p, q=q: optimum(p, q))
        t_mn, mn = median_of(lambda p=p, q=q: minnorm_optimum(p, q))
        row = (
            f"| {n} | {t_bb:.3f} | {t_mn:.3f} | {t_mn / t_bb:,.0f} | "
            f"{abs(res.acceptance - mn.acceptance):.1e} |"
        )
        lines.append(row)
        print(row, flush=True)
    lines += [
        "",
        "## 6. Drafts without replacement, certified (issue 18 target: K = 4, n = 32,000, < 5 s)",
        "",
        "| draft | K | n | method | wall (s) | CPU (s) | met (< 5 s) | heavy h | nodes "
        "| certified gap | P* without replacement | P* i.i.d. | wall / argsort(n) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    cases = [(2, 32_000), (2, 128_000), (3, 32_000), (4, 32_000), (4, 128_000), (8, 32_000)]
    for k, n in cases:
        for name, make in (
            ("Dirichlet(1)", lambda n=n: laws(n, 1, 3 * n)),
            ("softmax N(0, 3^2)", lambda n=n, k=k: tempered(n, 1, 11 * n + k)),
        ):
            p, q = make()
            q = q[0]
            solve = lambda p=p, q=q, k=k: optimum_without_replacement(p, q, k)  # noqa: E731
            t, cpu, res, base = timed(solve, n, quick)
            info = prefix_bounds(p, q, k)[3] if res.method == "prefix" else {}
            iid = optimal_acceptance_identical(p, q, k)
            row = (
                f"| {name} | {k} | {n:,} | {res.method} | {t:.3f} | {cpu:.3f} | "
                f"{'yes' if t < 5 else 'NO'} | {info.get('heavy', '-')} | "
                f"{info.get('nodes', '-')} | {res.acceptance - res.lower_bound:.1e} | "
                f"{res.acceptance:.9f} | {iid:.9f} | {t / base:,.0f} |"
            )
            lines.append(row)
            print(row, flush=True)
    lines += [
        "",
        "K = 2 uses the bilinear branch and bound; K >= 3 the best prefix in p/q order with "
        "the race-time quadrature bracket (`specbound.lp.without_replacement_prefix`).",
        "",
    ]
    return lines


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller sweeps")
    ap.add_argument("--budget", type=float, default=60.0, help="seconds per LP before stopping")
    args = ap.parse_args()
    lines = [
        "# Benchmark: multi-draft optimum and coupling LP (issues 7, 18)",
        "",
        f"Python {platform.python_version()}, {platform.machine()}, shared 2-core machine; "
        f"`benchmarks/bench_multidraft.py`{' --quick' if args.quick else ''}.",
        "",
    ]

    # 1. fast optimum, identical drafts
    n, k = 128_000, 16
    p, q = laws(n, k, 1)
    ratio = p / q[0]
    cases = [
        ("baseline: np.sort(p / q) (float64, SIMD)", lambda: np.sort(ratio)),
        ("baseline: np.argsort(p / q)", lambda: np.argsort(ratio)),
        ("optimal_acceptance(target, drafts (16, n)), incl. validation", None),
        ("optimal_acceptance_identical(target, draft, 16), incl. validation", None),
        ("prefix-scan kernel (validated laws)", lambda: prefix_optimum(p, q[0], k)),
    ]
    cases[2] = (cases[2][0], lambda: optimal_acceptance(p, q))
    cases[3] = (cases[3][0], lambda: optimal_acceptance_identical(p, q[0], k))
    walls, cpus = [], []
    for _, fn in cases:
        walls.append(median_of(fn, repeat=11)[0])
        cpus.append(median_of(fn, repeat=11, clock=time.process_time)[0])
    lines += [
        "## 1. optimal_acceptance, identical drafts, n = 128,000, K = 16 (target < 50 ms)",
        "",
        "| what | wall (ms) | CPU (ms) | wall / argsort baseline |",
        "|---|---|---|---|",
    ]
    for (name, _), w, c in zip(cases, walls, cpus, strict=True):
        lines.append(f"| {name} | {w * 1e3:.1f} | {c * 1e3:.1f} | {w / walls[1]:.2f} |")
    value = optimal_acceptance(p, q)
    lines += [
        "",
        f"P* = {value:.6f}. Medians of 11 runs; the machine was shared (load > 2 per core), "
        "so compare the ratios. Target < 50 ms (public call, wall): "
        f"{'met' if walls[2] < 0.05 else 'NOT met in this run'}.",
        "",
    ]
    print("\n".join(lines[-12:]), flush=True)

    # 2. n = 30, K = 2 LP
    p, q = laws(30, 2, 2, same=False)
    rows = []
    for form in ("full", "flow"):
        for solver in ("HIGHS", "CLARABEL"):
            t, res = median_of(lambda f=form, s=solver: coupling_lp(p, q, solver=s, formulation=f))
            rows.append(
                f"| {form} | {solver} | {res.variables:,} | {t:.2f} | {res.acceptance:.9f} |"
            )
    exact = optimal_acceptance(p, q)
    lines += [
        "## 2. Coupling LP, n = 30, K = 2, non-identical drafts (target < 10 s)",
        "",
        "| formulation | solver | variables | time (s) | P* |",
        "|---|---|---|---|---|",
        *rows,
        "",
        f"Exact (certified branch and bound): {exact:.9f}.",
        "",
    ]
    print("\n".join(lines[-8:]), flush=True)

    # 3. LP scaling, identical drafts; ratio to optimal_acceptance on the same instance
    series = {
        ("flow", 2): [50, 100, 200, 300, 400, 600, 800],
        ("flow", 3): [10, 20, 30, 45, 60],
        ("flow", 4): [6, 10, 12, 16, 20],
        ("full", 2): [30, 60, 100],
    }
    if args.quick:
        series = {key: sizes[:2] for key, sizes in series.items()}
    lines += [
        "## 3. Coupling LP scaling (HiGHS via cvxpy, identical drafts)",
        "",
        "| formulation | K | n | n^K | variables | LP time (s) | optimal_acceptance (ms) "
        "| LP / fast | abs. difference |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    largest = None
    skipped = []
    for (form, k), sizes in series.items():
        last = None  # (variables, seconds) of the previous solve
        for n in sizes:
            nvar = (n ** (k + 1)) if form == "full" else k * n**k
            if last is not None and last[1] * (nvar / last[0]) ** 1.5 > 2 * args.budget:
                skipped.append(f"{form} K={k} n={n}")
                break  # predicted (time ~ variables^1.5) far above the budget
            p, q = laws(n, k, 10 * n + k)
            try:
                t_lp, res = median_of(lambda f=form, p=p, q=q: coupling_lp(p, q, formulation=f))
            except ResourceLimitError:
                skipped.append(f"{form} K={k} n={n} (refused by the memory limit)")
                break
            t_fast, val = median_of(lambda p=p, q=q: optimal_acceptance(p, q), repeat=5)
            ratio = t_lp / t_fast
            row = (
                f"| {form} | {k} | {n} | {n**k:,} | {res.variables:,} | {t_lp:.2f} | "
                f"{t_fast * 1e3:.3f} | {ratio:,.0f} | {abs(res.acceptance - val):.1e} |"
            )
            lines.append(row)
            print(row, flush=True)
            if largest is None or n**k > largest[0]:
                largest = (n**k, form, k, n, t_lp, t_fast, ratio)
            last = (nvar, t_lp)
            if t_lp > args.budget:
                break
    size, form, k, n, t_lp, t_fast, ratio = largest
    lines += [
        "",
        f"Largest LP solved: n^K = {size:,} ({form} formulation, K = {k}, n = {n}) in "
        f"{t_lp:.1f} s; optimal_acceptance on the same instance: {t_fast * 1e3:.3f} ms, "
        f"a speed ratio of {ratio:,.0f}x. A series stops after the first solve above "
        f"{args.budget:g} s, or before a size predicted (time ~ variables^1.5) above "
        f"{2 * args.budget:g} s; not attempted: {', '.join(skipped) or 'none'}. The LP "
        "is solved to HiGHS's default feasibility tolerance (1e-7), hence the differences "
        "of order 1e-7 at the largest sizes; at the test sizes they are ~1e-16.",
        "",
    ]

    lines += certified_sections(args.quick)
    if not args.quick:  # a smoke run never overwrites the recorded results
        write_results("multidraft", lines)


if __name__ == "__main__":
    main()
