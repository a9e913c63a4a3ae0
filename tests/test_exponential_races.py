"""Exact side of exponential-race speculative decoding (Kobus & Gunduz, arXiv 2504.15475).

Reference values come from the theory note, section 4 (recomputed there
independently); here they are reproduced by the exact code, and the fast
algorithms are checked against brute force (O(n^2) double sums, exact rationals).
No test in this file is statistical.
"""

import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from specbound.bounds.exponential_races import (
    _alpha_one_denominators,
    alpha_one,
    alpha_one_exact,
    bound_from_rank_law,
    chain_limit,
    drafted_acceptance,
    ersd_batch_tree,
    ersd_chain_tree,
    ersd_optimal_tree,
    gsd_optimal_tree,
    gsd_positional_acceptance,
    gsd_positional_acceptance_without_replacement,
    rank_distribution,
    rank_distribution_exact,
    rank_entropy,
    tokens_per_step_bound,
    tree_entropy_identity,
)
from specbound.bounds.rejections import total_variation
from specbound.distributions import (
    dirichlet,
    disjoint_pair,
    pair_at_tv,
    target_draft_pair,
    zipf,
)
from specbound.errors import InvalidArgumentError
from specbound.trees import optimal_tree, tree_value

P_A = [0.5, 0.3, 0.15, 0.05]
Q_A = [0.3, 0.4, 0.2, 0.1]
EXACT_A = rank_distribution_exact(P_A, Q_A)
ALPHA_A = rank_distribution(P_A, Q_A)


def _double_sum(p, q):
    """alpha(1) by the O(n^2) definition sum_x [sum_y max(p_y/p_x, q_y/q_x)]^-1."""
    p, q = np.asarray(p, float), np.asarray(q, float)
    tot = 0.0
    for x in np.flatnonzero((p > 0) & (q > 0)):
        tot += 1.0 / np.maximum(p / p[x], q / q[x]).sum()
    return tot


def _random_rational(n, rng, zeros=0):
    w = rng.integers(1, 20, size=n)
    w[rng.choice(n, size=zeros, replace=False)] = 0
    return [Fraction(int(v), int(w.sum())) for v in w]


# ----------------------------------------------------------------------------- reference values


def test_reference_alpha_one_is_647_over_820():
    assert alpha_one_exact(P_A, Q_A) == Fraction(647, 820)
    assert EXACT_A[0] == Fraction(647, 820)
    assert alpha_one(P_A, Q_A) == pytest.approx(647 / 820, abs=1e-15)


def test_reference_rank_law_and_entropies():
    assert sum(EXACT_A) == 1
    assert [round(float(v), 6) for v in EXACT_A] == [0.789024, 0.155250, 0.047601, 0.008125]
    np.testing.assert_allclose(ALPHA_A, [float(v) for v in EXACT_A], atol=1e-9)
    assert rank_entropy(ALPHA_A) == pytest.approx(0.660195, abs=5e-7)
    assert rank_entropy(ALPHA_A) / np.log(2) == pytest.approx(0.952461, abs=5e-7)
    assert float((ALPHA_A * np.log(np.arange(1, 5))).sum()) == pytest.approx(0.171169, abs=5e-7)
    tv = total_variation(P_A, Q_A)
    assert tv == pytest.approx(0.2)
    assert (1 - tv) / (1 + tv) <= ALPHA_A[0] <= 1 - tv


def test_reference_gsd_positional_vector():
    np.testing.assert_allclose(
        gsd_positional_acceptance(P_A, Q_A, 4), [0.8, 0.06, 0.042, 0.0294], atol=1e-15
    )


TABLE_K = [1, 2, 3, 4, 8, 16, 64]
TABLE_ERSD = [1.7890, 2.4116, 2.9028, 3.2904, 4.1831, 5.0803, 7.0885]
TABLE_GSD4 = [1.8000, 2.4400, 2.9520, 3.3616, 4.3289, 4.9361, 6.1205]
TABLE_BOUND = [3.1497, 3.7639, 4.1996, 4.5376, 5.4280, 6.3913, 8.4228]


