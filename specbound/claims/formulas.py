"""Closed-form exact sides as sympy expressions, shown in LaTeX beside the verdicts.

A :class:`Formula` carries the expression, what each symbol stands for in the claim's
cases, and the numeric function the claim's exact side calls; ``tests/test_formulas.py``
evaluates both on random points (:meth:`Formula.sample`), so the formula shown is the
one computed. Sums over the vocabulary use indexed symbols p_x, q_x with x = 0..n-1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy as sp
from sympy.concrete.expr_with_intlimits import ExprWithIntLimits
from sympy.printing.latex import LatexPrinter

from specbound.bounds.acceptance import (
    acceptance_probability,
    expected_tokens_per_step,
    total_variation,
)
from specbound.bounds.branching_walk import dirichlet_moments
from specbound.bounds.branching_walk.bounds import (
    asymptotic_accepted,
    chernoff_bound,
    doubling_gain,
    renewal_bound,
    speed_of_light_bound,
)
from specbound.bounds.exponential_races import alpha_one, chain_limit, information_bracket
from specbound.bounds.exponential_races.entropy_bound import bound_from_rank_law
from specbound.bounds.tradeoff import min_rejection_with_budget
from specbound.lp.baselines import nss_acceptance, spectr_guarantee
from specbound.lp.optimum import optimal_acceptance, optimal_acceptance_identical

Point = dict[str, object]


@dataclass(frozen=True)
class Formula:
    """A closed form of a claim's exact side.

    Parameters
    ----------
    expr : sympy.Expr or sympy.Tuple
        The expression (free symbols named as in ``symbols``); a tuple when the claim's
        cases check several quantities (``numeric`` then returns a tuple too).
    symbols : tuple of (name, meaning)
        Each symbol (or indexed base) and the case input it stands for.
    numeric : callable (**point) -> float or tuple of float
        The code the exact side runs, called with the symbols' values by name.
    sample : callable (rng) -> dict
        A random point of the formula's domain (arrays for indexed bases).
    """

    expr: sp.Expr
    symbols: tuple[tuple[str, str], ...]
    numeric: Callable[..., float]
    sample: Callable[[np.random.Generator], Point]

    def latex(self) -> str:
        """The expression in LaTeX (``$...$`` not included; psi, psi_1 for polygammas)."""
        return _Latex().doprint(self.expr)

    def evaluate(self, point: Point) -> float | tuple[float, ...]:
        """The lambdified expression at ``point`` (numpy backend, scipy for digamma).

        Sums become Python loops; a product over the drafts is expanded first, at the
        point's integer sizes (the numpy printer has no product). A tuple of
        expressions (several quantities of one claim) gives a tuple of floats.
        """
        expr = self.expr
        if expr.has(sp.Product):
            sizes = {s: point[str(s)] for s in expr.free_symbols if str(s) in point}
            expr = expr.subs({s: v for s, v in sizes.items() if isinstance(v, int)}).doit()
        names = [name for name, _ in self.symbols]
        args = [_symbol(self.expr, name) for name in names]
        fn = sp.lambdify(args, expr, ["scipy", "numpy"])
        value = fn(*(point[name] for name in names))
        if isinstance(expr, sp.Tuple):
            return tuple(float(v) for v in value)
        return float(value)

    def legend(self) -> str:
        """``"alpha: per-token acceptance; gamma: drafts"``."""
        return "; ".join(f"{name}: {meaning}" for name, meaning in self.symbols)


class _Latex(LatexPrinter):
    """sympy's LaTeX, with digamma / trigamma as psi, psi_1 (sympy writes "polygamma")."""

    def _print_polygamma(self, expr: sp.Expr, exp: str | None = None) -> str:
        order, arg = expr.args
        head = r"\psi" if order == 0 else rf"\psi_{{{self._print(order)}}}"
        out = rf"{head}\left({self._print(arg)}\right)"
        return out if exp is None else f"{out}^{{{exp}}}"


class Minimum(ExprWithIntLimits):
    """min over an integer range, ``Minimum(term, (m, lo, hi))``, shown as min_{m=lo..hi}.

    sympy has no minimum over a symbolic range; the Python printers (lambdify) write
    it as a loop, as they write a ``Sum``.
    """

    def _pythoncode(self, printer) -> str:
        (var, lo, hi) = (printer._print(v) for v in self.limits[0])
        term = printer._print(self.function)
        return f"(builtins.min({term} for {var} in range({lo}, {hi}+1)))"

    _numpycode = _pythoncode

    def _latex(self, printer) -> str:
        (var, lo, hi) = self.limits[0]
        low = printer._print(sp.Eq(var, lo, evaluate=False))
        term = printer._print(self.function)
        return rf"\min_{{{low}}}^{{{printer._print(hi)}}} \left({term}\right)"


def _symbol(expr: sp.Expr, name: str) -> sp.Basic:
    for s in expr.atoms(sp.Symbol, sp.IndexedBase):
        if str(s) == name:
            return s
    raise KeyError(f"formula: no symbol {name!r} in {expr}")


