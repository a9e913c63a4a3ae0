"""The optimal draft tree of budget P for one sampled i.i.d. environment (top-P tree).

Pankratov & Alistarh, arXiv 2512.11718 (EACL 2026), as implemented here from the note
``theory/branching_walk.md``: the optimum is the set of the P nodes of largest path
probability. :func:`optimal_random_tree` builds it with the batched best-first reveal of
:mod:`specbound.simulations.random_trees.reveal` (or, for a fixed law, with
:func:`specbound.trees.optimal_tree`) and returns a :class:`RandomTree`, whose
``expected_accepted`` is E[X | environment] in accepted draft tokens.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from specbound.distributions import RngLike, as_rng, check_int
from specbound.limits import check_allocation, check_work
from specbound.simulations.random_trees.laws import FixedLaw, LawSampler
from specbound.simulations.random_trees.reveal import _Restart, _reveal
from specbound.trees import optimal_tree


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
        """E[X | environment] = sum of path probabilities (acceptance identity)."""
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


#: Peak bytes per node of :func:`optimal_random_tree` (node table, listed children, sort).
RANDOM_NODE_BYTES = 256
#: Work of one node of :func:`optimal_random_tree` whatever its law's size, in steps.
NODE_OVERHEAD = 100


def check_random_tree(law: LawSampler, size: int, name: str = "size") -> float:
    """Refuse a random-environment tree beyond the limits of :mod:`specbound.limits`.

    Memory ``RANDOM_NODE_BYTES`` per node; work P max(n, ``NODE_OVERHEAD``) steps: the
    law entries drawn, or the fixed cost of a node (about 2 microseconds, measured
    for Dir(0.5 1_10)) when n is small or unknown. Returns the work estimate.
    """
    check_allocation(name, size, RANDOM_NODE_BYTES, what="nodes")
    n = getattr(law, "n", None)
    per_node = max(n if isinstance(n, int) else 0, NODE_OVERHEAD)
    return check_work(name, float(size) * per_node, "steps (nodes x law entries)")


def optimal_random_tree(law: LawSampler, size: int, rng: RngLike = None) -> RandomTree:
    """The optimal draft tree of budget ``size`` for one sampled i.i.d. environment.

    The optimum is the set of the P nodes of largest path probability pi(v) (the top-P tree,
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
    node count grows like e^t in surprisal, the asymptotic value); if that level proves too high,
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
    (E) (the usual lazy construction of an i.i.d. field, as in the note's top-P tree). Laws
    drawn ahead of need are not looked at before their node is chosen, so drawing
    them early changes nothing.

    A batch cannot hold a node and its child, so batches alone would take one numpy
    step (0.1-0.2 ms) per tree level. Typical laws give depth ~ t_P / gamma (note
    runtime model), a few tens; random near-deterministic laws (largest probability within 1e-3
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
    check_random_tree(law, size)
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
