"""Scalar and shape checks shared by every module: integers, reals, vocabulary sizes,
and the size of what a repair (a clip or a fallback) removes.

Each raises :class:`~specbound.errors.InvalidArgumentError` (a ``ValueError``) whose
message starts with the argument's name; :func:`check_removed` raises
:class:`~specbound.errors.RepairError`. Re-exported by :mod:`specbound.distributions`.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from specbound.errors import InvalidArgumentError, RepairError

#: Largest mass a clip or renormalisation may remove silently (absolute, on laws of mass 1).
REPAIR_TOLERANCE = 1e-12


def check_removed(removed: Any, where: str, tolerance: float = REPAIR_TOLERANCE) -> None:
    """Raise :class:`~specbound.errors.RepairError` if a repair removes more than ``tolerance``.

    ``removed`` is the size of what a clip (negative mass set to 0) or a fallback
    (a residual replaced) discards, measured on laws of total mass 1 (a scalar or
    an array, its largest entry counts); ``where`` names the function doing it.
    Within the tolerance the repair only undoes floating-point rounding.
    """
    size = float(np.max(removed, initial=0.0))
    if not size <= tolerance:
        raise RepairError(
            f"{where}: would silently remove mass {size:.3g} (tolerance {tolerance:g}); "
            "the input is not (nearly) a law"
        )


def check_same_size(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise unless the last axes of ``a`` and ``b`` (the vocabularies) have the same length."""
    if a.shape[-1] != b.shape[-1]:
        raise InvalidArgumentError(
            f"{name_b}: vocabulary size {b.shape[-1]} differs from {name_a}'s {a.shape[-1]}"
        )


def check_int(value: Any, name: str, minimum: int | None = None) -> int:
    """Return ``value`` as an int, raising unless it is an integer ``>= minimum``."""
    if isinstance(value, bool | np.bool_):
        raise InvalidArgumentError(f"{name}: must be an integer, got {value!r}")
    if not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and np.isfinite(value) and float(value).is_integer():
            value = int(value)
        else:
            raise InvalidArgumentError(f"{name}: must be an integer, got {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise InvalidArgumentError(f"{name}: must be >= {minimum}, got {value}")
    return value


def check_real(
    value: Any,
    name: str,
    low: float | None = None,
    high: float | None = None,
) -> float:
    """Return ``value`` as a finite float in the closed interval [low, high]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidArgumentError(f"{name}: must be a real number, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise InvalidArgumentError(f"{name}: must be finite, got {value}")
    if (low is not None and value < low) or (high is not None and value > high):
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        raise InvalidArgumentError(f"{name}: must lie in [{lo}, {hi}], got {value:g}")
    return value
