"""The certified ERSD rank-law head (issue 18): exact rationals, quadrature, Monte Carlo.

``rank_distribution_head`` returns alpha(1..R) with a bound on the summed absolute
error. Checked against the exact rational law (n <= 9, including ties, zeros and
heavy tokens), the older double-exponential quadrature (n = 200, 400), and Monte
Carlo of the real race at n = 2000 (5 SE per rank); extreme valid laws give finite
laws; bad input raises the same named errors as ``rank_distribution``.
"""

import json
from fractions import Fraction

import numpy as np
import pytest

from specbound.bounds.exponential_races import (
    RankLawHead,
    rank_distribution,
    rank_distribution_exact,
    rank_distribution_head,
)
from specbound.bounds.exponential_races.rank_law import _quadrature_law
from specbound.distributions import target_draft_pair
from specbound.errors import InvalidArgumentError
from specbound.simulations.exponential_races import estimate_rank_distribution

P_A = [0.5, 0.3, 0.15, 0.05]
Q_A = [0.3, 0.4, 0.2, 0.1]


def _rational_pair(n, rng, zeros_p=0, zeros_q=0, high=30):
    """Random rational laws (weights 1..high-1), with some zeros; floats are exact copies."""

    def law(zeros):
        w = rng.integers(1, high, size=n)
        w[rng.choice(n, size=zeros, replace=False)] = 0
        return [Fraction(int(v), int(w.sum())) for v in w]

    return law(zeros_p), law(zeros_q)


def _check_against_exact(p, q, ranks):
    exact = np.array([float(v) for v in rank_distribution_exact(p, q)])
    head = rank_distribution_head([float(v) for v in p], [float(v) for v in q], ranks)
    assert isinstance(head, RankLawHead) and head.law.shape == (min(ranks, len(p)),)
    err = np.abs(head.law - exact[: head.law.size]).sum()
    assert err <= head.error_bound + 1e-15
    assert head.error_bound <= 1e-9
    return err


def test_reference_example_a():
    head = rank_distribution_head(P_A, Q_A, 4)
    exact = [float(v) for v in rank_distribution_exact(P_A, Q_A)]
    np.testing.assert_allclose(head.law, exact, atol=1e-14)
    assert head.error_bound < 1e-11 and head.dropped_mass == 0


@pytest.mark.parametrize("seed", range(12))
def test_head_matches_exact_rationals(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 10))
    zeros_p = int(rng.integers(0, 2))
    zeros_q = int(rng.integers(0, 2))
    p, q = _rational_pair(n, rng, zeros_p, zeros_q, high=[4, 30, 1000][seed % 3])
    _check_against_exact(p, q, int(rng.integers(2, n + 1)))


def test_head_with_ties_and_peaked_laws():
    # equal ratios c = p/q (ties), a dominant draft token (heavy rates), p = 0 tokens
    p = [Fraction(v, 100) for v in (40, 20, 10, 10, 5, 5, 5, 5, 0)]
    q = [Fraction(v, 100) for v in (20, 10, 5, 5, 50, 2, 3, 4, 1)]
    _check_against_exact(p, q, 9)
    p = [Fraction(v, 1000) for v in (900, 50, 20, 10, 10, 5, 5)]
    q = [Fraction(v, 1000) for v in (10, 900, 40, 20, 10, 10, 10)]
    _check_against_exact(p, q, 7)


@pytest.mark.parametrize("n", [200, 400])
def test_head_matches_quadrature(n):
    p, q = target_draft_pair(n, rng=n)
    head = rank_distribution_head(p, q, 16)
    ref = _quadrature_law(p, q, 16, 1e-12)[:16]  # the older method, tol 1e-12 per rank
    assert np.abs(head.law - ref).sum() <= head.error_bound + 16e-12
    assert head.error_bound <= 1e-9


def test_full_law_sums_to_one_and_public_dispatch():
    p, q = target_draft_pair(1000, rng=5)
    full = rank_distribution(p, q)
    assert abs(full.sum() - 1) < 1e-9 and full.min() >= 0
    head = rank_distribution_head(p, q, 8)
    np.testing.assert_allclose(rank_distribution(p, q, max_rank=8)[:8], head.law)
    assert head.law == pytest.approx(full[:8], abs=1e-9)


def test_head_matches_monte_carlo_of_the_race():
    """The real race (n clocks per trial) at n = 2000: every rank within 5 SE."""
    p, q = target_draft_pair(2000, rng=11)
    head = rank_distribution_head(p, q, 16)
    freq, _ = estimate_rank_distribution(p, q, 20_000, rng=np.random.default_rng(4))
    se = np.sqrt(head.law * (1 - head.law) / 20_000)
    z = (freq[:16] - head.law) / np.maximum(se, 1e-12)
    assert np.all(np.abs(z) <= 5), z