@pytest.mark.parametrize("i", range(len(TABLE_K)))
def test_reference_tree_table(i):
    k = TABLE_K[i]
    ersd = ersd_optimal_tree(P_A, Q_A, k, rank_law=ALPHA_A).tokens_per_step
    gsd = gsd_optimal_tree(P_A, Q_A, k, max_children=4).tokens_per_step
    bound = tokens_per_step_bound(P_A, Q_A, k, rank_law=ALPHA_A)
    assert round(ersd, 4) == TABLE_ERSD[i]
    assert round(gsd, 4) == TABLE_GSD4[i]
    assert round(bound, 4) == TABLE_BOUND[i]
    assert ersd <= bound


def test_reference_uncapped_gsd_and_crossover():
    assert round(gsd_optimal_tree(P_A, Q_A, 64).tokens_per_step, 4) == 6.1269
    ahead = [
        k
        for k in range(1, 257)
        if gsd_optimal_tree(P_A, Q_A, k, max_children=4).tokens_per_step
        > ersd_optimal_tree(P_A, Q_A, k, rank_law=ALPHA_A).tokens_per_step
    ]
    assert ahead == list(range(1, 13))  # GSD ahead for k <= 12, ERSD for 13..256


def test_reference_entropy_identity_at_k8():
    tree = ersd_optimal_tree(P_A, Q_A, 8, rank_law=ALPHA_A)
    lhs, rhs = tree_entropy_identity(ALPHA_A, tree)
    assert lhs == pytest.approx(2.761674, abs=5e-7)
    assert rhs == pytest.approx(lhs, abs=1e-9)
    assert rhs <= np.log(9) + np.log(4)
    assert np.log(9) + np.log(4) == pytest.approx(3.583519, abs=5e-7)


SYNTH = {
    "geometric": (
        lambda r: 0.6 ** (r - 1.0),
        1.682529,
        [1.400, 1.944, 2.661, 3.460, 4.279, 5.104, 6.750],
        11.933,
        1.667,
        (0.977, 0.988),
    ),
    "power": (
        lambda r: r**-1.8,
        2.061540,
        [1.531, 2.116, 2.755, 3.412, 4.080, 4.752, 6.100],
        9.739,
        2.134,
        (1.195, 1.393),
    ),
}


@pytest.mark.parametrize("name", SYNTH)
def test_reference_synthetic_rank_laws(name):
    law, h_ref, values, bound_ref, chain_ref, (lo, hi) = SYNTH[name]
    r = np.arange(1, 32001, dtype=float)
    a = law(r)
    a /= a.sum()
    h = rank_entropy(a)
    assert h == pytest.approx(h_ref, abs=5e-7)
    ks = [1, 4, 16, 64, 256, 1024, 16384]
    got = [round(optimal_tree(a, k).tokens_per_step, 3) for k in ks]
    assert got == values
    assert round(bound_from_rank_law(a, 16384), 3) == bound_ref
    assert round(1 / (1 - a[0]), 3) == chain_ref
    gaps = [optimal_tree(a, 4**j).tokens_per_step - np.log(4**j + 1) / h for j in range(7)]
    assert lo - 5e-4 <= min(gaps) and max(gaps) <= hi + 5e-4


def test_reference_gap_example_a():
    h = rank_entropy(ALPHA_A)
    gaps = [
        ersd_optimal_tree(P_A, Q_A, 4**j, rank_law=ALPHA_A).tokens_per_step - np.log(4**j + 1) / h
        for j in range(7)
    ]
    assert 0.739 - 5e-4 <= min(gaps) and max(gaps) <= 0.853 + 5e-4


# ----------------------------------------------------------------------------- alpha(1)


@given(st.integers(2, 40), st.integers(0, 10_000), st.floats(0.05, 3.0))
def test_alpha_one_fast_equals_double_sum(n, seed, conc):
    rng = np.random.default_rng(seed)
    p, q = dirichlet(n, conc, rng), dirichlet(n, conc, rng)
    assert alpha_one(p, q) == pytest.approx(_double_sum(p, q), abs=1e-12)
    tv = total_variation(p, q)
    assert (1 - tv) / (1 + tv) - 1e-12 <= alpha_one(p, q) <= 1 - tv + 1e-12


