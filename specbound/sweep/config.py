"""Sweep configuration: a TOML file naming a quantity and parameter grids.

::

    quantity = "acceptance_probability"   # a public function or a claim id
    seed = 0                              # optional (default 0)
    sigmas = 5.0                          # optional: Monte Carlo agreement width in SE
    [grid]
    family = ["pair_at_tv", "softmax"]    # a list, or one value
    n = [10, 100, 1000]
    tv = [0.1, 0.3]
    trials = 20000

The grid is the Cartesian product of the lists, in the quantity's parameter order;
parameters not in ``[grid]`` take their defaults. Every value is checked (type,
range, choices) before any work. Each point gets a key (canonical JSON of the
quantity and all its parameters), an id (the first 16 hex digits of the key's
SHA-256) and a seed ``SeedSequence([seed, first 128 bits of that hash])``, so a
point's numbers do not depend on the executor, the number of workers or the order.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from specbound.errors import InvalidArgumentError
from specbound.sweep.quantities import Quantity, get_quantity

#: Largest grid accepted (refused up front beyond).
MAX_POINTS = 10**8
_KEYS = ("quantity", "seed", "sigmas", "grid")


@dataclass(frozen=True)
class SweepConfig:
    """A validated sweep: the quantity, the grid (coerced values) and settings."""

    quantity: Quantity
    grid: dict[str, list[Any]]
    seed: int = 0
    sigmas: float = 5.0

    def canonical(self) -> dict[str, Any]:
        """The configuration as plain data (what the output header records)."""
        return {
            "quantity": self.quantity.name,
            "seed": self.seed,
            "sigmas": self.sigmas,
            "grid": self.grid,
        }

    def fingerprint(self) -> str:
        """SHA-256 of the canonical JSON of :meth:`canonical`."""
        return hashlib.sha256(canonical_json(self.canonical()).encode()).hexdigest()

    def size(self) -> int:
        """Number of grid points."""
        return math.prod(len(v) for v in self.grid.values())

    def points(self) -> Iterator[dict[str, Any]]:
        """Every grid point (parameter name -> value), lazily, in grid order."""
        names = list(self.grid)
        for values in itertools.product(*self.grid.values()):
            yield dict(zip(names, values, strict=True))

    def point_key(self, params: dict[str, Any]) -> str:
        """Canonical JSON identifying the point (quantity and every parameter)."""
        return canonical_json({"quantity": self.quantity.name, **params})

    def point_id(self, params: dict[str, Any]) -> str:
        """The 16-hex-digit id of the point written in the ``point`` column."""
        return hashlib.sha256(self.point_key(params).encode()).hexdigest()[:16]

    def point_seed(self, params: dict[str, Any]) -> np.random.SeedSequence:
        """``SeedSequence([seed, 128 bits of SHA-256(point key)])``."""
        digest = hashlib.sha256(self.point_key(params).encode()).digest()
        return np.random.SeedSequence([self.seed, int.from_bytes(digest[:16], "little")])


def canonical_json(data: Any) -> str:
    """Compact JSON with sorted keys: the same data always gives the same text."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _scalar(value: Any, where: str, kind: Any, what: str, minimum: float) -> Any:
    if isinstance(value, bool) or not isinstance(value, kind):
        raise InvalidArgumentError(f"{where}: expected {what}, got {value!r}")
    if value < minimum:
        raise InvalidArgumentError(f"{where}: must be >= {minimum:g}, got {value!r}")
    return value


def parse_config(data: dict[str, Any]) -> SweepConfig:
    """Validate a parsed TOML document into a :class:`SweepConfig`.

    Raises
    ------
    InvalidArgumentError
        One line naming the key: an unknown key, quantity or parameter, a value of
        the wrong type or out of range, an empty grid or list, too many points.
    """
    unknown = [k for k in data if k not in _KEYS]
    if unknown:
        raise InvalidArgumentError(
            f"config: unknown key {unknown[0]!r} (keys: {', '.join(_KEYS)})"
        )
    if "quantity" not in data:
        raise InvalidArgumentError("quantity: missing (see `specbound sweep --list`)")
    quantity = get_quantity(data["quantity"])
    seed = _scalar(data.get("seed", 0), "seed", int, "an integer", 0)
    sigmas = float(_scalar(data.get("sigmas", 5.0), "sigmas", int | float, "a number", 0))
    raw = data.get("grid")
    if not isinstance(raw, dict) or not raw:
        raise InvalidArgumentError("grid: empty; give a [grid] table with at least one parameter")
    for name in raw:
        quantity.param(name)  # an unknown parameter fails here
    grid: dict[str, list[Any]] = {}
    for p in quantity.params:
        values = raw.get(p.name, p.defaults())
        values = values if isinstance(values, list) else [values]
        if not values:
            raise InvalidArgumentError(f"grid.{p.name}: empty list (no points)")
        coerced = [p.coerce(v, f"grid.{p.name}") for v in values]
        if len(set(coerced)) < len(coerced):
            raise InvalidArgumentError(f"grid.{p.name}: repeated value in {values!r}")
        grid[p.name] = coerced
    config = SweepConfig(quantity, grid, seed, sigmas)
    if config.size() > MAX_POINTS:
        raise InvalidArgumentError(
            f"grid: {config.size():.3g} points is more than the {MAX_POINTS:.0e} allowed"
        )
    return config


def load_config(path: str | Path) -> SweepConfig:
    """Read and validate the TOML file at ``path`` (:func:`parse_config`)."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise InvalidArgumentError(f"config: cannot read {str(path)!r} ({exc.strerror})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidArgumentError(f"config: {str(path)!r} is not valid TOML ({exc})") from None
    return parse_config(data)


def difference(old: dict[str, Any], new: dict[str, Any]) -> str:
    """The first difference between two canonical configs, e.g. ``grid.n: [10] vs [20]``."""
    for key in _KEYS:
        a, b = old.get(key), new.get(key)
        if key == "grid" and isinstance(a, dict) and isinstance(b, dict):
            for name in dict.fromkeys([*a, *b]):
                if a.get(name) != b.get(name):
                    return f"grid.{name}: {a.get(name)!r} in the file, {b.get(name)!r} now"
        elif a != b:
            return f"{key}: {a!r} in the file, {b!r} now"
    return "none"
