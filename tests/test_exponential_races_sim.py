"""Monte Carlo side of exponential-race speculative decoding (arXiv 2504.15475).

Statistical thresholds and their false-alarm rates for a correct implementation
(fixed seeds, so every outcome is deterministic anyway):
* chi-square goodness of fit: p >= 1e-6 (false alarm 1e-6 per test);
* means and proportions: |z| <= 5 (two-sided normal, 5.7e-7 per check).
"""

import numpy as np
import pytest

from specbound.bounds.exponential_races import (
    alpha_one,
    ersd_optimal_tree,
    gsd_positional_acceptance,
    gsd_positional_acceptance_without_replacement,
    rank_distribution,
)
from specbound.distributions import dirichlet, disjoint_pair, pair_at_tv, target_draft_pair
from specbound.errors import InvalidArgumentError
from specbound.simulations.agreement import chisquare_gof
from specbound.simulations.estimate import from_proportion, from_values
from specbound.simulations.exponential_races import (
    ersd_generate,
    ersd_node,
    ersd_tree_steps,
    gsd_verify,
    race_ranks,
    race_top,
)
from specbound.trees import tree_value

ALPHA = 1e-6  # chi-square false-alarm rate
SIGMAS = 5.0  # two-sided false-alarm rate 5.7e-7

P_A = np.array([0.5, 0.3, 0.15, 0.05])
Q_A = np.array([0.3, 0.4, 0.2, 0.1])


def _one_hot(n, i):
    e = np.zeros(n)
    e[i] = 1.0
    return e


PAIRS = {
    "example A": (P_A, Q_A),
    "softmax n=40": target_draft_pair(40, rng=1),
    "n=1023 tv=0.3": pair_at_tv(1023, 0.3, rng=2),
    "one-hot target": (_one_hot(30, 7), dirichlet(30, 1.0, 3)),
    "disjoint": disjoint_pair(20, 4),
    "equal laws": (dirichlet(25, 0.5, 5),) * 2,
    "zeros both": (np.array([0.4, 0.0, 0.3, 0.3, 0.0]), np.array([0.5, 0.2, 0.0, 0.1, 0.2])),
}


def _exact_ranks(p, q):
    return rank_distribution(p, q) if p.size <= 60 else None


# ----------------------------------------------------------------------------- C1 races


@pytest.mark.parametrize("name", PAIRS)
def test_race_winner_law_and_ranks(name):
    p, q = PAIRS[name]
    x, r = race_ranks(p, q, 60_000 if p.size < 100 else 10_000, rng=10)
    assert chisquare_gof(x, p).pvalue >= ALPHA
    a = _exact_ranks(p, q)
    if a is not None:
        assert chisquare_gof(r - 1, a).pvalue >= ALPHA


def test_first_two_draft_arrivals_are_plackett_luce():
    q = np.array([0.4, 0.25, 0.2, 0.1, 0.05])
    pl = q[:, None] * q[None, :] / (1 - q[:, None])
    np.fill_diagonal(pl, 0.0)
    for top in (race_top(q, 2, 200_000, rng=1), None):
        if top is None:  # the fast sampler's sequential draft arrivals
            from specbound.simulations.exponential_races import _draft_arrivals

            top, _ = _draft_arrivals(q, 2, 200_000, np.random.default_rng(2))
        cells = top[:, 0] * q.size + top[:, 1]
        assert chisquare_gof(cells, pl.ravel()).pvalue >= ALPHA
        # per-cell z as in the note (|z| <= 5 here)
        freq = np.bincount(cells, minlength=q.size**2) / cells.size
        exact = pl.ravel()
        ok = exact > 0
        z = (freq[ok] - exact[ok]) / np.sqrt(exact[ok] * (1 - exact[ok]) / cells.size)
        assert np.abs(z).max() <= SIGMAS


def test_race_top_with_zero_draft_tokens():
    q = np.array([0.5, 0.0, 0.5])
    top = race_top(q, 2, 1000, rng=0)
    assert set(np.unique(top)) == {0, 2}
    with pytest.raises(InvalidArgumentError, match=r"^m: only 2 tokens have q > 0"):
        race_top(q, 3, 10)


# ----------------------------------------------------------------------------- one node


