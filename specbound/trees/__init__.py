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

**Sorting policy.** A positional vector's order is meaningful: the i-th child of a
node is the i-th drafted candidate, and a node drafts a prefix of the candidates.
``optimal_tree`` never reorders silently. A non-increasing vector gets the greedy (for
which the prefix constraint is free); any other order is solved exactly under the prefix
constraint by :func:`positional_optimal_tree` (a measured Sequoia vector is often not
sorted). ``sort=True`` uses the entries in decreasing order instead, as for an ERSD
rank law where any set of ranks may be drafted; ``child_index`` then holds the
*original* index of the entry each child uses, so ``acceptance[child_index]`` is still
the child's acceptance. For a positional vector that is only a relaxation (an upper
bound). The standard shapes require the vector best child first; ``tree_value``
accepts any order (it evaluates a given tree).

Tree size counts non-root nodes (drafted tokens).

Modules: :mod:`~specbound.trees.acceptance` (validating the acceptance vector),
:mod:`~specbound.trees.tree` (the ``DraftTree`` type, its drawing and plot, the law
of the accepted count), :mod:`~specbound.trees.evaluate` (trees given as arrays or
paths), :mod:`~specbound.trees.shapes` (chain, batch, k-ary),
:mod:`~specbound.trees.greedy` (best-first / Tunstall, heap and threshold search),
:mod:`~specbound.trees.depth_limited` (Sequoia-style DP),
:mod:`~specbound.trees.optimal` (``optimal_tree``),
:mod:`~specbound.trees.positional` (exact prefix-drafting DP for vectors in any order) and
:mod:`~specbound.trees.enumeration` (every tree of a size, for brute force).
"""

from specbound.trees.acceptance import as_acceptance
from specbound.trees.depth_limited import _compact_ranks as _compact_ranks
from specbound.trees.depth_limited import _depth_limited_dp as _depth_limited_dp
from specbound.trees.enumeration import enumerate_trees
from specbound.trees.evaluate import tree_from_paths, tree_value
from specbound.trees.greedy import VECTORISED_MIN_SIZE as VECTORISED_MIN_SIZE
from specbound.trees.greedy import _expand as _expand
from specbound.trees.greedy import _fill_ties as _fill_ties
from specbound.trees.greedy import _greedy as _greedy
from specbound.trees.greedy import _greedy_heap as _greedy_heap
from specbound.trees.greedy import _greedy_threshold as _greedy_threshold
from specbound.trees.greedy import _malthusian as _malthusian
from specbound.trees.optimal import check_tree_size, optimal_tree
from specbound.trees.positional import positional_optimal_tree, positional_optimal_values
from specbound.trees.shapes import batch_tree, chain_tree, kary_tree
from specbound.trees.tree import DraftTree, accepted_distribution

# the private names imported ``as`` themselves are re-exported for the tests and benchmarks
__all__ = [
    "DraftTree",
    "accepted_distribution",
    "as_acceptance",
    "batch_tree",
    "chain_tree",
    "check_tree_size",
    "enumerate_trees",
    "kary_tree",
    "optimal_tree",
    "positional_optimal_tree",
    "positional_optimal_values",
    "tree_from_paths",
    "tree_value",
]
