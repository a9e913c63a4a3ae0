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
from specbound.commands import add_executor_options, progress_flag
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

    check = sub.add_parser("check", help="run the claim registry and print the verdict table")
    _add_run_options(check)
    check.add_argument("--claim", default=None, help="only claims whose id starts with this")
    check.add_argument("--list", action="store_true", help="list the claims and exit")
    check.add_argument(
        "--summary",
        action="store_true",
        help="print one Markdown row per claim (cases passed) instead of one per case",
    )
    check.set_defaults(func=cmd_check)

    rep = sub.add_parser("reproduce", help="write every figure (PNG + CSV) and report.md")
    _add_run_options(rep)
    rep.add_argument("--out", default="results", help="output directory (default results/)")
    rep.set_defaults(func=cmd_reproduce)

    from specbound.commands import COMMAND_MODULES

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def cmd_check(args: argparse.Namespace) -> int:
    """``specbound check``: print the verdict table; exit 1 if any case fails."""
    from specbound.claims import format_summary, format_table, run_claims, select

    claims = select(args.claim)
    if args.list:
        for c in claims:
            print(f"{c.id:32s} {c.paper:24s} {c.statement}")
        return 0
    verdicts = run_claims(
        claims,
        seed=args.seed,
        scale=0.2 if args.quick else 1.0,
        jobs=_workers(args),
        scheduler=args.scheduler,
        progress=progress_flag(args),
    )
    print(format_summary(claims, verdicts) if args.summary else format_table(verdicts))
    failed = [v for v in verdicts if not v.passed]
    noun = "claim" if len(claims) == 1 else "claims"
    print(f"\n{len(verdicts) - len(failed)}/{len(verdicts)} cases passed ({len(claims)} {noun})")
    return 1 if failed else 0


def cmd_reproduce(args: argparse.Namespace) -> int:
    """``specbound reproduce``: figures + CSVs + report.md; exit 1 if any claim fails."""
    from tqdm.auto import tqdm

    from specbound.claims import all_claims, format_summary, format_table, run_claims
    from specbound.figures import FigureContext, all_figures, save

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    ctx = FigureContext(seed=args.seed, quick=args.quick, progress=progress_flag(args))
    specs = all_figures()
    show = sys.stderr.isatty() and not args.no_progress
    for spec in tqdm(specs, desc="figures", disable=not show):
        for path in save(spec, ctx, out):
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
        f"**{len(verdicts) - len(failed)}/{len(verdicts)} cases passed.** Each row compares an "
        "exact value with a Monte Carlo simulation of the real algorithm under the stated rule.",
        "",
        format_summary(all_claims(), verdicts),
        "",
        "### Every case",
        "",
        format_table(verdicts, markdown=True),
        "",
        "## Figures",
        "",
    ]
    for spec in specs:
        lines += [f"### {spec.name}", "", spec.caption, "", f"![{spec.name}]({spec.name}.png)", ""]
        lines += [f"Data: [{spec.name}.csv]({spec.name}.csv)", ""]
    report = out / "report.md"
    report.write_text("\n".join(lines))
    print(f"wrote {report}")
    print(f"{len(verdicts) - len(failed)}/{len(verdicts)} cases passed")
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
