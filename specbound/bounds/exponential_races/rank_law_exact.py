"""The ERSD rank law as exact rationals: alpha(1) and the whole law for small n.

Kobus & Gunduz, arXiv 2504.15475 (note C3, as implemented). Inputs are read as
``Fraction`` (floats through their shortest decimal repr) and must sum to exactly 1;
outputs are exact probabilities, the reference for the float quadrature of
:mod:`specbound.bounds.exponential_races.rank_law`.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from numbers import Rational

from specbound.errors import InvalidArgumentError


def _as_fractions(x, name: str) -> list[Fraction]:
    """Exact rationals of a law; floats are read through their shortest decimal repr."""
    try:
        vals = [
            Fraction(v) if isinstance(v, (Rational, str)) else Fraction(repr(float(v))) for v in x
        ]
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentError(f"{name}: cannot be read as rationals ({exc})") from None
    vals = [Fraction(v) for v in vals]
    if not vals:
        raise InvalidArgumentError(f"{name}: is empty")
    if any(v < 0 for v in vals):
        raise InvalidArgumentError(f"{name}: contains a negative probability")
    if sum(vals) != 1:
        raise InvalidArgumentError(f"{name}: rationals sum to {sum(vals)}, not exactly 1")
    return vals


def _exact_pair(target, draft) -> tuple[list[Fraction], list[Fraction]]:
    p = _as_fractions(target, "target")
    q = _as_fractions(draft, "draft")
    if len(p) != len(q):
        raise InvalidArgumentError(
            f"draft: vocabulary size {len(q)} differs from target's {len(p)}"
        )
    return p, q


def alpha_one_exact(target, draft) -> Fraction:
    """alpha(1) as an exact rational, by the O(n^2) double sum of :func:`alpha_one`.

    Parameters
    ----------
    target, draft : sequences of Fraction, int or float
        Floats are read through their shortest decimal representation (0.3 -> 3/10);
        each law must sum to exactly 1.

    Examples
    --------
    >>> alpha_one_exact(["0.5", "0.3", "0.15", "0.05"], ["0.3", "0.4", "0.2", "0.1"])
    Fraction(647, 820)
    """
    p, q = _exact_pair(target, draft)
    total = Fraction(0)
    for px, qx in zip(p, q, strict=True):
        if px == 0 or qx == 0:
            continue
        c = px / qx
        total += px / sum((max(py, c * qy) for py, qy in zip(p, q, strict=True)), Fraction(0))
    return total


def rank_distribution_exact(target, draft) -> list[Fraction]:
    """The whole rank law as exact rationals, for small vocabularies (n <= 14).

    For each x with p(x) q(x) > 0, let Y be the tokens that can precede x
    (lambda_xy > 0) and m = |Y|. Expanding prod_y (z + (1 - z) e^{-tau lambda_y}) over
    subsets A of Y and integrating against e^{-tau} gives

    .. math:: E[z^{R-1} \\mid X = x] = \\sum_{A \\subseteq Y}
              \\frac{z^{m-|A|}(1-z)^{|A|}}{1 + \\Lambda_A}, \\quad
              \\Lambda_A = \\sum_{y\\in A}\\lambda_{xy},

    so every alpha(r) is rational for rational p, q. Cost O(n^2 2^n) fractions.

    Parameters
    ----------
    target, draft : sequences of Fraction, int, str or float
        Laws summing to exactly 1 (floats read through their shortest repr).

    Returns
    -------
    list of Fraction
        alpha(1), ..., alpha(n); sums to exactly 1.

    Raises
    ------
    InvalidArgumentError
        Bad laws, different sizes, or n > 14.
    """
    p, q = _exact_pair(target, draft)
    n = len(p)
    if n > 14:
        raise InvalidArgumentError(f"target: exact rank law needs n <= 14, got {n}")
    alpha = [Fraction(0)] * n
    nq = sum(1 for v in q if v > 0)
    for x in range(n):
        if p[x] == 0:
            continue
        if q[x] == 0:
            alpha[nq] += p[x]
            continue
        c = p[x] / q[x]
        lam = [c * q[y] - p[y] for y in range(n) if y != x and c * q[y] - p[y] > 0]
        m = len(lam)
        coef = [Fraction(0)] * (m + 1)  # coef[a] = sum over |A| = a of 1/(1 + Lambda_A)
        for a in range(m + 1):
            for sub in itertools.combinations(lam, a):
                coef[a] += 1 / (1 + sum(sub, Fraction(0)))
        # sum_a coef[a] z^{m-a} (1-z)^a  -> coefficients in z
        poly = [Fraction(0)] * (m + 1)
        for a in range(m + 1):
            for i in range(a + 1):  # (1-z)^a = sum_i C(a,i) (-z)^i
                poly[m - a + i] += coef[a] * math.comb(a, i) * (-1) ** i
        for j in range(m + 1):
            alpha[j] += p[x] * poly[j]
    return alpha
