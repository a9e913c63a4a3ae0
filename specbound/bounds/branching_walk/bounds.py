"""Upper bounds on E[X_opt(P)] for trees of P nodes in i.i.d. environments.


Pankratov & Alistarh, arXiv 2512.11718 (EACL 2026), as implemented here from the note
``theory/branching_walk.md``: the paper's speed-of-light bound (mu + mu2) ln P / mu^2 + c
with an explicit constant (the paper's bound), its first step (the Chernoff bound), the
sharper renewal bound ln P / mu + mu2 / mu^2, and the asymptotic optimum of renewal theory
(the asymptotic value, not a
bound). Inputs are the entropy moments of
:mod:`specbound.bounds.branching_walk.moments` (nats); outputs are accepted draft tokens.
"""

from __future__ import annotations

import math

from specbound.distributions import check_int, check_real
from specbound.errors import InvalidArgumentError

#: Relative slack allowed when checking mu2 >= mu^2 (rounding of sampled moments).
_CS_SLACK = 1e-12


def _check_moments(mu: float, mu2: float) -> tuple[float, float]:
    mu = check_real(mu, "mu", 0.0)
    mu2 = check_real(mu2, "mu2", 0.0)
    if mu2 < mu * mu * (1 - _CS_SLACK) - 1e-300:
        raise InvalidArgumentError(
            f"mu2: must be >= mu^2 = {mu * mu:.6g} (it is E[xi^2] >= (E xi)^2), got {mu2:.6g}"
        )
    return mu, mu2


def _check_size(size: float) -> int:
    return check_int(size, "size", 1)


#: Below this mu, mu^2 loses precision or underflows (subnormal below 1.5e-154).
_TINY_MU = 1e-150


def _over_mu_squared(x: float, mu: float) -> float:
    """x / mu^2, as (x / mu) / mu for tiny mu, where mu^2 underflows (peaked laws)."""
    return x / mu**2 if mu > _TINY_MU else (x / mu) / mu


def renewal_bound(mu: float, mu2: float, size: int) -> float:
    """Sharp rigorous bound E[X_opt(P)] <= ln P / mu + mu2 / mu^2 (accepted tokens).

    Renewal bound (as implemented here, arXiv 2512.11718): for every threshold t,
    E[X_opt(P)] <= U(t) - 1 + P e^{-t} with U the spine renewal function; t = ln P and
    Lorden's overshoot bound U(t) <= 1 + t/mu + mu2/mu^2 give the formula. Valid for
    every P >= 1 under assumption (E) (and for deterministic laws). Returns ``inf`` when
    mu = 0 (one-hot law: X_opt(P) = P, no logarithmic bound exists).

    Extreme laws: a law with entries near 1e-300 has mu near 1e-297; the value is then
    computed without forming mu^2 (which underflows) and may be astronomically large,
    or ``inf`` when it exceeds the float range (about 1.8e308): still a valid, if
    vacuous, upper bound (recall X_opt(P) <= P always).

    Parameters
    ----------
    mu, mu2 : float
        Entropy moments (nats, nats^2) of :func:`entropy_moments`.
    size : int >= 1
        Tree budget P (non-root nodes).
    """
    mu, mu2 = _check_moments(mu, mu2)
    size = _check_size(size)
    if mu == 0:
        return math.inf
    return math.log(size) / mu + _over_mu_squared(mu2, mu)


def speed_of_light_bound(mu: float, mu2: float, size: int, constant: float | None = None) -> float:
    """The paper's bound E[X_opt(P)] <= (mu + mu2) ln P / mu^2 + c (accepted tokens).

    arXiv 2512.11718, abstract: E[X] <= (mu + mu2) log(P)/mu^2 + O(1). The paper's
    O(1) is unknown; this implementation makes it explicit (paper's bound):

    * ``constant=None`` (default): c = (mu + mu2)/mu^2, i.e.
      (mu + mu2)(ln P + 1)/mu^2, proven here for every P >= 1 under (E) via
      E[X_opt] <= ln P/(-ln phi) + 1/(1 - phi) and -ln phi >= 1 - phi >= mu^2/(mu + mu2).
    * ``constant=0.0``: the abstract's form without the O(1); it is implied by
      :func:`renewal_bound` once ln P >= 1, i.e. proven for P >= 3 only.
    * any other float: the abstract's form with that c (no proof attached).

    Returns ``inf`` when mu = 0 (one-hot law: X_opt(P) = P; no bound logarithmic in P),
    and ``inf`` when the value overflows (mu below about 1e-154; see
    :func:`renewal_bound`).

    Parameters
    ----------
    mu, mu2 : float
        Entropy moments, nats and nats^2 (natural log is part of the definition).
    size : int >= 1
        Tree budget P.
    constant : float or None
        The additive constant c (None: the explicit proven one).

    Examples
    --------
    >>> round(speed_of_light_bound(0.325083, 0.540181, 10_000, constant=0.0), 2)
    75.41
    """
    mu, mu2 = _check_moments(mu, mu2)
    size = _check_size(size)
    if constant is not None:
        constant = check_real(constant, "constant")
    if mu == 0:
        return math.inf
    slope = _over_mu_squared(mu + mu2, mu)
    c = slope if constant is None else constant
    return slope * math.log(size) + c


