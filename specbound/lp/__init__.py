"""Multi-draft speculative sampling: coupling LP, closed form, canonical decomposition.

Khisti et al., "Multi-Draft Speculative Sampling: Canonical Decomposition and
Theoretical Limits" (arXiv 2410.18234, ICLR 2025). Project letters: target = p,
draft = q (the paper swaps them).
"""

from specbound.lp.coupling import CouplingResult, coupling_lp
from specbound.lp.optimum import (
    Optimum,
    optimal_acceptance,
    optimal_acceptance_identical,
    optimum,
    perfect_acceptance,
)

__all__ = [
    "CouplingResult",
    "Optimum",
    "coupling_lp",
    "optimal_acceptance",
    "optimal_acceptance_identical",
    "optimum",
    "perfect_acceptance",
]
