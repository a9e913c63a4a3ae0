"""Draft trees: optimal trees (Tunstall / top-P greedy, depth-limited DP), standard shapes.

A draft tree is a prefix-closed set of rank paths below a root (the current
context). Under the stateless-acceptance model (assumption (S) of Kobus &
Gunduz, arXiv 2504.15475; the deterministic environment of Pankratov & Alistarh,
arXiv 2512.11718), the child of rank ``r`` of any node is accepted with
probability ``acceptance[r]``, the same at every node, the events "child r is
accepted" being disjoint across the siblings. A node ``v`` with rank path
``(r_1, ..., r_d)`` is then reached by the verifier with probability

.. math:: \\pi(v) = \\prod_{i=1}^{d} \\alpha(r_i),

and the expected number of accepted draft tokens is the acceptance identity
:math:`E[X] = \\sum_{v \\in T} \\pi(v)` (tokens per step = E[X] + 1).

The ``acceptance`` vector may be a rank law (ERSD), a GSD/Sequoia positional
acceptance vector (probability that the i-th drafted child is the accepted one),
or a next-token distribution sorted in decreasing order (the target's law in a
deterministic environment). Its entries are probabilities of disjoint events, so
they must lie in [0, 1] and sum to at most 1.

**Sorting policy.** ``optimal_tree`` and the standard shapes require the vector
best child first (non-increasing) and reject anything else with an
``InvalidArgumentError``: a positional vector's order is meaningful (the i-th
child of a node is the i-th drafted token) and silently reordering it would make
``child_index`` point at a different child than the caller meant. Pass
``sort=True`` to ``optimal_tree`` to let it use the entries in decreasing order;
``child_index`` then holds the *original* index of the entry each child uses, so
``acceptance[child_index]`` is still the child's acceptance. ``tree_value``
accepts any order (it evaluates a given tree).

Tree size counts non-root nodes (drafted tokens).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike

from specbound.distributions import SUM_TOLERANCE, _as_float_array, check_int
from specbound.errors import InvalidArgumentError

__all__ = [
    "DraftTree",
    "accepted_distribution",
    "as_acceptance",
    "batch_tree",
    "chain_tree",
    "enumerate_trees",
    "kary_tree",
    "optimal_tree",
    "tree_from_paths",
    "tree_value",
]


# ----------------------------------------------------------------------------- validation


def as_acceptance(
    acceptance: ArrayLike, name: str = "acceptance", require_sorted: bool = True
) -> np.ndarray:
    """Validate a per-child acceptance vector and return it as a float64 1-D array.

    Parameters
    ----------
    acceptance : (m,) array_like
        ``acceptance[r]`` is the probability that the child of rank ``r`` of a node
        is the accepted one. Entries must be finite, in [0, 1], and sum to at most
        ``1 + 1e-9`` (disjoint events).
    name : str
        Argument name used in error messages.
    require_sorted : bool
        If True, the entries must be non-increasing (best child first).

    Raises
    ------
    InvalidArgumentError
        If the vector is not 1-D, empty, not finite, has an entry outside [0, 1],
        sums to more than 1, or (``require_sorted``) is not non-increasing.
    """
    arr = _as_float_array(acceptance, name)
    if arr.ndim != 1:
        raise InvalidArgumentError(f"{name}: must be 1-D, got shape {arr.shape}")
    if arr.size == 0:
        raise InvalidArgumentError(f"{name}: must not be empty")
    if not np.all(np.isfinite(arr)):
        raise InvalidArgumentError(f"{name}: entries must be finite")
    bad = np.flatnonzero((arr < 0) | (arr > 1))
    if bad.size:
        i = int(bad[0])
        raise InvalidArgumentError(
            f"{name}: entries must lie in [0, 1], got {float(arr[i])!r} at [{i}]"
        )
    total = float(arr.sum())
    if total > 1 + SUM_TOLERANCE:
        raise InvalidArgumentError(
            f"{name}: entries are probabilities of disjoint events and must sum to at most 1, "
            f"got sum {total!r}"
        )
    if require_sorted:
        up = np.flatnonzero(np.diff(arr) > 0)
        if up.size:
            i = int(up[0]) + 1
            raise InvalidArgumentError(
                f"{name}: must be sorted best child first (non-increasing), but "
                f"[{i}] = {float(arr[i])!r} > [{i - 1}] = {float(arr[i - 1])!r}; sort it "
                "(np.sort(a)[::-1]) or pass sort=True to optimal_tree (--sort on the command line)"
            )
    return arr


# ----------------------------------------------------------------------------- the tree


@dataclass(frozen=True, eq=False)
class DraftTree:
    """A draft tree in array form; nodes are ordered so that a parent precedes its children.

    Attributes
    ----------
    parent : (size,) int64
        Index of each node's parent, -1 for the children of the root.
    child_index : (size,) int64
        Rank among siblings (0 = best child); the node uses ``acceptance[child_index]``.
    node_depth : (size,) int64
        Depth of each node, 1 for the children of the root.
    path_probability : (size,) float64
        :math:`\\pi(v)`, the product of the acceptances along the path from the root: the
        probability that the verifier reaches (accepts) the node.
    acceptance : (m,) float64 or None
        The acceptance vector the tree was built or evaluated with.
    """

    parent: np.ndarray
    child_index: np.ndarray
    node_depth: np.ndarray
    path_probability: np.ndarray
    acceptance: np.ndarray | None = field(default=None)

    @property
    def size(self) -> int:
        """Number of non-root nodes (drafted tokens)."""
        return int(self.parent.shape[0])

    @property
    def depth(self) -> int:
        """Largest node depth; 0 for the empty tree."""
        return int(self.node_depth.max()) if self.size else 0

    @property
    def expected_accepted(self) -> float:
        """Expected accepted draft tokens per step, :math:`\\sum_v \\pi(v)`."""
        return float(np.sum(self.path_probability))

    @property
    def tokens_per_step(self) -> float:
        """Expected tokens per target call, ``expected_accepted + 1``."""
        return self.expected_accepted + 1.0

    def __len__(self) -> int:
        return self.size

    def __repr__(self) -> str:
        return (
            f"DraftTree(size={self.size}, depth={self.depth}, "
            f"expected_accepted={self.expected_accepted:.6g})"
        )

    # -- structure helpers (small trees) --------------------------------------------------

    def children(self) -> list[list[int]]:
        """``children()[i + 1]`` lists the children of node ``i``; ``[0]`` the root's."""
        out: list[list[int]] = [[] for _ in range(self.size + 1)]
        order = np.lexsort((self.child_index, self.parent))
        for i in order.tolist():
            out[int(self.parent[i]) + 1].append(i)
        return out

    def rank_paths(self) -> list[tuple[int, ...]]:
        """The rank path (tuple of child indices from the root) of every node, in node order."""
        paths: list[tuple[int, ...]] = []
        for i in range(self.size):
            par = int(self.parent[i])
            prefix = paths[par] if par >= 0 else ()
            paths.append((*prefix, int(self.child_index[i])))
        return paths

    def to_nested(self) -> tuple:
        """Nested tuples ``((rank, (children...)), ...)`` of the root's subtrees, ranks sorted."""
        kids = self.children()

        def build(slot: int) -> tuple:
            return tuple((int(self.child_index[c]), build(c + 1)) for c in kids[slot])

        return build(0)

    def draw(self, max_nodes: int = 200) -> str:
        """A text drawing: one line per node, ``r<rank>  pi=<path probability>``.

        Raises
        ------
        InvalidArgumentError
            If the tree has more than ``max_nodes`` nodes.
        """
        if self.size > max_nodes:
            raise InvalidArgumentError(
                f"max_nodes: the tree has {self.size} nodes, more than {max_nodes} to draw"
            )
        kids = self.children()
        lines = [f"root  (E[accepted] = {self.expected_accepted:.6g})"]

        def walk(slot: int, prefix: str) -> None:
            nodes = kids[slot]
            for j, c in enumerate(nodes):
                last = j == len(nodes) - 1
                lines.append(
                    f"{prefix}{'`-- ' if last else '|-- '}r{int(self.child_index[c])}  "
                    f"pi={self.path_probability[c]:.6g}"
                )
                walk(c + 1, prefix + ("    " if last else "|   "))

        walk(0, "")
        return "\n".join(lines)

    def plot(self, ax: Any = None, annotate: bool = True) -> Any:
        """Draw the tree with matplotlib (root on the left, depth to the right).

        Leaves are spread evenly on the vertical axis; each internal node sits at the
        mean height of its children. Returns the Axes.
        """
        if ax is None:
            from matplotlib.figure import Figure

            ax = Figure(figsize=(6, 4)).add_subplot()
        kids = self.children()
        y = np.zeros(self.size + 1)
        counter = [0]

        def place(slot: int) -> float:
            if not kids[slot]:
                y[slot] = counter[0]
                counter[0] += 1
            else:
                y[slot] = float(np.mean([place(c + 1) for c in kids[slot]]))
            return y[slot]

        place(0)
        x = np.concatenate([[0], self.node_depth])
        for i in range(self.size):
            par = int(self.parent[i]) + 1
            ax.plot([x[par], x[i + 1]], [y[par], y[i + 1]], color="0.6", lw=0.8, zorder=1)
        sizes = 20 + 180 * np.concatenate([[1.0], self.path_probability])
        ax.scatter(
            x,
            y,
            s=sizes,
            c=np.concatenate([[1.0], self.path_probability]),
            cmap="viridis",
            vmin=0,
            vmax=1,
            zorder=2,
        )
        if annotate and self.size <= 40:
            for i in range(self.size):
                ax.annotate(
                    f"{self.path_probability[i]:.2g}",
                    (x[i + 1], y[i + 1]),
                    textcoords="offset points",
                    xytext=(4, 4),
                    fontsize=7,
                )
        ax.set_xlabel("depth")
        ax.set_yticks([])
        if not ax.yaxis_inverted():
            ax.invert_yaxis()  # best child (rank 0) on top
        return ax