def test_alpha_one_with_ties_and_zeros():
    p = np.array([0.2, 0.2, 0.0, 0.3, 0.3, 0.0])
    q = np.array([0.1, 0.1, 0.2, 0.0, 0.3, 0.3])
    assert alpha_one(p, q) == pytest.approx(_double_sum(p, q), abs=1e-15)
    pf = [Fraction(v).limit_denominator(100) for v in p]
    qf = [Fraction(v).limit_denominator(100) for v in q]
    assert float(alpha_one_exact(pf, qf)) == pytest.approx(alpha_one(p, q), abs=1e-15)


def test_alpha_one_limits():
    p = dirichlet(30, 0.5, 1)
    assert alpha_one(p, p) == pytest.approx(1.0, abs=1e-12)  # same race: always first
    pd, qd = disjoint_pair(10, 2)
    assert alpha_one(pd, qd) == 0.0


def test_alpha_one_large_vocabulary_matches_blocks():
    p, q = target_draft_pair(128_000, rng=3)
    # the O(n^2) sum in blocks of x (vectorised), on a random subset of 300 x's
    xs = np.random.default_rng(0).choice(p.size, 300, replace=False)
    terms = np.array([p[x] / np.maximum(p, q * p[x] / q[x]).sum() for x in xs])
    eligible, den = _alpha_one_denominators(p, q)
    assert np.array_equal(eligible, np.arange(p.size))  # full supports
    np.testing.assert_allclose(p[xs] / den[xs], terms, rtol=1e-12)
    assert alpha_one(p, q) == pytest.approx(float(np.sum(p / den)), rel=1e-13)


# ----------------------------------------------------------------------------- the rank law


@pytest.mark.parametrize("seed", range(6))
def test_rank_law_integral_matches_exact_rationals(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 8))
    zeros = int(rng.integers(0, 2)) if n > 3 else 0
    p = _random_rational(n, rng, zeros)
    q = _random_rational(n, rng, int(rng.integers(0, 2)) if n > 3 else 0)
    exact = rank_distribution_exact(p, q)
    assert sum(exact) == 1
    assert exact[0] == alpha_one_exact(p, q)
    num = rank_distribution([float(v) for v in p], [float(v) for v in q])
    np.testing.assert_allclose(num, [float(v) for v in exact], atol=1e-9)


@pytest.mark.parametrize(
    "pair",
    [
        target_draft_pair(60, rng=1),
        pair_at_tv(64, 0.4, rng=2),
        (zipf(40, 1.1), dirichlet(40, 0.3, 5)),
    ],
    ids=["softmax", "tv0.4", "zipf-vs-dirichlet"],
)
def test_rank_law_sums_to_one(pair):
    a = rank_distribution(*pair)
    assert a.min() >= -1e-12
    assert a.sum() == pytest.approx(1.0, abs=1e-9)
    assert a[0] == alpha_one(*pair)


def test_rank_law_max_rank_is_exact_prefix():
    p, q = target_draft_pair(40, rng=7)
    full = rank_distribution(p, q)
    part = rank_distribution(p, q, max_rank=5)
    np.testing.assert_allclose(part[:5], full[:5], atol=1e-10)
    assert np.all(part[5:] == 0)


def test_rank_law_zero_probabilities():
    # p = 0 tokens never win; q = 0 tokens are never drafted: rank n_q + 1
    p = [0.4, 0.0, 0.3, 0.3]
    q = [0.5, 0.5, 0.0, 0.0]
    exact = rank_distribution_exact(p, q)
    a = rank_distribution(p, q)
    np.testing.assert_allclose(a, [float(v) for v in exact], atol=1e-9)
    assert exact[2] == Fraction(3, 5) and exact[3] == 0  # n_q = 2: rank 3 holds P(q(X) = 0)
    np.testing.assert_allclose(drafted_acceptance(a, q), a[:2])
    pd, qd = disjoint_pair(8, 1)
    ad = rank_distribution(pd, qd)
    assert ad[4] == pytest.approx(1.0) and rank_entropy(ad) == 0.0
    assert tokens_per_step_bound(pd, qd, 3) == np.inf
    assert ersd_optimal_tree(pd, qd, 3).tokens_per_step == 1.0


