"""The sampling algorithms themselves, vectorised, and Monte Carlo estimation."""

from specbound.simulations.agreement import GofResult, binomial_pvalue, chisquare_gof
from specbound.simulations.audit import AuditReport, audit_sampler
from specbound.simulations.estimate import Estimate, estimate_mean, z_score
from specbound.simulations.speculative import speculative_sampling

__all__ = [
    "AuditReport",
    "Estimate",
    "GofResult",
    "audit_sampler",
    "binomial_pvalue",
    "chisquare_gof",
    "estimate_mean",
    "speculative_sampling",
    "z_score",
]
