"""Random token trees: optimal top-P trees in i.i.d. random environments (branching walks).

Pankratov & Alistarh, arXiv 2512.11718 (EACL 2026), as implemented here from the note
``theory/branching_walk.md`` (C1, C2, C6). Assumption (E): the target's next-token law
p_v at every node v of the token tree is an independent draw from a law L (a
*law sampler*); the surprisals S(v) = -ln pi(v) then form a branching random walk.

Contents

* law samplers: :class:`DirichletLaw`, :class:`SoftmaxGaussianLaw`, :class:`FixedLaw`
  (a deterministic environment), :class:`EmpiricalLaw` (resampled rows, e.g. softmax
  outputs at positions of real text). Any callable ``(rng, size) -> (size, n)`` array
  of laws works.
* :func:`optimal_random_tree`: the optimal tree of budget P for ONE sampled
  environment: nodes are revealed (their laws drawn) best-first in numpy batches
  through a bucket queue over surprisal bands (one at a time where a band has few
  candidates), until the top P are certain.
* :func:`optimal_accepted_curve`: E[X_opt(P)] over environments, with standard errors.
* :func:`simulate_verifier`: Monte Carlo of the verifier walking a tree (C1).
* :func:`spine_estimate`: the tree-free spine estimator of C6.

Costs. A tree of budget P draws P + 1 laws plus about one batch (O(P n) random
numbers for a vocabulary of n, all in numpy) and sorts O(P) candidates, in one numpy
step per batch; a band that keeps yielding small batches (deep trees of
near-deterministic laws: one node per level) is finished one node at a time by a
Python heap, a few microseconds per node, with laws drawn 64 at a time.
Seeds: the laws go to the nodes in this reveal order, not in the heap order of the
note's C2 pseudocode, so seeded values differ from the note's tables
(the note's means are reproduced within their standard errors, see
tests/test_random_trees.py), but the same seed gives the same environment for
every P.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from specbound.bounds.branching_walk import (
    EntropyMoments,
    dirichlet_moments,
    entropy_moment_estimates,
)
from specbound.distributions import (
    RngLike,
    as_distribution,
    as_distributions,
    as_rng,
    check_int,
    check_real,
)
from specbound.errors import InvalidArgumentError
from specbound.simulations.estimate import Estimate, from_values
from specbound.simulations.sampling import sample_rows
from specbound.trees import optimal_tree

LawSampler = Callable[[np.random.Generator, int], np.ndarray]
"""A law on the simplex: ``sampler(rng, size)`` returns ``size`` i.i.d. laws as rows."""

#: Width (nats) of the surprisal bands of the candidate queue.
_BAND = 0.25
#: Children are listed down to _MARGIN nats (plus _SLACK times the extrapolation gap)
#: below the extrapolated final level; a level that proves too high forces a restart.
_MARGIN = 0.75
_SLACK = 0.25
#: Random numbers per batch of laws (2^19 float32 entries: 2 MB, cache-sized), and the
#: bounds on the batch size in laws. The batch size fixes the reveal order (seeds).
_CHUNK_ENTRIES = 1 << 19
_MIN_CHUNK = 64
_MAX_CHUNK = 1024
#: The rest of a band is revealed one node at a time (a Python heap) once _PATIENCE
#: batches of it were smaller than _FEW: thin, deep trees (near-deterministic laws)
#: would otherwise take one numpy step per tree level, while typical laws end a band
#: in one or two small batches (and keep the batched path). The one-at-a-time path
#: draws its laws _AHEAD at a time and sorts their _TOP largest entries up front.
_FEW = 32
_PATIENCE = 2
_AHEAD = 64
_TOP = 16
#: Relative tolerance on the row sums of a sampler's output.
_ROW_SUM_TOL = 1e-9


# ----------------------------------------------------------------------------- laws


@dataclass(frozen=True)
class DirichletLaw:
    """Symmetric Dirichlet law Dir(concentration * 1_n) on the simplex.

    Sampling matches ``rng.dirichlet(np.full(n, concentration))`` draw by draw (same
    random stream; equal up to rounding in the last bit). Exact moments:
    :func:`specbound.bounds.branching_walk.dirichlet_moments`.
    """

    concentration: float
    n: int

    def __post_init__(self) -> None:
        a = check_real(self.concentration, "concentration", 0.0)
        if a == 0:
            raise InvalidArgumentError("concentration: must be > 0")
        check_int(self.n, "n", 1)

    @property
    def name(self) -> str:
        """Short label, e.g. ``Dir(0.5*1_10)``."""
        return f"Dir({self.concentration:g}*1_{self.n})"

    def __call__(self, rng: np.random.Generator, size: int) -> np.ndarray:
        if self.concentration <= 0.1:  # numpy switches to stick-breaking there
            return rng.dirichlet(np.full(self.n, self.concentration), size=size)
        g = rng.standard_gamma(self.concentration, size=(size, self.n))
        g /= g.sum(axis=1, keepdims=True)
        return g

    def spine_steps(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Exact spine steps xi = -ln p(x), p ~ L, x ~ p: -ln Beta(a + 1, n a - a)."""
        a = self.concentration
        if self.n == 1:
            return np.zeros(size)
        return -np.log(rng.beta(a + 1.0, self.n * a - a, size=size))


