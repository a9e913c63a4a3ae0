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
  environment, built best-first with a heap; each node's law is drawn lazily, the
  i-th law drawn belonging to the i-th node popped (the root is law 0). This is the
  order of note C2, so ``default_rng(seed)`` reproduces the note's tables exactly.
* :func:`optimal_accepted_curve`: E[X_opt(P)] over environments, with standard errors.
* :func:`simulate_verifier`: Monte Carlo of the verifier walking a tree (C1).
* :func:`spine_estimate`: the tree-free spine estimator of C6.

Costs. A tree of budget P pops P nodes, pushes at most 2P heap entries (O(P log P)
heap work) and draws P + 1 laws (O(P n) random numbers for a vocabulary of n). The
laws are drawn in batches (same random stream as one at a time) and only the top 8
entries of each are sorted; a node whose children may go beyond rank 8 gets its row
sorted in full. Rows needed after their batch is gone are regenerated exactly from
the saved generator state, so the tree is always the exact optimum.
"""

from __future__ import annotations

import heapq
import math
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

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

LawSampler = Callable[[np.random.Generator, int], np.ndarray]
"""A law on the simplex: ``sampler(rng, size)`` returns ``size`` i.i.d. laws as rows."""

#: Entries of each drawn law sorted eagerly (the rest on demand).
_TOP = 8
#: Safety margin (nats) below the guessed final threshold for keeping sorted rows.
_MARGIN = 1.5
#: Largest batch of laws drawn at once, in float64 entries (about 32 MB).
_BATCH_ENTRIES = 1 << 22
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

    Matches ``softmax(rng.normal(0, scale, n) / temperature)`` draw by draw.
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

    def __call__(self, rng: np.random.Generator, size: int) -> np.ndarray:
        z = rng.standard_normal(size=(size, self.n))  # the stream of rng.normal(0, scale)
        z *= self.scale / self.temperature
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z


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

    Nodes are numbered in the order the heap popped them (decreasing path
    probability), so a parent precedes its children and the first P' nodes are the
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
        Laws drawn for this tree (size + 1, plus regenerated rows).
    """

    parent: np.ndarray
    child_index: np.ndarray
    node_depth: np.ndarray
    path_probability: np.ndarray
    edge_probability: np.ndarray
    laws_drawn: int = field(default=0)

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
        """E[X_opt(P') | environment] for P' = 1..size (cumulative sums of pops)."""
        return np.cumsum(self.path_probability)


