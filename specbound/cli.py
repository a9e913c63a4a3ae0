"""The ``specbound`` command line: ``check``, ``reproduce`` and topic subcommands.

Exit codes: 0 success (also when the reader of the output goes away, e.g.
``specbound check --list | head -1``), 1 a claim failed, a solver failed or an internal
error, 2 a bad argument or a request beyond the resource limits (a one-line message,
never a traceback), 130 interrupted (Ctrl-C: one line, worker processes ended, no
partial output moved into place).
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from specbound import __version__
from specbound.commands import integer, progress_flag
from specbound.commands.options import add_executor_options, add_format, command_parser
from specbound.commands.output import Column, emit, output_directory, to_json
from specbound.commands.verdicts import (
    CSV_COLUMNS,
    LEGEND,
    format_verdicts,
    markdown_verdicts,
    verdict_record,
)
from specbound.errors import SolverError


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line and exit with status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"specbound: error: {message}\n")


def _nonnegative_int(text: str) -> int:
    value = integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=_nonnegative_int, default=0, help="random seed (default 0)")
    parser.add_argument("--quick", action="store_true", help="fewer Monte Carlo trials")
    add_executor_options(parser, default_help="every core")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")


def _workers(args: argparse.Namespace) -> int | None:
    """``--workers`` (default: every core); None on a Dask cluster."""
    from specbound.simulations.executor import default_workers

    if args.scheduler is not None:
        return None
    return default_workers() if args.workers is None else args.workers


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (topic subcommands included)."""
    parser = _Parser(
        prog="specbound",
        description="Exact bounds and Monte Carlo checks for the theory of speculative decoding.",
    )
    parser.add_argument("--version", action="version", version=f"specbound {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = command_parser(
        sub,
        "check",
        "run the claim registry and print the verdict table",
        "Each case compares an exact value (or a bound) with a Monte Carlo simulation of the "
        "real algorithm under a stated rule; exit status 1 if any case fails.",
    )
    _add_run_options(check)
    check.add_argument("--claim", default=None, help="only claims whose id starts with this")
    check.add_argument("--list", action="store_true", help="list the claims and exit")
    check.add_argument(
        "--summary",
        action="store_true",
        help="print one Markdown row per claim (cases passed) instead of one per case",
    )
    add_format(check)
    check.set_defaults(func=cmd_check)

    rep = command_parser(
        sub,
        "reproduce",
        "write every figure (PNG + CSV) and report.md",
        "Draws every figure from exact computations and simulations, runs the whole claim "
        "registry and writes report.md with the verdicts; exit status 1 if any case fails.",
    )
    _add_run_options(rep)
    rep.add_argument("--out", default="results", help="output directory (default results/)")
    rep.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="json: print a JSON summary (files written, cases passed) at the end",
    )
    rep.set_defaults(func=cmd_reproduce)

    from specbound.commands import COMMAND_MODULES

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def cmd_check(args: argparse.Namespace) -> int:
    """``specbound check``: print the verdict table; exit 1 if any case fails."""
    from specbound.claims import format_counts, format_summary, run_claims, select

    claims = select(args.claim)
    if args.list:
        rows = [{"claim": c.id, "paper": c.paper, "statement": c.statement} for c in claims]
        cols = [Column(k, k, left=True) for k in ("claim", "paper", "statement")]
        if args.format == "table" and not args.wide:
            room = 94 - max(len(c.id) for c in claims) - max(len(c.paper) for c in claims)
            cols[2] = Column(
                "statement", "statement", lambda t: _short_statement(t, max(room, 20)), left=True
            )
        emit(args, {"command": "check --list", "claims": rows}, cols, rows)
        return 0
    verdicts = run_claims(
        claims,
        seed=args.seed,
        scale=0.2 if args.quick else 1.0,
        jobs=_workers(args),
        scheduler=args.scheduler,
        progress=progress_flag(args),
    )
    failed = [v for v in verdicts if not v.passed]
    total = format_counts(verdicts, len(claims))
    records = [verdict_record(v) for v in verdicts]
    data = {
        "command": "check",
        "seed": args.seed,
        "quick": args.quick,
        "passed": len(verdicts) - len(failed),
        "total": len(verdicts),
        "cases": records,
    }
    if args.summary and args.format == "table":
        emit(args, data, text=[format_summary(claims, verdicts), "", total])
    elif args.format == "csv":
        emit(args, data, CSV_COLUMNS, records)
    else:
        table = format_verdicts(records, args.wide)
        emit(args, data, text=[table], notes=[LEGEND, "", total])
    return 1 if failed else 0