def random_law(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.dirichlet(np.full(n, 0.7))


alpha, mu, mu2, phi, H = sp.symbols("alpha mu mu_2 phi H", positive=True)
eps = sp.Symbol("epsilon", nonnegative=True)
gamma, P, k, n, K = sp.symbols("gamma P k n K", integer=True, positive=True)
x, j = sp.symbols("x j", integer=True)
p, q = sp.IndexedBase("p"), sp.IndexedBase("q")

MU = ("mu", "E_L[H(p)], mean next-token entropy (nats)")
MU2 = ("mu_2", "E_L[sum_x p(x) ln^2 p(x)] (nats^2)")
SIZE = ("P", "tree budget (drafted nodes)")
VOCAB = ("n", "vocabulary size")


def _drafts_point(rng: np.random.Generator) -> Point:
    m, drafts = int(rng.integers(1, 10)), int(rng.integers(1, 4))
    q = np.stack([random_law(rng, m) for _ in range(drafts)])
    return {"p": random_law(rng, m), "q": q, "K": drafts, "n": m}


def _moments(rng: np.random.Generator) -> Point:
    m = rng.uniform(0.05, 4.0)
    return {"mu": m, "mu_2": m**2 + rng.uniform(0.0, 3.0), "P": int(rng.integers(1, 10**6))}


CHAIN = Formula(
    (1 - alpha ** (gamma + 1)) / (1 - alpha),
    (("alpha", "per-token acceptance 1 - TV(p, q)"), ("gamma", "drafted tokens per call")),
    lambda alpha, gamma: expected_tokens_per_step(alpha, gamma),
    lambda rng: {"alpha": rng.uniform(0.0, 0.999), "gamma": int(rng.integers(0, 30))},
)
ACCEPTANCE = Formula(
    sp.Sum(sp.Min(p[x], q[x]), (x, 0, n - 1)),
    (("p", "target law"), ("q", "draft law"), VOCAB),
    lambda p, q, n: acceptance_probability(p, q),
    lambda rng: (lambda m: {"p": random_law(rng, m), "q": random_law(rng, m), "n": m})(
        int(rng.integers(1, 12))
    ),
)
EQUALITY_ACCEPTANCE = Formula(
    sp.Sum(p[x] * (1 - sp.Product(1 - q[j, x], (j, 0, K - 1))), (x, 0, n - 1)),
    (("p", "target law"), ("q", "draft laws, one row per draft"), ("K", "drafts"), VOCAB),
    lambda p, q, K, n: nss_acceptance(p, q),
    _drafts_point,
)
RENEWAL = Formula(
    sp.log(P) / mu + mu2 / mu**2,
    (MU, MU2, SIZE),
    lambda mu, mu_2, P: renewal_bound(mu, mu_2, P),
    _moments,
)
CHERNOFF = Formula(
    sp.log(P) / -sp.log(phi) + 1 / (1 - phi),
    (("phi", "E_L[sum_x p(x)^2], collision probability"), SIZE),
    lambda phi, P: chernoff_bound(phi, P),
    lambda rng: {"phi": rng.uniform(1e-3, 0.999), "P": int(rng.integers(1, 10**6))},
)
EXPLICIT = Formula(
    (mu + mu2) * (sp.log(P) + 1) / mu**2,
    (MU, MU2, SIZE),
    lambda mu, mu_2, P: speed_of_light_bound(mu, mu_2, P),
    _moments,
)
ABSTRACT = Formula(
    (mu + mu2) * sp.log(P) / mu**2,
    (MU, MU2, SIZE),
    lambda mu, mu_2, P: speed_of_light_bound(mu, mu_2, P, constant=0.0),
    _moments,
)
ASYMPTOTIC = Formula(
    sp.log(mu * P) / mu + mu2 / (2 * mu**2) - 1,
    (MU, MU2, SIZE),
    lambda mu, mu_2, P: asymptotic_accepted(mu, mu_2, P),
    _moments,
)
DOUBLING = Formula(
    sp.log(2) / mu,
    (MU,),
    lambda mu: doubling_gain(mu),
    lambda rng: {"mu": rng.uniform(0.01, 5.0)},
)


def _uniform_rank_bound(n: int, k: int, H: float) -> float:
    m = round(float(np.exp(H)))
    return bound_from_rank_law(np.r_[np.full(m, 1.0 / m), np.zeros(n - m)], k)


ERSD_BOUND = Formula(
    (sp.log(n) + sp.log(k + 1)) / H,
    (VOCAB, ("k", "drafted nodes"), ("H", "H[R], entropy of the rank law (nats)")),
    _uniform_rank_bound,
    lambda rng: (
        lambda m: {
            "n": m,
            "k": int(rng.integers(1, 1000)),
            "H": float(np.log(rng.integers(2, m + 1))),
        }
    )(int(rng.integers(2, 500))),
)


def _pair_point(rng: np.random.Generator, smallest: int = 1) -> Point:
    m = int(rng.integers(smallest, 12))
    return {"p": random_law(rng, m), "q": random_law(rng, m), "n": m}


PAIR = (("p", "target law"), ("q", "draft law"), VOCAB)
TV = 1 - sp.Sum(sp.Min(p[x], q[x]), (x, 0, n - 1))
TOTAL_VARIATION = Formula(TV, PAIR, lambda p, q, n: total_variation(p, q), _pair_point)
TRADEOFF = Formula(
    sp.Max(0, TV - eps),
    (*PAIR, ("epsilon", "budget on TV(output, target)")),
    lambda p, q, n, epsilon: min_rejection_with_budget(p, q, epsilon),
    lambda rng: {**_pair_point(rng), "epsilon": rng.uniform(0.0, 0.6)},
)


# alpha(1) of exponential races: sum over x of 1 / sum_j max(p_j / p_x, q_j / q_x)
# (laws with full support, as in the sampled points; zeros drop out of the code's sum).
def alpha_one_term(p_at: Callable, q_at: Callable) -> sp.Expr:
    """[sum_j max(p_j / p_x, q_j / q_x)]^-1, the laws read through ``p_at(j)``, ``q_at(j)``."""
    return 1 / sp.Sum(sp.Max(p_at(j) / p_at(x), q_at(j) / q_at(x)), (j, 0, n - 1))


ALPHA_ONE_EXPR = sp.Sum(alpha_one_term(p.__getitem__, q.__getitem__), (x, 0, n - 1))
ALPHA_ONE = Formula(
    ALPHA_ONE_EXPR,
    PAIR,
    lambda p, q, n: alpha_one(p, q),
    _pair_point,
)
PFR_BOUND = Formula(
    sp.Sum(p[x] * sp.log(p[x] / q[x]), (x, 0, n - 1)) + sp.exp(-1) + sp.log(2),
    PAIR,
    lambda p, q, n: information_bracket(p, q)["pfr_bound"],
    _pair_point,
)
CHAIN_LIMIT = Formula(
    1 / (1 - ALPHA_ONE_EXPR),
    PAIR,
    lambda p, q, n: chain_limit(p, q),
    lambda rng: _pair_point(rng, smallest=2),  # n = 1: alpha(1) = 1, the limit is inf
)
# The optimum of K identical drafts (prefix scan, theory note C5): tokens sorted by
# increasing p_x / q_x, T_m the first m; P* = min_m [p(T_m) + 1 - q(T_m)^K].
m = sp.Symbol("m", integer=True)
IDENTICAL_OPTIMUM_EXPR = Minimum(
    sp.Sum(p[x], (x, 0, m - 1)) + 1 - sp.Sum(q[x], (x, 0, m - 1)) ** K, (m, 0, n)
)
SORTED = (
    ("p", "target law, tokens sorted by increasing p_x / q_x"),
    ("q", "draft law of each of the K identical drafts"),
    ("K", "identical drafts"),
    VOCAB,
)


def _sorted_point(rng: np.random.Generator) -> Point:
    pt = _pair_point(rng)
    order = np.argsort(pt["p"] / pt["q"], kind="stable")
    return {**pt, "p": pt["p"][order], "q": pt["q"][order], "K": int(rng.integers(1, 6))}


IDENTICAL_OPTIMUM = Formula(
    IDENTICAL_OPTIMUM_EXPR,
    (
        *SORTED[:2],
        ("K", "identical drafts (instances with different drafts: certified optimum, no form)"),
        VOCAB,
    ),
    lambda p, q, K, n: optimal_acceptance(p, np.tile(q, (K, 1))),
    _sorted_point,
)
IID_OPTIMUM = Formula(
    IDENTICAL_OPTIMUM_EXPR,
    SORTED,
    lambda p, q, K, n: optimal_acceptance_identical(p, q, K),
    _sorted_point,
)
SPECTR_GUARANTEE = Formula(
    (1 - (1 - 1 / K) ** K) * IDENTICAL_OPTIMUM_EXPR,
    SORTED,
    lambda p, q, K, n: spectr_guarantee(K, optimal_acceptance(p, np.tile(q, (K, 1)))),
    _sorted_point,
)


# Symmetric Dirichlet Dir(a 1_n): entropy moments by size-biasing (p_1 ~ Beta(a + 1, A - a)).
conc = sp.Symbol("a", positive=True)
_LOG_MEAN = sp.digamma(n * conc + 1) - sp.digamma(conc + 1)
DIRICHLET_MOMENTS = Formula(
    sp.Tuple(
        _LOG_MEAN,
        _LOG_MEAN**2 + sp.polygamma(1, conc + 1) - sp.polygamma(1, n * conc + 1),
        (conc + 1) / (n * conc + 1),
    ),
    (
        ("a", "Dirichlet concentration per token, law Dir(a 1_n); (mu, mu_2, phi)"),
        ("n", "vocabulary size (real-text cases: frequency-weighted bigram moments)"),
    ),
    lambda a, n: dirichlet_moments(a, n),
    lambda rng: {"a": rng.uniform(0.02, 5.0), "n": int(rng.integers(1, 2000))},
)
