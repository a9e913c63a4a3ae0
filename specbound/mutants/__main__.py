"""``python -m specbound.mutants``: run every mutant, write ``results/mutants.md``.

Exit 0 when every mutant is killed and the real code passes every case, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from specbound.commands.options import add_executor_options
from specbound.mutants.catalogue import MUTANTS
from specbound.mutants.report import format_report
from specbound.mutants.run import run_mutants
from specbound.simulations.executor import default_workers


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run the catalogue, write the report; the exit status."""
    parser = argparse.ArgumentParser(prog="python -m specbound.mutants", description=__doc__)
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--scale", type=float, default=0.2, help="Monte Carlo size (default 0.2 = --quick)"
    )
    add_executor_options(
        parser, default_help="every core; on --scheduler, workers of one thread each"
    )
    parser.add_argument("--mutant", action="append", help="only these mutants (repeatable)")
    parser.add_argument("--out", default="results/mutants.md", help="the report's path")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTANTS if not args.mutant or m.name in args.mutant]
    if not chosen:
        parser.error(f"--mutant: no mutant called {args.mutant}")
    run = run_mutants(
        chosen,
        seed=args.seed,
        scale=args.scale,
        jobs=args.workers or default_workers(),
        scheduler=args.scheduler,
        progress=False if args.no_progress else None,
    )
    text = format_report(run, args.scale, args.workers or default_workers())
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(f"wrote {out} ({run.seconds:.0f} s)")
    print(text.splitlines()[-1])
    ok = len(run.killed()) == len(chosen) and all(v.passed for v in run.baseline)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