def _short_statement(text: str, width: int = 38) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def cmd_reproduce(args: argparse.Namespace) -> int:
    """``specbound reproduce``: figures + CSVs + report.md; exit 1 if any claim fails.

    The run is written into a hidden staging directory inside ``--out`` and moved into
    place at the end (:func:`publish`); an interrupted run leaves ``--out`` as it was.
    """
    from specbound.claims import all_claims, format_counts

    out = output_directory(args.out)
    staging = Path(tempfile.mkdtemp(prefix=".specbound-partial-", dir=out))
    try:
        specs, verdicts = _reproduce_into(args, staging)
        moved = publish(staging, out, last="report.md")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    failed = [v for v in verdicts if not v.passed]
    if args.format == "json":
        summary = {
            "command": "reproduce",
            "out": str(out),
            "figures": [spec.name for spec in specs],
            "report": str(out / "report.md"),
            "passed": len(verdicts) - len(failed),
            "total": len(verdicts),
        }
        print(to_json(summary))
    else:
        for path in moved:
            print(f"wrote {path}")
        print(format_counts(verdicts, len(all_claims())))
    return 1 if failed else 0


def publish(staging: Path, out: Path, last: str) -> list[Path]:
    """Move the files of ``staging`` into ``out`` (``os.replace``), ``last`` at the end.

    The old ``out/last`` (the report) is deleted before any new file arrives and the
    new one moved in after all of them, so an interrupted run never leaves an old report
    beside new figures: either the old outputs are untouched (interrupted before this
    step), or there is no report, or every new file is in place.
    """
    (out / last).unlink(missing_ok=True)
    staged = sorted(p for p in staging.iterdir() if p.name != last)
    staged += [staging / last] if (staging / last).exists() else []
    moved = []
    for path in staged:
        os.replace(path, out / path.name)
        moved.append(out / path.name)
    return moved


def _reproduce_into(args: argparse.Namespace, out: Path) -> tuple[list, list]:
    """Write every figure, CSV and report.md of ``reproduce`` into ``out``.

    Returns (figure specs, verdicts).
    """
    from tqdm.auto import tqdm

    from specbound.claims import all_claims, format_counts, format_summary, run_claims
    from specbound.figures import FigureContext, all_figures, save

    start = time.perf_counter()
    ctx = FigureContext(seed=args.seed, quick=args.quick, progress=progress_flag(args))
    specs = all_figures()
    show = sys.stderr.isatty() and not args.no_progress
    for spec in tqdm(specs, desc="figures", disable=not show):
        save(spec, ctx, out)
    verdicts = run_claims(
        seed=args.seed,
        scale=0.2 if args.quick else 1.0,
        jobs=_workers(args),
        scheduler=args.scheduler,
        progress=progress_flag(args),
    )
    lines = [
        "# specbound report",
        "",
        f"specbound {__version__}, Python {platform.python_version()}, seed {args.seed}"
        + (", quick mode" if args.quick else "")
        + f"; {time.perf_counter() - start:.0f} s.",
        "",
        "## Verdicts",
        "",
        f"**{format_counts(verdicts, len(all_claims()))}.** Each row compares an exact value "
        "with a Monte Carlo simulation of the real algorithm under the stated rule; bound "
        "cases show their slack (how far inside the bound, in SE and relative).",
        "",
        LEGEND,
        "",
        format_summary(all_claims(), verdicts),
        "",
        "### Every case",
        "",
        markdown_verdicts([verdict_record(v) for v in verdicts]),
        "",
        "## Figures",
        "",
    ]
    for spec in specs:
        lines += [f"### {spec.name}", "", spec.caption, "", f"![{spec.name}]({spec.name}.png)", ""]
        lines += [f"Data: [{spec.name}.csv]({spec.name}.csv)", ""]
    (out / "report.md").write_text("\n".join(lines))
    return specs, verdicts


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``specbound`` command; returns the exit code.

    Every failure is one line on stderr: bad input or a request beyond the resource
    limits (exit 2), a solver failure or an internal error (exit 1), Ctrl-C
    ("specbound: interrupted", exit 130). A closed output pipe ends quietly (exit 0).
    """
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        code = int(args.func(args))
        sys.stdout.flush()  # a closed pipe surfaces here, not at interpreter exit
        return code
    except KeyboardInterrupt:
        print("specbound: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (e.g. `| head`): stop quietly; point stdout at devnull so
        # the interpreter's final flush does not fail again (Python docs, signal module)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except SolverError as exc:
        print(f"specbound: solver error: {exc}", file=sys.stderr)
        return 1
    except MemoryError:
        print(
            "specbound: error: out of memory; use smaller sizes "
            "(the limits are described under 'Limits and errors' in the README)",
            file=sys.stderr,
        )
        return 2
    except (ValueError, OSError) as exc:
        print(f"specbound: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug: still one line, never a traceback
        print(
            f"specbound: internal error ({type(exc).__name__}: {exc}); please report it",
            file=sys.stderr,
        )
        return 1
