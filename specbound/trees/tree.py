"""The ``DraftTree`` type (arrays, text drawing, matplotlib plot) and its accepted-count law.

A node ``v`` with rank path ``(r_1, ..., r_d)`` is reached by the verifier with
probability :math:`\\pi(v) = \\prod_{i=1}^{d} \\alpha(r_i)`; the expected number of
accepted draft tokens is :math:`E[X] = \\sum_{v \\in T} \\pi(v)` (acceptance identity,
Kobus & Gunduz, arXiv 2504.15475; Pankratov & Alistarh, arXiv 2512.11718).
``_from_arrays`` is the kernel every builder uses to compute depths and path
probabilities of a tree given as parent / child-index arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from specbound.errors import InvalidArgumentError

__all__ = ["DraftTree", "accepted_distribution"]


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
