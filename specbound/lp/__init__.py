"""Multi-draft speculative sampling: coupling LP, closed form, canonical decomposition.

Khisti et al., "Multi-Draft Speculative Sampling: Canonical Decomposition and
Theoretical Limits" (arXiv 2410.18234, ICLR 2025). Project letters: target = p,
draft = q (the paper swaps them).

* :func:`coupling_lp`: the coupling LP in cvxpy (HiGHS / Clarabel), with certificate.
* :func:`optimal_acceptance`, :func:`optimum`: P* = min_T [p(T) + 1 - prod_k q_k(T)],
  exactly (prefix scan for identical drafts, certified branch and bound otherwise).
* :func:`optimum_without_replacement`: the optimum when the K candidates are drawn
  without replacement; :func:`temperature_drafts`: K drafts at K temperatures.
* :func:`perfect_acceptance`: is P* = 1.
* :func:`canonical_rule`, :func:`importance_weighted_rule`: two-step selection rules.
* :func:`truncated_lp`, :func:`tournament`: the practical K = 2 rule and its K > 2 chain.
* :func:`nss_acceptance`, :func:`specinfer_acceptance`, :func:`spectr_acceptance`:
  baselines. The samplers live in :mod:`specbound.simulations.multidraft`.
"""

from specbound.lp.baselines import nss_acceptance, specinfer_acceptance, spectr_acceptance
from specbound.lp.coupling import CouplingResult, coupling_lp
from specbound.lp.optimum import (
    Optimum,
    optimal_acceptance,
    optimal_acceptance_identical,
    optimum,
    perfect_acceptance,
)
from specbound.lp.selection import SelectionRule, canonical_rule, importance_weighted_rule
from specbound.lp.temperatures import temperature_drafts
from specbound.lp.truncated import PairRule, Tournament, tournament, truncated_lp
from specbound.lp.without_replacement import optimum_without_replacement

__all__ = [
    "CouplingResult",
    "Optimum",
    "PairRule",
    "SelectionRule",
    "Tournament",
    "canonical_rule",
    "coupling_lp",
    "importance_weighted_rule",
    "nss_acceptance",
    "optimal_acceptance",
    "optimal_acceptance_identical",
    "optimum",
    "optimum_without_replacement",
    "perfect_acceptance",
    "specinfer_acceptance",
    "spectr_acceptance",
    "temperature_drafts",
    "tournament",
    "truncated_lp",
]
