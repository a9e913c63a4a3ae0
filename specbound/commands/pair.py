"""Subcommand ``specbound pair``: every exact quantity of a target/draft model pair.

Reads two models' outputs over the same text (:func:`specbound.pairs.load_pair`),
applies each model's sampling settings, and reports acceptance, chains, K drafts,
ERSD alpha(1), entropy moments, the positional acceptance vector with its best tree,
and the speed-of-light curve (:func:`specbound.pairs.analyse_pair`). ``--out DIR``
writes ``pair.json``, ``pair.md`` and figures, each atomically; ``--format``
(table, json with a ``command`` key, csv of the (quantity, value) rows) chooses what
is printed.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from specbound.commands import (
    add_random_options,
    integer,
    option_names,
    positive_int_list,
    progress_flag,
)
from specbound.commands.options import add_budget, add_drafts, add_format, command_parser
from specbound.commands.output import Column, emit, output_directory
from specbound.errors import InvalidArgumentError


def register(subparsers) -> None:
    """Add ``specbound pair``."""
    p = command_parser(
        subparsers,
        "pair",
        "exact quantities of a target/draft model pair from their outputs",
        "Analyse two models' outputs over the same positions (logits or probabilities; "
        ".npy, .npz, .safetensors files or directories of shards). Sampling settings apply "
        "to both models (draft options override for the draft) in the order temperature, "
        "top-k, top-p, min-p. --example text|synthetic writes and analyses the shipped "
        "real-text pair or a seeded 128k-token synthetic pair. --out DIR writes pair.json, "
        "pair.md and figures (the report); --format chooses what is printed.",
    )
    p.add_argument("--target", help="target model outputs: file or directory of shards")
    p.add_argument("--draft", help="draft model outputs: file or directory of shards")
    p.add_argument(
        "--example",
        choices=("text", "synthetic"),
        help="write this example pair (under DIR/inputs with --out) and analyse it",
    )
    p.add_argument(
        "--vocab",
        type=integer,
        default=None,
        help="example vocabulary size (default 1000 / 131072)",
    )
    p.add_argument(
        "--positions", type=integer, default=None, help="example positions (default 2000 / 128)"
    )
    p.add_argument("--kind", choices=("logits", "probs"), default="logits", help="input kind")
    p.add_argument("--key", default=None, help="tensor name in .npz/.safetensors files")
    p.add_argument("--temperature", type=float, default=1.0, help="0 = greedy (default 1)")
    p.add_argument("--top-k", type=int, default=None, help="keep the k likeliest tokens")
    p.add_argument("--top-p", type=float, default=None, help="nucleus: keep mass top_p")
    p.add_argument("--min-p", type=float, default=None, help="drop tokens below min_p x max")
    for opt in ("temperature", "top-k", "top-p", "min-p"):
        p.add_argument(
            f"--draft-{opt}",
            type=int if opt == "top-k" else float,
            default=None,
            help=f"the draft's {opt} (default: the target's)",
        )
    add_drafts(p, "comma-separated numbers K of identical drafts", "1,2,4,8")
    add_budget(
        p,
        "comma-separated tree budgets (drafted nodes)",
        ",".join(str(2**i) for i in range(11)),
    )
    p.add_argument(
        "--candidates", type=int, default=None, help="positional vector length (default: auto)"
    )
    p.add_argument(
        "--environments",
        type=int,
        default=8,
        help="environments of the speed-of-light optimal-tree mean (0: bound only)",
    )
    add_random_options(p)
    add_format(p, out=False)
    p.add_argument(
        "--out",
        dest="report",
        default=None,
        metavar="DIR",
        help="write the report (pair.json, pair.md and figures) to DIR",
    )
    p.set_defaults(func=run)


#: Columns of the terminal table and of ``--format csv``.
COLUMNS = (Column("quantity", "quantity", left=True), Column("value", "value", left=True))

#: Longest value cell of the table without ``--wide``.
CELL = 48


def _inputs(args: argparse.Namespace, out: Path | None, scratch: Path) -> tuple:
    from specbound.pairs.examples import write_synthetic_pair, write_text_pair

    if args.example is None:
        if not args.target or not args.draft:
            raise InvalidArgumentError("target: give --target and --draft (or --example)")
        return args.target, args.draft
    if args.target or args.draft:
        raise InvalidArgumentError("example: give either --example or --target/--draft")
    base = out / "inputs" if out else scratch
    if args.example == "text":
        return write_text_pair(base, args.vocab or 1000, args.positions or 2000)
    return write_synthetic_pair(base, args.vocab or 131_072, args.positions or 128, args.seed)


def write_report(out: Path, doc: dict, description: str) -> list[Path]:
    """Write ``pair.json``, the figures and ``pair.md`` under ``out``, each atomically."""
    from specbound.figures.pair import PAIR_FIGURES
    from specbound.pairs.examples import atomic_write
    from specbound.pairs.report import markdown

    out.mkdir(parents=True, exist_ok=True)
    written = [out / "pair.json"]
    text = json.dumps(doc, indent=1, allow_nan=False) + "\n"  # strict JSON: no NaN/Infinity
    atomic_write(written[0], lambda t: t.write_text(text))
    for name, make in PAIR_FIGURES:
        fig = make(doc)
        atomic_write(out / name, lambda t, f=fig: f.savefig(t, dpi=120, format="png"))
        written.append(out / name)
    report = markdown(doc, description, [name for name, _ in PAIR_FIGURES])
    atomic_write(out / "pair.md", lambda t: t.write_text(report))
    written.append(out / "pair.md")
    return written


def run(args: argparse.Namespace) -> int:
    """Analyse the pair; print a table or JSON; write the report with ``--out``.

    Sizes are checked before any work: ``--out`` must be a writable directory, the
    budgets must fit :func:`~specbound.trees.check_tree_size` and an example pair the
    memory and work limits (:mod:`specbound.limits`); errors name the option.
    """
    from specbound.pairs import analyse_pair, load_pair
    from specbound.pairs.report import summary_rows
    from specbound.trees import check_tree_size

    out = output_directory(args.report) if args.report else None
    drafts = positive_int_list(args.drafts, "drafts")
    budgets = positive_int_list(args.budget, "budget")
    check_tree_size(max(budgets), "budget")
    renamed = option_names(vocab_size="vocab", budgets="budget", size="budget", sizes="budget")
    with tempfile.TemporaryDirectory(prefix="specbound-pair-") as scratch, renamed:
        target, draft = _inputs(args, out, Path(scratch))
        pair = load_pair(
            target,
            draft,
            temperature=args.temperature,
            top_k=args.top_k,
            top_p=args.top_p,
            min_p=args.min_p,
            draft_temperature=args.draft_temperature,
            draft_top_k=args.draft_top_k,
            draft_top_p=args.draft_top_p,
            draft_min_p=args.draft_min_p,
            kind=args.kind,
            key=args.key,
        )
        analysis = analyse_pair(
            pair,
            drafts=drafts,
            budgets=budgets,
            candidates=args.candidates,
            environments=args.environments,
            rng=args.seed,
            progress=progress_flag(args),
        )
        doc = analysis.to_dict()
    written = write_report(out, doc, pair.describe()) if out else []
    rows = [{"quantity": q, "value": v} for q, v in summary_rows(doc)]
    if args.format == "table" and not args.wide:
        rows = [{**r, "value": _short(r["value"])} for r in rows]
    notes = [f"wrote {path}" for path in written]
    emit(args, {"command": "pair", **doc}, COLUMNS, rows, [pair.describe()], notes)
    return 0


def _short(cell: str) -> str:
    """``cell`` cut to :data:`CELL` characters (ending in "...; --wide") when longer."""
    return cell if len(cell) <= CELL else cell[: CELL - 12] + "... (--wide)"
