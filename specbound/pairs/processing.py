"""Sampling settings applied to model outputs, as inference engines apply them.

Order (Hugging Face transformers' logits warpers, ``theory/engines.md`` section 1),
each model with its own settings, before any quantity is computed:

1. temperature T: logits / T. T = 0 is greedy decoding: the law is one-hot on the
   largest logit, the **lowest token id winning ties** (``numpy.argmax``); the later
   steps leave a one-hot law unchanged.
2. top-k: logits strictly below the k-th largest are removed; **ties with the k-th
   value are kept**, so more than k tokens can survive.
3. top-p: of the law softmax(logits) left by top-k, keep the smallest set of most
   likely tokens whose mass reaches top_p, **plus every token tied with the least
   likely of them** (Hugging Face drops an arbitrary part of such a tie, by its sort
   order). At least one token (the most likely) is always kept; top_p = 1 keeps all.
4. min-p: remove tokens with probability < min_p x (largest probability), i.e.
   logits < max logit + ln(min_p).

Then the survivors are renormalised. vLLM applies top-k and top-p jointly on the
sorted law; the results agree with this order except on ties at a boundary.

Precision: logits stored in float32 (or narrower) are exponentiated in float32, as
engines do; the law is then renormalised in float64 (the sum of a float32 softmax
is off 1 by ~1e-8). float64 logits stay float64. Probabilities given as such
(``kind="probs"``) are checked against :func:`~specbound.distributions.sum_tolerance`
for their dtype and vocabulary, and renormalised in float64; with non-default
settings they are processed as the logits ln p.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from specbound.distributions import check_int, check_real, sum_tolerance
from specbound.errors import InvalidArgumentError

#: Candidate counts tried by top-p before falling back to a full sort of the row.
_TOP_P_STEPS = (64, 1024, 16384)


@dataclass(frozen=True)
class SamplingSettings:
    """One model's sampling settings (see the module docstring for order and ties).

    Parameters
    ----------
    temperature : float >= 0
        0 = greedy (one-hot on the argmax, lowest id wins ties).
    top_k : int >= 1, optional
    top_p : float in (0, 1], optional
    min_p : float in [0, 1], optional
    """

    temperature: float = 1.0
    top_k: int | None = None
    top_p: float | None = None
    min_p: float | None = None

    def __post_init__(self) -> None:
        t = check_real(self.temperature, "temperature")
        if t < 0:
            raise InvalidArgumentError(f"temperature: must be >= 0, got {t:g}")
        object.__setattr__(self, "temperature", t)
        if self.top_k is not None:
            object.__setattr__(self, "top_k", check_int(self.top_k, "top_k", 1))
        if self.top_p is not None:
            p = check_real(self.top_p, "top_p")
            if not 0 < p <= 1:
                raise InvalidArgumentError(f"top_p: must lie in (0, 1], got {p:g}")
            object.__setattr__(self, "top_p", p)
        if self.min_p is not None:
            object.__setattr__(self, "min_p", check_real(self.min_p, "min_p", 0.0, 1.0))

    @property
    def identity(self) -> bool:
        """True when the settings leave a law unchanged (T = 1, no truncation)."""
        return (
            self.temperature == 1.0
            and self.top_k is None
            and (self.top_p is None or self.top_p == 1.0)
            and not self.min_p
        )

    def to_dict(self) -> dict:
        """The settings as a JSON-ready dict."""
        return asdict(self)


def _position(start: int, row: int) -> str:
    return f"position {start + row}"


def check_logits(x: np.ndarray, name: str, start: int = 0) -> np.ndarray:
    """Raise on NaN or +inf logits and on rows of -inf only, naming the position.

    Returns the row maxima (one pass: a NaN or +inf makes its row's maximum NaN or
    +inf; only such rows are searched for the token).
    """
    top = x.max(axis=1, keepdims=True)
    bad = ~np.isfinite(top[:, 0])
    if bad.any():
        r = int(np.argmax(bad))
        row = x[r]
        if np.isnan(row).any() or np.isposinf(row).any():
            c = int(np.argmax(np.isnan(row) | np.isposinf(row)))
            kind = "NaN" if np.isnan(row[c]) else "+inf"
            raise InvalidArgumentError(f"{name}: {kind} logit at {_position(start, r)}, token {c}")
        raise InvalidArgumentError(f"{name}: every logit is -inf at {_position(start, r)}")
    return top


def check_probs(x: np.ndarray, name: str, start: int = 0, dtype=None) -> np.ndarray:
    """Validate probability rows (finite, >= 0, sums within the dtype's tolerance).

    Returns the float64 row sums. Errors name ``name`` and the position.
    """
    if not np.all(np.isfinite(x)):
        r, c = (int(i) for i in np.argwhere(~np.isfinite(x))[0])
        raise InvalidArgumentError(
            f"{name}: non-finite probability at {_position(start, r)}, token {c}"
        )
    if (x < 0).any():
        r, c = (int(i) for i in np.argwhere(x < 0)[0])
        raise InvalidArgumentError(
            f"{name}: negative probability {x[r, c]:.6g} at {_position(start, r)}, token {c}"
        )
    sums = x.sum(axis=1, dtype=np.float64)
    kind = x.dtype if dtype is None else dtype
    tol = sum_tolerance(kind, x.shape[1])
    off = np.abs(sums - 1.0) > tol
    if off.any():
        r = int(np.argmax(off))
        raise InvalidArgumentError(
            f"{name}: probabilities sum to {sums[r]:.12g} at {_position(start, r)}, not 1 "
            f"(tolerance {tol:.2g} for {x.shape[1]} entries of {kind})"
        )
    return sums


def _largest(z: np.ndarray, m: int) -> list[np.ndarray]:
    """Per row, the entries >= a lower bound of its m-th largest (so they hold the m largest).

    The m-th largest of the maxima of B >= m blocks is such a bound (they are m
    distinct entries); a block-max pass, a comparison and a compress replace a full
    np.partition of the row. Whole rows when blocks would be narrower than 8.
    """
    rows, n = z.shape
    blocks = max(m, 256)
    width = n // blocks
    if width < 8:
        return list(z)
    maxima = z[:, : blocks * width].reshape(rows, blocks, width).max(axis=2)
    low = np.partition(maxima, blocks - m, axis=1)[:, blocks - m]
    return [row[row >= lo] for row, lo in zip(z, low, strict=True)]


def _top_k(z: np.ndarray, k: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Per row the k-th largest logit ((rows, 1)) and the survivors (>= it, ties kept)."""
    kth = np.empty((z.shape[0], 1), dtype=z.dtype)
    kept = []
    for r, cand in enumerate(_largest(z, k)):
        kth[r, 0] = np.partition(cand, cand.size - k)[cand.size - k]
        kept.append(cand[cand >= kth[r, 0]])
    return kth, kept


def _top_p(
    z: np.ndarray, zmax: np.ndarray, e: np.ndarray, kept: list | None, top_p: float
) -> np.ndarray:
    """Per row, the smallest logit kept by top-p: keep z >= z* (ties at z* kept), (rows, 1).

    z* is the logit of s_J, with s the probabilities of the row (after top-k: of its
    survivors ``kept``) sorted decreasingly and J the first index whose prefix sum
    reaches top_p (the last if rounding keeps every prefix below). Candidates: the
    survivors, else the m largest (:func:`_largest`) for m in _TOP_P_STEPS until their
    mass reaches top_p, else the whole row. Probabilities are exp(z - max z) in the
    logits' precision over the float64 total, the same numbers as the row's.
    """
    rows, n = z.shape
    out = np.empty((rows, 1), dtype=z.dtype)
    if kept is not None:
        total = np.array(
            [np.exp(c - zmax[r, 0]).sum(dtype=np.float64) for r, c in enumerate(kept)]
        )
    else:
        total = e.sum(axis=1, dtype=np.float64)
    todo = list(range(rows))
    for m in (*(s for s in _TOP_P_STEPS if s < n and kept is None), n):
        cands = kept if kept is not None else _largest(z[todo], m) if m < n else z[todo]
        rest = []
        for r, cand in zip(todo, cands if kept is None else [kept[i] for i in todo], strict=True):
            top = np.sort(cand)[::-1]
            cum = np.cumsum(np.exp(top - zmax[r, 0]).astype(np.float64)) / total[r]
            j = int(np.searchsorted(cum, top_p))
            if j < top.size or m == n or kept is not None:
                out[r, 0] = top[min(j, top.size - 1)]
            else:
                rest.append(r)
        todo = rest
        if not todo:
            break
    return out


def process_logits(
    x: np.ndarray, settings: SamplingSettings, name: str, start: int = 0
) -> np.ndarray:
    """Laws of a block of logit rows under ``settings``: a float64 (rows, vocab) array.

    Every truncation is a threshold on the (temperature-scaled) logits z, so the ties
    rules hold by construction: top-k keeps z >= the k-th largest z; top-p keeps z >=
    the logit of the least likely token of the smallest top set reaching top_p; min-p
    keeps z >= max z + ln(min_p) (p >= min_p max p). The survivors' exp(z - max z) are
    computed in the logits' precision (float32 for float32 and narrower), renormalised
    in float64.

    Parameters
    ----------
    x : (rows, vocab) float array
        Logits.
    settings : SamplingSettings
    name : str
        Argument or file named in errors.
    start : int
        Position of the first row (for error messages).

    Raises
    ------
    InvalidArgumentError
        NaN or +inf logits, or a row of -inf only.
    """
    xmax = check_logits(x, name, start)
    rows, n = x.shape
    if settings.temperature == 0:
        out = np.zeros(x.shape)
        out[np.arange(rows), np.argmax(x, axis=1)] = 1.0
        return out
    work = np.float64 if x.dtype == np.float64 else np.float32
    z = x.astype(work, copy=False)
    zmax = xmax.astype(work)
    if settings.temperature != 1.0:
        t = work(settings.temperature)
        z, zmax = z / t, zmax / t
    floor, kept = None, None
    if settings.top_k is not None and settings.top_k < n:
        floor, kept = _top_k(z, settings.top_k)
    top_p = settings.top_p is not None and settings.top_p < 1.0
    e = None if kept is not None else np.exp(z - zmax)  # top-k: exp of survivors only
    if top_p:
        floor = _top_p(z, zmax, e, kept, settings.top_p)
    if settings.min_p:
        low = zmax + work(np.log(settings.min_p))
        floor = low if floor is None else np.maximum(floor, low)
    if floor is not None:
        keep = z >= floor
        if 8 * np.count_nonzero(keep) < keep.size:
            return _survivors(z, zmax, keep, e)
        e = np.exp(z - zmax) if e is None else e
        e[~keep] = 0.0
    # one pass: widen to float64 and divide by the float64 total
    return np.multiply(e, 1.0 / e.sum(axis=1, keepdims=True, dtype=np.float64), dtype=np.float64)


def _survivors(z: np.ndarray, zmax: np.ndarray, keep: np.ndarray, e) -> np.ndarray:
    """The float64 laws of the tokens ``keep`` (few), exp(z - max z) renormalised.

    Only the survivors are exponentiated (when ``e`` is None), summed in float64 and
    written into a zero float64 array: a truncation to a few tokens costs a
    comparison pass, not an exponential and a float64 pass over the vocabulary.
    """
    flat = np.flatnonzero(keep)  # much faster than the 2-D np.nonzero
    rows = flat // z.shape[1]
    w = np.exp(z.ravel()[flat] - zmax[rows, 0]) if e is None else e.ravel()[flat]
    w = w.astype(np.float64)
    total = np.bincount(rows, weights=w, minlength=z.shape[0])
    out = np.zeros(z.shape)
    out.ravel()[flat] = w * (1.0 / total)[rows]
    return out


def process_probs(
    x: np.ndarray, settings: SamplingSettings, name: str, start: int = 0, dtype=None
) -> tuple[np.ndarray, float]:
    """Laws of a block of probability rows: (float64 rows, largest |sum - 1| seen).

    Rows are validated (:func:`check_probs`) and renormalised in float64; non-default
    settings are applied to the logits ln p (temperature T: p^(1/T) renormalised).
    """
    sums = check_probs(x, name, start, dtype)
    deviation = float(np.max(np.abs(sums - 1.0)))
    if settings.identity:
        return x.astype(np.float64) / sums[:, None], deviation
    with np.errstate(divide="ignore"):
        logits = np.log(x.astype(np.float64))
    return process_logits(logits, settings, name, start), deviation


def describe(settings: SamplingSettings) -> str:
    """Short label, e.g. ``"T=0.7, top-k 50, top-p 0.9"``."""
    parts = [f"T={settings.temperature:g}" if settings.temperature else "greedy"]
    if settings.top_k is not None:
        parts.append(f"top-k {settings.top_k}")
    if settings.top_p is not None and settings.top_p < 1:
        parts.append(f"top-p {settings.top_p:g}")
    if settings.min_p:
        parts.append(f"min-p {settings.min_p:g}")
    return ", ".join(parts)


__all__ = [
    "SamplingSettings",
    "check_logits",
    "check_probs",
    "describe",
    "process_logits",
    "process_probs",
]
