"""Subcommands of the ``specbound`` command line, one module per topic.

Each module in :data:`COMMAND_MODULES` defines ``register(subparsers)``, adding
its parser and setting ``func`` (``args -> int`` exit code). Shared options
(``--simulate``, ``--seed``, ``--no-progress``), parsing of arrays and lists given
inline or in files, and table printing live here.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np

from specbound.distributions import as_distribution, check_int
from specbound.errors import InvalidArgumentError
from specbound.limits import check_allocation, check_work

#: Topic modules adding subcommands (``check`` and ``reproduce`` live in cli.py).
COMMAND_MODULES: tuple[str, ...] = (
    "specbound.commands.rejections",
    "specbound.commands.exponential_races",
    "specbound.commands.trees",
    "specbound.commands.branching_walk",
    "specbound.commands.multidraft",
    "specbound.commands.pair",
    "specbound.commands.audit",
    "specbound.commands.sweep",
)


def read_array(text: str, name: str) -> np.ndarray:
    """An array given inline, by file, or as a real-text model.

    ``text`` is comma-separated numbers (rows separated by ``;``), the path of a
    ``.npy`` file or a text/CSV file of numbers (comma or whitespace separated, one
    row per line), or ``text-target:V[:WORD]`` / ``text-draft:V[:WORD]``: the target
    or draft word-bigram model of the Python documentation with vocabulary V
    (:func:`~specbound.simulations.text_ngram.text_model_array`), its (V, V) kernel,
    or its next-token law after WORD.

    Raises
    ------
    InvalidArgumentError
        Naming ``name``: an empty value, an empty field (``0.5,,0.5``), a value that is
        not a number, rows of different lengths, a missing or unreadable file, a
        directory, or a file larger than the memory limit.
    """
    if not text.strip():
        raise InvalidArgumentError(f"{name}: empty value (give numbers or a file)")
    head, _, rest = text.partition(":")
    if head in ("text-target", "text-draft"):
        return _text_model(head.removeprefix("text-"), rest, name)
    path = Path(text)
    if path.suffix.lower() in {".npy", ".csv", ".txt", ".tsv"} or path.exists():
        if not path.exists():
            raise InvalidArgumentError(f"{name}: file {text!r} does not exist")
        if not path.is_file():
            raise InvalidArgumentError(f"{name}: {text!r} is not a file")
        check_allocation(name, path.stat().st_size, 1, copies=4, what="bytes of file")
        try:
            if path.suffix.lower() == ".npy":
                return np.load(path, allow_pickle=False)
            rows = [
                [float(v) for v in line.replace(",", " ").split()]
                for line in path.read_text().splitlines()
                if line.strip() and not line.lstrip().startswith("#")
            ]
        except (ValueError, OSError) as exc:
            raise InvalidArgumentError(
                f"{name}: cannot read numbers from {text!r} ({exc})"
            ) from None
        return _rows_to_array(rows, name)
    fields = [row.split(",") for row in text.split(";")]
    if any(not v.strip() for row in fields for v in row):
        raise InvalidArgumentError(f"{name}: empty field in {text!r} (two commas or a stray ';')")
    try:
        rows = [[float(v) for v in row] for row in fields]
    except ValueError:
        raise InvalidArgumentError(
            f"{name}: expected comma-separated numbers or a .npy/.csv file, got {text!r}"
        ) from None
    return _rows_to_array(rows, name)


def read_matrix(text: str, name: str) -> np.ndarray:
    """A 2-D array by :func:`read_array`: a single row stays a (1, n) matrix (``"1"`` is 1 x 1)."""
    return np.atleast_2d(read_array(text, name))


def _text_model(model: str, spec: str, name: str) -> np.ndarray:
    from specbound.simulations.text_ngram import text_model_array

    vocab, _, word = spec.partition(":")
    try:
        size = int(vocab)
    except ValueError:
        raise InvalidArgumentError(
            f"{name}: expected text-{model}:V[:WORD] with an integer V, got {spec!r}"
        ) from None
    try:
        return text_model_array(model, check_int(size, name, 2), word or None)
    except InvalidArgumentError as exc:
        raise InvalidArgumentError(f"{name}: {exc}") from None


def _rows_to_array(rows: list[list[float]], name: str) -> np.ndarray:
    if not rows or not rows[0]:
        raise InvalidArgumentError(f"{name}: no numbers given")
    if len({len(r) for r in rows}) > 1:
        raise InvalidArgumentError(f"{name}: rows have different lengths")
    arr = np.array(rows, dtype=np.float64)
    if arr.shape[1] == 1:  # one number per line: a vector
        return arr[:, 0]
    return arr[0] if arr.shape[0] == 1 else arr


def parse_int(text: str) -> int:
    """An integer written plainly or in exact scientific notation (``"1e6"``, ``"10_000"``).

    Raises
    ------
    ValueError
        Not an integer (``"1.5"``, ``"1e-3"``, ``"abc"``, ``"inf"``).
    """
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None
    if not value.is_finite() or value.adjusted() > 300:
        raise ValueError(f"not a finite integer below 1e300: {text!r}")
    if value != value.to_integral_value():
        raise ValueError(f"not an integer: {text!r}")
    return int(value)


def integer(text: str) -> int:
    """argparse ``type=`` for integers, accepting ``1e6``; one-line error otherwise."""
    try:
        return parse_int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def int_list(text: str, name: str) -> list[int]:
    """Comma-separated integers, e.g. ``"1,2,4,8"`` or ``"1e3,1e6"``; empty fields refused."""
    if not text.strip():
        return []
    fields = text.split(",")
    if any(not v.strip() for v in fields):
        raise InvalidArgumentError(f"{name}: empty field in {text!r}")
    try:
        return [parse_int(v) for v in fields]
    except ValueError:
        raise InvalidArgumentError(
            f"{name}: expected comma-separated integers, got {text!r}"
        ) from None


def positive_int_list(text: str, name: str) -> list[int]:
    """Non-empty comma-separated integers, each >= 1 (e.g. budgets ``"1,2,4,8"``).

    Raises
    ------
    InvalidArgumentError
        Naming ``name``: not integers, no value, or a value < 1.
    """
    values = int_list(text, name)
    if not values:
        raise InvalidArgumentError(f"{name}: no value given")
    return [check_int(v, name, 1) for v in values]


def read_distribution(text: str, name: str) -> np.ndarray:
    """A probability vector given inline or by file (:func:`read_array`), validated."""
    return as_distribution(read_array(text, name), name)


def add_random_options(
    parser: argparse.ArgumentParser, simulate: str | None = None, metavar: str = "N"
) -> None:
    """Add ``--simulate`` (when ``simulate`` gives its help), ``--seed`` and ``--no-progress``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser.
    simulate : str, optional
        Help of ``--simulate N`` (Monte Carlo size, default 0 = none); None adds no such
        option.
    metavar : str
        Name of the Monte Carlo size in the help.
    """
    if simulate is not None:
        parser.add_argument("--simulate", type=integer, default=0, metavar=metavar, help=simulate)
    parser.add_argument("--seed", type=integer, default=0, help="random seed (default 0)")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")


def simulation_size(args: argparse.Namespace, unit: str, work: float = 1.0) -> int:
    """The validated ``--simulate`` value: 0 (no Monte Carlo) or >= 2 ``unit``.

    ``work`` is the elementary steps per trial (e.g. the horizon, or tree depth times
    vocabulary); the request is refused beyond the memory and work limits of
    :mod:`specbound.limits` (about 40 bytes of output and working arrays per trial).

    Raises
    ------
    InvalidArgumentError
        For a negative value, or 1 (a standard error needs two samples).
    ResourceLimitError
        Beyond the limits, naming ``simulate``.
    """
    size = check_int(args.simulate, "simulate", 0)
    if size == 1:
        raise InvalidArgumentError(f"simulate: need at least 2 {unit}, got 1")
    check_allocation("simulate", float(size) * max(1.0, work / 64), np.int64, copies=5, what=unit)
    check_work("simulate", float(size) * work, f"steps ({unit} x work per trial)")
    return size


@contextlib.contextmanager
def option_names(**names: str) -> Iterator[None]:
    """Re-raise a library's ``InvalidArgumentError`` under the command's option name.

    ``with option_names(samples="moment_samples"): law_moments(law, k)`` turns
    "samples: ..." into "moment_samples: ..." (same exception class), so an error
    about a size names the option the user typed.
    """
    try:
        yield
    except InvalidArgumentError as exc:
        head, sep, rest = str(exc).partition(": ")
        if sep and head in names:
            raise type(exc)(f"{names[head]}: {rest}") from None
        raise


def progress_flag(args: argparse.Namespace) -> bool | None:
    """``progress=`` for the simulators: False under ``--no-progress``, else automatic."""
    return False if args.no_progress else None
