"""Fuzz test: bad or extreme inputs across the API and every command, each with its outcome.

Every case states the class of outcome: the error class and the argument its message
names, or the right value. Commands run in-process through ``main([...])`` (a few in a
subprocess); no input may print a traceback or an "internal error". Cases owned by work
in progress elsewhere are xfail(strict=False) naming the owner.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from specbound import limits
from specbound.bounds.branching_walk import (
    asymptotic_accepted,
    chernoff_bound,
    dirichlet_moments,
    entropy_moments,
    renewal_bound,
    speed_of_light_bound,
)
from specbound.bounds.exponential_races import (
    ersd_optimal_tree,
    gsd_optimal_tree,
    gsd_positional_acceptance,
    tokens_per_step_bound,
)
from specbound.bounds.rejections import (
    acceptance_probability,
    expected_rejections,
    expected_rejections_and_calls,
    expected_tokens_per_step,
)
from specbound.cli import main
from specbound.distributions import (
    as_distribution,
    as_distributions,
    as_kernel,
    as_rng,
    dirichlet,
    random_kernel,
    zipf,
)
from specbound.errors import InvalidArgumentError, ResourceLimitError
from specbound.simulations import speculative_sampling
from specbound.simulations.markov import speculative_decoding
from specbound.simulations.random_trees import DirichletLaw, law_moments, optimal_random_tree
from specbound.trees import optimal_tree

ROOT = Path(__file__).resolve().parents[1]
P2, Q2 = [0.5, 0.5], [0.9, 0.1]
FLIP, HALF = [[0, 1], [1, 0]], [[0.5, 0.5], [0.5, 0.5]]

# ----------------------------------------------------------------------------- API: errors

# (id, call, error class, argument named at the start of the message)
API_ERRORS = [
    ("nan", lambda: as_distribution([np.nan, 1.0], "target"), InvalidArgumentError, "target"),
    ("inf", lambda: as_distribution([np.inf, 0.0], "target"), InvalidArgumentError, "target"),
    ("negative", lambda: as_distribution([-0.1, 1.1], "p"), InvalidArgumentError, "p"),
    ("empty", lambda: as_distribution([], "p"), InvalidArgumentError, "p"),
    ("sum-off", lambda: as_distribution([0.5, 0.6], "p"), InvalidArgumentError, "p"),
    ("2-d", lambda: as_distribution([[0.5, 0.5]], "p"), InvalidArgumentError, "p"),
    ("strings", lambda: as_distribution(["a", "b"], "p"), InvalidArgumentError, "p"),
    ("complex", lambda: as_distribution([0.5j, 1], "p"), InvalidArgumentError, "p"),
    ("object", lambda: as_distribution([object()], "p"), InvalidArgumentError, "p"),
    ("none", lambda: as_distribution(None, "p"), InvalidArgumentError, "p"),
    (
        "ragged",
        lambda: as_distributions([[0.5, 0.5], [1.0]], "drafts"),
        InvalidArgumentError,
        "drafts",
    ),
    (
        "no-rows",
        lambda: as_distributions(np.zeros((0, 3)), "drafts"),
        InvalidArgumentError,
        "drafts",
    ),
    ("kernel-1d", lambda: as_kernel([0.5, 0.5], "k"), InvalidArgumentError, "k"),
    ("kernel-rect", lambda: as_kernel([[1.0, 0.0]], "k"), InvalidArgumentError, "k"),
    ("rng-str", lambda: as_rng("seed"), InvalidArgumentError, "rng"),
    ("zipf-huge", lambda: zipf(10**10), ResourceLimitError, "n"),
    ("kernel-huge", lambda: random_kernel(10**5), ResourceLimitError, "n"),
    ("dirichlet-n-0", lambda: dirichlet(0), InvalidArgumentError, "n"),
    ("rng-neg", lambda: as_rng(-1), InvalidArgumentError, "rng"),
    ("acc-sizes", lambda: acceptance_probability([1.0], P2), InvalidArgumentError, "draft"),
    ("gamma-neg", lambda: expected_tokens_per_step(0.5, -1), InvalidArgumentError, "gamma"),
    ("alpha-2", lambda: expected_tokens_per_step(2.0, 3), InvalidArgumentError, "alpha"),
    ("horizon-0", lambda: expected_rejections(FLIP, HALF, 0, 0), InvalidArgumentError, "horizon"),
    (
        "horizon-float",
        lambda: expected_rejections(FLIP, HALF, 0, 2.5),
        InvalidArgumentError,
        "horizon",
    ),
    ("start-out", lambda: expected_rejections(FLIP, HALF, 2, 3), InvalidArgumentError, "start"),
    (
        "start-bool",
        lambda: expected_rejections(FLIP, HALF, True, 3),
        InvalidArgumentError,
        "start",
    ),
    (
        "kernel-shape",
        lambda: expected_rejections(FLIP, [[1.0]], 0, 3),
        InvalidArgumentError,
        "draft_kernel",
    ),
    (
        "gamma-str",
        lambda: expected_rejections_and_calls(FLIP, HALF, 0, 3, "2"),
        InvalidArgumentError,
        "gamma",
    ),
    ("ss-size-0", lambda: speculative_sampling(P2, Q2, 0), InvalidArgumentError, "size"),
    ("ss-size-huge", lambda: speculative_sampling(P2, Q2, 10**12), ResourceLimitError, "size"),
    (
        "ss-size-nan",
        lambda: speculative_sampling(P2, Q2, float("nan")),
        InvalidArgumentError,
        "size",
    ),
    ("ss-rng", lambda: speculative_sampling(P2, Q2, 5, rng="x"), InvalidArgumentError, "rng"),
    (
        "sd-huge",
        lambda: speculative_decoding(FLIP, HALF, 10**6, 10**7),
        ResourceLimitError,
        "size",
    ),
    ("tree-huge", lambda: optimal_tree([0.9, 0.1], 10**12), ResourceLimitError, "size"),
    ("tree-neg", lambda: optimal_tree([0.9, 0.1], -1), InvalidArgumentError, "size"),
    (
        "tree-depth-0",
        lambda: optimal_tree([0.9, 0.1], 3, max_depth=0),
        InvalidArgumentError,
        "max_depth",
    ),
    (
        "tree-nofit",
        lambda: optimal_tree([0.9, 0.1], 10**5, max_depth=3),
        InvalidArgumentError,
        "size",
    ),
    (
        "tree-dp-huge",
        lambda: optimal_tree([0.5, 0.3], 10**5, max_depth=20),
        ResourceLimitError,
        "size",
    ),
    (
        "tree-positional-huge",
        lambda: optimal_tree([0.1, 0.9], 10**6),
        InvalidArgumentError,
        "size",
    ),
    ("tree-sum>1", lambda: optimal_tree([0.9, 0.9], 3), InvalidArgumentError, "acceptance"),
    (
        "random-tree-huge",
        lambda: optimal_random_tree(DirichletLaw(1.0, 5), 10**11),
        ResourceLimitError,
        "size",
    ),
    (
        "moments-huge",
        lambda: law_moments(DirichletLaw(1.0, 5).__class__.__call__ and _softmax(), 10**12),
        ResourceLimitError,
        "samples",
    ),
    ("mu-neg", lambda: renewal_bound(-1.0, 1.0, 10), InvalidArgumentError, "mu"),
    ("mu2-small", lambda: renewal_bound(1.0, 0.5, 10), InvalidArgumentError, "mu2"),
    ("mu-nan", lambda: speed_of_light_bound(float("nan"), 1.0, 10), InvalidArgumentError, "mu"),
    ("size-0", lambda: speed_of_light_bound(1.0, 2.0, 0), InvalidArgumentError, "size"),
    (
        "constant-inf",
        lambda: speed_of_light_bound(1.0, 2.0, 5, constant=math.inf),
        InvalidArgumentError,
        "constant",
    ),
    ("phi-0", lambda: chernoff_bound(0.0, 10), InvalidArgumentError, "phi"),
    ("phi-2", lambda: chernoff_bound(2.0, 10), InvalidArgumentError, "phi"),
    ("asym-size", lambda: asymptotic_accepted(1.0, 2.0, 2.5), InvalidArgumentError, "size"),
    ("dirichlet-0", lambda: dirichlet_moments(0.0, 5), InvalidArgumentError, "concentration"),
    (
        "dirichlet-inf",
        lambda: dirichlet_moments(math.inf, 5),
        InvalidArgumentError,
        "concentration",
    ),
    ("dirichlet-n0", lambda: dirichlet_moments(1.0, 0), InvalidArgumentError, "n"),
    ("laws-3d", lambda: entropy_moments(np.full((1, 1, 2), 0.5)), InvalidArgumentError, "laws"),
    (
        "rank-law-str",
        lambda: ersd_optimal_tree(P2, Q2, 3, rank_law="abc"),
        InvalidArgumentError,
        "rank_law",
    ),
    (
        "rank-law-2d",
        lambda: ersd_optimal_tree(P2, Q2, 3, rank_law=[[0.5]]),
        InvalidArgumentError,
        "rank_law",
    ),
    ("ersd-k-0", lambda: ersd_optimal_tree(P2, Q2, 0), InvalidArgumentError, "k"),
    ("ersd-k-huge", lambda: ersd_optimal_tree(P2, Q2, 10**12), ResourceLimitError, "k"),
    ("gsd-k-huge", lambda: gsd_optimal_tree(P2, Q2, 10**12), ResourceLimitError, "k"),
    ("gsd-width-huge", lambda: gsd_positional_acceptance(P2, Q2, 10**12), ResourceLimitError, "k"),
    ("bound-k-0", lambda: tokens_per_step_bound(P2, Q2, 0), InvalidArgumentError, "k"),
    (
        "limit-env",
        lambda: _with_env("SPECBOUND_MAX_MEMORY", "-5", limits.max_memory),
        ResourceLimitError,
        "SPECBOUND_MAX_MEMORY",
    ),
]


def _softmax():
    from specbound.simulations.random_trees import SoftmaxGaussianLaw

    return SoftmaxGaussianLaw(1.0, 10)


def _with_env(var, value, fn):
    old = os.environ.get(var)
    os.environ[var] = value
    try:
        return fn()
    finally:
        if old is None:
            del os.environ[var]
        else:
            os.environ[var] = old


@pytest.mark.parametrize(
    ("call", "error", "name"), [c[1:] for c in API_ERRORS], ids=[c[0] for c in API_ERRORS]
)
def test_api_refuses_with_a_named_error(call, error, name):
    with pytest.raises(error) as info:
        call()
    assert str(info.value).startswith(name), str(info.value)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: _lp().optimal_acceptance(P2, [[0.5, 0.5], [1.0]]), "drafts"),
        (lambda: _lp().perfect_acceptance(P2, [[0.5, 0.5], [1.0]]), "drafts"),
        (lambda: _lp().coupling_lp(P2, [P2], solver=3), "solver"),
        (lambda: _lp().coupling_lp(P2, [P2] * 40), "drafts"),
        (lambda: _lp().coupling_lp(P2, [P2] * 40, formulation="full"), "drafts"),
        (lambda: _lp().truncated.tournament(P2, [P2] * 20_000, 5), "drafts"),
    ],
    ids=["oa-ragged", "pa-ragged", "lp-solver-int", "lp-40-drafts", "lp-full-40", "tour-2e4"],
)
def test_multidraft_refuses_with_a_named_error(call, name):
    with pytest.raises(InvalidArgumentError, match=f"^{name}"):
        call()


def _lp():
    import specbound.lp

    return specbound.lp


# ----------------------------------------------------------------------------- API: values

PEAKED = [1e-300, 1.0 - 1e-300]


def _renewal_peaked():
    mu, mu2 = entropy_moments([1e-300, 1.0])
    return renewal_bound(mu, mu2, 10), math.log(10) / mu + mu2 / mu / mu


# (id, call, check of the value)
API_VALUES = [
    ("one-token", lambda: acceptance_probability([1.0], [1.0]), lambda v: v == 1.0),
    ("disjoint", lambda: acceptance_probability([1, 0], [0, 1]), lambda v: v == 0.0),
    (
        "peaked-acc",
        lambda: acceptance_probability(PEAKED, PEAKED[::-1]),
        lambda v: v == pytest.approx(2e-300, rel=1e-9),
    ),
    (
        "float32-sum",
        lambda: as_distribution(np.full(2**18, 2.0**-18, np.float32)).sum(),
        lambda v: v == pytest.approx(1.0),
    ),
    ("int-law", lambda: as_distribution([0, 1, 0]).tolist(), lambda v: v == [0.0, 1.0, 0.0]),
    (
        "ss-one-token",
        lambda: speculative_sampling([1.0], [1.0], 3, rng=0)[0].tolist(),
        lambda v: v == [0, 0, 0],
    ),
    (
        "ss-disjoint",
        lambda: speculative_sampling([1, 0], [0, 1], 50, rng=1)[1].any(),
        lambda v: not v,
    ),
    ("ss-1e6-float", lambda: speculative_sampling(P2, P2, 1e3, rng=0)[1].all(), lambda v: v),
    ("rej-1x1", lambda: expected_rejections([[1.0]], [[1.0]], 0, 3), lambda v: v == 0.0),
    ("rej-periodic-1e12", lambda: expected_rejections(FLIP, HALF, 0, 10**12), lambda v: v == 5e11),
    (
        "rej-gamma0",
        lambda: expected_rejections_and_calls(FLIP, HALF, 0, 10**12, 0),
        lambda v: v == (0.0, 1e12),
    ),
    ("tps-alpha1", lambda: expected_tokens_per_step(1.0, 5), lambda v: v == 6.0),
    ("tps-alpha0", lambda: expected_tokens_per_step(0.0, 5), lambda v: v == 1.0),
    (
        "renewal-peaked",
        _renewal_peaked,
        lambda v: math.isfinite(v[0]) and v[0] == pytest.approx(v[1]),
    ),
    (
        "sol-peaked",
        lambda: speed_of_light_bound(*entropy_moments([1e-300, 1.0]), 10),
        lambda v: 1e300 < v < math.inf,
    ),
    ("sol-onehot", lambda: speed_of_light_bound(0.0, 0.0, 10), lambda v: v == math.inf),
    (
        "renewal-overflow",
        lambda: renewal_bound(*entropy_moments([1e-320, 1.0]), 10),
        lambda v: v == math.inf,
    ),
    ("asym-size-1", lambda: asymptotic_accepted(0.5, 0.3, 1), lambda v: v < 0),
    (
        "asym-peaked",
        lambda: asymptotic_accepted(*entropy_moments([1e-320, 1.0]), 10),
        lambda v: v == -math.inf,
    ),
    (
        "dirichlet-1e308",
        lambda: dirichlet_moments(1e308, 5),
        lambda v: v == pytest.approx((math.log(5), math.log(5) ** 2, 0.2)),
    ),
    ("dirichlet-1e-300", lambda: dirichlet_moments(1e-300, 5), lambda v: v == (0.0, 0.0, 1.0)),
    ("tree-size-0", lambda: optimal_tree([0.9, 0.1], 0).expected_accepted, lambda v: v == 0.0),
    # positional (unsorted) vector: root children at positions 1, 2, then position 1 below 2
    (
        "tree-positional",
        lambda: optimal_tree([0.1, 0.9], 3).expected_accepted,
        lambda v: v == pytest.approx(1.09),
    ),
    ("tree-one-hot", lambda: optimal_tree([1.0], 1000).expected_accepted, lambda v: v == 1000.0),
    ("tree-zeros", lambda: optimal_tree([0.0, 0.0], 5).expected_accepted, lambda v: v == 0.0),
    ("tree-1e6-float", lambda: optimal_tree([0.5, 0.5], 1e3).size, lambda v: v == 1000),
    ("ersd-identical", lambda: ersd_optimal_tree(P2, P2, 4).tokens_per_step, lambda v: v == 5.0),
]


@pytest.mark.parametrize(
    ("call", "check"), [c[1:] for c in API_VALUES], ids=[c[0] for c in API_VALUES]
)
def test_api_gives_the_right_value(call, check):
    assert check(call())


@pytest.mark.parametrize(
    ("target", "draft"),
    [([1e-310, 1 - 1e-310], [1 - 1e-310, 1e-310]), ([1e-130, 1, 0], [1e-88, 1 - 1e-16, 1e-16])],
    ids=["subnormal", "mixed-scales"],
)
def test_rank_law_on_extreme_laws(target, draft):
    from specbound.bounds.exponential_races import rank_distribution

    alpha = rank_distribution(target, draft)
    assert np.all(np.isfinite(alpha)) and alpha.sum() == pytest.approx(1.0, abs=1e-9)


# ----------------------------------------------------------------------------- commands

T, D = "0.5,0.3,0.2", "0.3,0.4,0.3"
SAMPLER = "specbound.simulations:speculative_sampling"
K2 = "0.5,0.5;0.5,0.5"

# (argv, exit code, text expected on stderr (code 2) or stdout (code 0))
COMMANDS = [
    (["rejections", "--target", "1", "--draft", "1", "--horizon", "3"], 0, "E[rejections]"),
    (["rejections", "--target", "0,1;1,0", "--draft", K2, "--horizon", "1e12"], 0, "5e+11"),
    (
        ["rejections", "--target", "0,1;1,0", "--draft", K2, "--horizon", "1e12", "--gamma", "3"],
        0,
        "gamma = 3",
    ),
    (
        ["rejections", "--target", K2, "--draft", K2, "--horizon", "3", "--simulate", "1e12"],
        2,
        "simulate:",
    ),
    (
        ["rejections", "--target", K2, "--draft", K2, "--horizon", "1e9", "--simulate", "100"],
        2,
        "simulate:",
    ),
    (["rejections", "--target", K2, "--draft", K2, "--horizon", "0"], 2, "horizon:"),
    (["rejections", "--target", K2, "--draft", K2, "--horizon", "1.5"], 2, "--horizon"),
    (["rejections", "--target", K2, "--draft", K2, "--horizon", "abc"], 2, "--horizon"),
    (["rejections", "--target", K2, "--draft", K2, "--horizon", "3", "--start", "5"], 2, "start:"),
    (
        ["rejections", "--target", K2, "--draft", K2, "--horizon", "3", "--gamma", "-1"],
        2,
        "gamma:",
    ),
    (
        ["rejections", "--target", K2, "--draft", K2, "--horizon", "3", "--simulate", "1"],
        2,
        "simulate:",
    ),
    (["rejections", "--target", "0.5,0.5", "--draft", K2, "--horizon", "3"], 2, "target_kernel:"),
    (["rejections", "--target", "0.5,0.5;1", "--draft", K2, "--horizon", "3"], 2, "target:"),
    (["rejections", "--target", "0.5,0.5;", "--draft", K2, "--horizon", "3"], 2, "target:"),
    (["rejections", "--target", "", "--draft", K2, "--horizon", "3"], 2, "target:"),
    (["rejections", "--target", "nope.npy", "--draft", K2, "--horizon", "3"], 2, "target:"),
    (["rejections", "--target", ".", "--draft", K2, "--horizon", "3"], 2, "target:"),
    (
        ["rejections", "--target", "0.5,0.6;0.5,0.5", "--draft", K2, "--horizon", "3"],
        2,
        "target_kernel:",
    ),
    (["rejections", "--target", K2, "--draft", "1", "--horizon", "3"], 2, "draft_kernel:"),
    (["rejections", "--target", "text-target:abc", "--draft", K2, "--horizon", "3"], 2, "target:"),
    (["ersd", "--target", "0.5,,0.5", "--draft", D], 2, "target: empty field"),
    (["ersd", "--target", "", "--draft", D], 2, "target: empty value"),
    (["ersd", "--target", "  ", "--draft", D], 2, "target: empty value"),
    (["ersd", "--target", "0.5,0.5,", "--draft", D], 2, "target: empty field"),
    (["ersd", "--target", "a,b", "--draft", D], 2, "target:"),
    (["ersd", "--target", "nan,1", "--draft", "0.5,0.5"], 2, "target:"),
    (["ersd", "--target", "inf,0", "--draft", "0.5,0.5"], 2, "target:"),
    (["ersd", "--target", "-1,2", "--draft", "0.5,0.5"], 2, "target:"),
    (["ersd", "--target", T, "--draft", "0.5,0.5"], 2, "draft:"),
    (["ersd", "--target", T, "--draft", D, "--budget", "1e12"], 2, "budget:"),
    (["ersd", "--target", T, "--draft", D, "--budget", "0"], 2, "budget:"),
    (["ersd", "--target", T, "--draft", D, "--budget", ""], 2, "budget:"),
    (["ersd", "--target", T, "--draft", D, "--budget", "1,,2"], 2, "budget:"),
    (["ersd", "--target", T, "--draft", D, "--budget", "1.5"], 2, "budget:"),
    (["ersd", "--target", T, "--draft", D, "--budget", "2", "--simulate", "1e12"], 2, "simulate:"),
    (["ersd", "--target", T, "--draft", D, "--budget", "2", "--simulate", "-3"], 2, "simulate:"),
    (["ersd", "--target", T, "--draft", D, "--budget", "2", "--max-rank", "0"], 2, "max_rank:"),
    (
        ["ersd", "--target", T, "--draft", D, "--budget", "2", "--max-children", "0"],
        2,
        "max_children:",
    ),
    (["ersd", "--target", T, "--draft", D, "--budget", "2", "--seed", "-1"], 2, "seed:"),
    (["ersd", "--target", T, "--draft", D, "--budget", "1e3"], 0, "1000"),
    (["ersd", "--target", T, "--draft", D, "--budget", "4", "--max-children", "1e12"], 0, "GSD"),
    (["ersd", "--target", T, "--draft", D, "--budget", "4", "--max-rank", "1e12"], 0, "H[R]"),
    (["ersd", "--target", "1", "--draft", "1", "--budget", "1,4"], 0, "n = 1"),
    (["ersd", "--target", "0,1", "--draft", "1,0", "--budget", "2"], 0, "alpha(1) = 0.000000"),
    (["tree", "--acceptance", "0.9,0.1", "--budget", "1e12"], 2, "budget:"),
    (["tree", "--acceptance", "0.9,0.1", "--budget", "-1"], 2, "budget:"),
    (["tree", "--acceptance", "0.9,0.1", "--budget", "1e-3"], 2, "--budget"),
    (["tree", "--acceptance", "0.9,0.1", "--budget", "inf"], 2, "--budget"),
    (["tree", "--acceptance", "0.9,0.1", "--budget", "1e400"], 2, "--budget"),
    (["tree", "--acceptance", "0.9,0.1", "--budget", "5", "--max-depth", "0"], 2, "max_depth:"),
    (["tree", "--acceptance", "0.9,0.1", "--budget", "1e5", "--max-depth", "40"], 2, "budget:"),
    (["tree", "--acceptance", "0.9,0.1", "--budget", "100", "--max-depth", "3"], 2, "budget:"),
    (["tree", "--acceptance", "0.1,0.9", "--budget", "3"], 0, "E[accepted]      1.09"),
    (["tree", "--acceptance", "0.9,0.9", "--budget", "3"], 2, "acceptance:"),
    (["tree", "--acceptance", "", "--budget", "3"], 2, "acceptance:"),
    (["tree", "--acceptance", "0.9,0.1", "--budget", "3", "--simulate", "1e12"], 2, "simulate:"),
    (["tree", "--acceptance", "0.9,0.1", "--budget", "3", "--draw-limit", "-1"], 2, "draw_limit:"),
    (["tree", "--acceptance", "1", "--budget", "5"], 0, "E[accepted]      5"),
    (["tree", "--acceptance", "0", "--budget", "5"], 0, "E[accepted]      0"),
    (["tree", "--acceptance", "1e-300", "--budget", "3"], 0, "E[accepted]"),
    (["tree", "--acceptance", "0.1,0.9", "--budget", "3", "--sort"], 0, "E[accepted]"),
    (["speed-of-light", "--law", "0.5,0.5", "--budget", "1e12"], 2, "budget:"),
    (
        ["speed-of-light", "--law", "dirichlet:1:5", "--budget", "10", "--environments", "1e8"],
        2,
        "environments:",
    ),
    (
        ["speed-of-light", "--law", "softmax:1:5", "--budget", "10", "--moment-samples", "1e12"],
        2,
        "moment_samples:",
    ),
    (["speed-of-light", "--law", "dirichlet:1:5", "--budget", "1e9"], 2, "budget:"),
    (
        ["speed-of-light", "--law", "dirichlet:1:5", "--budget", "10", "--environments", "1"],
        2,
        "environments:",
    ),
    (["speed-of-light", "--law", "dirichlet:0:5", "--budget", "10"], 2, "concentration:"),
    (["speed-of-light", "--law", "dirichlet:a:5", "--budget", "10"], 2, "law:"),
    (["speed-of-light", "--law", "dirichlet:1", "--budget", "10"], 2, "law:"),
    (["speed-of-light", "--law", "zipf:1:0", "--budget", "10"], 2, "law:"),
    (["speed-of-light", "--law", "text-target:abc", "--budget", "10"], 2, "law:"),
    (["speed-of-light", "--law", "0.5,0.6", "--budget", "10"], 2, "law:"),
    (["speed-of-light", "--law", "", "--budget", "10"], 2, "law:"),
    (["speed-of-light", "--law", "0.5,0.5", "--budget", "0"], 2, "budget:"),
    (["speed-of-light", "--law", "0.5,0.5", "--budget", "10", "--jobs", "0"], 2, "jobs:"),
    (["speed-of-light", "--law", "1e-300,1", "--budget", "1,10"], 0, "e+300"),
    (["speed-of-light", "--law", "1e-320,1", "--budget", "10"], 0, "inf"),
    (["speed-of-light", "--law", "1", "--budget", "10"], 0, "mu = 0"),
    (
        [
            "speed-of-light",
            "--law",
            "dirichlet:1e308:5",
            "--budget",
            "10",
            "--environments",
            "2",
        ],
        0,
        "mu  = 1.609438",
    ),
    (
        [
            "speed-of-light",
            "--law",
            "dirichlet:1e-300:5",
            "--budget",
            "10",
            "--environments",
            "2",
        ],
        0,
        "mu  = 0",
    ),
    (["speed-of-light", "--law", "0.5,0.5", "--budget", "1,2"], 0, "P below"),
    (["speed-of-light", "--law", "zipf:1:10000000000", "--budget", "10"], 2, "law:"),
    (["speed-of-light", "--law", "softmax:1:100000000", "--budget", "10"], 2, "environments:"),
    (["speed-of-light", "--law", "text-target:100000000", "--budget", "10"], 2, "law:"),
    (
        ["rejections", "--target", "text-target:10**8", "--draft", K2, "--horizon", "3"],
        2,
        "target:",
    ),
    (
        ["rejections", "--target", "text-target:100000000", "--draft", K2, "--horizon", "3"],
        2,
        "target:",
    ),
    (["multidraft", "--target", "0.5,0.5", "--draft", "0.5,0.5", "--drafts", "0"], 2, "drafts:"),
    (["multidraft", "--target", "0.5,0.5", "--draft", "0.5,,0.5"], 2, "draft:"),
    (["multidraft", "--target", "", "--draft", "0.5,0.5"], 2, "target:"),
    (
        ["multidraft", "--target", "0.5,0.5", "--draft", "0.5,0.5;1,0", "--drafts", "2"],
        2,
        "drafts:",
    ),
    (["multidraft", "--target", "0.5,0.5", "--draft", "1,0,0"], 2, "draft:"),
    (["multidraft", "--target", "0.5,0.5", "--draft", "0.5,0.5", "--s", "0"], 2, "s:"),
    (["multidraft", "--target", "0.5,0.5", "--draft", "0.5,0.5", "--drafts", "1,2"], 0, "optimum"),
    (["pair"], 2, "target:"),
    (["pair", "--target", "nope.npy", "--draft", "nope.npy"], 2, "target:"),
    (["pair", "--example", "text", "--vocab", "100000000", "--positions", "10"], 2, "vocab:"),
    (["pair", "--example", "text", "--vocab", "200", "--temperature", "-1"], 2, "temperature:"),
    (["pair", "--example", "text", "--vocab", "200", "--top-p", "2"], 2, "top_p:"),
    (
        [
            "pair",
            "--example",
            "text",
            "--vocab",
            "200",
            "--positions",
            "10",
            "--environments",
            "1000000000",
        ],
        2,
        "environments:",
    ),
    (["audit", "nosuch.module:fn"], 2, "TARGET:"),
    (["audit", "/nonexistent/file.py:f"], 2, "TARGET:"),
    (["audit", SAMPLER, "--trials", "0"], 2, "trials:"),
    (["audit", SAMPLER, "--trials", "1000000000000"], 2, "trials:"),
    (["audit", SAMPLER, "--power", "0"], 2, "power:"),
    (["audit", SAMPLER, "--power", "1e-9"], 2, "power:"),
    (["audit", SAMPLER, "--alpha", "2"], 2, "alpha:"),
    (["audit", SAMPLER, "--target-law", "0.5,,0.5", "--draft-law", "0.5,0.5"], 2, "target-law:"),
    (["check", "--claim", "no.such.claim", "--list"], 2, "claim:"),
    (["check", "--jobs", "0"], 2, "--jobs"),
    (["check", "--seed", "-1"], 2, "--seed"),
    (["check", "--seed", "x"], 2, "--seed"),
    (["check", "--list", "--claim", "sd."], 0, "sd."),
    (["reproduce", "--out", "/proc/forbidden/x", "--quick"], 2, "out:"),
    (["nosuchcommand"], 2, "invalid choice"),
    (["tree", "--budget", "3"], 2, "--acceptance"),
    ([], 2, ""),
]


def _run_main(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse usage errors and --help
        code = exc.code
    return code, *capsys.readouterr()


@pytest.mark.parametrize(
    ("argv", "code", "text"), COMMANDS, ids=[" ".join(c[0])[:60] or "(none)" for c in COMMANDS]
)
def test_command_outcome(argv, code, text, capsys):
    got, out, err = _run_main(argv, capsys)
    assert "Traceback" not in err and "internal error" not in err, err
    assert got == code, (got, out, err)
    if code == 2 and argv:
        assert len(err.strip().splitlines()) == 1, err
        assert text in err, err
    elif code == 0:
        assert text in out, out


@pytest.mark.parametrize(
    ("drafts", "work"),
    [
        ("1e12", 1e8),
        ("100000", limits.DEFAULT_MAX_WORK),
        ("1,2,9000,9000", limits.DEFAULT_MAX_WORK),
    ],
    ids=["k-1e12", "k-1e5", "k-sum-over-limit"],
)
def test_multidraft_huge_k_refused(drafts, work, capsys):
    argv = ["multidraft", "--target", "0.5,0.5", "--draft", "0.5,0.5", "--drafts", drafts]
    with limits.resource_limits(work=work):
        got, _, err = _run_main(argv, capsys)
    assert got == 2 and err.startswith("specbound: error: drafts:"), err
    assert len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (
            ["--example", "synthetic", "--vocab", "100", "--positions", "1000000000000"],
            "positions:",
        ),
        (["--example", "synthetic", "--vocab", "1000000000000", "--positions", "10"], "vocab:"),
        (
            ["--example", "text", "--vocab", "200", "--positions", "10", "--budget", "1e12"],
            "budget:",
        ),
        (
            ["--example", "text", "--vocab", "200", "--positions", "10", "--out", "/dev/null"],
            "out:",
        ),
    ],
    ids=["positions-1e12", "vocab-1e12", "budget-1e12", "out-file"],
)
def test_pair_refuses_huge_or_bad_requests_by_name(argv, name, capsys):
    got, _, err = _run_main(["pair", *argv, "--environments", "0"], capsys)
    assert "Traceback" not in err
    assert got == 2 and f"error: {name}" in err, err


def test_existing_file_as_out_names_out(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("x")
    got, _, err = _run_main(["reproduce", "--out", str(target), "--quick"], capsys)
    assert got == 2 and err.startswith("specbound: error: out:")


def test_unwritable_out_names_out(tmp_path, monkeypatch, capsys):
    from specbound import cli

    monkeypatch.setattr(cli.os, "access", lambda path, mode: False)  # as without permission
    got, _, err = _run_main(["reproduce", "--out", str(tmp_path), "--quick"], capsys)
    assert got == 2 and err.startswith("specbound: error: out:") and "not writable" in err


def test_resource_limit_from_environment_in_a_command(monkeypatch, capsys):
    monkeypatch.setenv("SPECBOUND_MAX_MEMORY", "1KiB")
    got, _, err = _run_main(["tree", "--acceptance", "0.9,0.1", "--budget", "100"], capsys)
    assert got == 2 and re.search(r"budget: 100 nodes need .* \(limit 1 KiB", err)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["ersd", "--target", "0.5,,0.5", "--draft", "0.3,0.3,0.4"], 2),
        (["speed-of-light", "--law", "1e-300,1", "--budget", "10"], 0),
        (["tree", "--acceptance", "0.9,0.1", "--budget", "1e12"], 2),
    ],
    ids=["empty-field", "peaked-law", "huge-tree"],
)
def test_commands_in_a_subprocess(args, code):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-m", "specbound", *args], env=env, capture_output=True, text=True
    )
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
