"""Two small reference Markov models with exact rejection counts.

Exact rational kernels (object arrays of :class:`fractions.Fraction`) with float
versions; reference values (``theory/rejections.md`` section 4, independently recomputed):
the 4-token chain (:func:`example_a`; n = 4, start 3, H = 3): E[N_rej] = 359/576; the
time-inhomogeneous chain (:func:`example_b`; unrolled to n = 7, start 0, H = 3):
E[N_rej] = 231/400.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction as F

import numpy as np


@dataclass(frozen=True)
class MarkovPair:
    """A target/draft kernel pair with its start token (exact and float forms)."""

    name: str
    target_exact: np.ndarray
    draft_exact: np.ndarray
    start: int

    @property
    def target(self) -> np.ndarray:
        """Target kernel as float64."""
        return self.target_exact.astype(np.float64)

    @property
    def draft(self) -> np.ndarray:
        """Draft kernel as float64."""
        return self.draft_exact.astype(np.float64)


def _exact(rows: list[list]) -> np.ndarray:
    return np.array([[F(x) for x in row] for row in rows], dtype=object)


def example_a() -> MarkovPair:
    """The 4-token chain: n = 4, start token 3 (an initial-law state), TV 1/6, 11/48, 131/576."""
    h, t, q, z = F(1, 2), F(1, 3), F(1, 4), F(0)
    target = _exact([[h, q, q, z], [t, t, t, z], [q, q, h, z], [h, q, q, z]])
    draft = _exact([[h, h, z, z], [q, h, q, z], [z, h, h, z], [t, t, t, z]])
    return MarkovPair("4-token chain", target, draft, 3)


def example_a_block() -> MarkovPair:
    """Top-left 3x3 block of the 4-token chain, start 0 (stationary law (4, 3, 4)/11, TV 5/22)."""
    a = example_a()
    return MarkovPair("4-token chain, 3x3 block", a.target_exact[:3, :3], a.draft_exact[:3, :3], 0)


def example_b() -> MarkovPair:
    """The time-inhomogeneous chain: a 2-token model unrolled to 7 (time, token) states.

    State 0 = start, 1 + u = token u at t = 1, 3 + u at t = 2, 5 + u at t = 3
    (absorbing: identity rows). Emitted tokens are states; TV terms 1/4, 1/5, 51/400.
    """

    def build(start_row, t1_rows, t2_rows) -> np.ndarray:
        k = np.array([[F(0)] * 7 for _ in range(7)], dtype=object)
        k[0, 1:3] = start_row
        k[1, 3:5], k[2, 3:5] = t1_rows
        k[3, 5:7], k[4, 5:7] = t2_rows
        for s in (5, 6):
            k[s, s] = F(1)
        return k

    target = build(
        [F(3, 4), F(1, 4)],
        ([F(9, 10), F(1, 10)], [F(1, 5), F(4, 5)]),
        ([F(1, 2), F(1, 2)], [F(1, 10), F(9, 10)]),
    )
    draft = build(
        [F(1, 2), F(1, 2)],
        ([F(7, 10), F(3, 10)], [F(2, 5), F(3, 5)]),
        ([F(3, 5), F(2, 5)], [F(3, 10), F(7, 10)]),
    )
    return MarkovPair("time-inhomogeneous chain", target, draft, 0)