@pytest.mark.parametrize("name", PAIRS)
@pytest.mark.parametrize("m", [1, 3])
def test_ersd_node_is_exact_and_accepts_with_rank_law(name, m):
    p, q = PAIRS[name]
    trials = 200_000
    tokens, rank = ersd_node(p, q, m, trials, rng=20 + m)
    assert chisquare_gof(tokens, p).pvalue >= ALPHA  # exact output law, whatever the drafts
    nq = int(np.count_nonzero(q > 0))
    if p.size <= 60:
        a = rank_distribution(p, q)
        # joint law of (accepted rank r <= m, or rejected) against alpha
        mm = min(m, nq)
        law = np.r_[a[:mm], 1 - a[:mm].sum()]
        obs = np.where(rank >= 0, rank, mm)
        assert chisquare_gof(obs, np.clip(law, 0, None) / np.clip(law, 0, None).sum()).pvalue >= (
            ALPHA
        )
    else:
        est = from_proportion(int((rank == 0).sum()), trials)
        assert abs(est.z(alpha_one(p, q))) <= SIGMAS


def test_ersd_node_matches_full_races_at_n1000():
    p, q = target_draft_pair(1000, rng=5)
    fast_t, fast_r = ersd_node(p, q, 2, 400_000, rng=1)
    _, r = race_ranks(p, q, 40_000, rng=2)
    # acceptance at 2 drafts: two independent estimates of P(R <= 2)
    a = from_proportion(int((fast_r >= 0).sum()), fast_r.size)
    b = from_proportion(int((r <= 2).sum()), r.size)
    z = (a.mean - b.mean) / np.hypot(a.se, b.se)
    assert abs(z) <= SIGMAS
    assert abs(from_proportion(int((fast_r == 0).sum()), fast_r.size).z(alpha_one(p, q))) <= 5
    assert chisquare_gof(fast_t, p).pvalue >= ALPHA


def test_ersd_node_edge_cases():
    p = dirichlet(12, 1.0, 0)
    t, r = ersd_node(p, p, 1, 5000, rng=0)
    assert np.all(r == 0)  # equal laws: the first arrival always wins
    pd, qd = disjoint_pair(10, 1)
    t, r = ersd_node(pd, qd, 4, 5000, rng=0)
    assert np.all(r == -1) and np.all(pd[t] > 0)
    t, r = ersd_node(P_A, Q_A, 0, 100, rng=0)
    assert np.all(r == -1)
    with pytest.raises(InvalidArgumentError, match=r"^m: must be >= 0"):
        ersd_node(P_A, Q_A, -1, 10)
    with pytest.raises(InvalidArgumentError, match=r"^draft: vocabulary size 3 differs"):
        ersd_node(P_A, [0.2, 0.3, 0.5], 1, 10)


# ----------------------------------------------------------------------------- trees


def test_tree_value_matches_simulation_example_a():
    a = rank_distribution(P_A, Q_A)
    tree = ersd_optimal_tree(P_A, Q_A, 8, rank_law=a)
    g, first = ersd_tree_steps(P_A, Q_A, tree, 400_000, rng=3)
    est = from_values(g)
    assert abs(est.z(tree.tokens_per_step)) <= SIGMAS  # note: 4.1830 +- 0.0038
    assert est.se == pytest.approx(0.0038, abs=3e-4)
    assert chisquare_gof(first, P_A).pvalue >= ALPHA


@pytest.mark.parametrize("name", ["softmax n=40", "zeros both", "disjoint"])
def test_tree_value_matches_simulation(name):
    p, q = PAIRS[name]
    a = rank_distribution(p, q)
    for k in (3, 20):
        tree = ersd_optimal_tree(p, q, k, rank_law=a)
        g, _ = ersd_tree_steps(p, q, tree, 60_000, rng=k)
        est = from_values(g) if g.std() > 0 else None
        if est is None:
            assert g.mean() == tree.tokens_per_step
        else:
            assert abs(est.z(tree.tokens_per_step)) <= SIGMAS


def test_tree_with_unsorted_ranks():
    # children at ranks 2 and 0 of the root, rank 1 below the first: any rank set works
    p, q = PAIRS["softmax n=40"]
    a = rank_distribution(p, q)
    tree = tree_value(a, [-1, -1, 0], [2, 0, 1])
    g, _ = ersd_tree_steps(p, q, tree, 100_000, rng=9)
    assert abs(from_values(g).z(tree.tokens_per_step)) <= SIGMAS


# ----------------------------------------------------------------------------- generation


