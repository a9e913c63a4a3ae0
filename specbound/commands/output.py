"""Rendering of command results: a table for eyes (under 100 columns), JSON or CSV.

A command builds its result once, as plain data (a dict of scalars and a list of
rows), and :func:`emit` renders it in the format chosen by ``--format``:

* ``table``: the command's own text lines, then the rows as an aligned table whose
  optional columns are dropped (with a note) until it fits in :data:`WIDTH` columns,
  unless ``--wide``;
* ``json``: one JSON object (``indent=2``); non-finite numbers become ``null``;
* ``csv``: the rows only, one header line of column keys.

:func:`output_directory` checks an output directory (``--out DIR``) up front.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from specbound.errors import InvalidArgumentError

#: Widest table printed without ``--wide``.
WIDTH = 99


@dataclass(frozen=True)
class Column:
    """One column: the row key, its header, how a value prints, whether it may be hidden."""

    key: str
    head: str
    fmt: Callable[[Any], str] = str
    optional: bool = False
    left: bool = False

    def pad(self, cell: str, width: int) -> str:
        """``cell`` aligned in ``width`` characters (numbers right, labels left)."""
        return cell.ljust(width) if self.left else cell.rjust(width)


def number(digits: int = 4) -> Callable[[Any], str]:
    """Formatter printing a float with ``digits`` decimals ("inf", "-" for None / NaN)."""

    def fmt(x: Any) -> str:
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return "-"
        if isinstance(x, float) and math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return f"{x:.{digits}f}"

    return fmt


def table(columns: Sequence[Column], rows: Sequence[dict], wide: bool = False) -> str:
    """Aligned text table, at most :data:`WIDTH` columns unless ``wide``.

    Optional columns are dropped from the right until the table fits; a last line
    names them.
    """
    shown = list(columns)
    cells = {c.key: [c.fmt(r.get(c.key)) for r in rows] for c in columns}

    def width(cols: Sequence[Column]) -> int:
        return sum(max(len(c.head), *map(len, cells[c.key]), 0) for c in cols) + 2 * (
            len(cols) - 1
        )

    hidden: list[str] = []
    while not wide and width(shown) > WIDTH and any(c.optional for c in shown):
        drop = [c for c in shown if c.optional][-1]
        shown.remove(drop)
        hidden.insert(0, drop.head)
    widths = [max(len(c.head), *map(len, cells[c.key]), 0) for c in shown]
    lines = ["  ".join(c.pad(c.head, w) for c, w in zip(shown, widths, strict=True)).rstrip()]
    for i in range(len(rows)):
        cols = zip(shown, widths, strict=True)
        lines.append("  ".join(c.pad(cells[c.key][i], w) for c, w in cols).rstrip())
    if hidden:
        lines.append(
            f"(hidden to fit {WIDTH + 1} columns: {', '.join(hidden)}; --wide shows them)"
        )
    return "\n".join(lines)


def to_csv(columns: Sequence[Column], rows: Sequence[dict]) -> str:
    """The rows as CSV with a header of column keys; raw values (empty for None)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([c.key for c in columns])
    for r in rows:
        writer.writerow(["" if r.get(c.key) is None else r.get(c.key) for c in columns])
    return buf.getvalue().rstrip("\n")


def jsonable(value: Any) -> Any:
    """``value`` with numpy scalars/arrays as Python values and inf/NaN as None."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if hasattr(value, "tolist"):
        return jsonable(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def to_json(data: dict) -> str:
    """``data`` as indented JSON (valid: no NaN or Infinity)."""
    return json.dumps(jsonable(data), indent=2, allow_nan=False)


def emit(
    args: argparse.Namespace,
    data: dict,
    columns: Sequence[Column] = (),
    rows: Sequence[dict] = (),
    text: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> None:
    """Print (or write to ``--out``) the result in the format of ``--format``.

    Parameters
    ----------
    args : argparse.Namespace
        Carries ``format`` and, when present, ``out`` and ``wide``.
    data : dict
        The JSON object (should include ``rows`` when the result is a table).
    columns, rows : sequence
        The table: its columns and one dict per row.
    text : sequence of str
        Lines printed above the table (``table`` format only).
    notes : sequence of str
        Lines printed below the table (``table`` format only).
    """
    fmt = getattr(args, "format", "table")
    if fmt == "json":
        out = to_json(data)
    elif fmt == "csv":
        out = to_csv(columns, rows)
    else:
        body = [table(columns, rows, getattr(args, "wide", False))] if columns else []
        wrapped = [textwrap.fill(n, WIDTH, subsequent_indent="  ") for n in notes]
        out = "\n".join([*text, *body, *wrapped])
    path = getattr(args, "out", None)
    if path:
        Path(path).write_text(out + "\n")
        print(f"wrote {path}", file=sys.stderr)
    else:
        print(out)


def output_directory(text: str, name: str = "out") -> Path:
    """Create (if needed) and check a writable output directory, naming ``--out`` on failure."""
    out = Path(text)
    if out.exists() and not out.is_dir():
        raise InvalidArgumentError(f"{name}: {text!r} exists and is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidArgumentError(f"{name}: cannot create {text!r} ({exc.strerror})") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise InvalidArgumentError(f"{name}: {text!r} is not writable")
    return out
