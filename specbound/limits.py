"""The cost of a request: memory and work limits checked before the work starts.

Every function or command whose memory or running time grows with a user-given size
(trials, tree size, horizon, vocabulary, environments) estimates the cost here first
and refuses a hopeless request in well under a second with a
:class:`~specbound.errors.ResourceLimitError` (a ``ValueError``) naming the argument,
the size asked for and the limit, instead of a ``MemoryError`` minutes later or a
loop that never ends.

Limits (defaults, and the environment variables that override them):

* memory of one allocation (counting working copies): 4 GiB,
  ``SPECBOUND_MAX_MEMORY`` (bytes; ``8e9``, ``16GiB``, ``512MB`` are accepted);
* work of one request: 1e10 elementary steps (entries touched, trials x positions,
  flops of a matrix product; at numpy's ~1e8-1e9 per second, 10 s to 2 minutes),
  ``SPECBOUND_MAX_WORK``.

In code, :func:`resource_limits` overrides either limit for a ``with`` block.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

import numpy as np

from specbound.errors import ResourceLimitError

#: Default largest allocation, bytes (working copies included).
DEFAULT_MAX_MEMORY = 4 * 2**30
#: Default largest number of elementary steps of one request.
DEFAULT_MAX_WORK = 1e10

_UNITS = {"": 1, "b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12}
_UNITS |= {"kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
_override: ContextVar[tuple[float | None, float | None]] = ContextVar(
    "specbound_limits", default=(None, None)
)


def _from_env(var: str, default: float, units: bool) -> float:
    text = os.environ.get(var, "").strip()
    if not text:
        return default
    match = re.fullmatch(r"([0-9.eE+]+)\s*([A-Za-z]*)", text)
    unit = match.group(2).lower() if match else ""
    try:
        if match is None or (unit and not units) or unit not in _UNITS:
            raise ValueError
        value = float(match.group(1)) * _UNITS[unit]
    except ValueError:
        raise ResourceLimitError(
            f"{var}: expected a positive number{' of bytes' if units else ''}, got {text!r}"
        ) from None
    if not value > 0 or not math.isfinite(value):
        raise ResourceLimitError(f"{var}: must be a positive finite number, got {text!r}")
    return value


def max_memory() -> float:
    """The memory limit in bytes (``with resource_limits``, else the env var, else 4 GiB)."""
    memory, _ = _override.get()
    return (
        memory
        if memory is not None
        else _from_env("SPECBOUND_MAX_MEMORY", DEFAULT_MAX_MEMORY, True)
    )


def max_work() -> float:
    """The work limit in elementary steps (``with resource_limits``, else env, else 1e10)."""
    _, work = _override.get()
    return work if work is not None else _from_env("SPECBOUND_MAX_WORK", DEFAULT_MAX_WORK, False)


@contextlib.contextmanager
def resource_limits(memory: float | None = None, work: float | None = None) -> Iterator[None]:
    """Override the memory limit (bytes) and/or the work limit for a ``with`` block.

    Examples
    --------
    >>> from specbound.simulations import speculative_sampling
    >>> with resource_limits(memory=1e6):
    ...     speculative_sampling([0.5, 0.5], [0.5, 0.5], 10**6)
    Traceback (most recent call last):
    ...
    specbound.errors.ResourceLimitError: size: 1,000,000 trials need ...
    """
    for name, value in (("memory", memory), ("work", work)):
        if value is not None and not (value > 0 and math.isfinite(value)):
            raise ResourceLimitError(f"{name}: must be a positive finite number, got {value!r}")
    token = _override.set((memory, work))
    try:
        yield
    finally:
        _override.reset(token)


def _fmt_bytes(n: float) -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.0f} bytes"


def _count(n: float) -> str:
    return f"{n:,.0f}" if n < 1e15 else f"{n:.3g}"


def check_allocation(
    name: str,
    elements: float | tuple[int, ...],
    dtype: Any = np.float64,
    *,
    copies: float = 1.0,
    what: str = "elements",
) -> float:
    """Refuse an allocation of ``elements`` items of ``dtype`` above :func:`max_memory`.

    Parameters
    ----------
    name : str
        The argument whose value sets the size (named in the error).
    elements : float or tuple of int
        Number of items, or a shape (its product, computed without overflow).
    dtype : numpy dtype-like, or int
        Item type, or item size in bytes.
    copies : float
        Working copies alive at once (e.g. 3 for three arrays of that size).
    what : str
        Unit of ``elements`` in the message ("trials", "nodes", ...).

    Returns
    -------
    float
        The estimated bytes.

    Raises
    ------
    ResourceLimitError
        ``name: N what need X (limit Y; set SPECBOUND_MAX_MEMORY to raise it)``.
    """
    count = math.prod(float(s) for s in elements) if isinstance(elements, tuple) else elements
    itemsize = dtype if isinstance(dtype, int) else np.dtype(dtype).itemsize
    need = float(count) * itemsize * copies
    limit = max_memory()
    if need > limit:
        raise ResourceLimitError(
            f"{name}: {_count(count)} {what} need {_fmt_bytes(need)} of memory "
            f"(limit {_fmt_bytes(limit)}; set SPECBOUND_MAX_MEMORY to raise it)"
        )
    return need


def check_work(name: str, steps: float, what: str = "steps") -> float:
    """Refuse a request of ``steps`` elementary steps above :func:`max_work`.

    Raises
    ------
    ResourceLimitError
        ``name: N what exceed the work limit L (set SPECBOUND_MAX_WORK to raise it)``.
    """
    limit = max_work()
    if steps > limit:
        raise ResourceLimitError(
            f"{name}: {_count(steps)} {what} exceed the work limit {_count(limit)} "
            "(set SPECBOUND_MAX_WORK to raise it)"
        )
    return float(steps)
