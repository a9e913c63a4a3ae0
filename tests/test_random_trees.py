"""Tests of specbound.simulations.random_trees (i.i.d. random environments, note C1/C2/C6).

Statistical thresholds: |z| <= 5 (two-sided false-alarm rate 5.7e-7 per comparison,
normal approximation). The tree's laws are drawn in its reveal order (numpy batches,
one node at a time in bands with few candidates), not in the heap order of the note's
C2 pseudocode, so the note's seeded tables are matched in distribution (within 5 SE),
not draw for draw; exactness of the tree for the sampled environment is checked
against a plain heap run on the recorded laws.
"""

from __future__ import annotations

import heapq
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import specbound.simulations.random_trees as rt
from specbound.bounds.branching_walk import (
    dirichlet_moments,
    entropy_moment_estimates,
    renewal_bound,
)
from specbound.errors import InvalidArgumentError
from specbound.simulations.estimate import from_values
from specbound.simulations.random_trees import (
    DirichletLaw,
    EmpiricalLaw,
    FixedLaw,
    SoftmaxGaussianLaw,
    check_law_sampler,
    environment_values,
    optimal_accepted_curve,
    optimal_random_tree,
    simulate_verifier,
    spine_estimate,
    verifier_accepted,
)
from specbound.trees import chain_tree, optimal_tree


def naive_tree_values(draw, size: int, seed: int) -> np.ndarray:
    """The note's C2 pseudocode verbatim (the former implementation's law order).

    One law per call, fully sorted, plain heapq; law i goes to the i-th popped node.
    """
    rng = np.random.default_rng(seed)
    laws = [np.sort(draw(rng))[::-1]]
    heap = [(-laws[0][0], 0, 0, 1.0)]
    out = []
    for _ in range(size):
        negpi, par, r, pipar = heapq.heappop(heap)
        pi = -negpi
        out.append(pi)
        p = laws[par]
        if r + 1 < p.size and p[r + 1] > 0:
            heapq.heappush(heap, (-pipar * p[r + 1], par, r + 1, pipar))
        laws.append(np.sort(draw(rng))[::-1])
        if laws[-1][0] > 0:
            heapq.heappush(heap, (-pi * laws[-1][0], len(laws) - 1, 0, pi))
    return np.array(out)


class Recorder:
    """A law sampler that records every law it hands out, in stream order.

    A rebuild of the tree (restart) rewinds the generator to the first call's state;
    the record then starts again, so ``laws()`` is the final build's stream (the
    wrapped sampler must consume randomness for the rewind to be seen). ``total``
    counts the rows handed out over all builds.
    """

    def __init__(self, law):
        self.law = law
        self.rows: list[np.ndarray] = []
        self.total = 0
        self.start = None
        if hasattr(law, "weights"):
            self.weights = self._weights

    def _rewind(self, rng):
        state = rng.bit_generator.state
        if self.start is None:
            self.start = state
        elif state == self.start:
            self.rows.clear()

    def _weights(self, rng, size):
        self._rewind(rng)
        w = self.law.weights(rng, size)
        self.rows.append(w / rt._normalisers(w)[:, None])
        self.total += size
        return w

    def __call__(self, rng, size):
        self._rewind(rng)
        rows = np.asarray(self.law(rng, size), dtype=np.float64)
        self.rows.append(np.array(rows))
        self.total += size
        return rows

    def laws(self) -> np.ndarray:
        return np.concatenate(self.rows)


