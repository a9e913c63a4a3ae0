"""The positional acceptance vector as Sequoia measures it, exactly, per position.

Sequoia (Chen et al., arXiv 2402.12374, Algorithm "sampling without replacement"):
at a node the candidates y_1, y_2, ... are drawn from the draft law q without
replacement (y_i from q restricted to the tokens not drafted yet, q_i), and are
verified one after another: y_i is accepted with probability min(1, r(y_i) /
q_i(y_i)); on a rejection the residual becomes r <- (r - q_i)^+ normalised (r = p at
first). a_i = P(the i-th candidate is the accepted one); sum_i a_i <= 1.

Exact computation (derived here). With rho = p/q (inf where q = 0):

* the residual after any rejections is r = (p - c q)^+ / Z(c) for one scalar
  threshold c (Z(c) = sum_x (p(x) - c q(x))^+), because (r - s q)^+ =
  (p - (c + Z(c) s) q)^+ / Z(c) for any scale s;
* q_i = s q off the drafted set, s = 1 / (1 - m) with m the drafted draft mass;
  drafted (rejected) tokens have r = 0 from then on;
* so the acceptance of the next candidate, A(c, s) = sum_x min(r(x), q_i(x)) =
  sum_x q(x) min((rho_x - c)^+ / Z(c), s), depends on the history only through
  (c, s), and is a few prefix sums of the tokens sorted by rho (O(log n) each);
* the rejected token is y with probability (q_i(y) - r(y))^+, after which
  c <- c + Z(c) s and m <- m + q(y).

a_1 = 1 - TV(p, q); a_2 = sum_y (q(y) - p(y))^+ A(1, 1/(1 - q(y))) costs O(n log n);
a_i sums over the ordered histories of i - 1 rejected tokens: O(n^(i-1) log n) time
and O(n^(i-1)) memory per position. :func:`default_candidates` picks the largest
count whose last step has at most ``2^17`` (history, token) cells: 2 candidates at
a 128k vocabulary, 3 at 200 tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from specbound.distributions import check_int
from specbound.errors import InvalidArgumentError
from specbound.lp.exact_sets import ratio_order

#: Largest (history x token) array of the last step of :func:`positional_acceptance_rows`.
MAX_CELLS = 1 << 24
#: Cells allowed by :func:`default_candidates`.
DEFAULT_CELLS = 1 << 17


def default_candidates(vocab: int, cap: int = 8) -> int:
    """Largest k <= ``cap`` with vocab^(k-1) <= DEFAULT_CELLS (at least 1)."""
    k = 1
    while k < cap and vocab**k <= DEFAULT_CELLS:
        k += 1
    return k


@dataclass(frozen=True)
class RatioSorted:
    """Tokens of each position sorted by rho = p/q (inf where q = 0), with prefix sums.

    Attributes
    ----------
    rho, ps, qs : (rows, n) arrays
        Sorted ratios and the target / draft probabilities in that order.
    pc, qc : (rows, n + 1) arrays
        Prefix sums of ps and qs, starting at 0.
    """

    rho: np.ndarray
    ps: np.ndarray
    qs: np.ndarray
    pc: np.ndarray
    qc: np.ndarray


def _sorted_rows(p: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, ...]:
    """rho, ps, qs, pc, qc of (rows, n) laws; see :class:`RatioSorted`."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = p / q
    ratio[q == 0] = np.inf
    if p.shape[1] < 4096:  # short rows: one vectorised argsort for all
        order = np.argsort(ratio, axis=1)
    else:
        order = np.stack([ratio_order(r) for r in ratio])  # packed-key sort, exact
    ps, qs = np.take_along_axis(p, order, 1), np.take_along_axis(q, order, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = ps / qs  # the same divisions as ratio, read sequentially: no third gather
    rho[qs == 0] = np.inf
    pc, qc = np.zeros((p.shape[0], p.shape[1] + 1)), np.zeros((p.shape[0], p.shape[1] + 1))
    np.cumsum(ps, axis=1, out=pc[:, 1:])
    np.cumsum(qs, axis=1, out=qc[:, 1:])
    return rho, ps, qs, pc, qc


def sort_by_ratio(target: np.ndarray, draft: np.ndarray) -> RatioSorted:
    """One sort per row by p/q, shared by alpha(1), the K-draft optimum and a_i (kernel).

    Long rows (>= 4096 tokens) are sorted one at a time, so a row's arrays stay in
    cache (a 128k-token row is 1 MB per array).
    """
    p, q = np.atleast_2d(target), np.atleast_2d(draft)
    if p.shape[0] == 1 or p.shape[1] < 4096:
        return RatioSorted(*_sorted_rows(p, q))
    parts = [_sorted_rows(p[r : r + 1], q[r : r + 1]) for r in range(p.shape[0])]
    return RatioSorted(*(np.concatenate(a) for a in zip(*parts, strict=True)))


class _SortedRow:
    """One position of a :class:`RatioSorted`: Z(c) and A(c, s) by binary search."""

    def __init__(self, s: RatioSorted, t: int):
        self.rho, self.pc, self.qc = s.rho[t], s.pc[t], s.qc[t]

    def _at(self, c: np.ndarray) -> np.ndarray:
        """#{rho <= c} per entry, searching only the rho in (min c, max c].

        The window is usually a small part of the row (c = 1 + Z / (1 - q(y)) at
        step 2); a single count (shape (1,), broadcast) when it holds no rho.
        """
        if c.size == 1:
            return np.searchsorted(self.rho, c, side="right")
        lo, hi = np.searchsorted(self.rho, (c.min(), c.max()), side="right")
        if lo == hi:
            return np.array([lo])
        return lo + np.searchsorted(self.rho[lo:hi], c, side="right")

    def mass(self, c: np.ndarray) -> np.ndarray:
        """Z(c) = sum (p - c q)^+ = P(rho > c) - c Q(rho > c)."""
        i = self._at(c)
        z = (self.pc[-1] - self.pc[i]) - c * (self.qc[-1] - self.qc[i])
        return np.maximum(z, 0.0)

    def accept(self, c: np.ndarray, z: np.ndarray, s: np.ndarray) -> np.ndarray:
        """A(c, s) = sum_x q(x) min((rho_x - c)^+ / Z, s) (0 where Z = 0)."""
        ic = self._at(c)
        ok = z > 0
        b = c + np.where(ok, z, 0.0) * s
        ib = self._at(b)
        qb = self.qc[ib]
        # mid = (P(c, b] - c Q(c, b]) / Z, plus tail = s Q(rho > b)
        mid = ((self.pc[ib] - self.pc[ic]) - c * (qb - self.qc[ic])) / np.where(ok, z, 1.0)
        val = mid + s * (self.qc[-1] - qb)
        np.clip(val, 0.0, 1.0, out=val)
        return val if ok.all() else np.where(ok, val, 0.0)


def _take(a: np.ndarray, h: np.ndarray) -> np.ndarray:
    """a[h], or ``a`` itself when it holds one value shared by every history (broadcast)."""
    return a if a.size == 1 else a[h]


def _row_vector(
    p: np.ndarray, q: np.ndarray, row: _SortedRow, k: int, max_cells: int
) -> np.ndarray:
    """a_1..a_k at one position by enumeration of rejection histories (module docstring)."""
    out = np.zeros(k)
    w = np.ones(1)  # probability of each history
    c = np.zeros(1)  # residual threshold
    z = np.ones(1)  # Z(c)
    m = np.zeros(1)  # drafted draft mass
    for i in range(k):
        s = 1.0 / np.maximum(1.0 - m, 1e-300)
        out[i] = float(np.sum(w * row.accept(c, z, s)))
        if i == k - 1:
            break
        if w.size * p.size > max_cells:
            raise InvalidArgumentError(
                f"candidates: {k} candidates need {w.size} x {p.size} (history, token) "
                f"cells at step {i + 1}, more than {max_cells}; ask for fewer candidates"
            )
        if i == 0:  # at the root r = p and q_1 = q (c = 0, Z = 1, s = 1, m = 0): y with
            rej = q - p  # q(y) > p(y) is rejected w.p. q(y) - p(y); c becomes 1
            y = np.flatnonzero(rej > 0)
            if y.size == 0:
                break
            w, c, m, drafted = rej[y], np.ones(1), q[y], y[:, None]
            z = row.mass(c)
            continue
        safe = np.where(z > 0, z, 1.0)[:, None]
        resid = np.maximum(p[None, :] - c[:, None] * q[None, :], 0.0) / safe
        rej = np.maximum(s[:, None] * q[None, :] - resid, 0.0)
        rej[np.arange(w.size)[:, None], drafted] = 0.0  # drafted tokens: q_i = 0
        rej[(z <= 0) | (m >= 1.0)] = 0.0
        flat = np.flatnonzero(rej > 0)  # much faster than the 2-D np.nonzero
        if flat.size == 0:
            break
        h, y = np.divmod(flat, p.size)
        w = w[h] * rej.ravel()[flat]
        c = _take(c, h) + _take(z, h) * s[h]  # c and Z: one value after the root
        m = m[h] + q[y]
        z = row.mass(c)
        drafted = np.concatenate([drafted[h], y[:, None]], axis=1)
    return out


def positional_acceptance_rows(
    target: np.ndarray,
    draft: np.ndarray,
    candidates: int,
    max_cells: int = MAX_CELLS,
    ratio_sorted: RatioSorted | None = None,
) -> np.ndarray:
    """Per-position positional acceptance a_1..a_k, shape (positions, k) (kernel).

    Parameters
    ----------
    target, draft : (positions, n) float64 arrays
        Valid laws (rows), e.g. chunks of :meth:`~specbound.pairs.ModelPair.chunks`.
    candidates : int >= 1
        k, the number of candidates drafted at a node.
    max_cells : int
        Refuse (InvalidArgumentError) a history expansion larger than this.
    ratio_sorted : RatioSorted, optional
        :func:`sort_by_ratio` of the same laws, when already computed.

    Returns
    -------
    (positions, k) ndarray
        Row t: a_i = P(the i-th candidate drafted at position t is accepted), exact
        (module docstring); O(n^(k-1) log n) per position.

    Examples
    --------
    >>> positional_acceptance_rows(np.array([[0.5, 0.5]]), np.array([[1.0, 0.0]]), 2)
    array([[0.5, 0. ]])
    """
    k = check_int(candidates, "candidates", 1)
    p = np.atleast_2d(target)
    q = np.atleast_2d(draft)
    s = sort_by_ratio(p, q) if ratio_sorted is None else ratio_sorted
    return np.array(
        [_row_vector(p[t], q[t], _SortedRow(s, t), k, max_cells) for t in range(p.shape[0])]
    )
