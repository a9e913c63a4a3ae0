"""One executor interface for embarrassingly parallel sweeps.

``map_tasks(fn, items, jobs=..., scheduler=...)`` runs ``fn`` over ``items``:
in this process (``jobs=1``), in local processes (``jobs>1``, the default for
sweeps), or on a Dask cluster when a scheduler address is given (requires the
optional ``dask.distributed`` package; never a home-made cluster). Results come
back in input order, so a seeded sweep gives the same numbers however it ran.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from tqdm.auto import tqdm

from specbound.distributions import check_int
from specbound.errors import InvalidArgumentError
from specbound.simulations.estimate import show_progress

T = TypeVar("T")


def map_tasks(
    fn: Callable[[Any], T],
    items: Iterable[Any],
    jobs: int = 1,
    scheduler: str | None = None,
    progress: bool | None = None,
    desc: str | None = None,
) -> list[T]:
    """Apply ``fn`` to every item and return the results in order.

    Parameters
    ----------
    fn : callable
        A picklable (module-level) function when ``jobs > 1`` or ``scheduler`` is set.
    items : iterable
        Task arguments.
    jobs : int
        1 runs in this process; more uses a local process pool of that size.
    scheduler : str, optional
        Address of a ``dask.distributed`` scheduler (e.g. ``"tcp://host:8786"``).
    progress : bool or None
        Progress bar (None: when stderr is a terminal).
    """
    jobs = check_int(jobs, "jobs", 1)
    items = list(items)
    bar = tqdm(total=len(items), desc=desc, disable=not show_progress(progress))
    try:
        if scheduler is not None:
            try:
                from dask.distributed import Client
            except ImportError:
                raise InvalidArgumentError(
                    "scheduler: needs the optional package dask[distributed] "
                    "(pip install 'dask[distributed]')"
                ) from None
            with Client(scheduler) as client:
                futures = client.map(fn, items, pure=False)
                results = []
                for f in futures:
                    results.append(f.result())
                    bar.update()
                return results
        if jobs == 1 or len(items) <= 1:
            results = []
            for it in items:
                results.append(fn(it))
                bar.update()
            return results
        pool = ProcessPoolExecutor(max_workers=jobs, initializer=_ignore_interrupts)
        try:
            results = []
            for r in pool.map(fn, items):
                results.append(r)
                bar.update()
        except BaseException:  # Ctrl-C or a failed task: end the workers now
            _end_pool(pool)
            raise
        pool.shutdown()
        return results
    finally:
        bar.close()


def _ignore_interrupts() -> None:
    """Worker initializer: Ctrl-C is handled by the parent, which ends the workers."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _end_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel pending tasks and terminate the workers (running tasks are not waited for)."""
    workers = list((getattr(pool, "_processes", None) or {}).values())  # CPython's pid map
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in workers:
        proc.terminate()
    for proc in workers:
        proc.join(timeout=5)
