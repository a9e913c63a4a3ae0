"""The sweep's output file: one tidy row per grid point, appended as points finish.

CSV layout (UTF-8)::

    # specbound-sweep 1 sha256=<config hash> config=<canonical JSON of the config>
    point,<parameters...>,exact,estimate,se,statistic,verdict,samples,<extras...>,error,seconds
    <one row per finished point, in the order points finished>

Each row is written with a single ``write`` of the whole line, straight to the
operating system (no buffer in this process), so a run killed at any moment loses
no row already written; the file is also flushed to disk (``fsync``) after a row
once ``sync_every`` seconds (default 1) have passed since the last flush, and at
the end, so a machine crash loses at most about the last second of rows. A kill
or crash in the middle of that one ``write`` can leave the head of one line:
:func:`open_store` drops a last line without its newline when resuming. A point's
row is written once: resuming skips the ids already in the file. Floats are
written with ``repr`` (shortest round trip), so the same point gives the same
bytes whatever the executor; NaN is written as an empty cell.

A ``.parquet`` output (needs pyarrow) is journalled in ``<out>.partial.csv`` with
the same layout and converted when every point is done (the config is stored in
the Parquet schema metadata).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from specbound.errors import InvalidArgumentError
from specbound.sweep.config import SweepConfig, canonical_json, difference

MAGIC = "# specbound-sweep 1"
VALUES = ("exact", "estimate", "se", "statistic", "verdict", "samples")


def columns(config: SweepConfig) -> list[str]:
    """Column names of the output of ``config``."""
    extras = list(config.quantity.extras)
    return ["point", *config.grid, *VALUES, *extras, "error", "seconds"]


def header(config: SweepConfig) -> str:
    """The two header lines (config line and column names), newline-terminated."""
    meta = f"{MAGIC} sha256={config.fingerprint()} config={canonical_json(config.canonical())}"
    return meta + "\n" + format_row(columns(config))


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return value


def format_row(values: list[Any]) -> str:
    """One CSV line (with its newline) of ``values``; floats by ``repr``, NaN empty."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([_cell(v) for v in values])
    return buf.getvalue()


@dataclass
class Store:
    """An open output: append rows with :meth:`append`, :meth:`close` when finished.

    Attributes
    ----------
    path : Path
        The file rows are appended to (the journal for Parquet outputs).
    done : set of str
        Point ids already written (before this run, then as rows are appended).
    dropped : int
        Bytes of an incomplete last line removed when resuming (0 normally).
    """

    path: Path
    config: SweepConfig
    parquet: Path | None = None
    sync_every: float | None = 1.0
    done: set[str] = field(default_factory=set)
    dropped: int = 0
    _fd: int = -1
    _synced: float = field(default_factory=time.monotonic)

    def append(self, values: list[Any]) -> None:
        """Write one whole row (one ``write`` call); ``fsync`` if ``sync_every`` s passed."""
        data = format_row(values).encode()
        if self._fd < 0:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        written = os.write(self._fd, data)
        if written != len(data):  # a full disk: never leave half a row
            os.ftruncate(self._fd, os.fstat(self._fd).st_size - written)
            raise OSError(f"out: short write to {str(self.path)!r} (disk full?)")
        self.done.add(str(values[0]))
        now = time.monotonic()
        if self.sync_every is not None and now - self._synced >= self.sync_every:
            os.fsync(self._fd)
            self._synced = now

    def close(self) -> None:
        """Flush to disk (unless ``sync_every`` is None) and close the file descriptor."""
        if self._fd >= 0:
            if self.sync_every is not None:
                os.fsync(self._fd)
            os.close(self._fd)
            self._fd = -1

    def finish(self) -> Path:
        """Close; for Parquet, convert the complete journal and remove it. The output."""
        self.close()
        if self.parquet is None:
            return self.path
        if not self.path.exists():  # resumed a finished Parquet output: nothing new
            return self.parquet
        from specbound.sweep.parquet import write_parquet

        write_parquet(self.path, self.parquet, self.config)
        self.path.unlink()
        return self.parquet


def _parquet_target(out: Path) -> bool:
    if out.suffix.lower() != ".parquet":
        return False
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise InvalidArgumentError(
            f"out: {str(out)!r} asks for Parquet, which needs pyarrow (pip install pyarrow); "
            "or name a .csv file"
        ) from None
    return True


def _read_existing(path: Path, config: SweepConfig) -> tuple[set[str], int]:
    """Check the header of a file to resume; drop an incomplete last line; ids written."""
    with open(path, "rb+") as f:
        data = f.read()
        meta, _, rest = data.partition(b"\n")
        text = meta.decode("utf-8", "replace")
        if not text.startswith(MAGIC + " ") or " config=" not in text:
            raise InvalidArgumentError(
                f"out: {str(path)!r} is not a specbound sweep output; cannot resume it"
            )
        old = json.loads(text.split(" config=", 1)[1])
        if old != config.canonical():
            raise InvalidArgumentError(
                f"out: {str(path)!r} was written by a different config "
                f"({difference(old, config.canonical())}); use another --out"
            )
        dropped = 0
        if not data.endswith(b"\n"):
            keep = data.rfind(b"\n") + 1
            dropped = len(data) - keep
            f.truncate(keep)
            rest = rest[: max(0, len(rest) - dropped)]
    lines = rest.decode().splitlines()
    if not lines:  # killed while writing the column names
        with open(path, "a") as f:
            f.write(format_row(columns(config)))
        return set(), dropped
    if next(csv.reader([lines[0]])) != columns(config):
        raise InvalidArgumentError(f"out: {str(path)!r} has different columns; cannot resume it")
    return {row[0] for row in csv.reader(lines[1:]) if row}, dropped


def open_store(
    out: str | Path, config: SweepConfig, resume: bool, sync_every: float | None = 1.0
) -> Store:
    """Create the output (refusing to overwrite) or reopen it to resume.

    ``sync_every``: seconds between ``fsync`` calls (0: after every row; None: never).

    Raises
    ------
    InvalidArgumentError
        The file exists without ``resume``; it was written by a different config
        (naming the first difference) or is not a sweep output; Parquet without pyarrow.
    """
    out = Path(out)
    parquet = out if _parquet_target(out) else None
    path = out.with_name(out.name + ".partial.csv") if parquet else out
    if parquet is not None and parquet.exists():
        if not resume:
            raise InvalidArgumentError(f"out: {str(out)!r} exists; pass --resume or another --out")
        from specbound.sweep.parquet import read_parquet_done

        return Store(path, config, parquet, sync_every, read_parquet_done(parquet, config))
    if path.exists():
        if not resume:
            what = f"a partial run of {str(out)!r} ({path.name})" if parquet else repr(str(out))
            raise InvalidArgumentError(f"out: {what} exists; pass --resume or another --out")
        done, dropped = _read_existing(path, config)
        if dropped:
            print(f"specbound: dropped an incomplete last row ({dropped} bytes)", file=sys.stderr)
        return Store(path, config, parquet, sync_every, done, dropped)
    if not path.parent.is_dir():
        raise InvalidArgumentError(f"out: directory {str(path.parent)!r} does not exist")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.write(fd, header(config).encode())
        if sync_every is not None:
            os.fsync(fd)
    finally:
        os.close(fd)
    return Store(path, config, parquet, sync_every)