def heap_on_recorded_laws(tree, laws: np.ndarray) -> np.ndarray:
    """Path probabilities popped by a plain best-first heap (note C2) in the environment
    where node v's law is ``laws[tree.law_index[v]]`` (the root's is ``laws[0]``).

    Only the laws of popped nodes are needed; popping a node outside ``tree`` is
    allowed only as a tie with the tree's smallest path probability.
    """
    srt = -np.sort(-laws, axis=1)
    par_law = np.where(tree.parent >= 0, tree.law_index[np.maximum(tree.parent, 0)], 0)
    keys = zip(par_law.tolist(), tree.child_index.tolist(), strict=True)
    law_of = dict(zip(keys, tree.law_index.tolist(), strict=True))
    last = tree.path_probability[-1]
    heap = [(-srt[0, 0], 0, 0, 1.0)]
    out = []
    for _ in range(tree.size):
        negpi, par, r, pipar = heapq.heappop(heap)
        pi = -negpi
        out.append(pi)
        if r + 1 < srt.shape[1] and srt[par, r + 1] > 0:
            heapq.heappush(heap, (-pipar * srt[par, r + 1], par, r + 1, pipar))
        own = law_of.get((par, r))
        if own is None:
            assert pi == last, "the heap popped a node the tree missed"
            continue
        if srt[own, 0] > 0:
            heapq.heappush(heap, (-pi * srt[own, 0], own, 0, pi))
    return np.array(out)


def assert_exact_optimum(law, size: int, seed: int) -> tuple[rt.RandomTree, Recorder]:
    rec = Recorder(law)
    tree = optimal_random_tree(rec, size, seed)
    assert tree.size == size
    want = heap_on_recorded_laws(tree, rec.laws())
    assert np.array_equal(np.sort(tree.path_probability), np.sort(want))
    assert np.all(np.diff(tree.path_probability) <= 0)  # best first
    assert tree.laws_drawn == rec.total  # drawn ahead and restarts included
    return tree, rec


# ----------------------------------------------------------------------------- reference tables


def test_random_law_tables_of_the_note_are_matched_statistically():
    """40 environments, seeds 1000-1039 (note §4): the note's means within 5 SE.

    SE of a difference = sqrt(se^2 + se_note^2), valid for independent samples; the
    runs share seeds, hence the root's law, and are positively correlated, so the
    false-alarm rate is at most 5.7e-7 per comparison (7 comparisons: < 4e-6). The
    SEs must agree within a factor 3 (F(39, 39) false-alarm 3.5e-10 for normal data).
    The softmax row's k = 10^4 column (3.139 +/- .032) is checked by
    benchmarks/bench_branching_walk.py to keep this file fast.
    """
    sizes = [10, 100, 1000, 10_000]
    seeds = range(1000, 1040)
    note = {
        "dirichlet": ([1.370, 2.700, 4.070, 5.449], [0.026, 0.024, 0.025, 0.025]),
        "softmax": ([0.826, 1.572, 2.355], [0.034, 0.032, 0.032]),
    }
    got = {
        "dirichlet": optimal_accepted_curve(DirichletLaw(0.5, 10), sizes, seeds=seeds),
        "softmax": optimal_accepted_curve(SoftmaxGaussianLaw(2.5, 200), sizes[:3], seeds=seeds),
    }
    for key, (means, ses) in note.items():
        for est, mean, se in zip(got[key], means, ses, strict=True):
            assert est.n == 40
            assert abs(est.mean - mean) <= 5 * np.hypot(est.se, se), (key, est, mean)
            assert se / 3 <= est.se <= 3 * se


def test_softmax_law_moments_match_the_note():
    """mu, mu2, phi of softmax(2.5 N(0,1)), n = 200 (note §4: 2.9386 +/- .0044,
    11.911 +/- .019, 0.1550 +/- .0010), within 5 combined SE (false alarm 5.7e-7 each)."""
    est = entropy_moment_estimates(SoftmaxGaussianLaw(2.5, 200)(np.random.default_rng(3), 20_000))
    for got, se, ref, ref_se in (
        (est.mu, est.mu_se, 2.9386, 0.0044),
        (est.mu2, est.mu2_se, 11.911, 0.019),
        (est.phi, est.phi_se, 0.1550, 0.0010),
    ):
        assert abs(got - ref) <= 5 * np.hypot(se, ref_se)


