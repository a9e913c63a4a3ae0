"""The ``specbound rejections`` command: exact rejections and tokens per call of a Markov model.

Yin et al. (arXiv 2411.00841), Thm 1 and the finite-gamma DP (as implemented here).
Kernels are given as .npy or CSV files (or inline, rows separated by ";").
"""

from __future__ import annotations

import argparse

import numpy as np

from specbound.bounds.rejections import (
    _check_pair,
    _check_start,
    expected_rejections,
    expected_rejections_and_calls,
    row_total_variation,
)
from specbound.commands import (
    add_random_options,
    integer,
    option_names,
    progress_flag,
    read_matrix,
    simulation_size,
)
from specbound.commands.options import add_format, command_parser
from specbound.commands.output import emit
from specbound.distributions import check_int
from specbound.errors import InvalidArgumentError


def register(subparsers) -> None:
    """Add ``specbound rejections``."""
    p = command_parser(
        subparsers,
        "rejections",
        "exact expected rejections and tokens per call along Markov kernels",
        "Exact E[rejections] of speculative decoding along target/draft Markov kernels "
        "(sum of TV, Yin et al. arXiv 2411.00841 Thm 1), and with gamma drafts per call "
        "E[rejections], E[calls] and tokens per call H / E[calls]. Kernels are n x n "
        "row-stochastic matrices (row i = next-token law after token i).",
    )
    p.add_argument(
        "--target",
        required=True,
        help="target kernel (n x n): rows 'a,b;c,d', .npy/.csv, or text-target:V (real text)",
    )
    p.add_argument(
        "--draft",
        required=True,
        help="draft kernel (n x n): rows 'a,b;c,d', .npy/.csv, or text-draft:V (real text)",
    )
    p.add_argument("--horizon", required=True, type=integer, help="tokens to emit H (>= 1)")
    p.add_argument(
        "--start",
        default="0",
        help="start token X_0: an index, or a word of the vocabulary for text kernels",
    )
    p.add_argument(
        "--gamma", type=integer, default=None, help="draft tokens per call (default: to the end)"
    )
    add_random_options(
        p, "also run RUNS Monte Carlo sequences of the real algorithm", metavar="RUNS"
    )
    add_format(p, ("table", "json"), wide=False)
    p.set_defaults(func=run)


def start_index(text: str, kernel_spec: str) -> int:
    """``--start`` as a token index: an integer, or a word of a ``text-*:V`` vocabulary.

    Raises
    ------
    InvalidArgumentError
        A word when the kernels are not real text, or a word outside the vocabulary.
    """
    try:
        return int(text)
    except ValueError:
        pass
    head, _, vocab = kernel_spec.partition(":")
    if head not in ("text-target", "text-draft", "text") or not vocab.isdigit():
        raise InvalidArgumentError(
            f"start: expected a token index, got {text!r} (a word needs text-target:V kernels)"
        )
    from specbound.simulations.text_ngram import load_corpus

    words = load_corpus(int(vocab)).vocab
    if text not in words[:-1]:
        raise InvalidArgumentError(
            f"start: {text!r} is not among the {len(words) - 1} most frequent words"
        )
    return words.index(text)


def run(args: argparse.Namespace) -> int:
    """Print the exact values (and Monte Carlo estimates with --simulate)."""
    target = read_matrix(args.target, "target")
    draft = read_matrix(args.draft, "draft")
    p, q = _check_pair(target, draft)
    start = _check_start(start_index(args.start, args.target), p.shape[0])
    horizon = check_int(args.horizon, "horizon", 1)
    gamma = None if args.gamma is None else check_int(args.gamma, "gamma", 0)
    runs = simulation_size(args, "runs", work=horizon)
    to_end = expected_rejections(p, q, start, horizon)
    rej, calls = expected_rejections_and_calls(p, q, start, horizon, gamma)
    tau = row_total_variation(p, q)
    label = "to the end" if gamma is None or gamma >= horizon else f"gamma = {gamma}"
    data = {
        "command": "rejections",
        "n": int(p.shape[0]),
        "start": start,
        "horizon": horizon,
        "gamma": gamma,
        "tv_min": float(tau.min()),
        "tv_mean": float(tau.mean()),
        "tv_max": float(tau.max()),
        "rejections_to_end": to_end,
        "rejections": rej,
        "calls": calls,
        "tokens_per_call": horizon / calls,
    }
    text = [
        f"vocabulary n = {p.shape[0]}, start = {start}, horizon H = {horizon}",
        f"per-state TV: min {tau.min():.6g}, mean {tau.mean():.6g}, max {tau.max():.6g}",
        f"E[rejections], drafting to the end (sum of TV): {to_end:.10g}",
        f"drafting {label}:",
        f"  E[rejections]           {rej:.10g}",
        f"  E[verifier calls]       {calls:.10g}",
        f"  tokens per call H/E[C]  {horizon / calls:.10g}",
    ]
    if runs:
        from specbound.simulations.estimate import from_values
        from specbound.simulations.markov import speculative_decoding

        with option_names(size="simulate"):
            sim = speculative_decoding(
                p,
                q,
                horizon,
                runs,
                gamma,
                args.seed,
                start,
                progress=progress_flag(args),
            )
        r, c = from_values(sim.rejections), from_values(sim.calls)
        data["simulated"] = {
            "runs": runs,
            "seed": args.seed,
            "rejections": r.mean,
            "rejections_se": r.se,
            "calls": c.mean,
            "calls_se": c.se,
            "tokens_per_call": horizon / float(np.mean(sim.calls)),
        }
        text += [
            f"Monte Carlo ({runs} runs, seed {args.seed}):",
            f"  rejections  {r.mean:.6g} ± {r.se:.2g}  (z = {r.z(rej):+.2f})",
            f"  calls       {c.mean:.6g} ± {c.se:.2g}  (z = {c.z(calls):+.2f})",
            f"  tokens per call  {horizon / np.mean(sim.calls):.6g}",
        ]
    emit(args, data, text=text)
    return 0