def _from_arrays(parent: np.ndarray, child_index: np.ndarray, acceptance: np.ndarray) -> DraftTree:
    """Kernel: depth and path probability of a valid tree (parents precede children)."""
    parent = np.asarray(parent, dtype=np.int64)
    child_index = np.asarray(child_index, dtype=np.int64)
    n = parent.shape[0]
    prob = acceptance[child_index].astype(np.float64)
    depth = np.ones(n, dtype=np.int64)
    anc = parent.copy()
    # pointer jumping: after round j, prob/depth cover the 2^j nearest ancestors' edges
    while n and np.any(anc >= 0):
        has = anc >= 0
        idx = anc[has]
        new_prob = prob.copy()
        new_depth = depth.copy()
        new_prob[has] *= prob[idx]
        new_depth[has] += depth[idx]
        new_anc = np.full(n, -1, dtype=np.int64)
        new_anc[has] = anc[idx]
        prob, depth, anc = new_prob, new_depth, new_anc
    return DraftTree(parent, child_index, depth, prob, acceptance)


def accepted_distribution(tree: DraftTree) -> np.ndarray:
    """Exact law of the number of accepted draft tokens X when the verifier walks ``tree``.

    The verifier accepts at least ``j`` tokens exactly when the depth-``j`` prefix of its
    sampled path is a node of the tree, so :math:`P(X \\ge j) = \\sum_{v: d(v) = j} \\pi(v)`
    and :math:`P(X = j) = P(X \\ge j) - P(X \\ge j + 1)`, j = 0..depth.

    Returns
    -------
    (depth + 1,) float64
        ``[j]`` = P(X = j); sums to 1 and has mean ``tree.expected_accepted``.
    """
    at_least = np.ones(tree.depth + 2)
    at_least[1:-1] = np.bincount(
        tree.node_depth, weights=tree.path_probability, minlength=tree.depth + 1
    )[1:]
    at_least[-1] = 0.0
    law = at_least[:-1] - at_least[1:]
    return np.clip(law, 0.0, None)


