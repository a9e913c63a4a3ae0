"""Throughput and per-point overhead of ``specbound sweep`` (issue 17 targets).

On the example sweep (examples/sweep.toml, 64 points): 2 local processes must give
at least 1.7x the serial throughput, and the serial sweep must add under 5 ms per
point to the work itself (the quantity's function called directly on the same
points in the same run). A Dask LocalCluster of 2 worker processes is timed too
(cluster start excluded). Medians of interleaved repeats; writes
benchmarks/results/sweep.md.
"""

from __future__ import annotations

import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from _timing import write_results

from specbound.sweep import load_config, parse_config, run_sweep

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sweep.toml"
REPEAT = 3


def direct(config) -> float:
    """Seconds to call the quantity's function on every point, nothing else."""
    q = config.quantity
    start = time.perf_counter()
    for params in config.points():
        q.run(params, np.random.default_rng(config.point_seed(params)), config.sigmas)
    return time.perf_counter() - start


def _cpu() -> float:
    """CPU seconds of this process and of its finished (reaped) children."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def swept(config, folder: Path, cpu: list[float] | None = None, **executor) -> float:
    """Wall seconds of a whole sweep into a new CSV; appends its CPU seconds to ``cpu``
    (this process and its local worker processes, which end with the sweep)."""
    out = folder / f"s{time.perf_counter_ns()}.csv"
    start, cpu0 = time.perf_counter(), _cpu()
    run_sweep(config, out, progress=False, **executor)
    if cpu is not None:
        cpu.append(_cpu() - cpu0)
    return time.perf_counter() - start


#: 2000 points of an O(1) function: the sweep's own cost per point, free of noise.
TRIVIAL = parse_config(
    {
        "quantity": "expected_tokens_per_step",
        "grid": {"alpha": [i / 50 for i in range(50)], "gamma": list(range(40))},
    }
)


def overheads(folder: Path, scheduler: str) -> dict[str, float]:
    """Milliseconds per point beyond the work on TRIVIAL (medians of REPEAT runs)."""
    n = TRIVIAL.size()
    runs: dict[str, list[float]] = {k: [] for k in ("serial", "fsync", "pool", "dask")}
    for _ in range(REPEAT):
        work = direct(TRIVIAL)
        runs["serial"].append(swept(TRIVIAL, folder, workers=1) - work)
        runs["fsync"].append(swept(TRIVIAL, folder, workers=1, sync_every=0) - work)
        runs["pool"].append(swept(TRIVIAL, folder, workers=2))
        runs["dask"].append(swept(TRIVIAL, folder, scheduler=scheduler))
    return {k: statistics.median(v) / n * 1e3 for k, v in runs.items()}


def main() -> None:
    from dask.distributed import LocalCluster

    config = load_config(EXAMPLE)
    points = config.size()
    load0 = os.getloadavg()[0]
    times: dict[str, list[float]] = {"direct": [], "serial": [], "pool": [], "dask": []}
    cpu: dict[str, list[float]] = {"serial": [], "pool": []}
    with (
        tempfile.TemporaryDirectory() as tmp,
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster,
    ):
        folder = Path(tmp)
        swept(config, folder, workers=2)  # warm the page cache and imports
        for _ in range(REPEAT):
            times["direct"].append(direct(config))
            times["serial"].append(swept(config, folder, cpu["serial"], workers=1))
            times["pool"].append(swept(config, folder, cpu["pool"], workers=2))
            times["dask"].append(swept(config, folder, scheduler=cluster.scheduler_address))
        cost = overheads(folder, cluster.scheduler_address)
    t = {k: statistics.median(v) for k, v in times.items()}
    c = {k: statistics.median(v) for k, v in cpu.items()}
    overhead_ms = cost["serial"]
    ratio = t["serial"] / t["pool"]
    dask_ratio = t["serial"] / t["dask"]
    met = ratio >= 1.7 and overhead_ms < 5

    def row(name: str, what: str, workers: int) -> str:
        rate = points / t[name]
        return (
            f"| {what} | {workers} | {t[name]:.2f} s | {rate:.1f} | {rate / workers:.1f} "
            f"| {t['serial'] / t[name]:.2f} |"
        )

    lines = [
        "# Sweeps (issue 17)",
        "",
        f"The example sweep (`examples/sweep.toml`: {points} points of "
        f"`{config.quantity.name}`, 200 000 Monte Carlo trials each), median of {REPEAT} "
        "interleaved runs. Machine: 2 cores shared "
        f"with other jobs (load average {load0:.1f} at the start), so ratios are measured "
        "against a baseline timed in the same run.",
        "",
        "| run | workers | wall time | points/s | points/s per worker | vs serial |",
        "|---|---|---|---|---|---|",
        row("direct", "the work alone (function called in a loop, no file)", 1),
        row("serial", "`specbound sweep --workers 1`", 1),
        row("pool", "`--workers 2` (local processes)", 2),
        row("dask", "`--scheduler` (LocalCluster, 2 processes x 1 thread)", 2),
        "",
        f"Throughput of 2 processes / serial: {ratio:.2f}x (target >= 1.7x); "
        f"Dask LocalCluster / serial: {dask_ratio:.2f}x. On a loaded machine a run with "
        "more processes also gets a larger share of the cores, which can push the ratio "
        "past 2.",
        "",
        f"CPU seconds of the whole sweep (all processes): serial {c['serial']:.2f}, "
        f"2 processes {c['pool']:.2f} ({c['pool'] / c['serial']:.2f}x). Running on 2 "
        "processes costs no extra CPU, so on 2 idle cores the throughput ratio is "
        f"2 x {c['serial']:.2f} / {c['pool']:.2f} = {2 * c['serial'] / c['pool']:.2f} at best.",
        "",
        "Per-point overhead, measured on "
        f"{TRIVIAL.size()} points of an O(1) function (`expected_tokens_per_step`), where "
        "the work itself is negligible (sweep time minus the function called directly, per "
        "point; for the parallel runs the whole time per point, i.e. the dispatch limit):",
        "",
        "| run | ms per point |",
        "|---|---|",
        f"| serial sweep (default: `fsync` at most once a second) | {cost['serial']:.3f} |",
        f"| serial sweep, `fsync` after every row | {cost['fsync']:.3f} |",
        f"| 2 local processes (whole time per point) | {cost['pool']:.3f} |",
        f"| Dask LocalCluster, 2 processes (whole time per point) | {cost['dask']:.3f} |",
        "",
        f"Overhead {overhead_ms:.2f} ms per point (target < 5 ms).",
        "",
        f"Targets {'MET' if met else 'MISSED'}.",
    ]
    write_results("sweep", lines, echo=True)


if __name__ == "__main__":
    main()
