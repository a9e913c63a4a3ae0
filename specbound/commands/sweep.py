"""``specbound sweep``: a quantity over a parameter grid, resumable, on one executor.

``specbound sweep CONFIG.toml --out FILE [--workers N | --scheduler ADDRESS] [--resume]``
writes one row per grid point (:mod:`specbound.sweep`); ``specbound sweep --list``
prints every quantity with its parameters. Bad input (unknown quantity or
parameter, a wrong value, an empty grid, an existing output without ``--resume``,
a resume file of another config, an unreachable scheduler) is one line and exit 2,
before any work. Exit 1 when a point's Monte Carlo check failed or a point errored.
"""

from __future__ import annotations

import argparse

from specbound.commands import progress_flag
from specbound.commands.options import add_executor_options, add_format, command_parser
from specbound.commands.output import to_json
from specbound.errors import InvalidArgumentError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``sweep`` subcommand."""
    p = command_parser(
        sub,
        "sweep",
        "run a quantity over a parameter grid (TOML config), resumable",
        "specbound sweep CONFIG.toml --out FILE [--workers N | --scheduler ADDRESS] "
        "[--resume] writes one row per grid point; specbound sweep --list prints every "
        "quantity with its parameters. Bad input is one line and exit 2, before any work; "
        "exit 1 when a point's Monte Carlo check failed or a point errored.",
    )
    p.add_argument("config", nargs="?", help="TOML file: quantity, [grid], seed, sigmas")
    p.add_argument("--out", help="output .csv (or .parquet with pyarrow); never overwritten")
    p.add_argument("--resume", action="store_true", help="continue --out, skipping done points")
    p.add_argument("--list", action="store_true", help="list the quantities and their parameters")
    add_executor_options(p, default_help="every core")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    add_format(p, formats=("table", "json"), wide=False, out=False)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the sweep; print a one-line summary."""
    from specbound.sweep import describe_all, load_config, run_sweep
    from specbound.sweep.quantities import registry

    if args.list:
        if args.format == "json":
            quantities = [
                {
                    "name": q.name,
                    "summary": q.summary,
                    "parameters": [
                        {"name": p.name, "type": p.kind.__name__, "default": p.default}
                        for p in q.params
                    ],
                    "extras": list(q.extras),
                }
                for q in registry().values()
            ]
            print(to_json({"command": "sweep --list", "quantities": quantities}))
        else:
            print(describe_all())
        return 0
    if args.config is None:
        raise InvalidArgumentError("config: give a TOML file (or --list)")
    if args.out is None:
        raise InvalidArgumentError("out: give the output file (--out FILE.csv)")
    config = load_config(args.config)
    s = run_sweep(
        config,
        args.out,
        workers=args.workers,
        scheduler=args.scheduler,
        resume=args.resume,
        progress=progress_flag(args),
    )
    if args.format == "json":
        summary = {
            "command": "sweep",
            "out": str(s.path),
            "written": s.written,
            "skipped": s.skipped,
            "points": s.points,
            "failed": s.failed,
            "errors": s.errors,
            "seconds": s.seconds,
        }
        print(to_json(summary))
    else:
        print(
            f"wrote {s.written} rows to {s.path} ({s.skipped} already there, {s.points} "
            f"points; {s.failed} failed, {s.errors} errors; {s.seconds:.1f} s)"
        )
    return 1 if s.failed or s.errors else 0