# ----------------------------------------------------------------------------- arbitrary trees


def tree_value(acceptance: ArrayLike, parent: ArrayLike, child_index: ArrayLike) -> DraftTree:
    """Evaluate a given draft tree under a positional acceptance vector.

    .. math:: E[\\text{accepted}] = \\sum_{v \\in T} \\prod_{i=1}^{d(v)} \\alpha(r_i(v))

    (acceptance identity, C1 of arXiv 2512.11718 / C5 of arXiv 2504.15475).

    Parameters
    ----------
    acceptance : (m,) array_like
        Per-rank acceptance probabilities (any order; in [0, 1], sum <= 1).
    parent : (size,) array_like of int
        Parent index of each node, -1 for children of the root; ``parent[i] < i``.
    child_index : (size,) array_like of int
        Rank of each node among its siblings, in ``[0, m)``; distinct among siblings.

    Returns
    -------
    DraftTree

    Raises
    ------
    InvalidArgumentError
        Bad acceptance vector; parent not 1-D integers with ``-1 <= parent[i] < i``;
        child_index out of range or repeated among siblings; length mismatch.
    """
    acc = as_acceptance(acceptance, require_sorted=False)
    par = _as_int_array(parent, "parent")
    ci = _as_int_array(child_index, "child_index")
    if par.shape != ci.shape:
        raise InvalidArgumentError(
            f"child_index: must have the same length as parent, got {ci.size} and {par.size}"
        )
    idx = np.arange(par.size)
    bad = np.flatnonzero((par < -1) | (par >= idx))
    if bad.size:
        i = int(bad[0])
        raise InvalidArgumentError(
            f"parent: parent[{i}] = {int(par[i])} must be -1 (root) or an earlier node index"
        )
    bad = np.flatnonzero((ci < 0) | (ci >= acc.size))
    if bad.size:
        i = int(bad[0])
        raise InvalidArgumentError(
            f"child_index: child_index[{i}] = {int(ci[i])} must lie in [0, {acc.size})"
        )
    if par.size:
        keys = (par + 1) * acc.size + ci
        if np.unique(keys).size != keys.size:
            raise InvalidArgumentError("child_index: two siblings share the same child_index")
    return _from_arrays(par, ci, acc)


