"""Random token trees: optimal top-P trees in i.i.d. random environments (branching walks).

Pankratov & Alistarh, arXiv 2512.11718 (EACL 2026), as implemented here from the note
``theory/branching_walk.md`` (acceptance identity, top-P tree,
asymptotic value). Assumption (E): the target's next-token law
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
* :func:`simulate_verifier`: Monte Carlo of the verifier walking a tree (acceptance identity).
* :func:`spine_estimate`: the tree-free spine estimator of the asymptotic value.

Costs. A tree of budget P draws P + 1 laws plus about one batch (O(P n) random
numbers for a vocabulary of n, all in numpy) and sorts O(P) candidates, in one numpy
step per batch; a band that keeps yielding small batches (deep trees of
near-deterministic laws: one node per level) is finished one node at a time by a
Python heap, a few microseconds per node, with laws drawn 64 at a time.
Seeds: the laws go to the nodes in this reveal order, not in the heap order of the
note's top-P tree pseudocode, so seeded values differ from the note's tables
(the note's means are reproduced within their standard errors, see
tests/test_random_trees.py), but the same seed gives the same environment for
every P.

Modules: :mod:`~specbound.simulations.random_trees.laws` (the law samplers, their
entropy moments and the checks of their output),
:mod:`~specbound.simulations.random_trees.tree` (:class:`RandomTree` and
:func:`optimal_random_tree`), :mod:`~specbound.simulations.random_trees.reveal` (the
batched best-first reveal and the environment's stream of laws),
:mod:`~specbound.simulations.random_trees.band_queue` (the bucket queue over surprisal
bands and the store of revealed nodes),
:mod:`~specbound.simulations.random_trees.environments` (curves over environments) and
:mod:`~specbound.simulations.random_trees.walks` (verifier walks, spine estimates).
"""

# private helpers are re-exported (``as`` aliases) for the tests and benchmarks importing them
from specbound.simulations.random_trees.band_queue import _band as _band
from specbound.simulations.random_trees.band_queue import _band_floor as _band_floor
from specbound.simulations.random_trees.environments import (
    environment_values,
    optimal_accepted_curve,
)
from specbound.simulations.random_trees.laws import (
    DirichletLaw,
    EmpiricalLaw,
    FixedLaw,
    LawSampler,
    SoftmaxGaussianLaw,
    check_law_sampler,
    law_moments,
)
from specbound.simulations.random_trees.laws import _draw as _draw
from specbound.simulations.random_trees.laws import _normalisers as _normalisers
from specbound.simulations.random_trees.reveal import _MAX_CHUNK as _MAX_CHUNK
from specbound.simulations.random_trees.reveal import _Laws as _Laws
from specbound.simulations.random_trees.tree import RandomTree, optimal_random_tree
from specbound.simulations.random_trees.walks import (
    SpineEstimate,
    simulate_verifier,
    spine_estimate,
    verifier_accepted,
)
from specbound.simulations.random_trees.walks import _spine_steps as _spine_steps

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
    "law_moments",
    "optimal_accepted_curve",
    "optimal_random_tree",
    "simulate_verifier",
    "spine_estimate",
    "verifier_accepted",
]