@pytest.mark.parametrize(
    "target, draft",
    [
        ([1e-310, 1 - 1e-310], [1 - 1e-310, 1e-310]),
        ([1e-130, 1, 0], [1e-88, 1 - 1e-16, 1e-16]),
        ([1e-300, 0.5, 0.5], [0.5, 0.5, 0]),
        ([0.0, 0.3, 0.7], [0.5, 0.5, 0.0]),
    ],
)
def test_extreme_valid_laws_give_finite_valid_laws(target, draft):
    law = rank_distribution(target, draft)
    assert np.all(np.isfinite(law)) and law.min() >= 0 and abs(law.sum() - 1) < 1e-9
    head = rank_distribution_head(target, draft, 3)
    assert np.all(np.isfinite(head.law)) and np.isfinite(head.error_bound)
    assert head.law.min() >= 0 and head.law.sum() <= 1 + 1e-12


def test_extreme_laws_at_vocabulary_scale():
    rng = np.random.default_rng(0)
    n = 5000
    p = rng.dirichlet(np.full(n, 0.05))  # many entries far below 1e-100
    q = p[::-1].copy()
    p[:10] = 0.0
    p /= p.sum()
    head = rank_distribution_head(p, q, 16)
    assert np.all(np.isfinite(head.law)) and head.law.min() >= 0
    assert np.isfinite(head.error_bound) and head.law.sum() <= 1 + head.error_bound


def test_large_rank_request_and_rank_one():
    head = rank_distribution_head(P_A, Q_A, 100)
    assert head.max_rank == 4 and head.law.size == 4
    one = rank_distribution_head(P_A, Q_A, 1)
    assert one.law[0] == pytest.approx(647 / 820, abs=1e-15)


def test_to_dict_is_json():
    d = rank_distribution_head(P_A, Q_A, 3).to_dict()
    assert set(d) == {"law", "error_bound", "max_rank", "dropped_mass"}
    assert json.loads(json.dumps(d))["max_rank"] == 3


def test_bad_input_same_errors_as_rank_distribution():
    with pytest.raises(InvalidArgumentError, match=r"^max_rank: must be >= 1"):
        rank_distribution_head(P_A, Q_A, 0)
    with pytest.raises(InvalidArgumentError, match=r"^tol: must be > 0"):
        rank_distribution_head(P_A, Q_A, 2, tol=0.0)
    with pytest.raises(InvalidArgumentError, match=r"^tol:"):
        rank_distribution_head(P_A, Q_A, 2, tol=0.5)
    with pytest.raises(InvalidArgumentError, match=r"^draft: vocabulary size 3 differs"):
        rank_distribution_head(P_A, [0.2, 0.3, 0.5], 2)
    with pytest.raises(InvalidArgumentError, match=r"^target: .*negative"):
        rank_distribution_head([1.5, -0.5], [0.5, 0.5], 2)
    with pytest.raises(InvalidArgumentError, match=r"^target: .*NaN"):
        rank_distribution_head([np.nan, 1.0], [0.5, 0.5], 2)


def test_cli_ersd_max_rank_from_npy_at_scale(tmp_path, capsys):
    from specbound.cli import main

    p, q = target_draft_pair(20_000, rng=3)
    np.save(tmp_path / "p.npy", p)
    np.save(tmp_path / "q.npy", q)
    argv = ["ersd", "--target", str(tmp_path / "p.npy"), "--draft", str(tmp_path / "q.npy")]
    assert main([*argv, "--max-rank", "16", "--k", "1,4", "--no-progress"]) == 0
    out = capsys.readouterr().out
    a1 = rank_distribution_head(p, q, 1).law[0]
    assert "n = 20000" in out and f"alpha(1) = {a1:.6f}" in out and "ranks <= 16" in out


def test_dominant_predecessor_at_the_float_limits_is_certified():
    """p = (1 - eps, eps, ..., eps), q reversed, eps = 1e-300: R - 1 = 1 + U, U uniform.

    The winner is token 0 (c = 1e300); the last token (q ~ 1) precedes it surely and each
    of the m = n - 2 tied middle tokens precedes it independently given the race time u
    with probability 1 - e^{-u}: P(U = j) = C(m, j) B(j + 1, m - j + 1) = 1 / (m + 1).
    """
    n = 300
    p = np.full(n, 1e-300)
    p[0] = 1 - 1e-300 * (n - 1)
    head = rank_distribution_head(p, p[::-1].copy(), 16)
    assert head.error_bound <= 1e-9 and head.dropped_mass == 0
    np.testing.assert_allclose(head.law[1:], 1 / (n - 1), rtol=0, atol=1e-12)
    assert head.law[0] < 1e-12
