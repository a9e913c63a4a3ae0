"""Subcommands of the ``specbound`` command line, one module per topic.

Each module in :data:`COMMAND_MODULES` defines ``register(subparsers)``, adding
its parser and setting ``func`` (``args -> int`` exit code). Shared parsing of
arrays and lists given inline or in files lives here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from specbound.errors import InvalidArgumentError

#: Topic modules adding subcommands (``check`` and ``reproduce`` live in cli.py).
COMMAND_MODULES: tuple[str, ...] = (
    "specbound.commands.rejections",
    "specbound.commands.exponential_races",
    "specbound.commands.trees",
    "specbound.commands.branching_walk",
    "specbound.commands.multidraft",
)


def read_array(text: str, name: str) -> np.ndarray:
    """An array given inline or by file.

    ``text`` is either comma-separated numbers (rows separated by ``;``), or the
    path of a ``.npy`` file or a text/CSV file of numbers (comma or whitespace
    separated, one row per line).
    """
    path = Path(text)
    if path.suffix.lower() in {".npy", ".csv", ".txt", ".tsv"} or path.exists():
        if not path.exists():
            raise InvalidArgumentError(f"{name}: file {text!r} does not exist")
        try:
            if path.suffix.lower() == ".npy":
                return np.load(path, allow_pickle=False)
            rows = [
                [float(v) for v in line.replace(",", " ").split()]
                for line in path.read_text().splitlines()
                if line.strip() and not line.lstrip().startswith("#")
            ]
        except ValueError as exc:
            raise InvalidArgumentError(
                f"{name}: cannot read numbers from {text!r} ({exc})"
            ) from None
        return _rows_to_array(rows, name)
    try:
        rows = [[float(v) for v in row.split(",") if v.strip()] for row in text.split(";")]
    except ValueError:
        raise InvalidArgumentError(
            f"{name}: expected comma-separated numbers or a .npy/.csv file, got {text!r}"
        ) from None
    return _rows_to_array(rows, name)


def _rows_to_array(rows: list[list[float]], name: str) -> np.ndarray:
    if not rows or not rows[0]:
        raise InvalidArgumentError(f"{name}: no numbers given")
    if len({len(r) for r in rows}) > 1:
        raise InvalidArgumentError(f"{name}: rows have different lengths")
    arr = np.array(rows, dtype=np.float64)
    return arr[0] if arr.shape[0] == 1 else arr


def int_list(text: str, name: str) -> list[int]:
    """Comma-separated integers, e.g. ``"1,2,4,8"``."""
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise InvalidArgumentError(
            f"{name}: expected comma-separated integers, got {text!r}"
        ) from None
