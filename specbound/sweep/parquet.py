"""Parquet output of a sweep (optional: needs pyarrow).

The rows are journalled as CSV while the sweep runs (:mod:`specbound.sweep.store`)
and converted here once every point is done, with typed columns (parameters by
their kind, values as float64, ``samples`` as int64) and the canonical config in the
schema metadata under ``specbound-sweep``.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

from specbound.errors import InvalidArgumentError
from specbound.sweep.config import SweepConfig, canonical_json, difference

META_KEY = b"specbound-sweep"


def _typed(name: str, cells: list[str], config: SweepConfig) -> list:
    if name in config.grid:
        kind = config.quantity.param(name).kind
        return [kind(c) for c in cells]
    if name in ("point", "verdict", "error"):
        return cells
    if name == "samples":
        return [int(c) for c in cells]
    return [float(c) if c else float("nan") for c in cells]


def write_parquet(journal: Path, out: Path, config: SweepConfig) -> None:
    """Convert the complete CSV ``journal`` into ``out`` (written atomically)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    with open(journal, newline="") as f:
        next(f)
        rows = list(csv.reader(f))
    names, body = rows[0], rows[1:]
    table = pa.table(
        {name: _typed(name, [r[i] for r in body], config) for i, name in enumerate(names)}
    )
    table = table.replace_schema_metadata({META_KEY: canonical_json(config.canonical())})
    tmp = out.with_name(out.name + ".tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, out)


def read_parquet_done(path: Path, config: SweepConfig) -> set[str]:
    """Point ids of a finished Parquet output, after checking it has the same config."""
    import pyarrow.parquet as pq

    meta = pq.read_schema(path).metadata or {}
    if META_KEY not in meta:
        raise InvalidArgumentError(
            f"out: {str(path)!r} is not a specbound sweep output; cannot resume it"
        )
    old = json.loads(meta[META_KEY])
    if old != config.canonical():
        raise InvalidArgumentError(
            f"out: {str(path)!r} was written by a different config "
            f"({difference(old, config.canonical())}); use another --out"
        )
    return set(pq.read_table(path, columns=["point"]).column("point").to_pylist())