# ----------------------------------------------------------------------------- bound and trees

FAMILIES = {
    "softmax n=48": target_draft_pair(48, rng=11),
    "tv=0.5 n=32": pair_at_tv(32, 0.5, rng=12),
    "dirichlet n=20": (dirichlet(20, 0.5, 13), dirichlet(20, 0.5, 14)),
    "zipf n=40": (zipf(40, 1.2), zipf(40, 0.8)),
    "zeros n=16": (
        np.r_[dirichlet(12, 1.0, 15), np.zeros(4)],
        np.r_[np.zeros(3), dirichlet(13, 1.0, 16)],
    ),
}
KS = [1, 2, 3, 4, 5, 8, 16, 32, 64, 100, 256, 512, 1024, 2048, 4096]


@pytest.mark.parametrize("name", FAMILIES)
def test_bound_holds_for_optimal_tree_all_k(name):
    p, q = FAMILIES[name]
    a = rank_distribution(p, q)
    h = rank_entropy(a)
    prev = 0.0
    for k in KS:
        tree = ersd_optimal_tree(p, q, k, rank_law=a)
        bound = tokens_per_step_bound(p, q, k, rank_law=a)
        assert tree.tokens_per_step <= bound + 1e-12, k
        lhs, rhs = tree_entropy_identity(a, tree)
        assert lhs == pytest.approx(rhs, abs=1e-9)
        assert tree.tokens_per_step >= prev  # more nodes never hurt
        prev = tree.tokens_per_step
    never = float(p[q == 0].sum())  # P(q(X) = 0): the target's token is never drafted
    if never == 0:
        # large-k behaviour: E[G] - ln(k+1)/H[R] settles (logarithmic growth, C6)
        gaps = [
            ersd_optimal_tree(p, q, k, rank_law=a).tokens_per_step - np.log(k + 1) / h
            for k in (256, 1024, 4096)
        ]
        assert max(gaps) - min(gaps) < 0.5
    else:
        # refinement: a never-draftable atom caps E[G] at 1 / P(q(X) = 0) for every k,
        # so the ln k / H[R] growth does not hold there
        assert prev <= 1.0 / never


@given(st.integers(0, 10_000), st.integers(1, 60))
def test_bound_and_identity_on_random_trees(seed, k):
    rng = np.random.default_rng(seed)
    a = rank_distribution(*target_draft_pair(12, rng=seed))
    perm = rng.permutation(12)  # arbitrary (unsorted) rank labels
    parent = np.empty(k, dtype=np.int64)
    child = np.empty(k, dtype=np.int64)
    kids = np.zeros(k + 1, dtype=np.int64)  # children so far, slot 0 = root
    for i in range(k):
        par = int(rng.integers(-1, i))
        if kids[par + 1] == 12:  # full: hang it under the newest node (childless)
            par = i - 1
        parent[i], child[i] = par, perm[kids[par + 1]]
        kids[par + 1] += 1
    tree = tree_value(a, parent, child)
    lhs, rhs = tree_entropy_identity(a, tree)
    assert lhs == pytest.approx(rhs, abs=1e-9)
    assert tree.tokens_per_step <= bound_from_rank_law(a, k) + 1e-12
    assert tree.tokens_per_step <= optimal_tree(a, k, sort=True).tokens_per_step + 1e-12


def test_chain_and_batch_limits():
    for p, q in FAMILIES.values():
        a = drafted_acceptance(rank_distribution(p, q), q)
        a1 = a[0]
        for k in (1, 5, 50, 500):
            value = ersd_chain_tree(a, k).tokens_per_step
            assert value == pytest.approx(sum(a1**i for i in range(k + 1)), rel=1e-12)
            assert value <= chain_limit(p, q) + 1e-12
        if a1 < 0.99:
            assert ersd_chain_tree(a, 4000).tokens_per_step == pytest.approx(
                chain_limit(p, q), rel=1e-12
            )
        for k in range(1, a.size + 1, 7):
            b = ersd_batch_tree(a, k).tokens_per_step
            assert b == pytest.approx(1 + a[:k].sum()) and b <= 2 + 1e-12


