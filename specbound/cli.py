"""The ``specbound`` command line: ``check``, ``reproduce`` and topic subcommands.

Exit codes: 0 success, 1 a claim failed (or a solver failed), 2 a bad argument
(a one-line message, never a traceback).
"""

from __future__ import annotations

import argparse
import importlib
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from specbound import __version__
from specbound.commands import progress_flag
from specbound.commands.options import add_executor_options, add_format, command_parser
from specbound.commands.output import Column, emit, to_json
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
    value = int(text)
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
    """``specbound reproduce``: figures + CSVs + report.md; exit 1 if any claim fails."""
    from tqdm.auto import tqdm

    from specbound.claims import all_claims, format_counts, format_summary, run_claims
    from specbound.figures import FigureContext, all_figures, save

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    ctx = FigureContext(seed=args.seed, quick=args.quick, progress=progress_flag(args))
    specs = all_figures()
    show = sys.stderr.isatty() and not args.no_progress
    for spec in tqdm(specs, desc="figures", disable=not show):
        for path in save(spec, ctx, out):
            if args.format == "table":
                print(f"wrote {path}")
    verdicts = run_claims(
        seed=args.seed,
        scale=0.2 if args.quick else 1.0,
        jobs=_workers(args),
        scheduler=args.scheduler,
        progress=progress_flag(args),
    )
    failed = [v for v in verdicts if not v.passed]
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
    report = out / "report.md"
    report.write_text("\n".join(lines))
    if args.format == "json":
        summary = {
            "command": "reproduce",
            "out": str(out),
            "figures": [spec.name for spec in specs],
            "report": str(report),
            "passed": len(verdicts) - len(failed),
            "total": len(verdicts),
        }
        print(to_json(summary))
    else:
        print(f"wrote {report}")
        print(format_counts(verdicts, len(all_claims())))
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``specbound`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except SolverError as exc:
        print(f"specbound: solver error: {exc}", file=sys.stderr)
        return 1
    except (ValueError, OSError) as exc:
        print(f"specbound: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("specbound: interrupted", file=sys.stderr)
        return 130
