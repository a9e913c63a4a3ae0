"""Sequence models and the sequence-level speculative decoding simulator.

Statistical checks: |z| <= 5 (two-sided false alarm 5.7e-7 per check) and
chi-square p >= 1e-6 (false alarm 1e-6 per test); all seeds fixed.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from specbound.bounds.rejection_examples import example_a, example_b
from specbound.bounds.rejections import (
    expected_rejections,
    expected_rejections_and_calls,
    sequence_law,
)
from specbound.cli import main
from specbound.distributions import random_kernel
from specbound.errors import InvalidArgumentError
from specbound.simulations.agreement import chisquare_gof
from specbound.simulations.estimate import from_values
from specbound.simulations.markov import (
    ContextModel,
    MarkovModel,
    encode_sequences,
    speculative_decoding,
)


def test_markov_sampler_rows():
    k = random_kernel(40, 0.3, rng=5)  # peaked rows with many tiny / zero entries
    k[:, -1] = 0.0  # the last token is impossible: guards the row-end rounding
    k /= k.sum(axis=1, keepdims=True)
    model = MarkovModel(k)
    states = np.repeat(np.arange(40), 5000)
    x = model.sample(states, np.random.default_rng(1))
    assert x.min() >= 0 and x.max() < 39
    for i in (0, 17, 39):
        assert chisquare_gof(x[states == i], k[i]).pvalue >= 1e-6
    np.testing.assert_allclose(model.prob(states[:5], x[:5]), k[states[:5], x[:5]], rtol=1e-12)


def test_encoding_matches_sequence_law():
    tokens = np.array(list(itertools.product(range(3), repeat=2)))
    np.testing.assert_array_equal(encode_sequences(tokens, 3), np.arange(9))
    p = random_kernel(3, 1.0, rng=2)
    law = sequence_law(p, 1, 2)
    assert law[encode_sequences(np.array([[2, 0]]), 3)[0]] == pytest.approx(p[1, 2] * p[2, 0])


@pytest.mark.parametrize("gamma", [None, 0, 1, 2, 5])
def test_simulator_against_exact(gamma):
    p, q = random_kernel(4, 0.6, rng=11), random_kernel(4, 0.6, rng=12)
    run = speculative_decoding(p, q, 5, 40_000, gamma, rng=3, start=2)
    rej, calls = expected_rejections_and_calls(p, q, 2, 5, gamma)
    assert abs(from_values(run.rejections).z(rej)) <= 5
    assert abs(from_values(run.calls).z(calls)) <= 5
    law = sequence_law(p, 2, 5)
    assert chisquare_gof(encode_sequences(run.tokens, 4), law).pvalue >= 1e-6


def test_simulator_bookkeeping():
    a = example_a()
    run = speculative_decoding(a.target, a.draft, 3, 20_000, 2, rng=4, start=a.start)
    # every emitted token is an accepted draft, a residual token or a bonus token
    bonus = 3 - run.accepted - run.rejections
    assert bonus.min() >= 0
    assert np.all(bonus <= run.calls)
    assert np.all(run.first_round_tokens >= 1) and np.all(run.first_round_tokens <= 3)
    # drafting to the end: a new call follows each rejection except at the last position
    end = speculative_decoding(a.target, a.draft, 3, 20_000, None, rng=5, start=a.start)
    assert set(np.unique(end.calls - end.rejections)) <= {0, 1}
    assert np.all(end.accepted + end.rejections == 3)
    zero = speculative_decoding(a.target, a.draft, 3, 100, 0, rng=5, start=a.start)
    assert np.all(zero.calls == 3) and np.all(zero.rejections == 0)


def test_same_seed_same_runs():
    b = example_b()
    one = speculative_decoding(b.target, b.draft, 3, 1000, 1, rng=9)
    two = speculative_decoding(b.target, b.draft, 3, 1000, 1, rng=np.random.default_rng(9))
    np.testing.assert_array_equal(one.tokens, two.tokens)
    np.testing.assert_array_equal(one.calls, two.calls)


def _second_order(n: int, seed: int) -> np.ndarray:
    """Laws of X_t given (X_{t-2}, X_{t-1}): an (n, n, n) array."""
    g = np.random.default_rng(seed)
    return g.dirichlet(np.full(n, 0.8), size=(n, n))


def test_context_model_second_order():
    """The general context interface: a second-order model, checked against its pair chain."""
    n, h = 3, 4
    pt, pd = _second_order(n, 1), _second_order(n, 2)
    target = ContextModel(lambda c: pt[c[:, 0], c[:, 1]], n, [0, 1])
    draft = ContextModel(lambda c: pd[c[:, 0], c[:, 1]], n, [0, 1])
    # the same models as Markov chains on pairs (a, b) -> (b, c), state index a * n + b
    big_t, big_d = np.zeros((n * n, n * n)), np.zeros((n * n, n * n))
    for a, b, c in itertools.product(range(n), repeat=3):
        big_t[a * n + b, b * n + c] = pt[a, b, c]
        big_d[a * n + b, b * n + c] = pd[a, b, c]
    exact = expected_rejections(big_t, big_d, 0 * n + 1, h)
    for gamma in (None, 2):
        run = speculative_decoding(target, draft, h, 40_000, gamma, rng=6)
        if gamma is None:
            assert abs(from_values(run.rejections).z(exact)) <= 5
        else:
            rej, _ = expected_rejections_and_calls(big_t, big_d, 1, h, gamma)
            assert abs(from_values(run.rejections).z(rej)) <= 5
        law = np.zeros(n**h)
        for seq in itertools.product(range(n), repeat=h):
            ctx, pr = (0, 1), 1.0
            for x in seq:
                pr *= pt[ctx[0], ctx[1], x]
                ctx = (ctx[1], x)
            law[encode_sequences(np.array([seq]), n)[0]] = pr
        assert chisquare_gof(encode_sequences(run.tokens, n), law).pvalue >= 1e-6


def test_vectorised_over_runs_context_model_calls():
    """laws_fn sees whole batches of runs, never one run at a time."""
    sizes = []

    def laws(c):
        sizes.append(c.shape[0])
        return np.full((c.shape[0], 2), 0.5)

    speculative_decoding(ContextModel(laws, 2, [0]), np.full((2, 2), 0.5), 6, 500, 3, rng=1)
    # per position at most 6 batched calls (draft sample and prob, target prob, residual
    # target and draft laws, bonus sample), never one call per run (500 runs)
    assert max(sizes) == 500 and len(sizes) <= 6 * 6


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"horizon": 0}, "horizon: must be >= 1"),
        ({"size": 0}, "size: must be >= 1"),
        ({"gamma": -1}, "gamma: must be >= 0"),
        ({"mix": 1.5}, "mix: must lie in"),
        ({"start": 9}, "start: must lie in"),
        ({"draft": np.full((2, 2), 0.5)}, "draft_kernel: vocabulary size"),
        ({"target": [[0.5, 0.4, 0.2]] * 3}, "target_kernel: probabilities sum"),
    ],
)
def test_simulator_bad_input(kwargs, match):
    args = {"target": np.full((3, 3), 1 / 3), "draft": np.eye(3), "horizon": 3, "size": 10}
    with pytest.raises(InvalidArgumentError, match=match):
        speculative_decoding(**(args | kwargs))


def test_context_model_bad_input():
    with pytest.raises(InvalidArgumentError, match="start_context"):
        ContextModel(lambda c: c, 3, [])
    with pytest.raises(InvalidArgumentError, match="start_context"):
        ContextModel(lambda c: c, 3, [5])
    bad = ContextModel(lambda c: np.ones((c.shape[0], 2)) / 2, 3, [0])
    with pytest.raises(InvalidArgumentError, match="laws_fn: returned shape"):
        bad.laws(np.zeros((4, 1), dtype=np.int64))


# ----------------------------------------------------------------------------- CLI


def test_cli_rejections(tmp_path, capsys):
    a = example_a()
    np.save(tmp_path / "p.npy", a.target)
    np.savetxt(tmp_path / "q.csv", a.draft, delimiter=",")
    args = ["rejections", "--target", str(tmp_path / "p.npy"), "--draft", str(tmp_path / "q.csv")]
    assert main([*args, "--horizon", "3", "--start", "3", "--gamma", "1"]) == 0
    out = capsys.readouterr().out
    assert "0.6232638889" in out  # 359/576
    assert "0.4079861111" in out  # 235/576
    assert "1.469387755" in out  # 72/49 tokens per call
    code = main([*args, "--horizon", "3", "--start", "3", "--simulate", "2000", "--no-progress"])
    assert code == 0
    assert "Monte Carlo (2000 runs" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (["--horizon", "0"], "horizon: must be >= 1"),
        (["--horizon", "3", "--start", "4"], "start: must lie in 0..3"),
        (["--horizon", "3", "--gamma", "-2"], "gamma: must be >= 0"),
    ],
)
def test_cli_bad_input(tmp_path, capsys, extra, match):
    a = example_a()
    np.save(tmp_path / "p.npy", a.target)
    np.save(tmp_path / "q.npy", a.draft)
    args = ["rejections", "--target", str(tmp_path / "p.npy"), "--draft", str(tmp_path / "q.npy")]
    assert main([*args, *extra]) == 2
    assert match in capsys.readouterr().err


def test_cli_non_stochastic(tmp_path, capsys):
    np.savetxt(tmp_path / "p.csv", [[0.5, 0.6], [0.5, 0.5]], delimiter=",")
    code = main(
        [
            "rejections",
            "--target",
            str(tmp_path / "p.csv"),
            "--draft",
            "0.5,0.5;0.5,0.5",
            "--horizon",
            "2",
        ]
    )
    assert code == 2
    assert "target_kernel: probabilities sum" in capsys.readouterr().err


@pytest.mark.parametrize("n", [1, 2, 37, 1025])
def test_guided_sampler_equals_binary_search(n):
    k = random_kernel(n, 0.2, rng=n)
    k[:, 0] = 0.0 if n > 1 else 1.0  # a zero first column (n > 1)
    k /= k.sum(axis=1, keepdims=True)
    model = MarkovModel(k)
    g = np.random.default_rng(3)
    states = g.integers(0, n, size=50_000)
    u = np.concatenate([g.random(49_995), [0.0, 1 - 2**-53, 0.5, 1e-300, 0.999999999]])
    got = model.sample_uniform(states, u)
    cdf = np.cumsum(k, axis=1)
    want = (cdf[states] <= (u * cdf[states, -1])[:, None]).sum(axis=1)  # plain inverse CDF
    want = np.minimum(want, n - 1)
    np.testing.assert_array_equal(got, want)
    assert np.all(k[states, got] > 0)