class _LazyRows:
    """The i-th law of the environment's stream, drawn in batches, sorted on demand."""

    def __init__(self, law: LawSampler, rng: np.random.Generator, total: int):
        self.law, self.rng, self.total = law, rng, total
        self.drawn = 0
        self.batch: np.ndarray | None = None
        self.batch_start = 0
        self.states: list[tuple[int, int, dict]] = []  # (start, count, state)
        self.top = array("d")  # row-major (drawn, m): the m largest entries, sorted
        self.full: dict[int, np.ndarray] = {}  # node -> sorted entries kept
        self.complete: dict[int, bool] = {}
        self.bound: dict[int, float] = {}
        self.n = 0
        self.m = 0
        self.regenerated = 0

    def _next_batch(self) -> None:
        start = self.drawn
        per = 64 if self.n == 0 else max(1, _BATCH_ENTRIES // self.n)
        count = min(self.total - start, per)
        state = self.rng.bit_generator.state
        rows = _draw(self.law, self.rng, count)
        if self.n == 0:
            self.n = rows.shape[1]
            self.m = min(_TOP, self.n)
        elif rows.shape[1] != self.n:
            raise InvalidArgumentError(
                f"law: vocabulary size changed from {self.n} to {rows.shape[1]} between draws"
            )
        self.states.append((start, count, state))
        m, n = self.m, self.n
        if m == n:
            part = rows
        else:  # in place: a row's order is irrelevant, only its values are used
            if not (rows.flags.writeable and rows.flags.owndata):
                rows = rows.copy()  # never reorder a caller's array
            rows.partition(n - m, axis=1)
            part = rows[:, n - m :]
        self.top.extend(-np.sort(-part, axis=1).ravel())
        self.batch, self.batch_start = rows, start
        self.drawn = start + count

    def ensure(self, i: int) -> None:
        """Draw laws up to index i (laws are consumed in order)."""
        while self.drawn <= i:
            self._next_batch()

    def keep_sorted(self, i: int, cutoff: float) -> None:
        """Store row i's entries >= cutoff, sorted (row i must be in the current batch)."""
        row = self.batch[i - self.batch_start]
        kept = row[row >= cutoff] if cutoff > 0 else row
        self.full[i] = -np.sort(-kept)
        self.complete[i] = kept.size >= np.count_nonzero(row)
        self.bound[i] = cutoff  # every entry not kept is < cutoff

    def regenerate(self, i: int) -> None:
        """Re-draw row i exactly from the saved generator state and keep it in full."""
        for start, count, state in self.states:
            if start <= i < start + count:
                g = np.random.Generator(type(self.rng.bit_generator)())
                g.bit_generator.state = state
                row = _draw(self.law, g, i - start + 1)[i - start]
                self.full[i] = -np.sort(-row)
                self.complete[i] = True
                self.regenerated += 1
                return
        raise AssertionError(f"row {i} was never drawn")  # pragma: no cover

    def value(self, i: int, r: int) -> tuple[float, bool]:
        """(p_i[r], known). When unknown the first item is an upper bound on it."""
        full = self.full.get(i)
        if full is not None:
            if r < full.size:
                return float(full[r]), True
            if self.complete[i]:
                return 0.0, True
            return min(self.bound[i], self.top[i * self.m + self.m - 1]), False
        if r < self.m:
            return self.top[i * self.m + r], True
        if self.m == self.n:
            return 0.0, True
        return self.top[i * self.m + self.m - 1], False


def _guess_threshold(rows: _LazyRows, size: int) -> float:
    """A path-probability level below the final threshold (speed only, never correctness).

    From the asymptotics of C6: t_P ~ ln(mu P); _MARGIN nats of margin.
    """
    sample = rows.batch[:256]
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.where(sample > 0, sample * np.log(np.where(sample > 0, sample, 1.0)), 0.0)
    mu = float(h.sum(axis=1).mean())
    return math.exp(-(math.log(max(mu, 1e-3) * size) + _MARGIN))


def optimal_random_tree(law: LawSampler, size: int, rng: RngLike = None) -> RandomTree:
    """The optimal draft tree of budget ``size`` for one sampled i.i.d. environment.

    Best-first search of note C2 (arXiv 2512.11718, as implemented here): the optimum
    is the set of the P nodes of largest path probability pi(v). Heap entries are
    (pi, parent, rank); popping node w = parent + (rank,) pushes its next sibling
    (pi(parent) p_parent[rank + 1]) and its first child (pi(w) p_w[0]); entries of
    probability 0 are never pushed. The laws are drawn lazily in heap order: law 0
    is the root's, law i belongs to the i-th popped node. O(P log P) heap work and
    P + 1 law draws (O(P n) random numbers).

    Parameters
    ----------
    law : callable (rng, size) -> (size, n) array
        Law sampler (:class:`DirichletLaw`, :class:`SoftmaxGaussianLaw`,
        :class:`FixedLaw`, :class:`EmpiricalLaw` or any callable of that form).
    size : int >= 0
        Tree budget P (non-root nodes). If the environment has fewer nodes of
        positive probability, the tree stops there (e.g. a one-hot law's chain
        still has P nodes; a finite tree only arises from zero-probability tokens).
    rng : Generator or seed
        The environment's randomness; ``default_rng(seed)`` reproduces the note.

    Returns
    -------
    RandomTree
        ``expected_accepted`` = E[X | environment] = sum of pi over the tree.

    Examples
    --------
    >>> t = optimal_random_tree(FixedLaw([0.9, 0.1]), 10)
    >>> round(t.expected_accepted, 6)
    5.861894
    """
    size = check_int(size, "size", 0)
    gen = as_rng(rng)
    rows = _LazyRows(law, gen, size + 1)
    rows.ensure(0)
    cutoff = _guess_threshold(rows, max(size, 1))
    m, n, top, full = rows.m, rows.n, rows.top, rows.full
    # node ids: 0 = root, i = i-th popped node (the root has depth 0 and pi 1)
    node_pi = [1.0]
    node_depth = [0]
    parent: list[int] = []
    rank: list[int] = []
    edge: list[float] = []
    if m < n and top[m - 1] >= cutoff:
        rows.keep_sorted(0, cutoff)
    heap: list[tuple[float, int, int, float, bool]] = []
    if top[0] > 0:
        heap.append((-top[0], 0, 0, top[0], True))
    push, pop = heapq.heappush, heapq.heappop
    count = 0
    while count < size and heap:
        negkey, par, r, e, known = pop(heap)
        if not known:  # an upper bound reached the top: resolve it exactly
            rows.regenerate(par)
            val, _ = rows.value(par, r)
            if val > 0:
                push(heap, (-node_pi[par] * val, par, r, val, True))
            continue
        value = -negkey
        count += 1
        parent.append(par - 1)
        rank.append(r)
        edge.append(e)
        node_pi.append(value)
        node_depth.append(node_depth[par] + 1)
        # next sibling of the popped node
        r += 1
        if par in full:
            sib, ok = rows.value(par, r)
        elif r < m:
            sib, ok = top[par * m + r], True
        elif m == n:
            sib, ok = 0.0, True
        else:
            sib, ok = top[par * m + m - 1], False
        if sib > 0:
            push(heap, (-node_pi[par] * sib, par, r, sib, ok))
        # first child of the popped node: its law is draw number `count`
        if count >= rows.drawn:
            rows.ensure(count)
        base = count * m
        if m < n and value * top[base + m - 1] >= cutoff:
            rows.keep_sorted(count, cutoff / value)
        c0 = top[base]
        if c0 > 0:
            push(heap, (-value * c0, count, 0, c0, True))
    return RandomTree(
        np.array(parent, dtype=np.int64),
        np.array(rank, dtype=np.int64),
        np.array(node_depth[1:], dtype=np.int64),
        np.array(node_pi[1:], dtype=np.float64),
        np.array(edge, dtype=np.float64),
        rows.drawn + rows.regenerated,
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
    prefixes (heap order), so the columns are paired (same environments).

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