def test_drafter_invariance_with_position_keys():
    p, q1 = target_draft_pair(30, rng=3)
    q2 = dirichlet(30, 0.3, 4)
    a1, a2 = rank_distribution(p, q1), rank_distribution(p, q2)
    t1 = ersd_optimal_tree(p, q1, 12, rank_law=a1)
    t2 = ersd_optimal_tree(p, q2, 5, rank_law=a2)
    text1, calls1 = ersd_generate(p, q1, t1, 4000, seed=11)
    text2, calls2 = ersd_generate(p, q2, t2, 4000, seed=11)
    assert np.array_equal(text1, text2)
    assert calls1 != calls2  # the drafts only change how many calls it takes
    assert chisquare_gof(text1, p).pvalue >= ALPHA
    # the text is the position-wise target race winner
    w = np.random.default_rng(11).standard_exponential((4000, 30))
    with np.errstate(divide="ignore"):
        assert np.array_equal(text1, np.argmin(np.log(w) - np.log(p), axis=1))


def test_node_keys_are_exact_but_not_drafter_invariant():
    p, q1 = target_draft_pair(30, rng=3)
    q2 = dirichlet(30, 0.3, 4)
    tree = ersd_optimal_tree(p, q1, 6)
    text1, _ = ersd_generate(p, q1, tree, 3000, seed=1, keying="node")
    text2, _ = ersd_generate(p, q2, tree, 3000, seed=1, keying="node")
    assert (text1 != text2).mean() > 0.1
    assert chisquare_gof(text1, p).pvalue >= ALPHA
    assert chisquare_gof(text2, p).pvalue >= ALPHA
    with pytest.raises(InvalidArgumentError, match=r"^keying: must be"):
        ersd_generate(p, q1, tree, 10, keying="step")


def test_generation_speedup_matches_tree_value():
    # tokens per call over a long text estimates E[G] (ratio estimator; loose 5% check
    # of a deterministic seeded run, the exact check is test_tree_value_matches_simulation)
    tree = ersd_optimal_tree(P_A, Q_A, 8)
    text, calls = ersd_generate(P_A, Q_A, tree, 20_000, seed=2)
    assert text.size / calls == pytest.approx(tree.tokens_per_step, rel=0.05)


# ----------------------------------------------------------------------------- GSD


@pytest.mark.parametrize("replacement", [True, False])
@pytest.mark.parametrize("name", ["example A", "softmax n=40", "zeros both"])
def test_gsd_positional_acceptance_and_output(name, replacement):
    p, q = PAIRS[name]
    k = 3
    tokens, pos = gsd_verify(p, q, k, 200_000, rng=7, replacement=replacement)
    assert chisquare_gof(tokens, p).pvalue >= ALPHA
    if replacement:
        vec = gsd_positional_acceptance(p, q, k)
    else:
        vec = gsd_positional_acceptance_without_replacement(p, q, k)
    law = np.r_[vec, max(0.0, 1 - vec.sum())]
    obs = np.where(pos >= 0, pos, k)
    assert chisquare_gof(obs, law / law.sum()).pvalue >= ALPHA


def test_gsd_bad_input():
    with pytest.raises(InvalidArgumentError, match=r"^k: must be >= 1"):
        gsd_verify(P_A, Q_A, 0, 10)
    with pytest.raises(InvalidArgumentError, match=r"^size: must be >= 1"):
        gsd_verify(P_A, Q_A, 2, 0)


# ----------------------------------------------------------------------------- figures


def test_figures_draw_quickly():
    from specbound.figures import FigureContext
    from specbound.figures.exponential_races import FIGURES

    for spec in FIGURES:
        out = spec.make(FigureContext(quick=True))
        lengths = {len(v) for v in out.columns.values()}
        assert len(lengths) == 1 and lengths.pop() > 10
        assert out.figure.axes


# ----------------------------------------------------------------------------- C7 bracket


