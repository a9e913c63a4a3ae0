"""Speed-of-light bounds for draft trees via branching random walks (Pankratov & Alistarh).

Paper: S. Pankratov and D. Alistarh, "Speculative Decoding Speed-of-Light: Optimal
Lower Bounds via Branching Random Walks", arXiv 2512.11718 (EACL 2026). Its abstract
states E[X] <= (mu + mu2) log(P) / mu^2 + O(1) for the expected number X of accepted
draft tokens per verifier call of any deterministic drafter with a tree of P nodes.
The paper's full text was not available: the definitions, the explicit constant and
the sharper forms below are reconstructed from first principles in the project note
``theory/branching_walk.md`` (C3-C7) and are "the bounds as implemented here".

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
speed_of_light_bound       (mu + mu2)(ln P + 1)/mu^2 (default) or    C4: proven here for all
                           (mu + mu2) ln P/mu^2 + c                 P >= 1 with the explicit
                                                                    c = (mu+mu2)/mu^2; c = 0
                                                                    valid for P >= 3 (via C5)
renewal_bound              ln P/mu + mu2/mu^2                       C5: proven (threshold
                                                                    decomposition + Lorden)
chernoff_bound             ln P/(-ln phi) + 1/(1 - phi)             C4 first step: proven
asymptotic_accepted        ln(mu P)/mu + mu2/(2 mu^2) - 1           C6: renewal-theory limit,
                                                                    NOT a bound (o(1) error)
=========================  ======================================  =========================

The chain behind C4 (note C4): E[X_opt(P)] <= chernoff_bound <= speed_of_light_bound,
using -ln phi >= 1 - phi >= E[xi/(1 + xi)] >= mu^2/(mu + mu2) (Cauchy-Schwarz).

mu = 0 means L is (almost surely) a point mass on a one-hot law: every drafted token
is accepted, X_opt(P) = P, and no bound logarithmic in P exists. The bound functions
then return ``inf`` (a valid but vacuous upper bound; the trivial bound P also holds).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from specbound.distributions import as_distributions, check_int, check_real
from specbound.errors import InvalidArgumentError

#: Relative slack allowed when checking mu2 >= mu^2 (rounding of sampled moments).
_CS_SLACK = 1e-12


# ----------------------------------------------------------------------------- moments


@dataclass(frozen=True)
class EntropyMoments:
    """Entropy moments of a next-token law L, with standard errors when sampled.

    Attributes
    ----------
    mu : float
        E_L[H(p)] = E[xi], nats.
    mu2 : float
        E_L[sum_x p(x) ln^2 p(x)] = E[xi^2], squared nats.
    phi : float
        E_L[sum_x p(x)^2] = E[e^{-xi}].
    mu_se, mu2_se, phi_se : float
        Standard errors of the row means (0 for a single law, which is exact).
    rows : int
        Number of sampled laws averaged (1 for one law).
    """

    mu: float
    mu2: float
    phi: float
    mu_se: float
    mu2_se: float
    phi_se: float
    rows: int

    @property
    def sigma2(self) -> float:
        """Variance of the spine step, mu2 - mu^2 (nats^2)."""
        return self.mu2 - self.mu**2


def _row_moments(p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-row H(p), sum p ln^2 p and sum p^2 of valid laws (zeros skipped: 0 ln 0 = 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        logp = np.where(p > 0, np.log(np.where(p > 0, p, 1.0)), 0.0)
    plog = p * logp
    return -plog.sum(axis=1), (plog * logp).sum(axis=1), (p * p).sum(axis=1)


def entropy_moment_estimates(laws: ArrayLike) -> EntropyMoments:
    """mu, mu2 and phi of one law or of the rows of sampled laws, with standard errors.

    .. math:: \\mu = \\frac1m \\sum_i H(p_i), \\quad
              \\mu_2 = \\frac1m \\sum_i \\sum_x p_i(x) \\ln^2 p_i(x), \\quad
              \\varphi = \\frac1m \\sum_i \\sum_x p_i(x)^2

    Note C3 of ``theory/branching_walk.md`` (arXiv 2512.11718 as implemented here).
    mu2 is the mean of the per-law second log-moments, not (E H)^2. Cost O(m n).

    Parameters
    ----------
    laws : (n,) or (m, n) array-like
        One next-token law, or m sampled laws (rows, e.g. softmax outputs at m
        positions of text or m draws of a random law). Zeros are allowed.

    Returns
    -------
    EntropyMoments
        Means over rows; standard errors sd/sqrt(m) (0 when m = 1).

    Raises
    ------
    InvalidArgumentError
        ``laws`` is not a law or a 2-D array of laws.
    """
    p = as_distributions(laws, "laws")
    h, m2, c = _row_moments(p)
    m = p.shape[0]

    def se(v: np.ndarray) -> float:
        return float(v.std(ddof=1) / math.sqrt(m)) if m > 1 else 0.0

    return EntropyMoments(
        float(h.mean()),
        float(m2.mean()),
        float(c.mean()),
        se(h),
        se(m2),
        se(c),
        m,
    )


def entropy_moments(laws: ArrayLike) -> tuple[float, float]:
    """(mu, mu2) in nats of one next-token law or the mean over sampled laws (rows).

    .. math:: \\mu = E_L\\Big[-\\sum_x p(x)\\ln p(x)\\Big],\\qquad
              \\mu_2 = E_L\\Big[\\sum_x p(x)\\ln^2 p(x)\\Big]

    arXiv 2512.11718 (abstract: "expected entropy" and "expected second
    log-moment"); definitions as implemented here (note C3). For standard errors
    and phi use :func:`entropy_moment_estimates`.

    Parameters
    ----------
    laws : (n,) or (m, n) array-like
        One law (a deterministic environment) or m sampled laws.

    Returns
    -------
    (float, float)
        mu in nats and mu2 in squared nats.

    Examples
    --------
    >>> mu, mu2 = entropy_moments([0.5, 0.5])
    >>> round(mu, 6), round(mu2, 6)
    (0.693147, 0.480453)
    """
    est = entropy_moment_estimates(laws)
    return est.mu, est.mu2


def dirichlet_moments(concentration: float, n: int) -> tuple[float, float, float]:
    """Exact (mu, mu2, phi) of the symmetric Dirichlet law Dir(a 1_n).

    With A = n a and digamma/trigamma psi0/psi1 (note C3):

    .. math:: \\mu = \\psi_0(A+1) - \\psi_0(a+1),\\quad
              \\mu_2 = (\\psi_0(a+1) - \\psi_0(A+1))^2 + \\psi_1(a+1) - \\psi_1(A+1),\\quad
              \\varphi = \\frac{a+1}{A+1}

    Derivation: E[sum_x p_x f(p_x)] = n E[p_1 f(p_1)] and p_1 ~ Beta(a, A - a), so
    size-biasing gives Beta(a + 1, A - a), whose log has mean psi0(a+1) - psi0(A+1)
    and variance psi1(a+1) - psi1(A+1).

    Parameters
    ----------
    concentration : float > 0
        a, the per-token concentration.
    n : int >= 1
        Vocabulary size.
    """
    a = check_real(concentration, "concentration", 0.0)
    if a == 0:
        raise InvalidArgumentError("concentration: must be > 0")
    n = check_int(n, "n", 1)
    big = n * a
    mean_log = special.digamma(a + 1) - special.digamma(big + 1)
    var_log = special.polygamma(1, a + 1) - special.polygamma(1, big + 1)
    return float(-mean_log), float(mean_log**2 + var_log), float((a + 1) / (big + 1))


# ----------------------------------------------------------------------------- bounds


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


def renewal_bound(mu: float, mu2: float, size: int) -> float:
    """Sharp rigorous bound E[X_opt(P)] <= ln P / mu + mu2 / mu^2 (accepted tokens).

    Note C5 (as implemented here, arXiv 2512.11718): for every threshold t,
    E[X_opt(P)] <= U(t) - 1 + P e^{-t} with U the spine renewal function; t = ln P and
    Lorden's overshoot bound U(t) <= 1 + t/mu + mu2/mu^2 give the formula. Valid for
    every P >= 1 under assumption (E) (and for deterministic laws). Returns ``inf`` when
    mu = 0 (one-hot law: X_opt(P) = P, no logarithmic bound exists).

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
    return math.log(size) / mu + mu2 / mu**2


def speed_of_light_bound(mu: float, mu2: float, size: int, constant: float | None = None) -> float:
    """The paper's bound E[X_opt(P)] <= (mu + mu2) ln P / mu^2 + c (accepted tokens).

    arXiv 2512.11718, abstract: E[X] <= (mu + mu2) log(P)/mu^2 + O(1). The paper's
    O(1) is unknown; this implementation makes it explicit (note C4):

    * ``constant=None`` (default): c = (mu + mu2)/mu^2, i.e.
      (mu + mu2)(ln P + 1)/mu^2, proven here for every P >= 1 under (E) via
      E[X_opt] <= ln P/(-ln phi) + 1/(1 - phi) and -ln phi >= 1 - phi >= mu^2/(mu + mu2).
    * ``constant=0.0``: the abstract's form without the O(1); it is implied by
      :func:`renewal_bound` once ln P >= 1, i.e. proven for P >= 3 only.
    * any other float: the abstract's form with that c (no proof attached).

    Returns ``inf`` when mu = 0 (one-hot law: X_opt(P) = P; no bound logarithmic in P).

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
    slope = (mu + mu2) / mu**2
    c = slope if constant is None else constant
    return slope * math.log(size) + c


def chernoff_bound(phi: float, size: int) -> float:
    """Chernoff form E[X_opt(P)] <= ln P / (-ln phi) + 1/(1 - phi) (accepted tokens).

    Note C4, first step (as implemented here): the threshold decomposition of C5 with
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

    Note C6 (as implemented here, from the renewal theorem for a non-lattice spine
    step with finite mu2): the optimal threshold is t_P = ln(mu P) + o(1) and
    U(t) = t/mu + mu2/(2 mu^2) + o(1). NOT a bound: an estimate of the optimum whose
    error vanishes as P grows for non-lattice laws (lattice laws such as the uniform
    law oscillate within O(1) of it). The true slope in ln P is 1/mu; the abstract's
    coefficient (mu + mu2)/mu^2 overstates it by the factor 1 + mu2/mu.
    Returns ``inf`` when mu = 0.
    """
    mu, mu2 = _check_moments(mu, mu2)
    size = _check_size(size)
    if mu == 0:
        return math.inf
    return math.log(mu * size) / mu + mu2 / (2 * mu**2) - 1.0


def doubling_gain(mu: float) -> float:
    """Asymptotic accepted tokens gained by doubling the budget P: ln 2 / mu (note C7)."""
    mu = check_real(mu, "mu", 0.0)
    return math.inf if mu == 0 else math.log(2) / mu


# ----------------------------------------------------------------------------- runtime


def runtime_lower_bound(
    verifier_time: float | Callable[[int], float],
    size: int,
    expected_accepted: float,
) -> float:
    """Speed-of-light time per generated token, T_ver(P) / (1 + E[X_opt(P)]).

    Note C7 (as implemented here, arXiv 2512.11718): with a verifier call of duration
    T_ver(P) for a tree of P drafted nodes and free drafting, each call yields X + 1
    tokens, so any tree of size P needs on average at least T_ver(P)/(1 + E[X_opt(P)])
    time units per token (renewal-reward). Pass the optimum (or an upper bound on it,
    e.g. :func:`renewal_bound`, which gives a valid lower bound on the time).

    Parameters
    ----------
    verifier_time : float or callable P -> float
        Cost model of one verifier call with P drafted nodes (time units > 0).
    size : int >= 1
        Tree budget P.
    expected_accepted : float >= 0
        E[X_opt(P)] (accepted draft tokens, not tokens per step).

    Returns
    -------
    float
        Time units per generated token (0 when the accepted count is infinite).
    """
    size = _check_size(size)
    t = verifier_time(size) if callable(verifier_time) else verifier_time
    t = check_real(t, "verifier_time", 0.0)
    if t == 0:
        raise InvalidArgumentError("verifier_time: must be > 0")
    if isinstance(expected_accepted, float) and math.isinf(expected_accepted):
        if expected_accepted < 0:
            raise InvalidArgumentError("expected_accepted: must be >= 0, got -inf")
        return 0.0
    x = check_real(expected_accepted, "expected_accepted", 0.0)
    return t / (1.0 + x)


def speedup_upper_bound(
    verifier_time: float | Callable[[int], float],
    size: int,
    expected_accepted: float,
    autoregressive_time: float = 1.0,
) -> float:
    """Best possible speed-up over autoregressive decoding, T_AR (1 + E[X_opt(P)]) / T_ver(P).

    Note C7: the ratio of the autoregressive time per token T_AR (one token per call)
    to :func:`runtime_lower_bound`.
    """
    t_ar = check_real(autoregressive_time, "autoregressive_time", 0.0)
    if t_ar == 0:
        raise InvalidArgumentError("autoregressive_time: must be > 0")
    bound = runtime_lower_bound(verifier_time, size, expected_accepted)
    return math.inf if bound == 0 else t_ar / bound
