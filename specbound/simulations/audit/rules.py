"""Verification rules as components: the correct one and the bugs engines ship.

A :class:`Rule` describes one speculative verification step at a node whose K
children are drafted i.i.d. (one child: single draft or one chain position; K
children: multi-draft or a tree level). The components are

* ``sample_law``: the law the draft tokens are actually drawn from, as a
  transform of the draft law q (identity when correct);
* ``ratio_law``: the q used in the ratio min(1, r / q) and in the residual;
* ``inverted``: the ratio is min(1, q / r) instead;
* ``residual``: ``"update"`` (correct: r <- (r - q)_+ normalised after each rejected
  child, the final token from the last r), ``"stale"`` (every child verified
  against p, final token from (p - q)_+), ``"target"`` (final token from p),
  ``"wrong_position"`` (final token from the residual at the rejected draft token's
  position, one position too late; chains and trees only);
* ``equality``: ``None`` (rejection sampling), ``"emit_target"`` (draw Y ~ p, move
  to the first child whose draft equals Y, else emit Y: valid, accepts sum p q for
  one draft) or ``"keep_draft"`` (same, but on a mismatch emit a fresh draw of p:
  biased);
* ``bonus``: the token after an accepted leaf: ``"target"`` (p at the leaf),
  ``"missing"`` (none: fewer tokens per step, same law), ``"wrong_position"``
  (p at the leaf's parent).

The bug classes are the public issue reports listed in
``/work/shared/theory/engines.md`` section 4 (2023-2026). The transforms here
define the bugs; :mod:`.rule_sampler` simulates a rule and :mod:`.exact_laws`
computes its exact output law, sharing nothing but these definitions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: Offset added to log q to form the draft's logits (real models' logits sit around 10-30;
#: bfloat16 spacing there is 2^-3 to 2^-4, which is what makes the bug visible).
LOGIT_OFFSET = 20.0
#: top-k of the sampling-side truncation bug.
TOP_K = 2
#: Temperature applied when sampling the draft but not in the ratio.
TEMPERATURE = 0.7

LawTransform = Callable[[np.ndarray], np.ndarray]


def identity(rows: np.ndarray) -> np.ndarray:
    """The law itself (rows of an (S, n) array)."""
    return rows


def bfloat16_softmax(rows: np.ndarray) -> np.ndarray:
    """softmax of the logits log q + LOGIT_OFFSET rounded to bfloat16 (nearest even).

    bfloat16 is the upper 16 bits of a float32: round the float32 bit pattern and
    keep the upper half. Tokens of probability 0 (logit -inf) stay at 0.
    """
    with np.errstate(divide="ignore"):
        logits = (np.log(rows) + LOGIT_OFFSET).astype(np.float32)
    bits = logits.view(np.uint32)
    rounded = (bits + np.uint32(0x7FFF) + ((bits >> 16) & np.uint32(1))) & np.uint32(0xFFFF0000)
    z = rounded.view(np.float32).astype(np.float64)
    z = np.exp(z - z.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def truncate_top_k(rows: np.ndarray, k: int) -> np.ndarray:
    """Keep the k largest entries of each row (ties with the k-th kept), renormalise."""
    k = min(k, rows.shape[-1])
    kth = -np.sort(-rows, axis=-1)[..., k - 1 : k]
    kept = np.where(rows >= kth, rows, 0.0)
    return kept / kept.sum(axis=-1, keepdims=True)


def top_k(rows: np.ndarray) -> np.ndarray:
    """The sampling-side truncation of the bug: :func:`truncate_top_k` with k = TOP_K."""
    return truncate_top_k(rows, TOP_K)


def greedy(rows: np.ndarray) -> np.ndarray:
    """One-hot on each row's argmax (ties: lowest token id)."""
    out = np.zeros_like(rows)
    np.put_along_axis(out, rows.argmax(axis=-1)[..., None], 1.0, axis=-1)
    return out


