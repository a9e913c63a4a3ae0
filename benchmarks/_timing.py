"""Timing and result-writing helpers shared by the benchmark scripts (benchmarks/bench_*.py).

The scripts run as files (``python benchmarks/bench_x.py`` or through run_all.py), so
this folder is first on ``sys.path`` and they import this module as ``_timing``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

T = TypeVar("T")

#: Where every benchmark writes its Markdown table.
RESULTS = Path(__file__).parent / "results"


def _times(fn: Callable[[], T], repeat: int, clock: Callable[[], float]) -> tuple[list[float], T]:
    """Durations of ``repeat`` calls of ``fn`` measured by ``clock``, and the last result."""
    if repeat < 1:
        raise ValueError(f"repeat: must be >= 1, got {repeat}")
    times = []
    for _ in range(repeat):
        t = clock()
        out = fn()
        times.append(clock() - t)
    return times, out


def best_of(fn: Callable[[], T], repeat: int = 1) -> tuple[float, T]:
    """Smallest wall time of ``repeat`` calls of ``fn``.

    Parameters
    ----------
    fn : callable () -> T
        The work to time.
    repeat : int >= 1
        Number of calls.

    Returns
    -------
    seconds : float
        The smallest wall-clock duration (``time.perf_counter``).
    result : T
        What the last call returned.
    """
    times, out = _times(fn, repeat, time.perf_counter)
    return min(times), out


def median_of(
    fn: Callable[[], T], repeat: int = 1, clock: Callable[[], float] = time.perf_counter
) -> tuple[float, T]:
    """Median duration of ``repeat`` calls of ``fn`` (robust on a shared machine).

    Parameters
    ----------
    fn : callable () -> T
        The work to time.
    repeat : int >= 1
        Number of calls.
    clock : callable () -> float
        ``time.perf_counter`` (wall time, default) or ``time.process_time`` (CPU time).

    Returns
    -------
    seconds : float
        The median duration.
    result : T
        What the last call returned.
    """
    times, out = _times(fn, repeat, clock)
    return float(np.median(times)), out


def write_results(stem: str, lines: list[str], echo: bool = False) -> Path:
    """Write ``lines`` to ``benchmarks/results/<stem>.md``; print the text or its path.

    Parameters
    ----------
    stem : str
        File name without ``.md`` (the benchmark's topic).
    lines : list of str
        The Markdown lines; a final newline is added.
    echo : bool
        Print the whole text (True) or only "wrote <path>" (False).

    Returns
    -------
    Path
        The file written.
    """
    text = "\n".join(lines) + "\n"
    out = RESULTS / f"{stem}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(text if echo else f"wrote {out}")
    return out
