"""Closed forms of the corpus claims (``pairs.*``): means over the positions of a corpus.

The laws of a model pair at positions t = 0..T-1 are the rows p_t, q_t of ``p``, ``q``;
each :class:`~specbound.claims.formulas.Formula` averages a per-position closed form
over the rows and is checked like the others by ``tests/test_formulas.py``.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from specbound.claims.formulas import (
    VOCAB,
    Formula,
    K,
    Minimum,
    Point,
    alpha_one_term,
    gamma,
    j,
    n,
    p,
    q,
    random_law,
    x,
)
from specbound.pairs import acceptance_rows, chain_along_text, entropy_rows, sorted_ratio_rows

t, i, m = sp.symbols("t i m", integer=True)
T = sp.Symbol("T", integer=True, positive=True)
a = sp.IndexedBase("alpha")
ROWS = (("p", "target laws, one row per position"), ("q", "draft laws"), VOCAB)
POSITIONS = ("T", "positions of the corpus")


def _rows_point(rng: np.random.Generator) -> Point:
    rows, m = int(rng.integers(1, 8)), int(rng.integers(1, 10))
    p, q = (np.stack([random_law(rng, m) for _ in range(rows)]) for _ in range(2))
    return {"p": p, "q": q, "n": m, "T": rows}


def _mean_over_positions(term: sp.Expr) -> sp.Expr:
    return sp.Sum(sp.Sum(term, (x, 0, n - 1)), (t, 0, T - 1)) / T


PAIRS_ACCEPTANCE = Formula(
    _mean_over_positions(sp.Min(p[t, x], q[t, x])),
    (*ROWS, POSITIONS),
    lambda p, q, n, T: float(acceptance_rows(p, q).mean()),
    _rows_point,
)
PAIRS_MU = Formula(
    _mean_over_positions(-p[t, x] * sp.log(p[t, x])),
    (ROWS[0], VOCAB, POSITIONS),
    lambda p, n, T: float(entropy_rows(p)[0].mean()),
    lambda rng: {k: v for k, v in _rows_point(rng).items() if k != "q"},
)
PAIRS_MU2 = Formula(
    _mean_over_positions(p[t, x] * sp.log(p[t, x]) ** 2),
    (ROWS[0], VOCAB, POSITIONS),
    lambda p, n, T: float(entropy_rows(p)[1].mean()),
    lambda rng: {k: v for k, v in _rows_point(rng).items() if k != "q"},
)


def _chain_point(rng: np.random.Generator) -> Point:
    rows = int(rng.integers(1, 9))
    return {"alpha": rng.uniform(0, 1, rows), "gamma": int(rng.integers(1, rows + 1)), "T": rows}


PAIRS_CHAIN = Formula(
    sp.Sum(sp.Sum(sp.Product(a[t + i], (i, 0, j - 1)), (j, 0, gamma)), (t, 0, T - gamma))
    / (T - gamma + 1),
    (
        ("alpha", "alpha_t = sum_x min(p_t(x), q_t(x)), acceptance at position t"),
        ("gamma", "drafts of the chain"),
        POSITIONS,
    ),
    lambda alpha, gamma, T: chain_along_text(alpha, gamma),
    _chain_point,
)


def _sorted_rows_point(rng: np.random.Generator) -> Point:
    pt = _rows_point(rng)
    order = np.argsort(pt["p"] / pt["q"], axis=1, kind="stable")
    p_sorted, q_sorted = (np.take_along_axis(pt[s], order, axis=1) for s in ("p", "q"))
    return {**pt, "p": p_sorted, "q": q_sorted, "K": int(rng.integers(1, 6))}


PAIRS_ALPHA_ONE = Formula(
    _mean_over_positions(alpha_one_term(lambda k: p[t, k], lambda k: q[t, k])),
    (*ROWS, POSITIONS),
    lambda p, q, n, T: float(sorted_ratio_rows(p, q, (1,))[0].mean()),
    _rows_point,
)
PAIRS_IDENTICAL_OPTIMUM = Formula(
    sp.Sum(
        Minimum(
            sp.Sum(p[t, x], (x, 0, m - 1)) + 1 - sp.Sum(q[t, x], (x, 0, m - 1)) ** K, (m, 0, n)
        ),
        (t, 0, T - 1),
    )
    / T,
    (
        ("p", "target laws, one row per position, tokens sorted by increasing p_x / q_x"),
        ("q", "draft laws (each of the K identical drafts)"),
        ("K", "identical drafts"),
        VOCAB,
        POSITIONS,
    ),
    lambda p, q, K, n, T: float(sorted_ratio_rows(p, q, (K,))[1].mean()),
    _sorted_rows_point,
)
