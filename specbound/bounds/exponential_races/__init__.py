"""Exponential-race speculative decoding (ERSD): rank law, entropy bound, GSD baseline.

Kobus & Gunduz, "Speculative Sampling via Exponential Races", arXiv 2504.15475
(ACL Findings 2025). Project letters: ``target`` = p, ``draft`` = q, n = vocabulary
size, k = drafted tokens (non-root tree nodes); natural logarithms, entropies in nats.
The formulas below are the reconstruction of ``theory/exponential_races.md`` (rank law,
Tunstall-optimal trees, entropy bound), stated here "as implemented": the paper's
exact theorem statements were not available.

Shared randomness: W_x i.i.d. Exp(1). Target winner X = argmin_x W_x / p(x); the
draft order sorts the draft keys W_x / q(x). The rank R = 1 + #{y : W_y/q(y) <
W_X/q(X)} is the position of the target's winner in the draft's arrival order, with
law alpha(r) = P(R = r), r = 1..n (:func:`rank_distribution`).

Zero probabilities: a token with p(x) = 0 never wins the target race; a token with
q(x) = 0 never arrives in the draft race (key +inf) and is never drafted. If the
target's winner has q(X) = 0, then R = n_q + 1 with n_q = #{q > 0}: one past the
last draftable rank. :func:`drafted_acceptance` drops that atom before building trees.

Exact computations
------------------
* alpha(1) in closed form, O(n log n) (:func:`alpha_one`), and as an exact rational
  (:func:`alpha_one_exact`, O(n^2) fractions).
* The full rank law (:func:`rank_distribution`): given X = x, the target's winning
  time tau = W_x / p(x) is Exp(1) and independent of X; every other y precedes x in
  the draft order independently with probability b_xy(tau) = 1 - exp(-tau lambda_xy),
  lambda_xy = max(0, c_x q(y) - p(y)), c_x = p(x)/q(x). Hence

  .. math:: \\alpha(r) = \\sum_x p(x) \\int_0^\\infty e^{-\\tau}
            \\mathrm{PB}_{r-1}(\\{b_{xy}(\\tau)\\}_{y \\ne x})\\, d\\tau,

  a 1-D integral of a Poisson-binomial pmf (the rank-law integral with e = p(x) tau).
  alpha(1) = sum_x p(x) / (1 + Lambda_x), Lambda_x = sum_y lambda_xy, in closed form.
  At vocabulary scale (:func:`rank_distribution_head`, issue 18): alpha(1..R) with a
  proved bound on the summed absolute error, by Gauss-Laguerre quadrature of
  int e^{-(1 + Lambda_x) tau} e_{r-1}(e^{tau lambda_x.} - 1) d tau per target token,
  node values from moment sums shared by all x in c = p/q order; lambda_xy depends on
  x only through c_x. :func:`rank_distribution` uses it (R = n for the full law).
* Exact rationals of the whole law for small n (:func:`rank_distribution_exact`):
  expanding the Poisson-binomial generating function over subsets A of the tokens
  that can precede x gives alpha's generating function
  sum_x p(x) sum_A z^{m-|A|} (1-z)^{|A|} / (1 + Lambda_A), O(n 2^n).
* The entropy bound E[G] <= (ln n + ln(k+1)) / H[R] (:func:`tokens_per_step_bound`)
  with the identity E[G] H[R] = H(N) + H(R_last | N) behind it
  (:func:`tree_entropy_identity`); optimal ERSD trees, chains and batches; the GSD
  positional vectors (i.i.d. and without replacement) and optimal GSD trees; the
  information bracket D(p||q~) <= H[R], E[ln R] <= D(p||q) + 1/e + ln 2
  (:func:`information_bracket`).

Refinements of ``theory/exponential_races.md`` (found while testing, as implemented here)
-------------------------------------------------------------------------
* alpha(r) need not be non-increasing in r (e.g. when q puts mass on tokens with
  p = 0, which arrive early but never win). ERSD may draft any set of ranks of the
  draft race, so the optimal tree is the greedy on the *sorted* law
  (:func:`ersd_optimal_tree` uses ``sort=True``); "the first m arrivals" is then not
  optimal.
* If the target can emit a token the draft never proposes (P(q(X) = 0) = eps > 0), that
  rank is never draftable and E[G] <= 1/eps for every k: the "ln k / H[R] + O(1)" growth
  holds only when supp p is inside supp q. The bound itself still holds.

Modules
-------
* :mod:`~specbound.bounds.exponential_races.alpha_one`: alpha(1) in closed form.
* :mod:`~specbound.bounds.exponential_races.rank_law`: the rank law (dispatch: exact
  rationals for n <= 8, the certified head, or the older quadrature).
* :mod:`~specbound.bounds.exponential_races.rank_law_head` (with
  :mod:`~specbound.bounds.exponential_races.rank_law_head_bounds`): alpha(1..R) at
  vocabulary scale with a rigorous bound on the absolute error.
* :mod:`~specbound.bounds.exponential_races.rank_law_exact`: the same as exact rationals.
* :mod:`~specbound.bounds.exponential_races.entropy_bound`: H[R], the entropy bound and the
  entropy identity.
* :mod:`~specbound.bounds.exponential_races.information`: the information bracket.
* :mod:`~specbound.bounds.exponential_races.trees`: optimal, chain and batch ERSD trees.
* :mod:`~specbound.bounds.exponential_races.gsd`: the GSD positional vectors and trees.
"""

from specbound.bounds.exponential_races.alpha_one import (
    _alpha_one_denominators as _alpha_one_denominators,
)
from specbound.bounds.exponential_races.alpha_one import alpha_one
from specbound.bounds.exponential_races.entropy_bound import (
    bound_from_rank_law,
    rank_entropy,
    rank_entropy_lower_bound,
    tokens_per_step_bound,
    tree_entropy_identity,
)
from specbound.bounds.exponential_races.gsd import (
    gsd_optimal_tree,
    gsd_positional_acceptance,
    gsd_positional_acceptance_without_replacement,
)
from specbound.bounds.exponential_races.information import (
    draft_position_laws,
    information_bracket,
)
from specbound.bounds.exponential_races.rank_law import rank_distribution
from specbound.bounds.exponential_races.rank_law_exact import (
    alpha_one_exact,
    rank_distribution_exact,
)
from specbound.bounds.exponential_races.rank_law_head import (
    RankLawHead,
    rank_distribution_head,
)
from specbound.bounds.exponential_races.trees import (
    chain_limit,
    drafted_acceptance,
    ersd_batch_tree,
    ersd_chain_tree,
    ersd_optimal_tree,
)

__all__ = [
    "RankLawHead",
    "alpha_one",
    "alpha_one_exact",
    "bound_from_rank_law",
    "chain_limit",
    "draft_position_laws",
    "drafted_acceptance",
    "ersd_batch_tree",
    "ersd_chain_tree",
    "ersd_optimal_tree",
    "gsd_optimal_tree",
    "gsd_positional_acceptance",
    "gsd_positional_acceptance_without_replacement",
    "information_bracket",
    "rank_distribution",
    "rank_distribution_exact",
    "rank_distribution_head",
    "rank_entropy",
    "rank_entropy_lower_bound",
    "tokens_per_step_bound",
    "tree_entropy_identity",
]