def without_temperature(rows: np.ndarray) -> np.ndarray:
    """The draft law before temperature: softmax(l) from q = softmax(l / T), i.e. q^T rescaled."""
    z = rows**TEMPERATURE
    return z / z.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class Rule:
    """Components of one verification rule (see the module docstring)."""

    sample_law: LawTransform = identity
    ratio_law: LawTransform = identity
    inverted: bool = False
    residual: str = "update"
    equality: str | None = None
    bonus: str = "target"


@dataclass(frozen=True)
class Bug:
    """A named rule of the catalogue.

    Attributes
    ----------
    name : str
        Identifier, named after the bug class.
    rule : Rule
        Its components.
    kinds : tuple of str
        Sampler kinds it applies to (single, multi, chain, tree).
    valid : bool
        True when the rule is unbiased (the audit must then say "valid, ... below
        optimal"), False when the audit must say "biased".
    description : str
        One line: what the engine does wrong.
    """

    name: str
    rule: Rule
    kinds: tuple[str, ...]
    valid: bool
    description: str


ALL = ("single", "multi", "chain", "tree")
SEQUENCE = ("chain", "tree")

CORRECT = Rule()

BUGS: tuple[Bug, ...] = (
    Bug(
        "bf16_draft_logits",
        Rule(sample_law=bfloat16_softmax),
        ALL,
        False,
        "draft sampled from bfloat16 logits, float q used in the ratio",
    ),
    Bug(
        "topk_draft_sampling",
        Rule(sample_law=top_k),
        ALL,
        False,
        f"draft sampled after top-k (k={TOP_K}), raw q used in the ratio",
    ),
    Bug(
        "greedy_draft",
        Rule(sample_law=greedy),
        ALL,
        False,
        "greedy (argmax) draft treated as a sample of q",
    ),
    Bug(
        "keep_draft_on_equality",
        Rule(equality="keep_draft"),
        ALL,
        False,
        "accept iff the draft equals a target sample; on a mismatch a fresh target sample",
    ),
    Bug(
        "target_draw_on_equality",
        Rule(equality="emit_target"),
        ALL,
        True,
        "accept iff the draft equals a target sample, emit that sample (valid, wasteful)",
    ),
    Bug(
        "residual_from_target",
        Rule(residual="target"),
        ALL,
        False,
        "after a rejection, sample p instead of (p - q)_+",
    ),
    Bug(
        "inverted_ratio",
        Rule(inverted=True),
        ALL,
        False,
        "accept with probability min(1, q/p) instead of min(1, p/q)",
    ),
    Bug(
        "draft_temperature_missing",
        Rule(ratio_law=without_temperature),
        ALL,
        False,
        f"draft sampled at temperature {TEMPERATURE}, ratio uses the draft without it",
    ),
    Bug(
        "stale_residual",
        Rule(residual="stale"),
        ("multi", "tree"),
        False,
        "residual not updated after each rejected candidate / sibling",
    ),
    Bug(
        "residual_wrong_position",
        Rule(residual="wrong_position"),
        SEQUENCE,
        False,
        "residual taken from the next position's laws (off by one)",
    ),
    Bug(
        "bonus_wrong_position",
        Rule(bonus="wrong_position"),
        SEQUENCE,
        False,
        "bonus token drawn from the previous position's target law",
    ),
    Bug(
        "bonus_missing",
        Rule(bonus="missing"),
        SEQUENCE,
        True,
        "no bonus token after a fully accepted draft (fewer tokens per step)",
    ),
)


def bugs_for(kind: str) -> list[Bug]:
    """The catalogue bugs that apply to sampler ``kind``."""
    return [b for b in BUGS if kind in b.kinds]


def bug(name: str) -> Bug:
    """The catalogue entry called ``name``."""
    for b in BUGS:
        if b.name == name:
            return b
    raise KeyError(name)
