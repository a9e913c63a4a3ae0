"""The public API fixed by design.md: these names and parameter names must not change."""

import importlib
import inspect

import pytest

API = {
    "specbound.distributions.as_distribution": ["x", "name"],
    "specbound.bounds.rejections.acceptance_probability": ["target", "draft"],
    "specbound.bounds.rejections.expected_tokens_per_step": ["alpha", "gamma"],
    "specbound.bounds.rejections.expected_rejections": [
        "target_kernel",
        "draft_kernel",
        "start",
        "horizon",
    ],
    "specbound.bounds.exponential_races.rank_distribution": ["target", "draft"],
    "specbound.bounds.exponential_races.tokens_per_step_bound": ["target", "draft", "k"],
    "specbound.bounds.branching_walk.entropy_moments": ["laws"],
    "specbound.bounds.branching_walk.speed_of_light_bound": ["mu", "mu2", "size"],
    "specbound.trees.optimal_tree": ["acceptance", "size", "max_depth"],
    "specbound.lp.coupling_lp": ["target", "drafts", "solver"],
    "specbound.lp.optimal_acceptance": ["target", "drafts"],
    "specbound.lp.perfect_acceptance": ["target", "drafts"],
    "specbound.simulations.speculative_sampling": ["target", "draft", "size", "rng"],
    "specbound.simulations.audit_sampler": [],
}


@pytest.mark.parametrize("path", sorted(API))
def test_public_name_and_leading_parameters(path):
    module, _, name = path.rpartition(".")
    func = getattr(importlib.import_module(module), name)
    params = list(inspect.signature(func).parameters)
    assert params[: len(API[path])] == API[path]


def test_draft_tree_attributes():
    from specbound.trees import optimal_tree

    tree = optimal_tree([0.9, 0.1], 3)
    for attr in ("size", "depth", "expected_accepted", "tokens_per_step"):
        assert hasattr(tree, attr)
    for attr in ("parent", "child_index", "path_probability"):
        assert getattr(tree, attr).shape == (3,)
    assert tree.tokens_per_step == pytest.approx(tree.expected_accepted + 1)


def test_coupling_result_fields():
    from specbound.lp import coupling_lp

    res = coupling_lp([0.5, 0.5], [[0.9, 0.1]])
    assert res.status == "optimal" and res.coupling.shape[-1] == 2
    assert res.acceptance == pytest.approx(0.6, abs=1e-7)