def test_gsd_without_replacement_vector():
    v = gsd_positional_acceptance_without_replacement(P_A, Q_A, 4)
    iid = gsd_positional_acceptance(P_A, Q_A, 4)
    assert v[0] == pytest.approx(iid[0])  # the first draft is the same
    assert v.sum() == pytest.approx(1.0, abs=1e-12)  # all 4 tokens drafted: always accepted
    assert v.sum() > iid.sum()
    p, q = pair_at_tv(6, 0.3, rng=4)
    assert gsd_positional_acceptance_without_replacement(p, q, 6).sum() == pytest.approx(1.0)


def test_gsd_equal_laws_and_disjoint():
    p = dirichlet(10, 1.0, 3)
    np.testing.assert_allclose(gsd_positional_acceptance(p, p, 3), [1.0, 0.0, 0.0])
    pd, qd = disjoint_pair(6, 0)
    assert gsd_positional_acceptance(pd, qd, 5).sum() == 0.0


# ----------------------------------------------------------------------------- bad input


def test_bad_input_errors():
    with pytest.raises(InvalidArgumentError, match=r"^k: must be >= 1"):
        tokens_per_step_bound(P_A, Q_A, 0)
    with pytest.raises(InvalidArgumentError, match=r"^k: must be >= 1"):
        ersd_optimal_tree(P_A, Q_A, 0)
    with pytest.raises(InvalidArgumentError, match=r"^k: must be >= 1"):
        gsd_positional_acceptance(P_A, Q_A, 0)
    with pytest.raises(InvalidArgumentError, match=r"^draft: vocabulary size 3 differs"):
        rank_distribution(P_A, [0.2, 0.3, 0.5])
    with pytest.raises(InvalidArgumentError, match=r"^draft: vocabulary size 3 differs"):
        alpha_one(P_A, [0.2, 0.3, 0.5])
    with pytest.raises(InvalidArgumentError, match=r"^draft: vocabulary size 3 differs"):
        rank_distribution_exact(P_A, ["0.2", "0.3", "0.5"])
    with pytest.raises(InvalidArgumentError, match=r"^target: .*negative"):
        rank_distribution([1.5, -0.5], [0.5, 0.5])
    with pytest.raises(InvalidArgumentError, match=r"^target: rationals sum to"):
        alpha_one_exact(["0.5", "0.4"], ["0.5", "0.5"])
    with pytest.raises(InvalidArgumentError, match=r"^target: exact rank law needs n <= 14"):
        rank_distribution_exact([Fraction(1, 15)] * 15, [Fraction(1, 15)] * 15)
    with pytest.raises(InvalidArgumentError, match=r"^max_rank: must be >= 1"):
        rank_distribution(P_A, Q_A, max_rank=0)
    with pytest.raises(InvalidArgumentError, match=r"^tol: must be > 0"):
        rank_distribution(P_A, Q_A, tol=0.0)
    with pytest.raises(InvalidArgumentError, match=r"^rank_law: vocabulary size 2 differs"):
        tokens_per_step_bound(P_A, Q_A, 3, rank_law=[0.5, 0.5])


# ----------------------------------------------------------------------------- command line


