"""A target/draft model pair: two models' outputs over the same text, processed in chunks.

:func:`load_pair` reads both models (arrays or files, :mod:`.loading`), checks that
they agree in positions and vocabulary, and returns a :class:`ModelPair` whose
:meth:`~ModelPair.chunks` yields the processed laws (:mod:`.processing`) a few rows
at a time, so memory stays bounded by the chunk, not the corpus.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from specbound.distributions import check_int
from specbound.errors import InvalidArgumentError
from specbound.pairs.loading import ModelOutput, read_model_output
from specbound.pairs.processing import SamplingSettings, describe, process_logits, process_probs

_LOCK = threading.Lock()
#: Float64 entries per processed chunk and model (2^22: 32 MB).
CHUNK_ENTRIES = 1 << 22
KINDS = ("logits", "probs")


@dataclass(frozen=True, eq=False)
class ModelPair:
    """Two models' outputs with their sampling settings; laws are produced on demand.

    Attributes
    ----------
    target, draft : ModelOutput
        The raw outputs (memory-mapped where read from .npy / .safetensors files).
    kind : {"logits", "probs"}
    target_settings, draft_settings : SamplingSettings
    chunk : int
        Rows per processed chunk.
    max_sum_deviation : dict
        Largest |row sum - 1| seen so far per model (``kind="probs"``; 0 for logits).
    """

    target: ModelOutput
    draft: ModelOutput
    kind: str
    target_settings: SamplingSettings
    draft_settings: SamplingSettings
    chunk: int
    max_sum_deviation: dict = field(default_factory=lambda: {"target": 0.0, "draft": 0.0})

    @property
    def positions(self) -> int:
        """Number of positions (rows)."""
        return self.target.shape[0]

    @property
    def vocab(self) -> int:
        """Vocabulary size."""
        return self.target.shape[1]

    def _process(self, out: ModelOutput, settings, start: int, stop: int, who: str):
        raw, source = out.rows(start, stop)
        if self.kind == "logits":
            return process_logits(raw, settings, source, start)
        dtype = "bfloat16" if out.dtype == "bfloat16" else raw.dtype
        laws, dev = process_probs(raw, settings, source, start, dtype)
        with _LOCK:  # chunks may be processed by several threads
            self.max_sum_deviation[who] = max(self.max_sum_deviation[who], dev)
        return laws

    def spans(self, start: int = 0, stop: int | None = None) -> list[tuple[int, int]]:
        """Row ranges ``[lo, hi)`` of at most ``chunk`` rows, none crossing a shard."""
        stop = self.positions if stop is None else stop
        cuts = sorted(
            {a for a, _ in self.target.spans(self.chunk)}
            | {a for a, _ in self.draft.spans(self.chunk)}
            | {stop}
        )
        cuts = [c for c in cuts if start <= c <= stop]
        if not cuts or cuts[0] != start:
            cuts = [start, *cuts]
        return [
            (lo, min(lo + self.chunk, b))
            for a, b in itertools.pairwise(cuts)
            for lo in range(a, b, self.chunk)
        ]

    def chunk_laws(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        """Processed target and draft laws of positions ``lo:hi``, float64 (rows, vocab)."""
        p = self._process(self.target, self.target_settings, lo, hi, "target")
        q = self._process(self.draft, self.draft_settings, lo, hi, "draft")
        return p, q

    def chunks(self, start: int = 0, stop: int | None = None) -> Iterator[tuple[int, Any, Any]]:
        """Yield ``(first position, target laws, draft laws)`` chunks, float64 (rows, vocab)."""
        for lo, hi in self.spans(start, stop):
            yield (lo, *self.chunk_laws(lo, hi))

    def laws(self, start: int = 0, stop: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """All processed laws of positions ``start:stop`` as two float64 arrays."""
        parts = list(self.chunks(start, stop))
        return np.concatenate([c[1] for c in parts]), np.concatenate([c[2] for c in parts])

    def settings(self) -> dict:
        """JSON-ready description: kind, dtypes, per-model settings, sum deviations."""
        return {
            "kind": self.kind,
            "dtype": {"target": self.target.dtype, "draft": self.draft.dtype},
            "target": self.target_settings.to_dict(),
            "draft": self.draft_settings.to_dict(),
            "max_sum_deviation": dict(self.max_sum_deviation),
        }

    def describe(self) -> str:
        """One line: sizes and settings."""
        return (
            f"{self.positions} positions x {self.vocab} tokens ({self.kind}, "
            f"{self.target.dtype}); target {describe(self.target_settings)}, "
            f"draft {describe(self.draft_settings)}"
        )


def load_pair(
    target: Any,
    draft: Any,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    min_p: float | None = None,
    draft_temperature: float | None = None,
    draft_top_k: int | None = None,
    draft_top_p: float | None = None,
    draft_min_p: float | None = None,
    kind: str = "logits",
    key: str | None = None,
    chunk: int | None = None,
) -> ModelPair:
    """A target/draft pair from two models' outputs over the same positions.

    Parameters
    ----------
    target, draft : array-like, torch tensor, str or Path
        (positions, vocab) or (vocab,) outputs, or files: ``.npy`` (memory-mapped),
        ``.npz``, ``.safetensors`` (bfloat16 decoded exactly), or a directory of such
        shards (:func:`~specbound.pairs.loading.read_model_output`).
    temperature, top_k, top_p, min_p
        The target's sampling settings (:class:`SamplingSettings`; order temperature,
        top-k, top-p, min-p; temperature 0 = greedy, lowest id wins ties).
    draft_temperature, draft_top_k, draft_top_p, draft_min_p
        The draft's settings; None (default) = the target's value.
    kind : {"logits", "probs"}
        What the arrays hold (models emit logits).
    key : str, optional
        Tensor name inside .npz / .safetensors files (default: the file's only tensor,
        else ``logits`` / ``probs``).
    chunk : int, optional
        Rows per processed chunk (default: 2^22 entries / vocab).

    Returns
    -------
    ModelPair

    Raises
    ------
    InvalidArgumentError
        Unknown ``kind``, bad settings, unreadable files, or outputs that differ in
        vocabulary or number of positions. Bad values (NaN, +inf, probabilities off 1)
        are reported, with the position, when the laws are computed.

    Examples
    --------
    >>> pair = load_pair([[2.0, 1.0, 0.0]], [[1.0, 1.0, 0.0]], top_k=2)
    >>> p, q = pair.laws()
    >>> round(float(p[0, 0]), 6), float(p[0, 2])
    (0.731059, 0.0)
    """
    if kind not in KINDS:
        raise InvalidArgumentError(f"kind: expected 'logits' or 'probs', got {kind!r}")
    ts = SamplingSettings(temperature, top_k, top_p, min_p)
    ds = SamplingSettings(
        ts.temperature if draft_temperature is None else draft_temperature,
        ts.top_k if draft_top_k is None else draft_top_k,
        ts.top_p if draft_top_p is None else draft_top_p,
        ts.min_p if draft_min_p is None else draft_min_p,
    )
    t = read_model_output(target, "target", kind, key)
    d = read_model_output(draft, "draft", kind, key)
    if t.shape[1] != d.shape[1]:
        raise InvalidArgumentError(
            f"draft: vocabulary size {d.shape[1]} ({d.sources[0]}) differs from the "
            f"target's {t.shape[1]} ({t.sources[0]})"
        )
    if t.shape[0] != d.shape[0]:
        raise InvalidArgumentError(
            f"draft: {d.shape[0]} positions ({d.sources[0]}) differ from the target's "
            f"{t.shape[0]} ({t.sources[0]})"
        )
    rows = max(1, CHUNK_ENTRIES // t.shape[1]) if chunk is None else check_int(chunk, "chunk", 1)
    return ModelPair(t, d, kind, ts, ds, rows)
