"""Sampler kinds: their call signatures, the cases they run on, how outputs are checked.

Every sampler is vectorised: one call produces ``size`` independent trials.

* single: ``f(target (n,), draft (n,), size, rng) -> (tokens (size,) int, accepted (size,)
  bool)``;
* multi: ``f(target (n,), drafts (K, n), size, rng) -> (tokens, accepted)``;
* chain: ``f(target_kernel (n, n), draft_kernel (n, n), start, gamma, size, rng) ->
  (sequences (size, gamma + 1) int, accepted_counts (size,) int)``;
* tree: ``f(target_kernel (n, n), draft_kernel (n, n), start, parent, size, rng) ->
  (sequences (size, depth + 1) int, accepted_counts (size,) int)``.

Chains and trees run on a Markov model (the next-token law depends on the last
token): row x of a kernel is the law after token x, ``start`` is the token before
the step. A tree is given by ``parent`` (m,), the parent of each drafted node
(-1 = the root), parents listed before their children; the per-node laws are the
kernel rows at each node's token: the draft samples the children of a node whose
token is x from ``draft_kernel[x]`` and the target verifies them against
``target_kernel[x]``; the children of the root use the rows at ``start``. A
sequence row holds the emitted tokens (accepted drafts, then the residual or bonus
token) followed by -1; the audit completes it with the target's kernel, so a
lossless step gives exactly the target's sequence law over depth + 1 positions.

A plain Python sampler doing one trial per call (the same signature without
``size``, returning one token and one flag, or one sequence and one count) is
detected by its parameter count and run in a loop; the report states its cost
per trial.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from specbound.simulations.audit.rule_sampler import RowSampler
from specbound.simulations.markov import encode_sequences


@dataclass(frozen=True)
class Kind:
    """A sampler kind (see the module docstring)."""

    name: str
    measure: str
    reference: str
    upper_bound: bool
    params: int


KINDS = {
    "single": Kind("single", "P(accept)", "1 - TV", True, 4),
    "multi": Kind("multi", "P(accept)", "optimum P*", True, 4),
    "chain": Kind("chain", "tokens/step", "token-wise SD", False, 6),
    "tree": Kind("tree", "tokens/step", "SpecInfer tree", False, 6),
}


@dataclass(frozen=True)
class AuditCase:
    """One case of a battery.

    Attributes
    ----------
    label : str
        What the case tests.
    args : tuple
        The sampler's leading arguments (before ``size`` and ``rng``).
    law : ndarray
        Exact law of the output: tokens (single, multi) or completed sequences.
    reference : float
        Optimal acceptance (single, multi) or the reference tokens per step.
    target_kernel : ndarray or None
        The target's kernel, for completing sequences (chain, tree).
    start : int
        Token before the step (chain, tree).
    width : int
        Output positions per trial (1 for single and multi).
    """

    label: str
    args: tuple
    law: np.ndarray
    reference: float
    target_kernel: np.ndarray | None = None
    start: int = 0
    width: int = 1

    @property
    def vocab(self) -> int:
        """Vocabulary size n."""
        return int(self.args[0].shape[-1])


class BadOutput(Exception):
    """A sampler returned something the audit cannot read; the message says what."""


def to_numpy(x: Any) -> np.ndarray:
    """A numpy array from a numpy array, a list or a torch tensor (moved to the CPU)."""
    if hasattr(x, "detach") and hasattr(x, "cpu"):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def _describe(x: Any) -> str:
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape} and dtype {x.dtype}"
    return f"a {type(x).__name__}"


def _integers(x: np.ndarray, what: str) -> np.ndarray:
    if x.dtype == bool or not np.issubdtype(x.dtype, np.integer):
        raise BadOutput(f"{what} of dtype {x.dtype} (need integers)")
    return x.astype(np.int64, copy=False)


def read_output(kind: Kind, case: AuditCase, out: Any, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Check one call's output; return (first, second) as arrays or raise :class:`BadOutput`."""
    if not isinstance(out, tuple | list) or len(out) != 2:
        raise BadOutput(f"{_describe(out)}, expected a pair of arrays")
    first, second = to_numpy(out[0]), to_numpy(out[1])
    n = case.vocab
    if kind.name in ("single", "multi"):
        if first.shape != (size,):
            raise BadOutput(f"tokens of shape {first.shape}, expected ({size},)")
        tokens = _integers(first, "tokens")
        if tokens.size and (tokens.min() < 0 or tokens.max() >= n):
            raise BadOutput(f"tokens outside 0..{n - 1} (min {tokens.min()}, max {tokens.max()})")
        if second.shape != (size,):
            raise BadOutput(f"accepted of shape {second.shape}, expected ({size},)")
        if second.dtype != bool:
            raise BadOutput(f"accepted of dtype {second.dtype} (need bool)")
        return tokens, second
    if first.shape != (size, case.width):
        raise BadOutput(f"sequences of shape {first.shape}, expected ({size}, {case.width})")
    seqs = _integers(first, "sequences")
    if seqs.size and (seqs.min() < -1 or seqs.max() >= n):
        raise BadOutput(
            f"sequence tokens outside -1..{n - 1} (min {seqs.min()}, max {seqs.max()})"
        )
    emitted = np.argmin(np.hstack([seqs, np.full((size, 1), -1)]) >= 0, axis=1)
    if (emitted == 0).any():
        raise BadOutput("a sequence with no emitted token (first entry -1)")
    if ((seqs >= 0).sum(axis=1) != emitted).any():
        raise BadOutput("a sequence with tokens after its -1 padding")
    if second.shape != (size,):
        raise BadOutput(f"accepted_counts of shape {second.shape}, expected ({size},)")
    counts = _integers(second, "accepted_counts")
    if ((counts > emitted) | (counts < emitted - 1)).any():
        raise BadOutput("accepted_counts inconsistent with the emitted tokens (need L-1 or L)")
    return seqs, emitted


def outcome(
    kind: Kind, case: AuditCase, out: Any, size: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(codes, measure): law-bin index and efficiency value of each trial of one call.

    Single/multi: the token and the acceptance flag. Chain/tree: the completed sequence's
    index (positions after the emitted ones drawn from the target's kernel) and the
    number of emitted tokens (tokens per step).
    """
    first, second = read_output(kind, case, out, size)
    if kind.name in ("single", "multi"):
        return first, second
    seqs = first.copy()
    draw = RowSampler(case.target_kernel)
    for t in range(1, case.width):
        rows = np.flatnonzero(seqs[:, t] < 0)
        if rows.size:
            seqs[rows, t] = draw.sample(seqs[rows, t - 1], rng)
    return encode_sequences(seqs, case.vocab), second


def per_trial(kind: Kind, fn: Callable) -> bool:
    """True when ``fn`` has one positional parameter fewer than ``kind``'s vectorised signature."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params):
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) == kind.params - 1


def looped(fn: Callable) -> Callable:
    """Vectorised form of a one-trial-per-call sampler: ``size`` calls in a Python loop."""

    def sampler(*args: Any) -> tuple[np.ndarray, np.ndarray]:
        *lead, size, rng = args
        pairs = [fn(*lead, rng) for _ in range(size)]
        return (
            np.array([to_numpy(a) for a, _ in pairs]),
            np.array([to_numpy(b) for _, b in pairs]),
        )

    return sampler
