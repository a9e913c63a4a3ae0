"""Multi-draft schemes: exact acceptances against the theory note's reference values and
against the optimum, the truncated LP and tournament, the canonical rule, the samplers on
edge cases, and bad input.

Statistical tests: chi-square p >= 1e-6 (false alarm 1e-6 per test) and |z| <= 5
(two-sided 5.7e-7 per test); seeds fixed, so outcomes are deterministic.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specbound.errors import InvalidArgumentError
from specbound.lp import optimal_acceptance
from specbound.lp.baselines import (
    nss_acceptance,
    specinfer_acceptance,
    spectr_acceptance,
    spectr_rho,
)
from specbound.lp.coupling import tuple_probabilities, tuples
from specbound.lp.selection import canonical_rule, importance_weighted_rule
from specbound.lp.truncated import tournament, truncated_lp
from specbound.simulations.agreement import chisquare_gof
from specbound.simulations.estimate import from_proportion, z_score
from specbound.simulations.multidraft import (
    importance_sampling,
    nss_sampling,
    pair_sampling,
    selection_sampling,
    specinfer_sampling,
    spectr_sampling,
    tournament_sampling,
)

P6 = np.array([0.30, 0.25, 0.15, 0.12, 0.10, 0.08])
Q1 = np.array([0.10, 0.15, 0.30, 0.25, 0.12, 0.08])
Q2 = np.array([0.20, 0.05, 0.25, 0.20, 0.20, 0.10])


@st.composite
def instances(draw, max_n=6, max_k=3, same=False, min_k=1):
    n = draw(st.integers(2, max_n))
    k = draw(st.integers(min_k, max_k))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    conc = draw(st.sampled_from([0.3, 1.0, 4.0]))
    p = rng.dirichlet(np.full(n, conc))
    q = rng.dirichlet(np.full(n, conc), size=1 if same else k)
    return p, np.tile(q, (k, 1)) if same else q


# ----------------------------------------------------------------------------- references


@pytest.mark.parametrize(
    ("a", "b", "spectr", "specinfer"),
    [
        (0.5, 0.1, 0.815037, 0.80),
        (0.5, 0.3, 0.931174, 0.90),
        (0.7, 0.5, 0.896510, 0.86),
        (0.9, 0.6, 0.75, 0.73),
        (0.2, 0.9, 0.448523, 0.44),
    ],
)
def test_n2_baselines(a, b, spectr, specinfer):
    p, q = [b, 1 - b], [[a, 1 - a]] * 2
    assert spectr_acceptance(p, q) == pytest.approx(spectr, abs=1e-6)
    assert specinfer_acceptance(p, q) == pytest.approx(specinfer, abs=1e-12)


@pytest.mark.parametrize(
    ("q", "p", "spectr", "rho", "specinfer", "nss"),
    [
        ((1 / 2, 1 / 4, 1 / 4), (1 / 4, 1 / 4, 1 / 2), 0.847597, 1.390388, 0.8125, 0.515625),
        ((1 / 2, 1 / 3, 1 / 6), (1 / 6, 1 / 3, 1 / 2), 0.75, 1.5, 0.722222, 0.462963),
        ((0.7, 0.2, 0.1), (0.4, 0.3, 0.3), 0.825367, 1.417891, 0.79, 0.529),
        ((1 / 3,) * 3, (1 / 2, 1 / 2, 0), 0.888889, 1.333333, 0.888889, 0.555556),
    ],
)
def test_n3_baselines(q, p, spectr, rho, specinfer, nss):
    qs = np.tile(q, (2, 1))
    assert spectr_acceptance(p, qs) == pytest.approx(spectr, abs=1e-6)
    assert spectr_rho(np.array(p), np.array(q), 2) == pytest.approx(rho, abs=1e-6)
    assert specinfer_acceptance(p, qs) == pytest.approx(specinfer, abs=1e-6)
    assert nss_acceptance(p, qs) == pytest.approx(nss, abs=1e-6)


def test_uniform_n3_baselines():
    q = np.full((2, 3), 1 / 3)
    table = [(0, 0.8114, 0.7778), (1 / 9, 0.8889, 0.8519), (2 / 9, 0.9576, 0.9259), (1 / 3, 1, 1)]
    for t, spectr, specinfer in table:
        p = [1 / 3, t, 2 / 3 - t]
        assert spectr_acceptance(p, q) == pytest.approx(spectr, abs=1e-4)
        assert specinfer_acceptance(p, q) == pytest.approx(specinfer, abs=1e-4)


def test_n6_reference_truncated_lp():
    for s, bound in zip((1, 2, 3, 4), (0.98, 0.9375, 0.8335, 0.531), strict=True):
        rule = truncated_lp(P6, [Q1, Q2], s)
        assert rule.acceptance == pytest.approx(0.7865, abs=1e-9)
        assert rule.loss_bound == pytest.approx(bound, abs=1e-12)
    assert np.argsort(truncated_lp(P6, [Q1, Q2], 3).rank).tolist() == [0, 1, 4, 2, 5, 3]
    assert truncated_lp(P6, [Q1, Q2], 6).acceptance == pytest.approx(0.8875, abs=1e-9)
    assert specinfer_acceptance(P6, [Q1, Q2]) == pytest.approx(0.775, abs=1e-12)


def test_n6_reference_iid():
    expected = {  # K: (tournament s=6, tournament s=3, SpecTr, rho*, SpecInfer, NSS)
        2: (0.8875, 0.83, 0.809201, 1.436805, 0.775, 0.290223),
        3: (0.96875, 0.865822, 0.875, 1.75, 0.83125, 0.395252),
        4: (1.0, 0.83606, 0.903926, 2.039262, 0.869375, 0.481404),
    }
    for k, (t6, t3, spectr, rho, specinfer, nss) in expected.items():
        qs = np.tile(Q1, (k, 1))
        assert tournament(P6, qs, 6).acceptance == pytest.approx(t6, abs=1e-6)
        assert tournament(P6, qs, 3).acceptance == pytest.approx(t3, abs=1e-6)
        assert spectr_acceptance(P6, qs) == pytest.approx(spectr, abs=1e-6)
        assert spectr_rho(P6, Q1, k) == pytest.approx(rho, abs=1e-6)
        assert specinfer_acceptance(P6, qs) == pytest.approx(specinfer, abs=1e-6)
        assert nss_acceptance(P6, qs) == pytest.approx(nss, abs=1e-6)


@pytest.mark.parametrize(("a", "b"), [(0.5, 0.1), (0.5, 0.3), (0.7, 0.5), (0.9, 0.6), (0.2, 0.9)])
def test_n2_optimal_mixed_pair_weight(a, b):
    """w* = clip((b - a^2) / (2 a (1 - a)), 0, 1): P(output token 0 | mixed pair)."""
    rule = truncated_lp([b, 1 - b], [[a, 1 - a]] * 2, 2)
    i, j = rule.rank[0], rule.rank[1]
    # (X1, X2) = (0, 1): output X1 = 0 w.p. first[i, j]; (1, 0): output X2 = 0 w.p. 1 - first[j, i]
    w = 0.5 * (rule.first[i, j] + 1 - rule.first[j, i])
    assert w == pytest.approx(np.clip((b - a * a) / (2 * a * (1 - a)), 0, 1), abs=1e-7)


# ----------------------------------------------------------------------------- exact properties


@given(instances(max_n=8, min_k=2, max_k=2))
def test_truncated_lp_full_vocabulary_is_optimal(inst):
    p, q = inst
    rule = truncated_lp(p, q, p.size)
    assert rule.acceptance == pytest.approx(optimal_acceptance(p, q), abs=1e-7)
    assert rule.intermediate.sum() == pytest.approx(1.0, abs=1e-12)


@given(instances(max_n=10, min_k=2, max_k=2), st.integers(1, 10))
def test_truncated_lp_loss_bound(inst, s):
    p, q = inst
    rule = truncated_lp(p, q, s)
    assert optimal_acceptance(p, q) - rule.acceptance <= rule.loss_bound + 1e-9


@settings(max_examples=30)
@given(instances(max_n=4, max_k=3))
def test_canonical_rule_attains_optimum(inst):
    p, q = inst
    rule = canonical_rule(p, q)
    assert rule.acceptance == pytest.approx(optimal_acceptance(p, q), abs=1e-7)
    np.testing.assert_allclose(rule.selection.sum(axis=1), 1.0, atol=1e-12)
    assert rule.selection.min() >= 0


@given(instances(max_n=6, max_k=3))
def test_no_scheme_beats_the_optimum(inst):
    p, q = inst
    opt = optimal_acceptance(p, q)
    values = [
        nss_acceptance(p, q),
        specinfer_acceptance(p, q),
        importance_weighted_rule(p, q).acceptance,
        tournament(p, q, 3).acceptance,
    ]
    assert max(values) <= opt + 1e-9


@given(instances(max_n=8, max_k=6, same=True))
def test_spectr_guarantee_and_validity(inst):
    p, q = inst
    k = q.shape[0]
    value = spectr_acceptance(p, q)
    opt = optimal_acceptance(p, q)
    assert (1 - (1 - 1 / k) ** k) * opt - 1e-9 <= value <= opt + 1e-9
    rho = spectr_rho(p, q[0], k)
    eta = np.minimum(q[0], p / rho).sum()
    assert 1 - (1 - eta) ** k <= rho * eta + 1e-12  # the residual is a law


@given(instances(max_n=5, max_k=3))
def test_nss_equals_tuple_enumeration(inst):
    p, q = inst
    k, n = q.shape
    tup = tuples(n, k)
    hit = np.zeros((n**k, n), dtype=bool)
    hit[np.arange(n**k)[:, None], tup] = True
    exact = float(tuple_probabilities(q) @ (hit.astype(float) @ p))
    assert nss_acceptance(p, q) == pytest.approx(exact, abs=1e-12)


@given(instances(max_n=6, max_k=1))
def test_single_draft_schemes_reduce_to_speculative_sampling(inst):
    p, q = inst
    sd = np.minimum(p, q[0]).sum()
    assert specinfer_acceptance(p, q) == pytest.approx(sd, abs=1e-12)
    assert spectr_acceptance(p, q) == pytest.approx(sd, abs=1e-9)
    assert importance_weighted_rule(p, q).acceptance == pytest.approx(sd, abs=1e-12)
    assert optimal_acceptance(p, q) == pytest.approx(sd, abs=1e-12)


# ----------------------------------------------------------------------------- samplers


def _edge_cases():
    g = np.random.default_rng(99)
    out = []
    for n in (1023, 1024, 1025):
        p = g.dirichlet(np.full(n, 0.5))
        out.append((f"n={n}", p, np.tile(g.dirichlet(np.full(n, 0.5)), (3, 1))))
    onehot = np.zeros(40)
    onehot[7] = 1.0
    out.append(("one-hot target", onehot, np.tile(g.dirichlet(np.ones(40)), (2, 1))))
    p, q = np.zeros(64), np.zeros(64)
    p[:32], q[32:] = g.dirichlet(np.ones(32)), g.dirichlet(np.ones(32))
    out.append(("disjoint supports", p, np.tile(q, (3, 1))))
    return out


SAMPLERS = {
    "SpecInfer": (specinfer_sampling, specinfer_acceptance),
    "SpecTr": (spectr_sampling, spectr_acceptance),
    "NSS": (nss_sampling, nss_acceptance),
    "tournament s=4": (
        lambda p, q, m, rng: tournament_sampling(tournament(p, q, 4), m, rng),
        lambda p, q: tournament(p, q, 4).acceptance,
    ),
}


@pytest.mark.parametrize("scheme", list(SAMPLERS))
@pytest.mark.parametrize(("label", "p", "q"), _edge_cases(), ids=lambda v: str(v)[:20])
def test_samplers_on_edge_cases(scheme, label, p, q):
    sample, exact = SAMPLERS[scheme]
    tokens, accepted = sample(p, q, 60_000, np.random.default_rng(7))
    assert chisquare_gof(tokens, p).pvalue >= 1e-6  # false alarm 1e-6
    est = from_proportion(int(accepted.sum()), accepted.size)
    assert abs(z_score(exact(p, q), est)) <= 5  # false alarm 5.7e-7


def test_selection_and_pair_samplers_small():
    rng = np.random.default_rng(11)
    p, q = P6, np.vstack([Q1, Q2])
    for tokens, accepted, exact in (
        (*selection_sampling(canonical_rule(p, q), 100_000, rng), 0.8875),
        (*importance_sampling(p, q, 100_000, rng), importance_weighted_rule(p, q).acceptance),
        (*pair_sampling(truncated_lp(p, q, 3), 100_000, rng), 0.7865),
    ):
        assert chisquare_gof(tokens, p).pvalue >= 1e-6  # false alarm 1e-6
        assert abs(z_score(exact, from_proportion(int(accepted.sum()), 100_000))) <= 5


def test_samplers_are_deterministic_under_a_seed():
    q = np.tile(Q1, (3, 1))
    for fn in (specinfer_sampling, spectr_sampling, nss_sampling):
        a, b = fn(P6, q, 1000, rng=5), fn(P6, q, 1000, rng=5)
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def test_perfect_acceptance_sampler_always_accepts():
    q = np.tile(Q1, (4, 1))  # P* = 1 (theory note)
    _, accepted = selection_sampling(canonical_rule(P6, q), 50_000, 3)
    assert accepted.all()


# ----------------------------------------------------------------------------- bad input


def test_bad_input():
    with pytest.raises(InvalidArgumentError, match=r"^drafts: SpecTr K-SEQ needs identical"):
        spectr_acceptance(P6, [Q1, Q2])
    with pytest.raises(InvalidArgumentError, match=r"^drafts: SpecTr K-SEQ needs identical"):
        spectr_sampling(P6, [Q1, Q2], 10)
    with pytest.raises(InvalidArgumentError, match=r"^drafts: the truncated LP takes K = 2"):
        truncated_lp(P6, [Q1, Q2, Q1], 3)
    with pytest.raises(InvalidArgumentError, match=r"^s: must be >= 1"):
        tournament(P6, [Q1, Q2], 0)
    with pytest.raises(InvalidArgumentError, match=r"^size: must be >= 1"):
        nss_sampling(P6, [Q1], 0)
    with pytest.raises(InvalidArgumentError, match=r"^drafts: n\^K"):
        importance_weighted_rule(np.full(50, 0.02), np.full((5, 50), 0.02))
    with pytest.raises(InvalidArgumentError, match=r"^drafts: K = 0"):
        nss_acceptance(P6, np.zeros((0, 6)))
    with pytest.raises(InvalidArgumentError, match=r"^drafts: vocabulary size 5"):
        specinfer_sampling(P6, np.full((2, 5), 0.2), 10)
