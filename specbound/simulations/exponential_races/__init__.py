"""Exponential-race speculative decoding (ERSD) and the GSD baseline, simulated.

Kobus & Gunduz, "Speculative Sampling via Exponential Races", arXiv 2504.15475.
Every function here runs the algorithm itself on random numbers; the exact laws
live in :mod:`specbound.bounds.exponential_races`.

* :func:`race_ranks`: the shared-clock races in log space (keys ln W - ln p and
  ln W - ln q); the target winner X = argmin, its draft rank R = 1 + #{draft keys
  below X's}. O(n) per trial.
* :func:`ersd_node`: one ERSD node with m drafted children, exact in law and
  O(m + log n) per trial (no length-n vector per trial; see its Notes).
* :func:`ersd_tree_steps`: whole-tree verification, vectorised over steps,
  O(depth n) per step, with fresh clocks per depth (context-free laws).
* :func:`ersd_generate`: text generation by repeated steps with clocks keyed by
  absolute position (drafter invariant) or by (call, node) (exact, not invariant).
* :func:`gsd_verify`: SpecInfer recursive rejection with k drafts, i.i.d. or
  without replacement.

Modules: :mod:`~specbound.simulations.exponential_races.races` (full-clock races,
:func:`estimate_rank_distribution`, :func:`race_top`, :func:`pfr_index`),
:mod:`~specbound.simulations.exponential_races.node` (the lazy node),
:mod:`~specbound.simulations.exponential_races.tree` (tree steps),
:mod:`~specbound.simulations.exponential_races.generate` (text generation),
:mod:`~specbound.simulations.exponential_races.gsd` (the GSD baseline).
"""

from specbound.simulations.exponential_races.generate import ersd_generate
from specbound.simulations.exponential_races.gsd import gsd_verify
from specbound.simulations.exponential_races.node import _draft_arrivals as _draft_arrivals
from specbound.simulations.exponential_races.node import _GuideTable as _GuideTable
from specbound.simulations.exponential_races.node import ersd_node
from specbound.simulations.exponential_races.races import (
    estimate_rank_distribution,
    pfr_index,
    race_ranks,
    race_top,
)
from specbound.simulations.exponential_races.tree import ersd_tree_steps, ersd_tree_steps_fast

__all__ = [
    "ersd_generate",
    "ersd_node",
    "ersd_tree_steps",
    "ersd_tree_steps_fast",
    "estimate_rank_distribution",
    "gsd_verify",
    "pfr_index",
    "race_ranks",
    "race_top",
]