def chernoff_bound(phi: float, size: int) -> float:
    """Chernoff form E[X_opt(P)] <= ln P / (-ln phi) + 1/(1 - phi) (accepted tokens).

    Chernoff bound, the paper's first step (as implemented here): the threshold decomposition
    of the renewal bound with
    t = ln P and P(S_j <= t) <= e^t phi^j. phi = E_L[sum_x p(x)^2] (collision
    probability). Proven for every P >= 1 under (E). Returns ``inf`` when phi = 1
    (one-hot law).

    Checked here: the decomposition gives sum_{j>=1} min(1, P phi^j) + 1 (the last term
    is P e^{-t}); with J = ln P/(-ln phi) and delta = floor(J) + 1 - J in (0, 1] this is
    J + delta + phi^delta/(1 - phi) <= J + 1/(1 - phi), because 1 - phi^delta is concave
    in delta and equals delta (1 - phi) at delta = 0 and 1. So the note's formula holds
    with the +1 absorbed.

    Parameters
    ----------
    phi : float in (0, 1]
        Expected collision probability.
    size : int >= 1
        Tree budget P.
    """
    phi = check_real(phi, "phi", 0.0, 1.0)
    if phi == 0:
        raise InvalidArgumentError("phi: must be > 0 (a law has sum p^2 >= 1/n)")
    size = _check_size(size)
    if phi == 1:
        return math.inf
    return math.log(size) / -math.log(phi) + 1.0 / (1.0 - phi)


def asymptotic_accepted(mu: float, mu2: float, size: int) -> float:
    """Asymptotic optimum E[X_opt(P)] = ln(mu P)/mu + mu2/(2 mu^2) - 1 + o(1).

    Asymptotic value (as implemented here, from the renewal theorem for a non-lattice spine
    step with finite mu2): the optimal threshold is t_P = ln(mu P) + o(1) and
    U(t) = t/mu + mu2/(2 mu^2) + o(1). NOT a bound: an estimate of the optimum whose
    error vanishes as P grows for non-lattice laws (lattice laws such as the uniform
    law oscillate within O(1) of it). The true slope in ln P is 1/mu; the abstract's
    coefficient (mu + mu2)/mu^2 overstates it by the factor 1 + mu2/mu.
    Returns ``inf`` when mu = 0.

    Validity range: the expression is negative, i.e. meaningless (the o(1) term
    dominates), for P below :func:`asymptotic_min_size` = e^{mu - mu2/(2 mu)} / mu; the
    value is returned as computed, not clamped (the command marks such rows). For
    peaked laws (mu near 1e-300) it is computed as (ln(mu P) + mu2/(2 mu))/mu - 1, so
    no inf - inf occurs; it may be -inf or inf when it leaves the float range.
    """
    mu, mu2 = _check_moments(mu, mu2)
    size = _check_size(size)
    if mu == 0:
        return math.inf
    if mu > _TINY_MU:
        return math.log(mu * size) / mu + mu2 / (2 * mu**2) - 1.0
    return (math.log(mu * size) + mu2 / mu / 2) / mu - 1.0  # no inf - inf


def asymptotic_min_size(mu: float, mu2: float) -> float:
    """Smallest P at which :func:`asymptotic_accepted` is >= 0: e^{mu - mu2/(2 mu)} / mu.

    Solves ln(mu P)/mu + mu2/(2 mu^2) - 1 = 0 for P (note C6 as implemented here).
    Below it the asymptotic expression is negative: P is too small for the renewal
    limit to describe E[X_opt(P)]. ``inf`` if it overflows, 0 when mu = 0 (there the
    expression is ``inf`` for every P).
    """
    mu, mu2 = _check_moments(mu, mu2)
    if mu == 0:
        return 0.0
    log_p0 = mu - mu2 / mu / 2 - math.log(mu)
    return math.exp(log_p0) if log_p0 < 709.0 else math.inf


def doubling_gain(mu: float) -> float:
    """Asymptotic accepted tokens gained by doubling the budget P: ln 2 / mu (asymptotic value)."""
    mu = check_real(mu, "mu", 0.0)
    return math.inf if mu == 0 else math.log(2) / mu