@pytest.mark.parametrize("name", ["example A", "p zeros"])
def test_pfr_index_and_mixture(name):
    from specbound.bounds.exponential_races import draft_position_laws, information_bracket
    from specbound.simulations.exponential_races import pfr_index

    if name == "p zeros":  # p << q is needed for a finite D(p||q)
        p, q = np.array([0.4, 0.0, 0.3, 0.3, 0.0]), np.array([0.5, 0.2, 0.1, 0.1, 0.1])
    else:
        p, q = PAIRS[name]
    b = information_bracket(p, q)
    r, j = pfr_index(p, q, 200_000, rng=4)
    assert np.all(j >= r)
    assert abs(from_values(np.log(r)).z(b["mean_log_rank"])) <= SIGMAS
    assert from_values(np.log(j)).z(b["pfr_bound"]) <= SIGMAS  # E[ln J] <= D + 1/e + ln 2
    # q~ = law of the draft's arrival at an independent rank R' ~ alpha
    a = rank_distribution(p, q)
    rng = np.random.default_rng(5)
    top = race_top(q, int(np.count_nonzero(q > 0)), 100_000, rng)
    rprime = rng.choice(a.size, size=top.shape[0], p=a / a.sum())
    ok = rprime < top.shape[1]  # rank n_q + 1: no arrival there (mass P(q(X) = 0))
    tokens = top[np.flatnonzero(ok), rprime[ok]]
    mixed = a @ draft_position_laws(q)
    assert chisquare_gof(tokens, mixed / mixed.sum()).pvalue >= ALPHA


def test_pfr_index_infinite_when_target_token_undraftable():
    from specbound.simulations.exponential_races import pfr_index

    p, q = PAIRS["zeros both"]
    r, j = pfr_index(p, q, 20_000, rng=1)
    x_undraftable = r == int(np.count_nonzero(q > 0)) + 1
    assert x_undraftable.any() and np.all(np.isinf(j[x_undraftable]))
    assert np.all(j[~x_undraftable] >= r[~x_undraftable])


@pytest.mark.parametrize(
    "probs",
    [
        dirichlet(1000, 0.05, 1),
        np.r_[0.999, np.full(999, 0.001 / 999)],  # one bucket holds 999 tokens
        np.r_[np.zeros(5), [0.7], np.zeros(3), [0.3]],
        target_draft_pair(1024, rng=8)[1],
    ],
    ids=["peaked", "one-heavy", "zeros", "softmax"],
)
def test_guide_table_sampler_law(probs):
    from specbound.simulations.exponential_races import _GuideTable

    x = _GuideTable(probs).sample(300_000, np.random.default_rng(3))
    assert np.all(probs[x] > 0)
    assert chisquare_gof(x, probs).pvalue >= ALPHA


# ----------------------------------------------------------------------------- lazy tree sampler


@pytest.mark.parametrize("name", ["example A", "softmax n=40", "zeros both", "disjoint"])
def test_fast_tree_sampler_matches_tree_value(name):
    from specbound.simulations.exponential_races import ersd_tree_steps_fast

    p, q = PAIRS[name]
    a = rank_distribution(p, q)
    trees = [ersd_optimal_tree(p, q, 12, rank_law=a)]
    if p.size >= 3:
        trees.append(tree_value(a, [-1, -1, 0], [2, 0, 1]))  # unsorted rank sets
    for tree in trees:
        g, first = ersd_tree_steps_fast(p, q, tree, 100_000, rng=6)
        assert chisquare_gof(first, p).pvalue >= ALPHA
        if g.std() == 0:
            assert g[0] == pytest.approx(tree.tokens_per_step)
        else:
            assert abs(from_values(g).z(tree.tokens_per_step)) <= SIGMAS


def test_fast_tree_sampler_large_vocabulary_chain():
    from specbound.bounds.exponential_races import ersd_chain_tree
    from specbound.simulations.exponential_races import ersd_tree_steps_fast

    p, q = target_draft_pair(20_000, rng=9)
    a1 = alpha_one(p, q)
    tree = ersd_chain_tree([a1], 6)
    g, _ = ersd_tree_steps_fast(p, q, tree, 100_000, rng=7)
    assert abs(from_values(g).z(sum(a1**i for i in range(7)))) <= SIGMAS


def test_estimate_rank_distribution_large_vocabulary():
    from specbound.simulations.exponential_races import estimate_rank_distribution

    p, q = target_draft_pair(2000, rng=12)
    freq, se = estimate_rank_distribution(p, q, 20_000, rng=3)
    assert freq.shape == (2000,) and freq.sum() == pytest.approx(1.0)
    head = rank_distribution(p, q, max_rank=1)  # alpha(1) exactly (closed form)
    assert abs(freq[0] - head[0]) <= SIGMAS * se[0]
    with pytest.raises(InvalidArgumentError, match=r"^trials: must be >= 2"):
        estimate_rank_distribution(p, q, 1)