def test_cli_ersd_table(capsys):
    from specbound.cli import main

    argv = ["ersd", "--target", "0.5,0.3,0.15,0.05", "--draft", "0.3,0.4,0.2,0.1"]
    assert main([*argv, "--k", "1,8,64", "--max-children", "4", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "alpha(1) = 0.789024" in out and "H[R] = 0.660195" in out
    assert main([*argv, "--budget", "1,8,64", "--max-children", "4", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    rows = {r["k"]: [f"{r[c]:.4f}" for c in ("ersd", "gsd", "bound")] for r in data["rows"]}
    assert rows[1] == ["1.7890", "1.8000", "3.1497"]
    assert rows[8] == ["4.1831", "4.3289", "5.4280"]
    assert rows[64] == ["7.0885", "6.1205", "8.4228"]
    assert main([*argv, "--k", "2", "--simulate", "2000", "--no-progress"]) == 0
    assert "±" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--k", "0"], "budget: must be >= 1"),
        (["--draft", "0.2,0.8"], "draft: vocabulary size 2 differs"),
        (["--budget", "1,x"], "budget: expected comma-separated integers"),
        (["--simulate", "1"], "simulate: need at least 2"),
        (["--max-children", "0"], "max_children: must be >= 1"),
    ],
)
def test_cli_ersd_errors(capsys, extra, message):
    from specbound.cli import main

    argv = ["ersd", "--target", "0.5,0.3,0.15,0.05", "--draft", "0.3,0.4,0.2,0.1"]
    if "--draft" in extra:
        argv = [*argv[:3], "--draft", extra[1]]
        extra = []
    assert main([*argv, *extra, "--no-progress"]) == 2
    assert message in capsys.readouterr().err


# ----------------------------------------------------------------------------- C7 bracket


def test_reference_kl_and_bracket_example_a():
    from specbound.bounds.exponential_races import information_bracket

    b = information_bracket(P_A, Q_A, rank_law=ALPHA_A)
    assert b["kl"] == pytest.approx(0.091299, abs=5e-7)
    assert b["kl_mixed"] <= b["entropy"]
    assert b["mean_log_rank"] <= b["pfr_bound"]


@pytest.mark.parametrize("seed", range(8))
def test_information_bracket_random_pairs(seed):
    from specbound.bounds.exponential_races import information_bracket

    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 10))
    p, q = dirichlet(n, 0.4, rng), dirichlet(n, 0.4, rng)
    b = information_bracket(p, q)
    assert b["kl_mixed"] <= b["entropy"] + 1e-12
    assert b["mean_log_rank"] <= b["pfr_bound"] + 1e-12


def test_entropy_below_kl_counterexample():
    from specbound.bounds.exponential_races import information_bracket

    eps = 0.01
    b = information_bracket([eps, 1 - eps], [1 - eps, eps])
    assert b["kl"] == pytest.approx(4.503, abs=5e-4)
    assert b["entropy"] <= np.log(2) < b["kl"]  # "H[R] >= D(p||q)" is false


def test_draft_position_laws_brute_force():
    import itertools

    from specbound.bounds.exponential_races import draft_position_laws

    q = np.array([0.35, 0.0, 0.25, 0.2, 0.15, 0.05])
    brute = np.zeros((6, 6))
    for perm in itertools.permutations(np.flatnonzero(q > 0)):
        pr, rem = 1.0, 1.0
        for y in perm:
            pr *= q[y] / rem
            rem -= q[y]
        for r, y in enumerate(perm):
            brute[r, y] += pr
    np.testing.assert_allclose(draft_position_laws(q), brute, atol=1e-15)
    with pytest.raises(InvalidArgumentError, match=r"^draft: exact arrival laws need n <= 18"):
        draft_position_laws(np.full(19, 1 / 19))


def test_truncated_rank_law_gives_valid_bound_and_trees():
    from specbound.bounds.exponential_races import rank_entropy_lower_bound

    p, q = FAMILIES["softmax n=48"]
    full = rank_distribution(p, q)
    h = rank_entropy(full)
    for r in (1, 2, 5, 12, 48):
        head = rank_distribution(p, q, max_rank=r)
        lower = rank_entropy_lower_bound(head[:r])
        assert lower <= h + 1e-9
        assert bound_from_rank_law(full, 64) <= (np.log(48) + np.log(65)) / lower + 1e-9
        trunc_tree = ersd_optimal_tree(p, q, 64, rank_law=head)
        assert (
            trunc_tree.tokens_per_step
            <= ersd_optimal_tree(p, q, 64, rank_law=full).tokens_per_step + 1e-9
        )
    assert rank_entropy_lower_bound(full) == pytest.approx(h, abs=1e-9)
    with pytest.raises(InvalidArgumentError, match=r"^rank_law_head: sums to"):
        rank_entropy_lower_bound([0.7, 0.5])


def test_cli_ersd_max_rank(capsys):
    from specbound.cli import main

    argv = ["ersd", "--target", "0.5,0.3,0.15,0.05", "--draft", "0.3,0.4,0.2,0.1", "--k", "8"]
    assert main([*argv, "--max-rank", "2", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "H[R] >= " in out
    ersd, _, bound = (float(v) for v in out.splitlines()[3].split()[1:])
    assert ersd <= 4.1831 and bound >= 5.4280
