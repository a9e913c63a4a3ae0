"""Run a sweep: every grid point not yet in the output, on one executor.

Points are computed by :func:`run_point` (module level, so local processes and
Dask workers can run it) and written by the calling process as they finish; see
:mod:`specbound.sweep.store` for the file and :mod:`specbound.sweep.config` for
the per-point seeds that make the rows independent of the executor.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from specbound.errors import InvalidArgumentError, SolverError
from specbound.simulations.estimate import show_progress
from specbound.simulations.executor import open_executor
from specbound.sweep.config import SweepConfig
from specbound.sweep.quantities import get_quantity
from specbound.sweep.store import columns, open_store

Task = tuple[str, str, dict[str, Any], np.random.SeedSequence, float]


def run_point(task: Task) -> list[Any]:
    """Compute one grid point; return its output row (see :func:`~.store.columns`).

    ``task`` is (point id, quantity name, parameters, seed sequence, sigmas). A point
    whose parameters are invalid for its family (e.g. a TV beyond reach) or whose
    solver fails gets a row with the message in ``error`` instead of stopping the sweep.
    """
    point, name, params, seed, sigmas = task
    quantity = get_quantity(name)
    start = time.perf_counter()
    error = ""
    try:
        out = quantity.run(params, np.random.default_rng(seed), sigmas)
        values = [out.exact, out.estimate, out.se, out.statistic, out.verdict, out.samples]
        extras = [float(out.extras[k]) for k in quantity.extras]
    except (InvalidArgumentError, SolverError) as exc:
        error = str(exc)
        values = [math.nan, math.nan, math.nan, math.nan, "", 0]
        extras = [math.nan] * len(quantity.extras)
    seconds = round(time.perf_counter() - start, 6)
    return [point, *params.values(), *map(_plain, values), *extras, error, seconds]


def run_points(tasks: list[Task]) -> list[list[Any]]:
    """:func:`run_point` on a chunk of points (one task of the executor)."""
    return [run_point(t) for t in tasks]


def _plain(value: Any) -> Any:
    """numpy scalars as Python ones (so rows format the same everywhere)."""
    return value.item() if isinstance(value, np.generic) else value


@dataclass(frozen=True)
class SweepSummary:
    """What a run did: ``points`` in the grid, ``skipped`` (already written), ``written``,
    ``failed`` (verdict FAIL) and ``errors`` among the rows written now."""

    path: Path
    points: int
    skipped: int
    written: int
    failed: int
    errors: int
    seconds: float


def _chunks(config: SweepConfig, done: set[str], size: int) -> Iterator[list[Task]]:
    chunk: list[Task] = []
    for params in config.points():
        point = config.point_id(params)
        if point not in done:
            seed = config.point_seed(params)
            chunk.append((point, config.quantity.name, params, seed, config.sigmas))
            if len(chunk) == size:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def chunk_size(points: int, workers: int, parallel: bool) -> int:
    """Points per executor task: 1 in this process; else about 16 tasks per worker,
    at most 64 points, so dispatch costs (about 1 ms per task for local processes,
    several for Dask) are spread over many points while the load stays balanced."""
    if not parallel:
        return 1
    return max(1, min(64, points // (16 * workers)))


def run_sweep(
    config: SweepConfig,
    out: str | Path,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    progress: bool | None = None,
    sync_every: float | None = 1.0,
    limit: int | None = None,
) -> SweepSummary:
    """Compute every point of ``config`` not yet in ``out``, appending rows as they finish.

    Parameters
    ----------
    config : SweepConfig
        From :func:`~specbound.sweep.config.load_config`.
    out : path
        CSV output (or ``.parquet`` with pyarrow); must not exist unless ``resume``.
    workers : int, optional
        Local processes (1 = this process; default: every core).
    scheduler : str, optional
        A ``dask.distributed`` scheduler address (connected before any work).
    resume : bool
        Continue ``out``: skip the points it holds (same config required).
    progress : bool or None
        Progress bar (None: when stderr is a terminal).
    sync_every : float or None
        Seconds between flushes of the output to disk (``fsync``; 0: every row;
        None: leave it to the operating system). A killed run loses nothing either way.
    limit : int, optional
        Stop after writing this many rows (an interrupted run, for tests and demos).
    """
    start = time.perf_counter()
    with open_executor(workers, scheduler) as ex:
        store = open_store(out, config, resume, sync_every)
        total = config.size()
        skipped = len(store.done)
        size = chunk_size(total - skipped, ex.workers, ex.scheduler is not None or ex.workers > 1)
        chunks = _chunks(config, set(store.done), size)
        verdict, error = (columns(config).index(c) for c in ("verdict", "error"))
        written = failed = errors = 0
        bar = tqdm(total=total, initial=skipped, desc="sweep", disable=not show_progress(progress))
        try:
            rows = (row for _, done in ex.imap_unordered(run_points, chunks) for row in done)
            for row in itertools.islice(rows, limit):
                store.append(row)
                written += 1
                failed += row[verdict] == "FAIL"
                errors += row[error] != ""
                bar.update()
        finally:
            bar.close()
            store.close()
    complete = len(store.done) >= total
    path = store.finish() if complete else store.path
    seconds = time.perf_counter() - start
    return SweepSummary(path, total, skipped, written, failed, errors, seconds)
