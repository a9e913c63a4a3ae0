"""Audit any single-draft verification rule: is it unbiased, and how far from optimal?

A user supplies their sampler as a callable ``(target, draft, size, rng) ->
(tokens, accepted)``; :func:`audit_sampler` runs it on a (target, draft) pair and
checks the two statements every rule must face:

* unbiasedness: the output law equals ``target`` (chi-square goodness of fit);
* optimality (Yin et al., arXiv 2411.00841, Thm 2; one step): no unbiased rule
  accepts more often than 1 - TV(target, draft), so the measured acceptance is
  compared with that ceiling in standard errors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from specbound.bounds.rejections import acceptance_probability
from specbound.distributions import (
    RngLike,
    as_distribution,
    as_rng,
    check_int,
    check_real,
    check_same_size,
)
from specbound.errors import InvalidArgumentError
from specbound.simulations.agreement import GofResult, chisquare_gof
from specbound.simulations.estimate import Estimate, from_proportion

Sampler = Callable[[np.ndarray, np.ndarray, int, np.random.Generator], tuple[ArrayLike, ArrayLike]]


@dataclass(frozen=True)
class AuditReport:
    """Outcome of :func:`audit_sampler`.

    Attributes
    ----------
    output_law : GofResult
        Chi-square test of the output tokens against the target.
    acceptance : Estimate
        Measured acceptance probability.
    optimal_acceptance : float
        1 - TV(target, draft), the ceiling for unbiased rules.
    unbiased : bool
        ``output_law.pvalue >= alpha``.
    within_optimum : bool
        acceptance <= optimum + ``sigmas`` SE.
    """

    output_law: GofResult
    acceptance: Estimate
    optimal_acceptance: float
    unbiased: bool
    within_optimum: bool

    @property
    def efficiency(self) -> float:
        """Measured acceptance divided by the optimum (1 for speculative sampling)."""
        opt = self.optimal_acceptance
        return float("nan") if opt == 0 else self.acceptance.mean / opt

    def __str__(self) -> str:
        return (
            f"output law vs target: {self.output_law} -> "
            f"{'unbiased' if self.unbiased else 'BIASED'}\n"
            f"acceptance: {self.acceptance} vs optimum 1 - TV = {self.optimal_acceptance:.6g} "
            f"(efficiency {self.efficiency:.3f})"
            + ("" if self.within_optimum else "  ABOVE THE OPTIMUM: the rule cannot be unbiased")
        )


def audit_sampler(
    sampler: Sampler,
    target: ArrayLike,
    draft: ArrayLike,
    trials: int = 200_000,
    rng: RngLike = None,
    alpha: float = 1e-6,
    sigmas: float = 5.0,
) -> AuditReport:
    """Audit a user's single-draft verification rule against the theory.

    Parameters
    ----------
    sampler : callable (target, draft, size, rng) -> (tokens, accepted)
        The rule under audit, vectorised over ``size`` independent trials.
    target, draft : (n,) array-like
        Next-token laws p and q.
    trials : int
        Independent trials.
    rng : Generator or seed
        Randomness handed to ``sampler``.
    alpha : float
        Chi-square p-value threshold (the false-alarm rate of "BIASED").
    sigmas : float
        Standard errors allowed above the optimum 1 - TV.

    Returns
    -------
    AuditReport

    Examples
    --------
    >>> from specbound.simulations.speculative import speculative_step
    >>> report = audit_sampler(speculative_step, [0.5, 0.3, 0.2], [0.2, 0.3, 0.5], rng=0)
    >>> report.unbiased, report.within_optimum
    (True, True)
    """
    p = as_distribution(target, "target")
    q = as_distribution(draft, "draft")
    check_same_size(p, q, "target", "draft")
    trials = check_int(trials, "trials", 2)
    alpha = check_real(alpha, "alpha", 0.0, 1.0)
    sigmas = check_real(sigmas, "sigmas", 0.0)
    tokens, accepted = sampler(p, q, trials, as_rng(rng))
    tokens = np.asarray(tokens)
    accepted = np.asarray(accepted, dtype=bool)
    if tokens.shape != (trials,) or accepted.shape != (trials,):
        raise InvalidArgumentError(
            f"sampler: must return two arrays of shape ({trials},), got {tokens.shape} "
            f"and {accepted.shape}"
        )
    if tokens.size and (tokens.min() < 0 or tokens.max() >= p.size):
        raise InvalidArgumentError(f"sampler: returned tokens outside 0..{p.size - 1}")
    law = chisquare_gof(tokens, p)
    acc = from_proportion(int(accepted.sum()), trials)
    opt = acceptance_probability(p, q)
    return AuditReport(law, acc, opt, law.pvalue >= alpha, acc.z(opt) <= sigmas)