def _as_int_array(x: ArrayLike, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise InvalidArgumentError(f"{name}: must be 1-D, got shape {arr.shape}")
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if not np.issubdtype(arr.dtype, np.integer):
        if (
            np.issubdtype(arr.dtype, np.floating)
            and np.all(np.isfinite(arr))
            and np.all(arr == np.round(arr))
        ):
            arr = arr.astype(np.int64)
        else:
            raise InvalidArgumentError(f"{name}: must hold integers, got dtype {arr.dtype}")
    return arr.astype(np.int64)


def tree_from_paths(acceptance: ArrayLike, paths: Iterable[Sequence[int]]) -> DraftTree:
    """The tree holding the given rank paths (which must be prefix-closed), breadth first.

    Raises
    ------
    InvalidArgumentError
        If a path's prefix is missing, a path repeats, or a rank is out of range.
    """
    uniq = sorted({tuple(int(r) for r in p) for p in paths}, key=lambda p: (len(p), p))
    index = {p: i for i, p in enumerate(uniq)}
    parent = []
    for p in uniq:
        if len(p) == 0:
            raise InvalidArgumentError("paths: the empty path (the root) is implicit")
        if len(p) > 1 and p[:-1] not in index:
            raise InvalidArgumentError(f"paths: {p} is present but its prefix {p[:-1]} is not")
        parent.append(index[p[:-1]] if len(p) > 1 else -1)
    return tree_value(
        acceptance, np.array(parent, dtype=np.int64), np.array([p[-1] for p in uniq], np.int64)
    )


def enumerate_trees(
    num_ranks: int, size: int, max_depth: int | None = None
) -> Iterator[tuple[tuple[int, ...], ...]]:
    """Every prefix-closed tree of ``size`` non-root nodes over ranks ``0..num_ranks-1``.

    Siblings may use any subset of the ranks. Each tree is yielded once, as a tuple of
    rank paths. There are :math:`\\binom{m(k+1)}{k+1} / ((m-1)(k+1)+1)` of them without
    a depth limit (m-ary trees with k + 1 nodes, the Fuss-Catalan numbers), so this
    is for brute-force checks of small cases only.
    """
    num_ranks = check_int(num_ranks, "num_ranks", 1)
    size = check_int(size, "size", 0)
    depth = size if max_depth is None else check_int(max_depth, "max_depth", 1)

    def forests(n: int, d: int) -> Iterator[tuple[tuple[int, ...], ...]]:
        if n == 0:
            yield ()
            return
        if d == 0:
            return
        yield from _split(n, 0, d)

    def _split(n: int, r: int, d: int) -> Iterator[tuple[tuple[int, ...], ...]]:
        # distribute n nodes among the subtrees of ranks r..num_ranks-1
        if r == num_ranks:
            if n == 0:
                yield ()
            return
        for s in range(n + 1):
            rest = list(_split(n - s, r + 1, d))
            if not rest:
                continue
            if s == 0:
                yield from rest
                continue
            for sub in forests(s - 1, d - 1):
                head = ((r,), *((r, *p) for p in sub))
                for tail in rest:
                    yield head + tail

    yield from forests(size, depth)


# ----------------------------------------------------------------------------- standard shapes


def chain_tree(acceptance: ArrayLike, size: int) -> DraftTree:
    """A chain of ``size`` best children: :math:`E[X] = \\sum_{i=1}^{k} \\alpha(1)^i`."""
    acc = as_acceptance(acceptance)
    size = check_int(size, "size", 0)
    parent = np.arange(-1, size - 1, dtype=np.int64)
    return _from_arrays(parent, np.zeros(size, dtype=np.int64), acc)


def batch_tree(acceptance: ArrayLike, size: int) -> DraftTree:
    """One level of ``size`` children of the root: :math:`E[X] = \\sum_{r<k} \\alpha(r)`.

    Raises
    ------
    InvalidArgumentError
        If ``size`` exceeds the number of ranks ``len(acceptance)``.
    """
    acc = as_acceptance(acceptance)
    size = check_int(size, "size", 0)
    if size > acc.size:
        raise InvalidArgumentError(
            f"size: a batch has at most len(acceptance) = {acc.size} children, got {size}"
        )
    return _from_arrays(np.full(size, -1, dtype=np.int64), np.arange(size, dtype=np.int64), acc)


def kary_tree(acceptance: ArrayLike, branching: int, depth: int) -> DraftTree:
    """The complete ``branching``-ary tree of the given depth (top-b children everywhere).

    Size :math:`b + b^2 + \\dots + b^d`; :math:`E[X] = \\sum_{j=1}^{d} (\\sum_{r<b} \\alpha(r))^j`.
    Nodes are in breadth-first order.
    """
    acc = as_acceptance(acceptance)
    branching = check_int(branching, "branching", 1)
    depth = check_int(depth, "depth", 0)
    if branching > acc.size:
        raise InvalidArgumentError(
            f"branching: at most len(acceptance) = {acc.size}, got {branching}"
        )
    total = sum(branching**j for j in range(1, depth + 1))
    if total > 50_000_000:
        raise InvalidArgumentError(f"depth: the tree would have {total} nodes (limit 5e7)")
    parents = []
    ranks = []
    start, count = -1, 1
    offset = 0
    for _ in range(depth):
        if start < 0:
            level_par = np.full(branching, -1, dtype=np.int64)
        else:
            level_par = np.repeat(np.arange(start, start + count, dtype=np.int64), branching)
        parents.append(level_par)
        ranks.append(np.tile(np.arange(branching, dtype=np.int64), count))
        start = offset
        count *= branching
        offset += count
    if not parents:
        return _from_arrays(np.zeros(0, np.int64), np.zeros(0, np.int64), acc)
    return _from_arrays(np.concatenate(parents), np.concatenate(ranks), acc)


# ----------------------------------------------------------------------------- optimal trees


def _greedy_heap(acc: np.ndarray, size: int) -> DraftTree:
    """Best-first (Tunstall) greedy with a binary heap, O(size log size), pure Python.

    The heap holds, for every node already in the tree, its best missing child, and
    for every node's last added child, its next sibling; popping the largest path
    probability ``size`` times builds the top-``size`` set (C5 of arXiv 2504.15475).
    """
    a = acc.tolist()
    m = len(a)
    parent = [0] * size
    rank = [0] * size
    prob = [0.0] * size
    # entries: (-pi, seq, parent node, rank, pi of parent); seq breaks ties first-in first-out
    heap = [(-a[0], 0, -1, 0, 1.0)]
    seq = 1
    push, pop = heapq.heappush, heapq.heappop
    for i in range(size):
        neg, _, par, r, pipar = pop(heap)
        pi = -neg
        parent[i] = par
        rank[i] = r
        prob[i] = pi
        push(heap, (-(pi * a[0]), seq, i, 0, pi))
        seq += 1
        if r + 1 < m:
            push(heap, (-(pipar * a[r + 1]), seq, par, r + 1, pipar))
            seq += 1
    par_arr = np.array(parent, dtype=np.int64)
    depth = np.ones(size, dtype=np.int64)
    for i, p in enumerate(parent):  # parents precede children
        if p >= 0:
            depth[i] = depth[p] + 1
    return DraftTree(par_arr, np.array(rank, dtype=np.int64), depth, np.array(prob), acc)


#: Entries of the (rows x subtree sizes) temporary of one DP step (memory bound).
_DP_BLOCK = 1 << 21


def _depth_limited_dp(acc: np.ndarray, size: int, max_depth: int) -> DraftTree:
    """Exact optimal tree of ``size`` nodes and depth <= ``max_depth`` (Sequoia-style DP).

    Let :math:`V_D(n)` be the best value of a forest of ``n`` nodes hanging below a node
    with ``D`` levels available. A child of rank ``r`` carrying a subtree of ``s`` nodes
    (itself included) contributes :math:`h_D(s) = \\alpha(r)\\,(1 + V_{D-1}(s-1))`, so
    :math:`V_D` is a (max, +) knapsack over the ranks,

    .. math:: B_r(n) = \\max_{0 \\le s \\le n/(r+1)} B_{r-1}(n-s) + \\alpha(r)(1 + V_{D-1}(s-1)),

    (term 0 when ``s = 0``), :math:`V_D = B_{m-1}`, :math:`V_0(n) = 0` if ``n = 0`` else
    :math:`-\\infty` (infeasible). The bound ``s <= n/(r+1)`` is exact: with the ranks
    sorted, giving a larger subtree to a better child never hurts (rearrangement), so
    some optimum has subtree sizes non-increasing in rank, and such an allocation
    satisfies it. Cost O(max_depth * size^2 * H(m)) with m = min(len(acceptance), size)
    ranks and H the harmonic number, vectorised over ``n``. Sequoia (Chen et al.,
    arXiv 2402.12374) solves the same recursion.
    """
    m = min(acc.size, size)
    a = acc[:m]
    n1 = size + 1
    neg = -np.inf
    v_prev = np.full(n1, neg)
    v_prev[0] = 0.0
    values = [v_prev]
    choices: list[list[np.ndarray]] = [[]]
    for d in range(1, max_depth + 1):
        # h[s] = 1 + V_{d-1}(s - 1): a child's subtree of s >= 1 nodes (itself included)
        h = np.full(n1, neg)
        h[1:] = 1.0 + values[d - 1][:-1]
        b = np.full(n1, neg)
        b[0] = 0.0
        level_choices = []
        for r in range(m):
            smax = size // (r + 1)
            hs = h[: smax + 1]
            contrib = np.where(np.isfinite(hs), a[r] * np.where(np.isfinite(hs), hs, 0.0), neg)
            contrib[0] = 0.0
            best = np.empty(n1, dtype=np.int32)
            new_b = np.empty(n1)
            # windows[n, j] = b[n - smax + j] (b padded with -inf): cand[n, s] = b[n - s] + c[s]
            padded = np.concatenate([np.full(smax, neg), b])
            windows = sliding_window_view(padded, smax + 1)[:, ::-1]
            rows = max(1, _DP_BLOCK // (smax + 1))  # bound the temporary's memory
            for lo in range(0, n1, rows):
                cand = windows[lo : lo + rows] + contrib[None, :]
                arg = np.argmax(cand, axis=1)
                best[lo : lo + rows] = arg
                new_b[lo : lo + rows] = cand[np.arange(arg.size), arg]
            level_choices.append(best)
            b = new_b
        values.append(b)
        choices.append(level_choices)
    if not np.isfinite(values[max_depth][size]):
        raise InvalidArgumentError(
            f"size: {size} nodes do not fit in max_depth = {max_depth} levels with "
            f"{acc.size} ranks"
        )
    # reconstruct breadth first: a parent precedes its children
    parent: list[int] = []
    rank: list[int] = []
    queue = [(-1, size, max_depth)]  # (node index, nodes below it, levels left)
    head = 0
    while head < len(queue):
        node, n, d = queue[head]
        head += 1
        if n == 0:
            continue
        sizes = []
        for r in range(m - 1, -1, -1):
            s = int(choices[d][r][n])
            sizes.append((r, s))
            n -= s
        for r, s in reversed(sizes):
            if s > 0:
                parent.append(node)
                rank.append(r)
                queue.append((len(parent) - 1, s - 1, d - 1))
    par = np.array(parent, dtype=np.int64)
    return _from_arrays(par, _compact_ranks(par, np.array(rank, dtype=np.int64)), acc)


def _compact_ranks(parent: np.ndarray, child_index: np.ndarray) -> np.ndarray:
    """Relabel each node's children with ranks 0..c-1, keeping their order.

    With a non-increasing acceptance vector every child gets a rank at least as good,
    so the value cannot drop; applied to an optimal tree (where ties, e.g. zero
    acceptances, could leave a gap such as ranks {0, 2}) it returns an optimal tree
    whose siblings use a prefix of the ranks, as a positional (GSD) drafter requires.
    """
    if parent.size == 0:
        return child_index
    order = np.lexsort((child_index, parent))
    sorted_par = parent[order]
    start = np.flatnonzero(np.r_[True, sorted_par[1:] != sorted_par[:-1]])
    group_start = np.repeat(start, np.diff(np.r_[start, parent.size]))
    out = np.empty_like(child_index)
    out[order] = np.arange(parent.size) - group_start
    return out


def _expand(
    acc: np.ndarray, tau: float, cap: int, max_levels: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | int:
    """Every node with path probability ``>= tau``, breadth first, as arrays.

    Returns ``(parent, child_index, node_depth, path_probability)`` or, when the set has
    more than ``cap`` nodes or ``max_levels`` levels, ``-1`` (too many nodes) or ``-2``
    (too deep). Path probabilities are the products parent * acceptance[rank], computed
    in the same order as the heap greedy, hence bit-identical to it.
    """
    desc = -acc  # increasing, for searchsorted
    slack = 1.0 - 1e-14  # children whose product might round to >= tau; masked exactly below
    cnt = int(np.searchsorted(desc, -tau, side="right"))
    lvl_pi = acc[:cnt].copy()
    lvl_par = np.full(cnt, -1, dtype=np.int64)
    lvl_rank = np.arange(cnt, dtype=np.int64)
    pis, pars, ranks, depths = [], [], [], []
    total, offset, d = 0, 0, 1
    while lvl_pi.size:
        if d > max_levels:
            return -2
        total += lvl_pi.size
        if total > cap:
            return -1
        pis.append(lvl_pi)
        pars.append(lvl_par)
        ranks.append(lvl_rank)
        depths.append(np.full(lvl_pi.size, d, dtype=np.int64))
        counts = np.searchsorted(desc, -(tau / lvl_pi) * slack, side="right")
        n_child = int(counts.sum())
        if total + n_child > cap:
            return -1
        owner = np.repeat(np.arange(lvl_pi.size, dtype=np.int64), counts)
        starts = np.cumsum(counts) - counts
        child_rank = np.arange(n_child, dtype=np.int64) - np.repeat(starts, counts)
        child_pi = lvl_pi[owner] * acc[child_rank]
        keep = child_pi >= tau
        lvl_pi = child_pi[keep]
        lvl_par = owner[keep] + offset
        lvl_rank = child_rank[keep]
        offset = total
        d += 1
    if not pis:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, np.zeros(0)
    return (
        np.concatenate(pars),
        np.concatenate(ranks),
        np.concatenate(depths),
        np.concatenate(pis),
    )


def _malthusian(acc: np.ndarray) -> float:
    """The root theta in (0, 1] of sum_r acc[r]**theta = 1 (needs >= 2 positive entries).

    The number of nodes with path probability >= e^{-T} grows like e^{theta T}.
    """
    pos = acc[acc > 0]
    f = lambda th: float(np.sum(pos**th)) - 1.0  # noqa: E731
    if f(1.0) >= 0:
        return 1.0
    lo, hi = 0.0, 1.0
    for _ in range(60):  # bisection; f is decreasing
        mid = 0.5 * (lo + hi)
        if f(mid) > 0:
            lo = mid
        else:
            hi = mid
    return max(hi, 1e-12)


#: Sizes below this use the heap greedy (faster than numpy overheads for small trees).
VECTORISED_MIN_SIZE = 4096


def _greedy_threshold(acc: np.ndarray, size: int, cap: int | None = None) -> DraftTree | None:
    """Vectorised top-``size`` tree: the set {pi >= tau} grown level by level with numpy.

    The optimal tree is the set of the ``size`` nodes of largest path probability, i.e.
    a super-level set {pi >= tau*} up to ties at tau*. A threshold tau with
    ``size <= #{pi >= tau} <= cap`` is found from the growth rate
    #{pi >= e^{-T}} ~ C e^{theta T} (``_malthusian``), by a few expansions; then the
    ``size`` largest are kept, ties at the cut broken breadth first, which keeps the set
    prefix-closed and every node's children a prefix of the ranks. Returns None when
    this does not pay (a lattice law whose level jumps overshoot the memory cap, or a
    tree too deep for level-by-level numpy); the caller then uses the heap.
    Requires 0 < acc[0] < 1 and acc[1] > 0.
    """
    theta = _malthusian(acc)
    l1 = -np.log(acc[0])
    cap = 2 * size + 100_000 if cap is None else cap
    max_levels = max(500, size // 20)
    # probe: a small expansion, then extrapolate n(T') ~ n(T) e^{theta (T' - T)} to `size`,
    # keeping a bracket [T_lo, T_hi] of too few / too many nodes
    t_lo, n_lo, t_hi = 0.0, -1, np.inf
    T = np.log(min(size, 4096)) / theta
    for _ in range(24):
        if T / l1 > max_levels:
            return None
        res = _expand(acc, float(np.exp(-T)), cap, max_levels)
        if isinstance(res, int):
            if res == -2:
                return None
            t_hi = T
        else:
            n = res[0].size
            if n >= size:
                break
            stuck = n == n_lo  # the bracket sits in a gap between two values
            t_lo, n_lo = T, n
            # a lattice jump ({pi >= tau} leaps past the cap): complete with the next ties
            filled = _fill_ties(acc, *res, size, rounds=32 if stuck else 1)
            if filled is not None:
                return filled
        T_next = t_lo + (np.log(size / max(n_lo, 1)) + np.log(1.2)) / theta
        if T_next >= t_hi:
            T_next = 0.5 * (t_lo + t_hi)
        T = T_next
    else:
        return None
    parent, rank, depth, pi = res
    n = pi.size
    cut = float(np.partition(pi, n - size)[n - size])  # the size-th largest
    sel = pi > cut
    tied = np.flatnonzero(pi == cut)[: size - int(sel.sum())]  # breadth-first order
    sel[tied] = True
    new_index = np.cumsum(sel) - 1
    par = parent[sel]
    par = np.where(par >= 0, new_index[np.maximum(par, 0)], -1)
    return DraftTree(par, rank[sel], depth[sel], pi[sel], acc)


def _fill_ties(
    acc: np.ndarray,
    parent: np.ndarray,
    rank: np.ndarray,
    depth: np.ndarray,
    pi: np.ndarray,
    size: int,
    rounds: int = 1,
) -> DraftTree | None:
    """Complete a super-level set {pi >= tau_lo} of fewer than ``size`` nodes with ties.

    Let tau be the largest path probability outside the set (the best "frontier" child:
    for each node, or the root, its next missing rank). Every node of value tau is a
    frontier child (its parent has a larger value), so the children of value tau are
    counted per owner without building them, and only the first ``size - n`` of them
    (owners in array order, ranks increasing) are created. If the nodes of value tau
    are too few, they are all added and the next value is tried, ``rounds`` times in
    all; then None (not a lattice jump: the caller goes on searching).
    """
    desc = -acc
    m = acc.size
    for _ in range(rounds):
        n = pi.size
        owner_pi = np.concatenate([[1.0], pi])
        owner_depth = np.concatenate([[0], depth])
        have = np.bincount(parent + 1, minlength=n + 1)  # children per owner (rank prefix)
        cand = np.where(have < m, owner_pi * acc[np.minimum(have, m - 1)], -1.0)
        tau = float(cand.max())
        if tau <= 0.0:
            return None
        # number of ranks r with owner_pi * acc[r] >= tau: a search with slack, then exact
        ge = np.searchsorted(desc, -(tau / owner_pi) * (1.0 - 1e-14), side="right")
        for _ in range(8):
            last = np.maximum(ge - 1, 0)
            bad = (ge > 0) & (owner_pi * acc[last] < tau)
            if not bad.any():
                break
            # drop the whole block of entries equal to acc[last] (equal products)
            ge = np.where(bad, np.searchsorted(desc, -acc[last], side="left"), ge)
        else:
            return None
        ties = np.maximum(ge - have, 0)
        need = size - n
        cum = np.cumsum(ties)
        take = np.minimum(ties, np.maximum(need - (cum - ties), 0))
        owners = np.repeat(np.arange(n + 1), take)
        starts = np.cumsum(take) - take
        new_rank = have[owners] + (np.arange(owners.size) - np.repeat(starts, take))
        new_pi = owner_pi[owners] * acc[new_rank]
        if not np.all(new_pi == tau):
            return None
        parent = np.concatenate([parent, owners - 1])
        rank = np.concatenate([rank, new_rank])
        depth = np.concatenate([depth, owner_depth[owners] + 1])
        pi = np.concatenate([pi, new_pi])
        if pi.size == size:
            return DraftTree(parent, rank, depth, pi, acc)
    return None


def _greedy(acc: np.ndarray, size: int) -> DraftTree:
    """Top-``size`` tree: special shapes, the vectorised threshold search, or the heap."""
    positive = int(np.count_nonzero(acc > 0))
    if acc[0] >= 1.0 or positive <= 1:
        # one useful rank: the chain is optimal (every other node has pi = 0 or pi < 1)
        return _from_arrays(
            np.arange(-1, size - 1, dtype=np.int64), np.zeros(size, dtype=np.int64), acc
        )
    if size >= VECTORISED_MIN_SIZE:
        tree = _greedy_threshold(acc, size)
        if tree is not None:
            return tree
    return _greedy_heap(acc, size)


def optimal_tree(
    acceptance: ArrayLike, size: int, max_depth: int | None = None, *, sort: bool = False
) -> DraftTree:
    """The draft tree of ``size`` nodes maximising the expected accepted tokens.

    Under stateless acceptance the value of a tree is :math:`\\sum_{v\\in T}\\pi(v)`, so
    without a depth limit the optimum is the set of the ``size`` rank paths of largest
    :math:`\\pi` (prefix-closed because :math:`\\alpha \\le 1`): the Tunstall-code tree of
    Kobus & Gunduz (arXiv 2504.15475, C5) and the top-P tree of Pankratov & Alistarh
    (arXiv 2512.11718, C2) for a deterministic environment. It is built best-first.
    With ``max_depth`` the optimum is found by an exact dynamic program over
    (depth budget, nodes) in the style of Sequoia (arXiv 2402.12374); if the
    unconstrained optimum already has depth <= ``max_depth`` it is returned.

    Parameters
    ----------
    acceptance : (m,) array_like
        Per-child acceptance probabilities, best child first (non-increasing), in
        [0, 1], summing to at most 1 (a rank law, a positional acceptance vector or a
        sorted next-token distribution), the same at every node.
    size : int
        Number of non-root nodes (drafted tokens), >= 0.
    max_depth : int, optional
        Largest allowed node depth, >= 1.
    sort : bool
        Use the entries in decreasing order instead of rejecting an unsorted vector;
        ``child_index`` then holds original indices into ``acceptance``.

    Returns
    -------
    DraftTree
        Ties between equal path probabilities are broken arbitrarily (the value is
        unaffected); siblings always use a prefix of the sorted ranks.

    Raises
    ------
    InvalidArgumentError
        Bad ``acceptance`` (see :func:`as_acceptance`), ``size < 0``, ``max_depth < 1``,
        or more nodes than fit in ``max_depth`` levels.

    Notes
    -----
    Algorithms, as implemented here:

    * ``size < 4096``: the best-first heap greedy of the notes (pop the largest
      frontier node, push its best child and its next sibling), O(size log size).
    * ``size >= 4096``: the same set found with numpy. The top-``size`` set is a
      super-level set {pi >= tau}; the set is grown level by level for a threshold
      predicted from its growth rate, #{pi >= e^{-T}} ~ C e^{theta T} with
      sum_r alpha(r)^theta = 1, and cut to ``size`` nodes (ties broken breadth first).
      Path probabilities are the same floating-point products as the heap's, so the
      multiset of values is bit-identical; for lattice laws whose levels overshoot
      the memory cap, or trees deeper than ``max(500, size / 20)`` levels, it falls
      back to the heap. About 0.1-0.7 s for 10^6 nodes (benchmarks/results/trees.md).
    * ``max_depth`` binding: the DP of :func:`_depth_limited_dp`,
      O(max_depth * size^2 * log m) time and O(max_depth * m * size) memory, i.e.
      practical up to a few thousand nodes (size 1024, depth 16, 32 ranks: < 1 s).

    Examples
    --------
    >>> round(optimal_tree([0.9, 0.1], 3).expected_accepted, 6)  # chain 0.9 + 0.81 + 0.729
    2.439
    >>> round(optimal_tree([0.9, 0.1], 3, max_depth=1).expected_accepted, 6)
    Traceback (most recent call last):
    ...
    specbound.errors.InvalidArgumentError: size: 3 nodes do not fit in max_depth = 1 ...
    >>> round(optimal_tree([0.9, 0.1], 3, max_depth=2).expected_accepted, 6)  # 0.9 + 0.81 + 0.1
    1.81
    """
    acc_in = as_acceptance(acceptance, require_sorted=not sort)
    size = check_int(size, "size", 0)
    if max_depth is not None:
        max_depth = check_int(max_depth, "max_depth", 1)
    order = None
    acc = acc_in
    if sort:
        order = np.argsort(-acc_in, kind="stable")
        acc = acc_in[order]
    tree = _greedy(acc, size)
    if max_depth is not None and tree.depth > max_depth:
        tree = _depth_limited_dp(acc, size, max_depth)
    if order is not None:
        tree = DraftTree(
            tree.parent, order[tree.child_index], tree.node_depth, tree.path_probability, acc_in
        )
    return tree
