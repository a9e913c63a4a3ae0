"""The bucket queue over surprisal bands and the store of revealed nodes.

Data structures of the best-first reveal of :mod:`specbound.simulations.random_trees.reveal`
(Pankratov & Alistarh, arXiv 2512.11718, note ``theory/branching_walk.md``, top-P tree, as
implemented here): candidates (children of revealed nodes, laws not drawn yet) are
filed by surprisal band floor(-ln pi / 0.25 nats); within a band they are ordered by
decreasing path probability pi, ties in heap order. :func:`_children` scans a batch of
newly drawn laws, in numpy, for the children that may reach a given level.
"""

from __future__ import annotations

import math

import numpy as np

#: Width (nats) of the surprisal bands of the candidate queue.
_BAND = 0.25

#: A candidate node: a child of a revealed node whose own law is not drawn yet.
_CANDIDATE = np.dtype(
    [("pi", "f8"), ("edge", "f8"), ("parent", "i8"), ("rank", "i8"), ("depth", "i8")]
)


class _Nodes:
    """Revealed nodes (their laws are drawn), in reveal order; node 0 is the root."""

    def __init__(self, capacity: int):
        self.cols = np.empty(max(capacity, 16), dtype=_CANDIDATE)
        self.cols[0] = (1.0, 1.0, -1, 0, 0)
        self.size = 1

    def append(self, cands: np.ndarray) -> np.ndarray:
        """Store ``cands`` as nodes; return their ids (= positions of their laws)."""
        end = self.size + cands.size
        if end > self.cols.size:
            grown = np.empty(max(end, 2 * self.cols.size), dtype=_CANDIDATE)
            grown[: self.size] = self.cols[: self.size]
            self.cols = grown
        self.cols[self.size : end] = cands
        ids = np.arange(self.size, end, dtype=np.int64)
        self.size = end
        return ids

    def kth_largest_pi(self, k: int) -> float:
        """The k-th largest path probability among the non-root nodes (1 <= k < size)."""
        pi = self.cols["pi"][1 : self.size]
        return float(-np.partition(-pi, k - 1)[k - 1])

    def largest_pi(self, k: int) -> list[float]:
        """The k largest path probabilities among the non-root nodes, decreasing."""
        pi = self.cols["pi"][1 : self.size]
        return np.sort(np.partition(pi, pi.size - k)[pi.size - k :])[::-1].tolist()


def _children(
    w: np.ndarray, z: np.ndarray, parent_pi: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Children of a batch of revealed nodes whose path probability may reach ``level``.

    Row i holds node i's law w[i] / z[i]. Returns (row, rank, p), sorted by row and then
    by decreasing p, containing every entry with p > 0 and parent_pi[row] * p >= level
    (a few slightly below it too); rank is the entry's rank in its full row, since
    the kept entries of a row are its largest.
    """
    dtype = w.dtype if w.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    info = np.finfo(dtype)
    cut = np.minimum(level * (1.0 - 1e-9) * z / parent_pi, float(info.max)).astype(dtype)
    cut = np.maximum(np.nextafter(cut, dtype.type(0)), info.smallest_subnormal)  # <= exact
    n = w.shape[1]
    flat = np.flatnonzero(w >= cut[:, None])
    row = flat // n
    p = w[row, flat - row * n].astype(np.float64) / z[row]
    order = np.lexsort((-p, row))
    row, p = row[order], p[order]
    counts = np.bincount(row, minlength=w.shape[0])
    rank = np.arange(row.size) - np.repeat(np.cumsum(counts) - counts, counts)
    return row, rank, p


def _key_order(cands: np.ndarray) -> np.ndarray:
    """Order of candidates by decreasing pi, ties by (parent, rank): the heap's order."""
    return np.lexsort((cands["rank"], cands["parent"], -cands["pi"]))


def _band(pi: np.ndarray) -> np.ndarray:
    """Bucket index floor(S / _BAND) of surprisal S = -ln pi (non-increasing in pi)."""
    with np.errstate(divide="ignore"):
        return np.floor(-np.log(pi) / _BAND).astype(np.int64)


def _route(cands: np.ndarray, band: int, buckets: dict[int, list[np.ndarray]]) -> np.ndarray:
    """File candidates of later bands into ``buckets``; return those of ``band``."""
    b = _band(cands["pi"])
    here = b <= band
    later, b = cands[~here], b[~here]
    if later.size:
        order = np.argsort(b, kind="stable")
        later, b = later[order], b[order]
        keys, starts = np.unique(b, return_index=True)
        for key, part in zip(keys.tolist(), np.split(later, starts[1:]), strict=True):
            buckets.setdefault(key, []).append(part)
    return cands[here]


def _band_floor(band: int) -> float:
    """The smallest pi > 0 with ``_band(pi) <= band``.

    As ``_band`` is non-increasing in pi (which the bucket queue relies on anyway),
    ``_band(pi) <= band`` iff pi is at least this value.
    """
    tiny = np.finfo(np.float64).smallest_subnormal
    x = np.array([max(math.exp(-(band + 1) * _BAND), tiny)])
    while _band(x)[0] > band:
        x = np.nextafter(x, 1.0)
    while x[0] > tiny and _band(np.nextafter(x, 0.0))[0] <= band:
        x = np.nextafter(x, 0.0)
    return float(x[0])