def test_softmax_law_sampler():
    """Rows are the normalised weights; Box-Muller logits are N(0, 1) (KS, p >= 1e-6)."""
    from scipy import stats

    law = SoftmaxGaussianLaw(1.0, 5)  # odd n: the last sine is dropped
    w = law.weights(np.random.default_rng(0), 40_000)
    assert w.dtype == np.float32 and w.shape == (40_000, 5)
    assert np.array_equal(w.max(axis=1), np.ones(40_000, dtype=np.float32))
    rows = law(np.random.default_rng(0), 40_000)
    assert np.allclose(rows.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert np.array_equal(rows, w / w.sum(axis=1, dtype=np.float64)[:, None])
    # ln w_i - ln w_j = z_i - z_j ~ N(0, 2) for independent logits (different pairs)
    logw = np.log(w.astype(np.float64))
    for i, j in ((0, 1), (0, 3), (2, 4)):  # (0, 3): cosine and sine of one pair
        assert stats.kstest((logw[:, i] - logw[:, j]) / np.sqrt(2), "norm").pvalue >= 1e-6
    # the stream does not depend on how the laws are split into calls
    g = np.random.default_rng(1)
    split = np.concatenate([law.weights(g, 3), law.weights(g, 4)])
    assert np.array_equal(split, law.weights(np.random.default_rng(1), 7))
    # limits: scale 0 is uniform, a huge scale is one-hot
    assert np.array_equal(
        SoftmaxGaussianLaw(0.0, 4)(np.random.default_rng(2), 3), np.full((3, 4), 0.25)
    )
    hot = SoftmaxGaussianLaw(1e40, 6)(np.random.default_rng(2), 3)
    assert np.array_equal(np.sort(hot, axis=1), np.tile([0, 0, 0, 0, 0, 1.0], (3, 1)))


def test_deterministic_reference_values_and_geometry():
    tree = optimal_random_tree(FixedLaw([0.9, 0.1]), 10_000)
    curve = tree.accepted_curve()
    ref = (0.9, 1.71, 2.439, 3.0951, 3.68559, 5.861894, 8.805102, 12.163708, 19.289228)
    ks = np.array([1, 2, 3, 4, 5, 10, 30, 100, 1000]) - 1
    assert curve[ks] == pytest.approx(ref, abs=5e-7)
    assert tree.expected_accepted == pytest.approx(26.438726, abs=5e-7)
    assert tree.tokens_per_step == pytest.approx(27.438726, abs=5e-7)
    # geometry anchors (C7): t_k, maximum depth, mean node depth
    assert tree.threshold == pytest.approx(8.0821, abs=5e-5)
    assert tree.depth == 76
    assert tree.node_depth.mean() == pytest.approx(26.28, abs=5e-3)
    # laws: one per node and the root, plus at most one batch revealed beyond the optimum
    assert 10_001 <= tree.laws_drawn <= 10_001 + rt._MAX_CHUNK
    assert np.unique(tree.law_index).size == 10_000 and tree.law_index.min() >= 1


@given(
    seed=st.integers(0, 10**6),
    n=st.integers(1, 9),
    a=st.floats(0.05, 3.0),
    size=st.integers(0, 400),
)
def test_fixed_law_tree_equals_trees_optimal_tree(seed, n, a, size):
    p = np.sort(np.random.default_rng(seed).dirichlet(np.full(n, a)))[::-1]
    p /= p.sum()
    mine = optimal_random_tree(FixedLaw(p), size)
    theirs = optimal_tree(p, size)
    assert mine.size == theirs.size == size
    assert mine.expected_accepted == pytest.approx(theirs.expected_accepted, rel=1e-12, abs=1e-14)
    assert np.all(np.diff(mine.path_probability) <= 1e-15)  # best first
    # the arrays describe the tree consistently
    par = mine.parent
    parent_pi = np.where(par >= 0, mine.path_probability[np.maximum(par, 0)], 1.0)
    assert np.allclose(mine.path_probability, parent_pi * mine.edge_probability, rtol=1e-12)
    assert np.all(par < np.arange(size))
    assert np.allclose(mine.edge_probability, p[mine.child_index], rtol=1e-12, atol=0)
    depth_par = np.where(par >= 0, mine.node_depth[np.maximum(par, 0)], 0)
    assert np.array_equal(mine.node_depth, depth_par + 1)


# ----------------------------------------------------------------------------- exactness


@pytest.mark.parametrize(
    "law,size",
    [
        (DirichletLaw(0.5, 50), 3000),
        (DirichletLaw(0.05, 30), 3000),  # spiky laws: long in-band chains
        (DirichletLaw(0.5, 10), 20_000),  # many bands, several batches per band
        (SoftmaxGaussianLaw(2.0, 40), 3000),
        (SoftmaxGaussianLaw(3.0, 1000), 2000),  # float32 weights, batches of 524 laws
        (SoftmaxGaussianLaw(2.5, 1025), 500),
    ],
)
def test_tree_is_the_exact_optimum_of_its_environment(law, size):
    for seed in (1000, 7):
        assert_exact_optimum(law, size, seed)


@pytest.mark.parametrize("law", [DirichletLaw(0.5, 20), DirichletLaw(0.005, 10)])
def test_restarts_give_the_same_tree(monkeypatch, law):
    ref = optimal_random_tree(law, 5000, 3)
    # a level far above the final one forces rebuilds from the same stream
    monkeypatch.setattr(rt.reveal, "_MARGIN", -3.0)
    monkeypatch.setattr(rt.reveal, "_SLACK", 0.0)
    forced = optimal_random_tree(law, 5000, 3)
    assert forced.laws_drawn > ref.laws_drawn  # restarts happened
    for name in ("path_probability", "parent", "child_index", "law_index", "edge_probability"):
        assert np.array_equal(getattr(forced, name), getattr(ref, name))
    assert_exact_optimum(law, 5000, 3)  # the recorder follows the rewinds


#: Near-deterministic random laws: 95 rows with a largest probability of 0.99905 (on
#: 20 different tokens), 5 flat rows.
NEAR_ONE_HOT = np.vstack(
    [np.eye(20)[np.arange(95) % 20] * 0.999 + 0.001 / 20, np.full((5, 20), 0.05)]
)


@pytest.mark.parametrize(
    "law,size",
    [
        (EmpiricalLaw([[0.999, 0.001]] * 2), 3000),  # a chain of depth P, drawn at random
        (DirichletLaw(0.005, 10), 3000),
        (DirichletLaw(0.001, 10), 3000),
        (EmpiricalLaw(NEAR_ONE_HOT), 3000),
        (SoftmaxGaussianLaw(30.0, 50), 2000),  # float32 weights, nearly one-hot
    ],
)
def test_deep_trees_are_exact_without_a_numpy_step_per_level(law, size):
    """Near-deterministic laws give trees of depth up to P; their thin bands are revealed
    one node at a time with laws drawn ahead in blocks (not one sampler call per level)."""
    for seed in (1000, 7):
        tree, rec = assert_exact_optimum(law, size, seed)
        assert tree.depth >= 60
        assert len(rec.rows) <= tree.depth / 2  # sampler calls (final build) << levels


def test_batched_and_one_at_a_time_reveals_alternate_exactly(monkeypatch):
    """Deep trees switch both ways between numpy batches and the one-at-a-time heap (a
    band starts batched and, after small batches, ends one at a time; the next band
    starts batched again), and the tree is exact whether the reveal stops after a
    batch or in the heap. Typical laws stay batched (their trees are unchanged)."""
    steps: list[str] = []
    singly, take = rt.reveal._reveal_singly, rt._Laws.take

    def spy_singly(*args):
        count, done = singly(*args)
        steps.append("stop in heap" if done else "heap")
        return count, done

    def spy_take(self, k):
        steps.append("batch" if k > 1 else "root")
        return take(self, k)

    monkeypatch.setattr(rt.reveal, "_reveal_singly", spy_singly)
    monkeypatch.setattr(rt._Laws, "take", spy_take)
    for law, seed, last in (
        (DirichletLaw(0.005, 10), 1000, "stop in heap"),
        (DirichletLaw(0.01, 30), 7, "batch"),
    ):
        steps.clear()
        assert_exact_optimum(law, 3000, seed)
        switches = {(a, b) for a, b in pairwise(steps) if a != b}
        assert {("batch", "heap"), ("heap", "batch")} <= switches, law.name
        assert steps[-1] == last, law.name
    steps.clear()
    assert_exact_optimum(DirichletLaw(0.5, 10), 20_000, 1000)
    assert "heap" not in steps and "stop in heap" not in steps


def test_band_floor_matches_the_bands():
    for band in (0, 1, 7, 40, 1000, 2976, 2977, 5000):
        lo = rt._band_floor(band)
        assert rt._band(np.array([lo]))[0] <= band
        below = np.nextafter(lo, 0.0)
        assert below == 0.0 or rt._band(np.array([below]))[0] > band


def test_new_and_old_law_order_give_the_same_expected_value():
    """E[X_opt(P)]: this module vs the note's heap-order pseudocode (the former
    implementation), on disjoint seeds (independent samples): |z| <= 5, false alarm
    5.7e-7 per law."""
    for law, size, envs in (
        (DirichletLaw(0.5, 10), 1000, 100),
        (SoftmaxGaussianLaw(2.5, 200), 300, 100),
        (DirichletLaw(0.005, 10), 300, 60),  # deep: revealed mostly one node at a time
    ):
        new = from_values(environment_values(law, size, seeds=range(envs))[:, 0])
        old = from_values(
            np.array(
                [
                    naive_tree_values(lambda g, law=law: law(g, 1)[0], size, s).sum()
                    for s in range(envs, 2 * envs)
                ]
            )
        )
        assert abs(new.mean - old.mean) <= 5 * np.hypot(new.se, old.se), (law.name, new, old)


def test_prefix_property_and_budget_independent_environment():
    """The reveal order does not depend on P: one seed, one environment for every budget
    (also for deep trees, revealed mostly one node at a time)."""
    for law in (DirichletLaw(0.5, 10), DirichletLaw(0.005, 10)):
        big = optimal_random_tree(law, 2000, 5)
        for k in (1, 17, 500):
            small = optimal_random_tree(law, k, 5)
            assert small.expected_accepted == pytest.approx(big.accepted_curve()[k - 1], rel=1e-12)
            assert np.array_equal(small.law_index, big.law_index[:k])
            assert np.array_equal(small.path_probability, big.path_probability[:k])
    law = DirichletLaw(0.5, 10)
    big = optimal_random_tree(law, 2000, 5)
    vals = environment_values(law, [17, 500, 2000], seeds=[5, 6])
    assert vals[0] == pytest.approx(big.accepted_curve()[[16, 499, 1999]])


def test_laws_with_zeros_and_one_hot_laws():
    p = np.array([0.6, 0.3, 0.1, 0.0])
    tree = optimal_random_tree(FixedLaw(p), 200)
    assert tree.expected_accepted == pytest.approx(optimal_tree(p, 200).expected_accepted)
    assert not np.any(tree.child_index == 3)  # a zero-probability token is never drafted
    chain = optimal_random_tree(FixedLaw([0.0, 1.0]), 30)
    assert chain.expected_accepted == 30.0 and chain.depth == 30
    assert np.array_equal(chain.parent, np.arange(-1, 29))
    rows = np.random.default_rng(2).dirichlet(np.ones(6), size=50)
    rows[:, ::2] = 0.0
    rows /= rows.sum(axis=1, keepdims=True)
    assert_exact_optimum(EmpiricalLaw(rows), 800, 9)  # repeated laws: ties in pi
    # laws that are one-hot half of the time: chains of equal pi inside one band
    mixed = np.vstack([np.eye(3)[:2], np.full((2, 3), 1 / 3)])
    assert_exact_optimum(EmpiricalLaw(mixed), 300, 4)


def test_empty_tree_and_bad_input():
    empty = optimal_random_tree(DirichletLaw(0.5, 5), 0, 1)
    assert empty.size == 0 and empty.expected_accepted == 0.0 and empty.depth == 0
    with pytest.raises(InvalidArgumentError, match=r"^size"):
        optimal_random_tree(DirichletLaw(0.5, 5), -1)
    with pytest.raises(InvalidArgumentError, match=r"^law"):
        optimal_random_tree(lambda g, k: np.full((k, 3), 0.5), 5)
    with pytest.raises(InvalidArgumentError, match=r"^law"):
        optimal_random_tree(lambda g, k: np.full((k + 1, 2), 0.5), 5)
    with pytest.raises(InvalidArgumentError, match=r"^law"):
        optimal_random_tree(lambda g, k: np.tile([1.5, -0.5], (k, 1)), 5)
    with pytest.raises(InvalidArgumentError, match=r"^law"):  # vocabulary changes
        optimal_random_tree(
            lambda g, k: np.full((k, 2 if k == 1 else 4), 1 / (2 if k == 1 else 4)), 5
        )

    class BadWeights:
        def weights(self, rng, size):
            return -np.ones((size, 3))

        def __call__(self, rng, size):  # pragma: no cover
            return np.full((size, 3), 1 / 3)

    with pytest.raises(InvalidArgumentError, match=r"^law: weights"):
        optimal_random_tree(BadWeights(), 5)
    with pytest.raises(InvalidArgumentError, match=r"^law"):
        FixedLaw([0.5, 0.4])
    with pytest.raises(InvalidArgumentError, match=r"^concentration"):
        DirichletLaw(0.0, 5)
    with pytest.raises(InvalidArgumentError, match=r"^n"):
        SoftmaxGaussianLaw(1.0, 0)
    with pytest.raises(InvalidArgumentError, match=r"^rows"):
        EmpiricalLaw([[0.5, 0.6]])
    with pytest.raises(InvalidArgumentError, match=r"^sizes"):
        environment_values(DirichletLaw(0.5, 5), [0], 3)
    with pytest.raises(InvalidArgumentError, match=r"^environments"):
        optimal_accepted_curve(DirichletLaw(0.5, 5), 5, seeds=[1])
    assert check_law_sampler(SoftmaxGaussianLaw(1.0, 7), 0) == 7


def test_dirichlet_law_matches_numpy_dirichlet():
    for a in (0.5, 0.05, 2.0):
        law = DirichletLaw(a, 30)
        got = law(np.random.default_rng(4), 5)
        want = np.random.default_rng(4).dirichlet(np.full(30, a), size=5)
        assert np.allclose(got, want, rtol=1e-12, atol=1e-15)


# ----------------------------------------------------------------------------- verifier (C1)


def test_verifier_walk_matches_sum_of_path_probabilities():
    tree = optimal_random_tree(FixedLaw([0.9, 0.1]), 10_000)
    est = simulate_verifier(tree, 20_000, 3)
    assert abs(est.z(tree.expected_accepted)) <= 5
    for law, size in ((DirichletLaw(0.5, 10), 2000), (SoftmaxGaussianLaw(2.5, 200), 500)):
        tree = optimal_random_tree(law, size, 1000)
        est = simulate_verifier(tree, 50_000, 4)
        assert abs(est.z(tree.expected_accepted)) <= 5


def test_verifier_walk_on_a_chain_has_the_exact_law():
    """X on a chain of alpha = 0.7 is min(Geometric, 10): chi-square over its 11 values."""
    from specbound.simulations.agreement import chisquare_gof

    tree = chain_tree([0.7, 0.3], 10)  # a DraftTree: edges come from path probabilities
    x = verifier_accepted(tree, 100_000, 5)
    probs = np.array([0.7**d * 0.3 for d in range(10)] + [0.7**10])
    assert chisquare_gof(x, probs).pvalue >= 1e-6  # false-alarm rate 1e-6


def test_verifier_on_empty_tree():
    empty = optimal_random_tree(FixedLaw([0.5, 0.5]), 0)
    assert np.all(verifier_accepted(empty, 10, 0) == 0)


# ----------------------------------------------------------------------------- environments


def test_environment_average_respects_the_renewal_bound():
    law = DirichletLaw(0.5, 10)
    mu, mu2, _ = dirichlet_moments(0.5, 10)
    sizes = (1, 50, 3000)
    for p, est in zip(sizes, optimal_accepted_curve(law, sizes, 30, rng=8), strict=True):
        # one-sided 5 SE: false-alarm rate 2.9e-7 when the bound is tight
        assert est.mean <= renewal_bound(mu, mu2, p) + 5 * est.se


def test_parallel_environments_equal_serial():
    law = DirichletLaw(0.5, 10)
    serial = environment_values(law, [10, 200], seeds=[1, 2, 3])
    parallel = environment_values(law, [10, 200], seeds=[1, 2, 3], jobs=2)
    assert np.array_equal(serial, parallel)
    assert np.array_equal(
        environment_values(law, 200, 3, rng=9), environment_values(law, 200, 3, rng=9)
    )


# ----------------------------------------------------------------------------- spine (C6)


def test_spine_estimator_matches_note_anchors():
    law = DirichletLaw(0.5, 10)
    sp = spine_estimate(law, [100, 1000, 10_000], 20_000, rng=1)
    for est, ref in zip(sp.accepted, (2.703, 4.075, 5.459), strict=True):
        assert abs(est.mean - ref) <= 5 * est.se * np.sqrt(2)  # both are estimates
    assert sp.threshold == pytest.approx([5.128, 7.422, 9.721], abs=0.05)


def test_spine_steps_have_mean_mu_both_ways():
    mu, mu2, _ = dirichlet_moments(0.5, 10)
    law = DirichletLaw(0.5, 10)
    fast = law.spine_steps(np.random.default_rng(1), 100_000)

    def generic(rng, size):
        return law(rng, size)

    slow = rt._spine_steps(generic, np.random.default_rng(2), 100_000)
    for xi in (fast, slow):
        se = xi.std(ddof=1) / np.sqrt(xi.size)
        assert abs(xi.mean() - mu) <= 5 * se
        se2 = (xi**2).std(ddof=1) / np.sqrt(xi.size)
        assert abs((xi**2).mean() - mu2) <= 5 * se2


def test_spine_estimator_agrees_with_tree_average_for_generic_law():
    law = SoftmaxGaussianLaw(2.5, 50)
    sp = spine_estimate(lambda g, k: law(g, k), 1000, 5000, rng=3)
    env = optimal_accepted_curve(law, 1000, 40, rng=4)[0]
    se = np.hypot(sp.accepted[0].se, env.se)
    assert abs(sp.accepted[0].mean - env.mean) <= 5 * se


def test_spine_estimator_rejects_degenerate_law():
    with pytest.raises(InvalidArgumentError, match=r"^law"):
        spine_estimate(FixedLaw([1.0, 0.0]), 10, 100, rng=0, max_steps=50)
    with pytest.raises(InvalidArgumentError, match=r"^walks"):
        spine_estimate(DirichletLaw(0.5, 3), 10, 1)


@pytest.mark.parametrize(
    ("probs", "size"), [([0.999, 0.001], 300), ([0.2, 0.5, 0.3], 500), ([0.6, 0.0, 0.4], 64)]
)
def test_fixed_law_shortcut_matches_the_general_reveal(probs, size):
    """FixedLaw goes through specbound.trees.optimal_tree; a plain callable of the same
    deterministic law goes through the batched reveal: same tree, same numbering rules."""
    fixed = FixedLaw(probs)
    fast = optimal_random_tree(fixed, size)
    slow = optimal_random_tree(lambda rng, n: np.broadcast_to(fixed.probs, (n, fixed.n)), size, 0)
    np.testing.assert_allclose(fast.path_probability, slow.path_probability, rtol=1e-12)
    assert fast.expected_accepted == pytest.approx(slow.expected_accepted, rel=1e-12)
    # parents precede children, and the stored edges multiply to the path probabilities
    assert np.all(fast.parent < np.arange(size))
    parent_pi = np.where(fast.parent >= 0, fast.path_probability[fast.parent], 1.0)
    np.testing.assert_allclose(parent_pi * fast.edge_probability, fast.path_probability)