@dataclass(frozen=True)
class SoftmaxGaussianLaw:
    """softmax(z / temperature) with logits z_i ~ N(0, scale^2) i.i.d. on n tokens.

    Sampled in float32 for speed (:meth:`weights`): normals by Box-Muller from float64
    uniforms, the weights exp(s (z_i - max z)) with s = scale / temperature,
    normalised in float64. The laws differ from float64 softmax laws by float32
    rounding (relative error about 1e-6 on each probability, from the rounding of
    s (z_i - max z)) and lose the normal tail beyond |z| = 8.6 (probability 1e-17
    per logit).
    """

    scale: float
    n: int
    temperature: float = 1.0

    def __post_init__(self) -> None:
        check_real(self.scale, "scale", 0.0)
        check_int(self.n, "n", 1)
        if check_real(self.temperature, "temperature", 0.0) == 0:
            raise InvalidArgumentError("temperature: must be > 0")

    @property
    def name(self) -> str:
        """Short label."""
        return f"softmax({self.scale:g}*N(0,1)), n={self.n}"

    def weights(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Unnormalised laws: a (size, n) float32 array w, row maxima 1; laws = w / row sums.

        Box-Muller on one float64 uniform row (U_1..U_h, V_1..V_h) per law, h = ceil(n/2):
        z_j = R_j cos(2 pi V_j), z_{h+j} = R_j sin(2 pi V_j), R_j = sqrt(-2 ln(1 - U_j)),
        with 1 - U_j >= 2^-53, so R_j <= sqrt(106 ln 2) = 8.6; then w_i = exp(s (z_i -
        max_k z_k)), s = scale / temperature, all after the uniforms in float32. The
        stream does not depend on how the laws are split into calls.
        """
        n, h = self.n, (self.n + 1) // 2
        u = rng.random((size, 2 * h))
        np.subtract(1.0, u[:, :h], out=u[:, :h])
        radius = u[:, :h].astype(np.float32)
        np.log(radius, out=radius)
        radius *= np.float32(-2.0)
        np.sqrt(radius, out=radius)
        radius *= np.float32(min(self.scale / self.temperature, 1e37))
        angle = u[:, h:].astype(np.float32)
        angle *= np.float32(2.0 * np.pi)
        z = np.empty((size, 2 * h), dtype=np.float32)
        np.cos(angle, out=z[:, :h])
        np.sin(angle, out=z[:, h:])
        z[:, :h] *= radius
        z[:, h:] *= radius
        if 2 * h != n:
            z = np.ascontiguousarray(z[:, :n])
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        return z

    def __call__(self, rng: np.random.Generator, size: int) -> np.ndarray:
        w = self.weights(rng, size)
        return w / _normalisers(w)[:, None]


@dataclass(frozen=True, eq=False)
class FixedLaw:
    """The deterministic environment: the same law at every node (consumes no randomness)."""

    probs: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "probs", as_distribution(self.probs, "law"))

    @property
    def n(self) -> int:
        """Vocabulary size."""
        return int(self.probs.size)

    @property
    def name(self) -> str:
        """Short label."""
        p = self.probs
        return "(" + ", ".join(f"{v:g}" for v in p[:4]) + (", ...)" if p.size > 4 else ")")

    def __call__(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.broadcast_to(self.probs, (size, self.probs.size))


@dataclass(frozen=True, eq=False)
class EmpiricalLaw:
    """Rows resampled uniformly with replacement (e.g. softmax outputs at text positions).

    The environment of (E) with L = the empirical law of the given rows: the plug-in
    point for next-token distributions estimated from real text.
    """

    rows: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", as_distributions(self.rows, "rows"))

    @property
    def n(self) -> int:
        """Vocabulary size."""
        return int(self.rows.shape[1])

    @property
    def name(self) -> str:
        """Short label."""
        return f"empirical ({self.rows.shape[0]} laws, n={self.n})"

    def __call__(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return self.rows[rng.integers(0, self.rows.shape[0], size=size)]


def law_moments(law: LawSampler, samples: int = 20_000, rng: RngLike = None) -> EntropyMoments:
    """Entropy moments (mu, mu2, phi) of a law sampler, exact where a closed form exists.

    Exact for :class:`FixedLaw` (its one law), :class:`DirichletLaw` (digamma /
    trigamma closed forms) and :class:`EmpiricalLaw` (the law of (E) is uniform on its
    rows); otherwise estimated, with standard errors, from ``samples`` laws drawn with
    ``rng``. Nats (Pankratov & Alistarh, arXiv 2512.11718, as implemented in
    :mod:`specbound.bounds.branching_walk`).
    """
    if isinstance(law, FixedLaw):
        return entropy_moment_estimates(law.probs)
    if isinstance(law, DirichletLaw):
        mu, mu2, phi = dirichlet_moments(law.concentration, law.n)
        return EntropyMoments(mu, mu2, phi, 0.0, 0.0, 0.0, 0)
    if isinstance(law, EmpiricalLaw):
        return entropy_moment_estimates(law.rows)
    return entropy_moment_estimates(law(as_rng(rng), check_int(samples, "samples", 2)))


def _draw(law: LawSampler, rng: np.random.Generator, size: int) -> np.ndarray:
    """Call the sampler and check its output: (size, n), finite, >= 0, rows summing to 1."""
    rows = np.asarray(law(rng, size), dtype=np.float64)
    if rows.ndim != 2 or rows.shape[0] != size or rows.shape[1] == 0:
        raise InvalidArgumentError(
            f"law: a sampler must return a ({size}, n) array of laws, got shape {rows.shape}"
        )
    sums = rows.sum(axis=1)
    if not np.all(np.isfinite(sums)) or rows.min() < 0:
        raise InvalidArgumentError("law: sampled laws contain negative, NaN or inf entries")
    if np.abs(sums - 1.0).max() > _ROW_SUM_TOL * max(1.0, rows.shape[1] / 1000):
        worst = float(sums[np.argmax(np.abs(sums - 1.0))])
        raise InvalidArgumentError(f"law: sampled laws must sum to 1, a row sums to {worst!r}")
    return rows


# ----------------------------------------------------------------------------- the tree


@dataclass(frozen=True, eq=False)
class RandomTree:
    """The optimal tree of one sampled environment (same array layout as ``DraftTree``).

    Nodes are numbered by decreasing path probability (ties: the node whose law was
    drawn first), so a parent precedes its children and the first P' nodes are an
    optimal tree of budget P' of the same environment.

    Attributes
    ----------
    parent : (size,) int64
        Parent's node index, -1 for the children of the root.
    child_index : (size,) int64
        Rank among the parent's next-token probabilities (0 = most likely token).
    node_depth : (size,) int64
        1 for the children of the root.
    path_probability : (size,) float64
        pi(v), product of the next-token probabilities along the path.
    edge_probability : (size,) float64
        p_parent(v): the probability that the verifier, at the parent, samples v.
    laws_drawn : int
        Laws drawn for this tree: size + 1, plus the laws of the few nodes revealed
        beyond the optimum (about one batch, more when in-band chains keep
        beating the P-th node), the laws drawn ahead and not used (fewer than 64)
        and those of any restart.
    law_index : (size,) int64
        Position of the node's own law in the environment's stream of laws (the
        root's law is number 0): the law of node v is row ``law_index[v]`` of the
        concatenated sampler outputs.
    """

    parent: np.ndarray
    child_index: np.ndarray
    node_depth: np.ndarray
    path_probability: np.ndarray
    edge_probability: np.ndarray
    laws_drawn: int = field(default=0)
    law_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def size(self) -> int:
        """Number of non-root nodes."""
        return int(self.parent.size)

    @property
    def depth(self) -> int:
        """Largest node depth (0 for the empty tree)."""
        return int(self.node_depth.max()) if self.size else 0

    @property
    def expected_accepted(self) -> float:
        """E[X | environment] = sum of path probabilities (accepted tokens, C1)."""
        return float(self.path_probability.sum())

    @property
    def tokens_per_step(self) -> float:
        """expected_accepted + 1."""
        return self.expected_accepted + 1.0

    @property
    def threshold(self) -> float:
        """Surprisal level t_P = -ln pi of the last node added (inf for the empty tree)."""
        return float(-np.log(self.path_probability[-1])) if self.size else math.inf

    def accepted_curve(self) -> np.ndarray:
        """E[X_opt(P') | environment] for P' = 1..size (cumulative sums, best first)."""
        return np.cumsum(self.path_probability)


#: A candidate node: a child of a revealed node whose own law is not drawn yet.
_CANDIDATE = np.dtype(
    [("pi", "f8"), ("edge", "f8"), ("parent", "i8"), ("rank", "i8"), ("depth", "i8")]
)


class _Restart(Exception):
    """The kept entries were cut too high: rebuild from the same stream with ``cap``."""

    def __init__(self, cap: float, drawn: int):
        super().__init__(cap)
        self.cap, self.drawn = cap, drawn


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


def _normalisers(w: np.ndarray) -> np.ndarray:
    """Row sums in float64: the laws are ``w / _normalisers(w)[:, None]``."""
    return w.sum(axis=1, dtype=np.float64)


def _draw_weights(
    law: LawSampler, rng: np.random.Generator, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """(w, z): ``size`` laws as unnormalised rows w and their normalisers z (laws = w / z).

    Uses the law's ``weights(rng, size)`` fast path when it has one (e.g. float32
    weights of :class:`SoftmaxGaussianLaw`), otherwise the validated laws with z = 1.
    """
    fast = getattr(law, "weights", None)
    if fast is None:
        return _draw(law, rng, size), np.ones(size)
    w = np.asarray(fast(rng, size))
    if w.ndim != 2 or w.shape[0] != size or w.shape[1] == 0:
        raise InvalidArgumentError(
            f"law: weights must be a ({size}, n) array, got shape {w.shape}"
        )
    z = _normalisers(w)
    if not (np.all(np.isfinite(z)) and z.min() > 0 and w.min() >= 0):
        raise InvalidArgumentError("law: weights must be finite, >= 0, with positive row sums")
    return w, z


class _Laws:
    """The environment's stream of laws: the i-th law drawn goes to the i-th node revealed.

    Law 0 (the root's) is drawn on creation. :meth:`take` serves a batch of nodes,
    :meth:`take_one` a single node from a block drawn ``_AHEAD`` at a time; both serve
    the rows drawn ahead first. ``drawn`` counts every row drawn, served or not.
    """

    def __init__(self, law: LawSampler, gen: np.random.Generator):
        self.law, self.gen = law, gen
        self.w, self.z = _draw_weights(law, gen, 1)
        self.n = self.w.shape[1]
        self.top: list[list[float]] = []  # per row of w: its _TOP largest p, decreasing
        self.pos = 0  # rows w[:pos] are served
        self.drawn = 1

    def _fresh(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        w, z = _draw_weights(self.law, self.gen, k)
        if w.shape[1] != self.n:
            raise InvalidArgumentError(
                f"law: vocabulary size changed from {self.n} to {w.shape[1]} between draws"
            )
        self.drawn += k
        return w, z

    def take(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(w, z): the laws w / z of the next ``k`` nodes."""
        left = self.w.shape[0] - self.pos
        if left >= k:
            self.pos += k
            return self.w[self.pos - k : self.pos], self.z[self.pos - k : self.pos]
        w, z = self._fresh(k - left)
        if left:
            w = np.concatenate([self.w[self.pos :], w])
            z = np.concatenate([self.z[self.pos :], z])
            self.pos = self.w.shape[0]
        return w, z

    def take_one(self) -> int:
        """Row of ``w`` (and ``top``) holding the law of the next node."""
        if self.pos == self.w.shape[0]:
            self.w, self.z = self._fresh(_AHEAD)
            w = self.w
            if self.n > _TOP:
                w = np.partition(w, self.n - _TOP, axis=1)[:, self.n - _TOP :]
            top = np.sort(w, axis=1)[:, ::-1].astype(np.float64) / self.z[:, None]
            self.top, self.pos = top.tolist(), 0
        self.pos += 1
        return self.pos - 1


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


def _reveal_singly(
    cands: np.ndarray,
    band: int,
    level: float,
    nodes: _Nodes,
    laws: _Laws,
    buckets: dict[int, list[np.ndarray]],
    size: int,
    count: int,
) -> tuple[int, bool]:
    """Reveal the band's candidates ``cands`` one at a time, best first (heap order).

    The Python-loop counterpart of the batch steps of :func:`_reveal`, for the rest of
    a band that keeps yielding small batches: pops the best candidate, gives it the
    next law, and lists its children down to ``level`` (the band's into the heap,
    later ones into ``buckets``), until the band is empty or the top ``size`` are
    certain. The heap does not grow: a node has at most one child in its own band,
    since the band is narrower than ln 2. ``count`` nodes were revealed before.
    Returns the new count and whether the top ``size`` are certain. Popped path
    probabilities do not increase, so the ``size`` largest revealed ones are tracked
    exactly: each pop replaces the smallest of them.
    """
    lo = _band_floor(band)  # a child is in the band iff pi >= lo
    heap = [(-pi, par, r, e, d) for pi, e, par, r, d in cands.tolist()]
    heapq.heapify(heap)
    first = nodes.size
    new: list[tuple[float, float, int, int, int]] = []  # revealed, as _CANDIDATE rows
    later: list[tuple[float, float, int, int, int]] = []  # children of later bands
    wide: list[np.ndarray] = []  # children of later bands of nodes with many children
    best: list[float] | None = None  # the size largest revealed pi (once count >= size)
    kept, last = 0, math.inf  # best[:kept] and the pops since `best` was made
    done = False
    while True:
        if count >= size:
            if best is None:
                nodes.append(np.array(new, dtype=_CANDIDATE))
                first, new = nodes.size, []
                best, kept = nodes.largest_pi(size), size
            kth = min(best[kept - 1], last) if kept else last
            if kth >= (-heap[0][0] if heap else 0.0):
                done = True
                break
        if not heap:
            break
        negpi, parent, rank, edge, depth = heapq.heappop(heap)
        pi = -negpi
        if best is not None:  # pi > kth = best[kept - 1]: it replaces that one
            kept, last = kept - 1, pi
        node = first + len(new)
        new.append((pi, edge, parent, rank, depth))
        count += 1
        j = laws.take_one()
        top = laws.top[j]
        if len(top) < laws.n and pi * top[-1] >= level:  # more children than in `top`
            _, ranks, ps = _children(laws.w[j : j + 1], laws.z[j : j + 1], np.array([pi]), level)
            kids = np.empty(ps.size, dtype=_CANDIDATE)
            kids["pi"], kids["edge"], kids["parent"] = pi * ps, ps, node
            kids["rank"], kids["depth"] = ranks, depth + 1
            kids = kids[kids["pi"] > 0]
            inband = kids["pi"] >= lo
            wide.append(kids[~inband])
            for c, p, _, r, d in kids[inband].tolist():
                heapq.heappush(heap, (-c, node, r, p, d))
            continue
        for r, p in enumerate(top):
            c = pi * p
            if c < level or c == 0.0:
                break
            if c >= lo:
                heapq.heappush(heap, (-c, node, r, p, depth + 1))
            else:
                later.append((c, p, node, r, depth + 1))
    nodes.append(np.array(new, dtype=_CANDIDATE))
    _route(np.concatenate([np.array(later, dtype=_CANDIDATE), *wide]), -1, buckets)  # file all
    return count, done


def _keep_level(size: int, count: int, band: int) -> float:
    """A path-probability level below the final one (speed only, never correctness).

    ``count`` nodes have surprisal < band * _BAND; the number of nodes below level t
    grows like e^t (note C6), so the final level is near band * _BAND + ln(size /
    count). Margin: _MARGIN nats plus _SLACK times that gap (growth rate >= 1 / (1 +
    _SLACK) is enough). A level that turns out too high triggers a restart.
    """
    gap = max(0.0, math.log(size / max(count, 1)))
    return math.exp(-(band * _BAND + (1.0 + _SLACK) * gap + _MARGIN))


def _reveal(
    law: LawSampler, size: int, gen: np.random.Generator, cap: float
) -> tuple[_Nodes, int]:
    """Reveal nodes (draw their laws) best-first in batches until the top ``size`` are known.

    A bucket queue over surprisal bands of width _BAND holds the candidates; within a
    band the ``chunk`` candidates of largest pi (ties: heap order) are revealed
    together (one sampler call), and their children are filed into bands (those in
    the current band join an inbox merged into the band's sorted queue). After
    _PATIENCE batches of fewer than _FEW candidates, the rest of the band is revealed
    one node at a time instead (:func:`_reveal_singly`). Children are only listed
    down to a level c <= ``cap`` (:func:`_keep_level`); every unlisted child has
    pi < c. The reveal sequence depends on neither ``size`` nor ``cap``. Returns the
    nodes and the number of laws drawn.
    """
    laws = _Laws(law, gen)
    w, z = laws.take(1)
    n = laws.n
    chunk = int(np.clip(_CHUNK_ENTRIES // n, _MIN_CHUNK, _MAX_CHUNK))
    nodes = _Nodes(size + chunk + 1)
    buckets: dict[int, list[np.ndarray]] = {}
    row, rank, p = _children(w, z, np.ones(1), 0.0)
    root = np.zeros(p.size, dtype=_CANDIDATE)
    root["pi"], root["edge"], root["rank"], root["depth"] = p, p, rank, 1
    _route(root, -1, buckets)
    count, listed_to = 0, 0.0  # listed_to: every unlisted child has pi < listed_to
    while buckets:
        band = min(buckets)
        if listed_to > 0 and _band(np.array([listed_to]))[0] <= band:
            raise _Restart(min(cap, math.exp(-(band + 1) * _BAND - 2.0)), laws.drawn)
        queue = np.concatenate(buckets.pop(band))
        queue = queue[_key_order(queue)]
        inbox = queue[:0]  # in-band children found meanwhile, in key order
        head = 0
        level = min(cap, _keep_level(size, count, band), math.exp(-(band + 1) * _BAND - 1e-3))
        small = 0  # batches of this band smaller than _FEW
        while (left := queue.size - head + inbox.size) and (left >= _FEW or small < _PATIENCE):
            small += left < _FEW
            listed_to = max(listed_to, level)
            batch = queue[head : head + chunk]
            if inbox.size:  # the chunk best candidates of queue[head:] and inbox
                both = np.concatenate([batch, inbox])
                order = _key_order(both)[:chunk]
                from_queue = order < batch.size
                batch, inbox = both[order], np.delete(inbox, order[~from_queue] - batch.size)
                head += int(from_queue.sum())
            else:
                head += batch.size
            ids = nodes.append(batch)
            w, z = laws.take(batch.size)
            row, rank, p = _children(w, z, batch["pi"], level)
            kids = np.empty(p.size, dtype=_CANDIDATE)
            kids["pi"] = batch["pi"][row] * p
            kids["edge"], kids["parent"], kids["rank"] = p, ids[row], rank
            kids["depth"] = batch["depth"][row] + 1
            here = _route(kids[kids["pi"] > 0], band, buckets)
            if here.size:
                inbox = np.concatenate([inbox, here])
                inbox = inbox[_key_order(inbox)]
            count += batch.size
            if count >= size:
                best_left = max(
                    queue["pi"][head] if head < queue.size else 0.0,
                    inbox["pi"][0] if inbox.size else 0.0,
                )
                if nodes.kth_largest_pi(size) >= best_left:
                    return nodes, laws.drawn
        rest = np.concatenate([queue[head:], inbox])
        if rest.size:
            listed_to = max(listed_to, level)
            count, done = _reveal_singly(rest, band, level, nodes, laws, buckets, size, count)
            if done:
                return nodes, laws.drawn
    if listed_to > 0:  # ran out of listed candidates: list deeper
        raise _Restart(listed_to * math.exp(-4.0) if listed_to > 1e-300 else 0.0, laws.drawn)
    return nodes, laws.drawn  # the environment has fewer nodes of positive probability


def _fixed_law_tree(law: FixedLaw, size: int) -> RandomTree:
    """The deterministic environment's optimum via :func:`specbound.trees.optimal_tree`.

    Every node has the same law, so the tree of the P largest path probabilities is the
    optimal tree of the sorted law; nodes are renumbered by decreasing pi (ties: the
    shallower first, so a parent precedes its children), node v's law is number v + 1.
    """
    probs = np.sort(law.probs)[::-1]
    tree = optimal_tree(probs[probs > 0], size)
    order = np.lexsort((tree.node_depth, -tree.path_probability))
    new_id = np.empty_like(order)
    new_id[order] = np.arange(order.size)
    parent = tree.parent[order]
    parent = np.where(parent >= 0, new_id[np.maximum(parent, 0)], -1)
    child = tree.child_index[order]
    return RandomTree(
        parent,
        child,
        tree.node_depth[order],
        tree.path_probability[order],
        probs[child],
        order.size + 1,
        np.arange(1, order.size + 1, dtype=np.int64),
    )


def optimal_random_tree(law: LawSampler, size: int, rng: RngLike = None) -> RandomTree:
    """The optimal draft tree of budget ``size`` for one sampled i.i.d. environment.

    The optimum is the set of the P nodes of largest path probability pi(v) (note C2,
    arXiv 2512.11718, as implemented here); it is prefix-closed since pi(child) <=
    pi(parent). Laws are i.i.d. (assumption (E)), so drawing a fresh law for a node
    the first time it is needed, in any order decided by what was drawn before, gives
    an environment with exactly the law of (E) (see Notes). Here nodes are revealed (their
    laws drawn) best-first in batches: a bucket queue over surprisal bands
    [b d, (b + 1) d) of width d = 0.25 nats holds the known children; within a band
    the batch of candidates with the largest pi (2^19 / n of them, between 64 and 1024)
    is revealed with one sampler call, and each new law is scanned once, in numpy,
    for the children that may matter. A band that has yielded two batches of fewer
    than 32 candidates (a deep, thin tree) is finished one node at a time from a
    Python heap, with laws drawn 64 at a time ahead of need. Revealing stops as soon
    as P non-root nodes are revealed and no unrevealed node can beat the P-th largest
    revealed pi; the tree is then the P revealed nodes of largest pi, an exact
    optimum of the environment (ties in pi, which do not change the value, go to the
    node revealed first, which keeps the set prefix-closed: a parent is revealed
    before its children).
    Children are listed only down to a level below the extrapolated final one (the
    node count grows like e^t in surprisal, note C6); if that level proves too high,
    the tree is rebuilt from the same random stream with a lower one, so the result
    is always exact.

    Cost: O(P n) for the P + 1 (plus about one batch) laws, done in numpy, and
    O(P log P) for sorting, in one numpy step per batch, plus a few microseconds of
    Python per node revealed one at a time; the reveal order does not depend on P, so
    one seed gives one environment for every budget.

    Parameters
    ----------
    law : callable (rng, size) -> (size, n) array
        Law sampler (:class:`DirichletLaw`, :class:`SoftmaxGaussianLaw`,
        :class:`FixedLaw`, :class:`EmpiricalLaw` or any callable of that form that
        depends on nothing but ``rng``). A ``weights(rng, size)`` method returning
        unnormalised rows (laws = rows / row sums) is used instead when present.
    size : int >= 0
        Tree budget P (non-root nodes). If the environment has fewer nodes of
        positive probability, the tree stops there (e.g. a one-hot law's chain
        still has P nodes; a finite tree only arises from zero-probability tokens).
    rng : Generator or seed
        The environment's randomness.

    Returns
    -------
    RandomTree
        ``expected_accepted`` = E[X | environment] = sum of pi over the tree.

    Notes
    -----
    Exactness of the lazy environment: the i-th law drawn goes to the i-th node
    revealed, and which node is revealed i-th depends only on laws 0..i-1; since the
    laws are i.i.d. and independent of those, node laws are i.i.d. with law L, as in
    (E) (the usual lazy construction of an i.i.d. field, as in the note's C2). Laws
    drawn ahead of need are not looked at before their node is chosen, so drawing
    them early changes nothing.

    A batch cannot hold a node and its child, so batches alone would take one numpy
    step (0.1-0.2 ms) per tree level. Typical laws give depth ~ t_P / gamma (note
    C7), a few tens; random near-deterministic laws (largest probability within 1e-3
    of 1) give chains of depth ~ P, whose bands hold a few candidates each and are
    mostly revealed one node at a time: P = 10^4 for such a law takes 0.03-0.1 s,
    within a few times a per-node heap (benchmarks/results/branching_walk.md,
    section 5). A
    :class:`FixedLaw` (the deterministic environment) skips the reveal and uses
    :func:`specbound.trees.optimal_tree` on the sorted law, O(P log P) at any depth.

    Examples
    --------
    >>> t = optimal_random_tree(FixedLaw([0.9, 0.1]), 10)
    >>> round(t.expected_accepted, 6)
    5.861894
    """
    size = check_int(size, "size", 0)
    gen = as_rng(rng)
    empty_i, empty_f = np.zeros(0, dtype=np.int64), np.zeros(0)
    if size == 0:
        return RandomTree(empty_i, empty_i, empty_i, empty_f, empty_f, 0, empty_i)
    if isinstance(law, FixedLaw):
        return _fixed_law_tree(law, size)
    start, cap, drawn = gen.bit_generator.state, 1.0, 0
    while True:
        try:
            nodes, drawn_last = _reveal(law, size, gen, cap)
            break
        except _Restart as restart:
            cap, drawn = restart.cap, drawn + restart.drawn
            gen.bit_generator.state = start  # the same laws again, listed deeper
    cols = nodes.cols[1 : nodes.size]
    order = np.lexsort((np.arange(cols.size), -cols["pi"]))[:size]
    ids = order + 1
    position = np.full(nodes.size, -1, dtype=np.int64)
    position[ids] = np.arange(ids.size)
    chosen = nodes.cols[ids]
    return RandomTree(
        position[chosen["parent"]],
        chosen["rank"],
        chosen["depth"],
        chosen["pi"],
        chosen["edge"],
        drawn + drawn_last,
        ids,
    )


# ----------------------------------------------------------------------------- environments


def _environment_curve(args: tuple[LawSampler, int, int, np.ndarray]) -> np.ndarray:
    law, size, seed, sizes = args
    curve = optimal_random_tree(law, size, np.random.default_rng(seed)).accepted_curve()
    padded = np.concatenate([[0.0], curve])
    return padded[np.minimum(sizes, curve.size)]


def environment_values(
    law: LawSampler,
    sizes: int | Sequence[int],
    environments: int = 40,
    seeds: Sequence[int] | None = None,
    rng: RngLike = None,
    jobs: int = 1,
    progress: bool | None = None,
) -> np.ndarray:
    """E[X_opt(P) | environment] for each environment (rows) and budget P (columns).

    One optimal tree of the largest budget per environment; smaller budgets are its
    prefixes (nodes are numbered by decreasing path probability), so the columns are
    paired (same environments).

    Parameters
    ----------
    law : law sampler
    sizes : int or sequence of int >= 1
        Budgets P.
    environments : int >= 1
        Number of environments (ignored when ``seeds`` is given).
    seeds : sequence of int, optional
        One ``default_rng`` seed per environment (the note uses 1000..1039).
    rng : Generator or seed
        Source of the seeds when ``seeds`` is None.
    jobs : int
        Local worker processes (``map_tasks``); the law must then be picklable.
    """
    from specbound.simulations.executor import map_tasks

    size_list = [sizes] if isinstance(sizes, (int, np.integer)) else list(sizes)
    if not size_list:
        raise InvalidArgumentError("sizes: no budget given")
    arr = np.array([check_int(s, "sizes", 1) for s in size_list], dtype=np.int64)
    if seeds is None:
        environments = check_int(environments, "environments", 1)
        seeds = as_rng(rng).integers(0, 2**63 - 1, size=environments).tolist()
    seeds = [check_int(s, "seeds", 0) for s in seeds]
    if not seeds:
        raise InvalidArgumentError("seeds: no environment given")
    tasks = [(law, int(arr.max()), s, arr) for s in seeds]
    out = map_tasks(_environment_curve, tasks, jobs=jobs, progress=progress, desc="environments")
    return np.array(out)


def optimal_accepted_curve(
    law: LawSampler,
    sizes: int | Sequence[int],
    environments: int = 40,
    seeds: Sequence[int] | None = None,
    rng: RngLike = None,
    jobs: int = 1,
    progress: bool | None = None,
) -> list[Estimate]:
    """E[X_opt(P)] over i.i.d. environments, one :class:`Estimate` per budget P.

    Mean over environments of sum_{v in T_opt} pi(v); standard error over
    environments (needs >= 2). Arguments as in :func:`environment_values`.
    """
    vals = environment_values(law, sizes, environments, seeds, rng, jobs, progress)
    if vals.shape[0] < 2:
        raise InvalidArgumentError("environments: need at least 2 for a standard error")
    return [from_values(vals[:, j]) for j in range(vals.shape[1])]


# ----------------------------------------------------------------------------- verifier


def _edges(tree) -> np.ndarray:
    edge = getattr(tree, "edge_probability", None)
    if edge is not None:
        return np.asarray(edge, dtype=np.float64)
    pi = np.asarray(tree.path_probability, dtype=np.float64)
    par = np.asarray(tree.parent)
    parent_pi = np.where(par >= 0, pi[np.maximum(par, 0)], 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(parent_pi > 0, pi / parent_pi, 0.0)


def verifier_accepted(tree, trials: int, rng: RngLike = None) -> np.ndarray:
    """Accepted tokens X of ``trials`` independent verifier walks down ``tree`` (C1).

    At node u (the root first) the target samples its next token from p_u; if the
    token is a drafted child of u the walk moves there, otherwise it stops (the token
    is the bonus). Only which drafted child, if any, the sample hits matters, so the
    walk samples that outcome with probabilities (p_u(child_1), ..., 1 - sum). Works
    for any tree with arrays ``parent`` and ``path_probability`` (and optional
    ``edge_probability``), e.g. :class:`RandomTree` or ``specbound.trees.DraftTree``.
    Vectorised over walks: O(trials * depth + size log size).
    """
    trials = check_int(trials, "trials", 1)
    gen = as_rng(rng)
    par = np.asarray(tree.parent, dtype=np.int64)
    edge = _edges(tree)
    size = par.size
    x = np.zeros(trials, dtype=np.int64)
    if size == 0:
        return x
    order = np.argsort(par, kind="stable")  # children grouped by parent (root = -1 first)
    cum = np.cumsum(edge[order])
    group = par[order] + 1  # 0 = root
    starts = np.searchsorted(group, np.arange(size + 1), side="left")
    ends = np.searchsorted(group, np.arange(size + 1), side="right")
    base = np.concatenate([[0.0], cum])[starts]
    node = np.zeros(trials, dtype=np.int64)  # 0 = root, v + 1 = tree node v
    active = np.arange(trials)
    while active.size:
        cur = node[active]
        target = base[cur] + gen.random(active.size)
        idx = np.searchsorted(cum, target, side="right")
        hit = idx < ends[cur]
        active = active[hit]
        node[active] = order[idx[hit]] + 1
        x[active] += 1
    return x


def simulate_verifier(tree, trials: int, rng: RngLike = None) -> Estimate:
    """Monte Carlo estimate of E[X | tree] from :func:`verifier_accepted` (C1)."""
    return from_values(verifier_accepted(tree, check_int(trials, "trials", 2), rng))


# ----------------------------------------------------------------------------- spine


@dataclass(frozen=True)
class SpineEstimate:
    """Tree-free prediction of E[X_opt(P)] from spine walks (note C6).

    Attributes
    ----------
    sizes : (m,) int64
        Budgets P.
    threshold : (m,) float64
        t_P solving C(t) - 1 = P, C(t) = 1 + E sum_{j>=1} e^{S_j} 1{S_j <= t} (nats).
    accepted : list of Estimate
        U(t_P) - 1 = E #{j >= 1 : S_j <= t_P} (SE over walks, t_P held fixed).
    walks : int
    """

    sizes: np.ndarray
    threshold: np.ndarray
    accepted: list[Estimate]
    walks: int


def _spine_steps(law: LawSampler, rng: np.random.Generator, size: int) -> np.ndarray:
    fast = getattr(law, "spine_steps", None)
    if fast is not None:
        return np.asarray(fast(rng, size), dtype=np.float64)
    rows = _draw(law, rng, size)
    x = sample_rows(rows, rng)
    return -np.log(rows[np.arange(size), x])


def spine_estimate(
    law: LawSampler,
    sizes: int | Sequence[int],
    walks: int = 20_000,
    rng: RngLike = None,
    max_steps: int = 100_000,
) -> SpineEstimate:
    """Predict E[X_opt(P)] from ``walks`` spine walks, without building a tree (C6).

    Spine walk: S_j = xi_1 + ... + xi_j with i.i.d. steps xi = -ln p(x), p ~ L, x ~ p.
    By the many-to-one lemma the expected number of tree nodes with surprisal <= t is
    C(t) - 1 and their total path probability is U(t) - 1, where
    U(t) = 1 + E #{j >= 1: S_j <= t}. The estimator solves C^(t_P) - 1 = P (the
    smallest observed level at which the empirical C^ reaches P) and returns
    U^(t_P) - 1. Biased only through the plug-in t_P (consistent as walks grow).

    Parameters
    ----------
    law : law sampler
        If it has a ``spine_steps(rng, size)`` method (e.g. :class:`DirichletLaw`)
        the steps are drawn directly; otherwise a law is drawn and a token sampled.
    sizes : int or sequence of int >= 1
    walks : int >= 2
    rng : Generator or seed
    max_steps : int
        Give up (InvalidArgumentError) if the walks have not passed the threshold by
        then: the step law is (nearly) degenerate at 0, i.e. mu ~ 0.
    """
    size_list = [sizes] if isinstance(sizes, (int, np.integer)) else list(sizes)
    arr = np.array([check_int(s, "sizes", 1) for s in size_list], dtype=np.int64)
    walks = check_int(walks, "walks", 2)
    gen = as_rng(rng)
    kmax = int(arr.max())
    s = np.zeros(walks)
    active = np.arange(walks)
    levels: list[np.ndarray] = []
    owners: list[np.ndarray] = []
    t_cap = math.inf
    steps = 0
    while active.size:
        steps += 1
        if steps > max_steps:
            raise InvalidArgumentError(
                f"law: spine walks did not pass the threshold in {max_steps} steps (mu ~ 0?)"
            )
        s[active] += _spine_steps(law, gen, active.size)
        keep = s[active] <= t_cap
        levels.append(s[active][keep])
        owners.append(active[keep])
        active = active[keep]
        allv = np.concatenate(levels)
        order = np.argsort(allv)
        mass = np.cumsum(np.exp(allv[order])) / walks
        j = int(np.searchsorted(mass, kmax, side="left"))
        if j < mass.size:
            t_cap = float(allv[order][j])
            active = active[s[active] <= t_cap]
    allv = np.concatenate(levels)
    who = np.concatenate(owners)
    order = np.argsort(allv)
    sorted_v = allv[order]
    mass = np.cumsum(np.exp(sorted_v)) / walks
    thresholds, estimates = [], []
    for k in arr:
        j = int(np.searchsorted(mass, k, side="left"))
        t = float(sorted_v[min(j, sorted_v.size - 1)])
        counts = np.bincount(who[allv <= t], minlength=walks)
        thresholds.append(t)
        estimates.append(from_values(counts))
    return SpineEstimate(arr, np.array(thresholds), estimates, walks)


def check_law_sampler(law: LawSampler, rng: RngLike = None, rows: int = 4) -> int:
    """Draw a few laws from ``law`` and return the vocabulary size (validates the sampler)."""
    return _draw(law, as_rng(rng), check_int(rows, "rows", 1)).shape[1]


__all__ = [
    "DirichletLaw",
    "EmpiricalLaw",
    "FixedLaw",
    "LawSampler",
    "RandomTree",
    "SoftmaxGaussianLaw",
    "SpineEstimate",
    "check_law_sampler",
    "environment_values",
    "optimal_accepted_curve",
    "optimal_random_tree",
    "simulate_verifier",
    "spine_estimate",
    "verifier_accepted",
]
