"""Speed-of-light bounds for draft trees via branching random walks (Pankratov & Alistarh).

Paper: S. Pankratov and D. Alistarh, "Speculative Decoding Speed-of-Light: Optimal
Lower Bounds via Branching Random Walks", arXiv 2512.11718 (EACL 2026). Its abstract
states E[X] <= (mu + mu2) log(P) / mu^2 + O(1) for the expected number X of accepted
draft tokens per verifier call of any deterministic drafter with a tree of P nodes.
The paper's full text was not available: the definitions, the explicit constant and
the sharper forms below are reconstructed from first principles in the project note
``theory/branching_walk.md`` (entropy moments, bounds, asymptotic value,
runtime model) and are "the bounds as implemented here".

Setting (assumption (E), the i.i.d. environment): the next-token law p_v at each node
v of the token tree is an independent draw from a law L on the simplex. The spine
step is xi = -ln p(x) with p ~ L and x ~ p, so

* mu  = E[xi]   = E_L[-sum_x p(x) ln p(x)]      (expected entropy, nats),
* mu2 = E[xi^2] = E_L[sum_x p(x) (ln p(x))^2]   (raw second log-moment, nats^2),
* phi = E[e^-xi] = E_L[sum_x p(x)^2]            (expected collision probability).

A deterministic law (the same p at every node) is the point mass L = delta_p.
``size`` is the tree budget P = number of non-root (drafted) nodes. All logs natural.

Which statement is which (all upper bounds on E[X_opt(P)] except the asymptotic value):

=========================  ======================================  =========================
function                   formula                                  status
=========================  ======================================  =========================
speed_of_light_bound       (mu + mu2)(ln P + 1)/mu^2 (default) or    paper's bound: proven for all
                           (mu + mu2) ln P/mu^2 + c                 P >= 1 with the explicit
                                                                    c = (mu+mu2)/mu^2; c = 0
                                                                    valid for P >= 3 (renewal bd)
renewal_bound              ln P/mu + mu2/mu^2                       renewal bound: proven
                                                                    (thresholds + Lorden)
chernoff_bound             ln P/(-ln phi) + 1/(1 - phi)             Chernoff bound: proven
asymptotic_accepted        ln(mu P)/mu + mu2/(2 mu^2) - 1           asymptotic value: limit,
                                                                    NOT a bound (o(1) error);
                                                                    negative below
                                                                    asymptotic_min_size
=========================  ======================================  =========================

The chain behind the paper's bound: E[X_opt(P)] <= chernoff_bound <= speed_of_light_bound,
using -ln phi >= 1 - phi >= E[xi/(1 + xi)] >= mu^2/(mu + mu2) (Cauchy-Schwarz).

mu = 0 means L is (almost surely) a point mass on a one-hot law: every drafted token
is accepted, X_opt(P) = P, and no bound logarithmic in P exists. The bound functions
then return ``inf`` (a valid but vacuous upper bound; the trivial bound P also holds).

Modules: :mod:`~specbound.bounds.branching_walk.moments` (mu, mu2 and phi of a law
or of sampled laws; the exact Dirichlet moments),
:mod:`~specbound.bounds.branching_walk.bounds` (the paper's bound, the Chernoff and
renewal bounds, the asymptotic value) and
:mod:`~specbound.bounds.branching_walk.runtime` (time per token and speed-up, the runtime model).
"""

from specbound.bounds.branching_walk.bounds import (
    asymptotic_accepted,
    asymptotic_min_size,
    chernoff_bound,
    doubling_gain,
    renewal_bound,
    speed_of_light_bound,
)
from specbound.bounds.branching_walk.moments import (
    EntropyMoments,
    dirichlet_moments,
    entropy_moment_estimates,
    entropy_moments,
)
from specbound.bounds.branching_walk.runtime import runtime_lower_bound, speedup_upper_bound

__all__ = [
    "EntropyMoments",
    "asymptotic_accepted",
    "asymptotic_min_size",
    "chernoff_bound",
    "dirichlet_moments",
    "doubling_gain",
    "entropy_moment_estimates",
    "entropy_moments",
    "renewal_bound",
    "runtime_lower_bound",
    "speed_of_light_bound",
    "speedup_upper_bound",
]
