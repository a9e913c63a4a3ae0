"""Subcommand ``specbound audit``: is a speculative-sampling implementation lossless?

Examples
--------
``specbound audit examples/audit_samplers.py:speculative --trials 100000`` runs the
single-draft battery (the reference pair and nine edge cases) on the function
``speculative`` of that file, prints one row per case (chi-square p-value of the
output law, acceptance against 1 - TV, the smallest bias the case detects, the
verdict), the family-wise false-alarm rate and the power line; ``--format json``
gives it as one object (``command``: "audit"), ``--format csv`` the case rows, and
a table drops the bins (then power) column to fit 100 columns unless ``--wide``. Exit 0
if every case is valid, 1 if any is biased or the sampler failed on one, 2 for bad usage.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
from collections.abc import Callable
from pathlib import Path

from specbound.commands import add_random_options, progress_flag, read_array
from specbound.commands.options import add_format, command_parser
from specbound.commands.output import emit
from specbound.errors import InvalidArgumentError


def register(subparsers) -> None:
    """Add the ``audit`` subcommand."""
    p = command_parser(
        subparsers,
        "audit",
        "test a speculative-sampling implementation for losslessness",
        "Run a sampler on a battery of cases (your laws plus edge cases), test its output "
        "law against the target's (chi-square, Holm over the battery) and its acceptance "
        "against the optimum; state the power. Exit 0 valid, 1 biased or failed, 2 usage.",
    )
    p.add_argument(
        "target",
        metavar="TARGET",
        help="the sampler: package.module:function or path/to/file.py:function",
    )
    p.add_argument(
        "--kind",
        choices=("single", "multi", "chain", "tree"),
        default="single",
        help="sampler signature (default single; see specbound.simulations.audit.kinds)",
    )
    p.add_argument(
        "--drafts",
        type=int,
        default=2,
        metavar="K",
        help="K drafts (multi), tree branching (default 2)",
    )
    p.add_argument("--gamma", type=int, default=3, help="drafted tokens of a chain (default 3)")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--trials", type=int, default=None, help="trials per case (default 10^6)")
    size.add_argument(
        "--power",
        type=float,
        default=None,
        metavar="TV",
        help="choose the trials so every case detects a TV bias this small (99%%)",
    )
    p.add_argument(
        "--alpha",
        type=float,
        default=1e-4,
        help="false-alarm rate over the battery (default 1e-4)",
    )
    p.add_argument("--target-law", default=None, help="your target law or kernel (a case)")
    p.add_argument("--draft-law", default=None, help="your draft law(s) or kernel (a case)")
    add_random_options(p)
    add_format(p)
    p.set_defaults(func=run)


def load_sampler(spec: str) -> Callable:
    """The callable named by ``package.module:function`` or ``path/to/file.py:function``.

    Raises
    ------
    InvalidArgumentError
        Naming TARGET: malformed, missing module or file, failing import, missing or
        non-callable attribute.
    """
    path, sep, attr = spec.rpartition(":")
    if not sep or not path or not attr:
        raise InvalidArgumentError(
            f"TARGET: expected package.module:function or path/to/file.py:function, got {spec!r}"
        )
    try:
        if path.endswith(".py") or "/" in path:
            file = Path(path)
            if not file.is_file():
                raise InvalidArgumentError(f"TARGET: file {path!r} does not exist")
            loader = importlib.util.spec_from_file_location(file.stem, file)
            module = importlib.util.module_from_spec(loader)
            loader.loader.exec_module(module)
        else:
            module = importlib.import_module(path)
    except InvalidArgumentError:
        raise
    except Exception as exc:
        raise InvalidArgumentError(
            f"TARGET: importing {path!r} failed ({type(exc).__name__}: {exc})"
        ) from None
    obj = getattr(module, attr, None)
    if obj is None:
        raise InvalidArgumentError(f"TARGET: {path!r} has no attribute {attr!r}")
    if not callable(obj):
        raise InvalidArgumentError(f"TARGET: {spec!r} is not callable")
    return obj


def run(args: argparse.Namespace) -> int:
    """Print the audit; 0 if every case is valid, 1 otherwise."""
    from specbound.simulations.audit import audit

    sampler = load_sampler(args.target)
    if (args.target_law is None) != (args.draft_law is None):
        raise InvalidArgumentError("target-law: give --target-law and --draft-law together")
    pairs = None
    if args.target_law is not None:
        laws = read_array(args.target_law, "target-law"), read_array(args.draft_law, "draft-law")
        pairs = [laws]
    result = audit(
        sampler,
        args.kind,
        pairs=pairs,
        drafts=args.drafts,
        gamma=args.gamma,
        trials=args.trials,
        power=args.power,
        alpha=args.alpha,
        rng=args.seed,
        progress=progress_flag(args),
        name=args.target,
    )
    data = {"command": "audit", **result.to_dict()}
    emit(args, data, result.columns(), result.rows(), [result.heading()], result.footer())
    return 0 if result.passed else 1
