"""One executor interface for embarrassingly parallel work: sweeps, claims, figures.

Three back ends behind one interface (:func:`open_executor`): this process
(``workers=1``), a pool of local processes (``workers > 1``), or a Dask cluster
when a scheduler address is given (the optional ``dask.distributed`` package,
extra ``dist``; never a home-made cluster). :func:`map_tasks` returns results in
input order; :meth:`Executor.imap_unordered` yields ``(index, result)`` as tasks
finish, with a bounded number in flight so a 10^6-task sweep never holds 10^6
futures. Results do not depend on the back end: every task carries its own seed.
"""

from __future__ import annotations

import os
import queue
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any, TypeVar

from tqdm.auto import tqdm

from specbound.distributions import check_int, check_real
from specbound.errors import InvalidArgumentError
from specbound.simulations.estimate import show_progress

T = TypeVar("T")

#: Seconds allowed to reach a Dask scheduler before giving up (issue 17: < 10 s).
CONNECT_TIMEOUT = 5.0


def default_workers() -> int:
    """Local worker processes used by default: the cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class Executor:
    """Runs picklable functions over task arguments; use through :func:`open_executor`.

    Attributes
    ----------
    workers : int
        Tasks that can run at once (local processes, or the cluster's threads).
    scheduler : str or None
        The Dask scheduler address, when running on a cluster.
    """

    def __init__(self, workers: int, scheduler: str | None, client: Any = None) -> None:
        self.workers = workers
        self.scheduler = scheduler
        self._client = client
        self._pool: ProcessPoolExecutor | None = None

    def _submit(self, fn: Callable[[Any], T], item: Any) -> Any:
        if self._client is not None:
            return self._client.submit(fn, item, pure=False)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, initializer=_ignore_interrupts
            )
        return self._pool.submit(fn, item)

    def imap_unordered(
        self, fn: Callable[[Any], T], items: Iterable[Any], window: int | None = None
    ) -> Iterator[tuple[int, T]]:
        """Yield ``(index, fn(item))`` for every item, in the order tasks finish.

        Serial execution yields in input order. At most ``window`` tasks (default
        4 x workers) are submitted ahead, so ``items`` may be a long lazy iterable.
        A task's exception is raised here, after the results that finished before it.
        """
        if self._client is None and self.workers == 1:
            for i, item in enumerate(items):
                yield i, fn(item)
            return
        window = 4 * self.workers if window is None else check_int(window, "window", 1)
        source = enumerate(items)
        pending: dict[Any, int] = {}  # future key -> item index
        first = []
        for i, item in source:
            fut = self._submit(fn, item)
            pending[fut.key if self._client is not None else fut] = i
            first.append(fut)
            if len(first) >= window:
                break
        if self._client is not None:
            from dask.distributed import as_completed

            finished = as_completed(first, loop=self._client.loop)
            for fut in finished:
                i = pending.pop(fut.key)
                result = fut.result()
                nxt = next(source, None)
                if nxt is not None:
                    new = self._submit(fn, nxt[1])
                    pending[new.key] = nxt[0]
                    finished.add(new)
                yield i, result
            return
        while pending:
            done = wait(list(pending), return_when=FIRST_COMPLETED).done
            for fut in sorted(done, key=pending.__getitem__):
                i = pending.pop(fut)
                nxt = next(source, None)
                if nxt is not None:
                    pending[self._submit(fn, nxt[1])] = nxt[0]
                yield i, fut.result()

    def close(self, abort: bool = False) -> None:
        """Shut the process pool down or disconnect from the cluster.

        ``abort`` (Ctrl-C or a failed task): cancel pending tasks and terminate the
        workers instead of waiting for the running ones.
        """
        if self._pool is not None:
            workers = list((getattr(self._pool, "_processes", None) or {}).values())
            self._pool.shutdown(wait=not abort, cancel_futures=True)
            for proc in workers if abort else []:  # CPython's pid -> process map
                proc.terminate()
                proc.join(timeout=5)
            self._pool = None
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(abort=exc[0] is not None)


def _ignore_interrupts() -> None:
    """Worker initializer: Ctrl-C is handled by the parent, which ends the workers."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _refused(scheduler: str, timeout: float) -> None:
    """Fail at once when a ``tcp://host:port`` address refuses connections.

    (Dask's client retries until its timeout; a refused port needs no retries.)
    """
    if not isinstance(scheduler, str):
        raise InvalidArgumentError(f"scheduler: expected an address, got {scheduler!r}")
    if not scheduler.startswith("tcp://"):
        return
    host, _, port = scheduler.removeprefix("tcp://").rpartition(":")
    if not host or not port.isdigit():
        raise InvalidArgumentError(f"scheduler: expected tcp://HOST:PORT, got {scheduler!r}")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InvalidArgumentError(f"scheduler: cannot reach {scheduler!r} ({reason})") from None


def connect(scheduler: str, timeout: float = CONNECT_TIMEOUT) -> Any:
    """A ``dask.distributed.Client`` of the scheduler at ``scheduler``, or a clear error.

    Raises
    ------
    InvalidArgumentError
        Naming the address when dask.distributed is not installed or the scheduler
        cannot be reached: at once for a refused port, else after about ``timeout``
        seconds (at most ``timeout`` + 1.5).
    """
    timeout = check_real(timeout, "timeout", 0.0)
    try:
        from dask.distributed import Client
    except ImportError:
        raise InvalidArgumentError(
            "scheduler: needs the optional package dask[distributed] "
            "(pip install 'specbound[dist]')"
        ) from None
    deadline = time.monotonic() + timeout
    _refused(scheduler, timeout)
    left = max(0.5, deadline - time.monotonic())
    box: queue.Queue = queue.Queue()

    def attempt() -> None:
        try:
            box.put(Client(scheduler, timeout=f"{left:.3f}s", set_as_default=False))
        except Exception as exc:  # reported below, in the calling thread
            box.put(exc)

    # A port that accepts TCP but never speaks Dask can stall the handshake past the
    # client's own timeout: wait in a daemon thread and give up on time.
    threading.Thread(target=attempt, daemon=True).start()
    try:
        got = box.get(timeout=left + 1.0)
    except queue.Empty:
        got = TimeoutError("no answer")
    if isinstance(got, Exception):
        reason = str(got).splitlines()[0] if str(got) else type(got).__name__
        raise InvalidArgumentError(
            f"scheduler: cannot reach {scheduler!r} within {timeout:g} s ({reason[:120]})"
        ) from None
    return got


def open_executor(
    workers: int | None = None, scheduler: str | None = None, timeout: float = CONNECT_TIMEOUT
) -> Executor:
    """The executor for ``workers`` local processes, or the Dask cluster at ``scheduler``.

    Parameters
    ----------
    workers : int, optional
        1 runs in this process; more uses a local process pool of that size
        (default :func:`default_workers`). Ignored with ``scheduler``.
    scheduler : str, optional
        Address of a ``dask.distributed`` scheduler (e.g. ``"tcp://host:8786"``);
        connected here, so an unreachable address fails before any work.
    timeout : float
        Seconds allowed to reach the scheduler.
    """
    if scheduler is not None:
        client = connect(scheduler, timeout)
        threads = sum(client.nthreads().values()) or 1
        return Executor(threads, scheduler, client)
    workers = default_workers() if workers is None else check_int(workers, "workers", 1)
    return Executor(workers, None)


def map_tasks(
    fn: Callable[[Any], T],
    items: Iterable[Any],
    workers: int | None = 1,
    scheduler: str | None = None,
    progress: bool | None = None,
    desc: str | None = None,
    *,
    jobs: int | None = None,
) -> list[T]:
    """Apply ``fn`` to every item and return the results in input order.

    Parameters
    ----------
    fn : callable
        A picklable (module-level) function when ``workers > 1`` or ``scheduler`` is set.
    items : iterable
        Task arguments.
    workers : int or None
        1 runs in this process; more uses a local process pool of that size;
        None uses every core (:func:`default_workers`).
    scheduler : str, optional
        Address of a ``dask.distributed`` scheduler (e.g. ``"tcp://host:8786"``).
    progress : bool or None
        Progress bar (None: when stderr is a terminal).
    jobs : int, optional
        Former name of ``workers`` (kept for existing callers).
    """
    if jobs is not None:
        workers = jobs
    items = list(items)
    if scheduler is None and len(items) <= 1:
        workers = 1
    results: list[Any] = [None] * len(items)
    bar = tqdm(total=len(items), desc=desc, disable=not show_progress(progress), file=sys.stderr)
    try:
        with open_executor(workers, scheduler) as ex:
            for i, r in ex.imap_unordered(fn, items):
                results[i] = r
                bar.update()
    finally:
        bar.close()
    return results


__all__ = ["Executor", "connect", "default_workers", "map_tasks", "open_executor"]
