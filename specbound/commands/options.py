"""The one option vocabulary of the ``specbound`` subcommands.

Every command spells the same idea the same way:

* ``--drafts K[,K...]``  number of drafts K (multi-draft);
* ``--budget B[,B...]``  drafted nodes: tree size, tree capacity P, ERSD budget k;
* ``--seed S``, ``--simulate N``, ``--no-progress``;
* ``--format table|json|csv``, ``--out FILE``, ``--wide`` (see :mod:`.output`).

Older spellings (``--k``, ``--size``, ``--capacity``) keep working for one release:
they store into the same place and print one deprecation line to stderr.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
import zlib
from argparse import SUPPRESS
from collections.abc import Sequence

import numpy as np

from specbound.commands import read_array, read_distribution
from specbound.distributions import (
    as_distribution,
    check_int,
    dirichlet,
    softmax_gaussian,
    zipf,
)
from specbound.errors import InvalidArgumentError

#: Output formats of a command whose result is a table (``json`` only for the others).
TABLE_FORMATS: tuple[str, ...] = ("table", "json", "csv")


class Formatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Help that shows every option's default (unless the help states it); keeps paragraphs."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "(default" in text or any(action.default is v for v in (None, False, SUPPRESS)):
            return text
        return super()._get_help_string(action) or text


def deprecation(old: str, new: str) -> None:
    """Print the one-line notice for an old option spelling to stderr."""
    print(
        f"specbound: warning: {old} is deprecated and will be removed in the next release; "
        f"use {new}",
        file=sys.stderr,
    )


class _Deprecated(argparse.Action):
    """Store the value like ``new`` does, after one deprecation line on stderr."""

    def __init__(self, option_strings, dest, new: str = "", **kwargs) -> None:
        self.new = new
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        deprecation(str(option_string), self.new)
        setattr(namespace, self.dest, values)


def add_deprecated(parser, old: Sequence[str], new: str, dest: str, **kwargs) -> None:
    """Accept each old spelling of ``new`` (hidden from ``--help``).

    ``parser`` is a parser or an argument group (a required mutually exclusive group
    makes "one of new / old" required).
    """
    for spelling in old:
        parser.add_argument(
            spelling,
            dest=dest,
            action=_Deprecated,
            new=new,
            default=SUPPRESS,
            help=SUPPRESS,
            **kwargs,
        )


def _workers(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def add_executor_options(parser: argparse.ArgumentParser, default_help: str) -> None:
    """Add ``--workers N`` | ``--scheduler ADDRESS`` (and the deprecated ``--jobs N``).

    ``args.workers`` is None when not given (the command's default: ``default_help``);
    the two options exclude each other. See :mod:`specbound.simulations.executor`.
    """
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--workers",
        type=_workers,
        default=None,
        metavar="N",
        help=f"local worker processes (default: {default_help}; 1 = this process)",
    )
    group.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run on the dask.distributed scheduler at ADDRESS (e.g. tcp://host:8786)",
    )
    add_deprecated(parser, ["--jobs"], "--workers", "workers", type=_workers, metavar="N")


def add_budget(
    parser: argparse.ArgumentParser,
    help: str,
    default: str | None = None,
    old: Sequence[str] = (),
    type=str,
) -> None:
    """Add ``--budget`` (drafted nodes) and its deprecated old spellings.

    Without a ``default`` the budget is required (given by ``--budget`` or an old
    spelling).
    """
    group = parser.add_mutually_exclusive_group(required=default is None)
    group.add_argument("--budget", default=default, type=type, metavar="B", help=help)
    add_deprecated(group, old, "--budget", "budget", type=type)


def add_drafts(
    parser: argparse.ArgumentParser, help: str, default: str | None, old: Sequence[str] = ()
) -> None:
    """Add ``--drafts`` (number of drafts K) and its deprecated old spellings."""
    parser.add_argument("--drafts", default=default, metavar="K", help=help)
    add_deprecated(parser, old, "--drafts", "drafts")


def add_format(
    parser: argparse.ArgumentParser,
    formats: Sequence[str] = TABLE_FORMATS,
    wide: bool = True,
    out: bool = True,
) -> None:
    """Add ``--format``, ``--out`` (write there instead of stdout, when ``out``) and ``--wide``.

    A command whose ``--out`` means something else (``pair``: a report directory)
    passes ``out=False`` and adds its own.
    """
    parser.add_argument(
        "--format",
        choices=tuple(formats),
        default="table",
        help="output: a table for eyes, or JSON / CSV for programs (schemas in the README)",
    )
    if out:
        parser.add_argument(
            "--out",
            default=None,
            metavar="FILE",
            help="write the output to FILE instead of stdout",
        )
    if wide:
        parser.add_argument(
            "--wide", action="store_true", help="every column, even past 100 characters"
        )


def command_parser(subparsers, name: str, summary: str, description: str = ""):
    """A subcommand parser: one-line ``summary``, a ``description``, defaults in the help.

    ``description`` is plain text (paragraphs separated by blank lines), wrapped to 78
    columns.
    """
    head = summary[0].upper() + summary[1:] + "."
    paragraphs = [head] + [p for p in description.split("\n\n") if p.strip()]
    text = "\n\n".join(textwrap.fill(" ".join(p.split()), 78) for p in paragraphs)
    return subparsers.add_parser(name, help=summary, description=text, formatter_class=Formatter)


#: The forms every law-taking option accepts (shown in ``--help``).
LAW_FORMS = (
    "inline '0.5,0.3,0.2', a .npy/.csv/.txt file, text-target:V[:WORD] or "
    "text-draft:V[:WORD] (real text; text:V:WORD picks this option's model), or a family "
    "zipf:S:N, dirichlet:A:N, softmax:S:N (one law drawn with --seed)"
)


def read_law(text: str, name: str, seed: int = 0) -> np.ndarray:
    """A next-token law from any of the :data:`LAW_FORMS`, validated.

    ``text:V:WORD`` means the real-text model of this option (``name`` "target" or
    "draft"); families are ``zipf:S:N`` (p_i proportional to i^-S), ``dirichlet:A:N``
    (one Dir(A 1_N) draw) and ``softmax:S:N`` (softmax of N(0, S^2) logits), the
    random ones drawn from a generator seeded by (``seed``, crc32(``name``)).

    Raises
    ------
    InvalidArgumentError
        Naming ``name``: unreadable numbers or parameters, or not a distribution.
    """
    kind, _, rest = text.partition(":")
    kind = kind.strip().lower()
    if kind == "text":
        role = name if name in ("target", "draft") else "target"
        return read_distribution(f"text-{role}:{rest}", name)
    if kind in FAMILIES:
        parts = rest.split(":")
        try:
            param, n = float(parts[0]), int(parts[1])
            if len(parts) != 2:
                raise ValueError
        except (ValueError, IndexError):
            raise InvalidArgumentError(
                f"{name}: expected {kind}:PARAM:N (e.g. {kind}:1.5:100), got {text!r}"
            ) from None
        rng = np.random.default_rng([check_int(seed, "seed", 0), zlib.crc32(name.encode())])
        try:
            law = FAMILIES[kind](check_int(n, name, 1), param, rng)
        except InvalidArgumentError as exc:
            raise InvalidArgumentError(f"{name}: {exc}") from None
        return as_distribution(law, name)
    return read_distribution(text, name)


#: Law families by name: (n, parameter, rng) -> law.
FAMILIES = {
    "zipf": lambda n, s, rng: zipf(n, s),
    "dirichlet": lambda n, a, rng: dirichlet(n, a, rng),
    "softmax": lambda n, s, rng: softmax_gaussian(n, s, rng=rng),
}


def read_law_or_rows(text: str, name: str, seed: int = 0) -> np.ndarray:
    """A family or ``text:`` spec as one law (:func:`read_law`), else any array (rows allowed)."""
    if text.partition(":")[0].strip().lower() in (*FAMILIES, "text"):
        return read_law(text, name, seed)
    return read_array(text, name)
