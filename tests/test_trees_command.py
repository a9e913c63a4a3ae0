"""Tests of ``specbound tree``."""

from __future__ import annotations

import pytest

from specbound.cli import main


def test_tree_command_prints_value_and_drawing(capsys):
    assert main(["tree", "--acceptance", "0.9,0.1", "--size", "3"]) == 0
    out = capsys.readouterr().out
    assert "E[accepted]      2.439" in out
    assert "tokens per step  3.439" in out
    assert "chain of 3: 2.439" in out
    assert out.count("r0  pi=") == 3  # the optimal 3-node tree is the chain


def test_tree_command_depth_limit_and_simulation(capsys):
    argv = ["tree", "--acceptance", "0.8,0.1,0.05", "--size", "12", "--max-depth", "2"]
    assert main([*argv, "--simulate", "20000", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "depth 2 (limit 2)" in out
    assert "Monte Carlo (20000 verifier walks)" in out


def test_tree_command_large_size_no_drawing(capsys):
    assert main(["tree", "--acceptance", "0.9,0.1", "--size", "10000"]) == 0
    out = capsys.readouterr().out
    assert "E[accepted]      26.43872" in out
    assert "root" not in out


def test_tree_command_sort_option(capsys):
    assert main(["tree", "--acceptance", "0.1,0.9", "--size", "2", "--sort"]) == 0
    assert "E[accepted]      1.71" in capsys.readouterr().out
    # drafting order: candidate 2 needs candidate 1, so the best is 0.1 + 0.9
    assert main(["tree", "--acceptance", "0.1,0.9", "--size", "2"]) == 0
    out = capsys.readouterr().out
    assert "E[accepted]      1\n" in out
    assert "chain of 2: 0.11" in out and "batch of 2: 1" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--acceptance", "0.7,0.6", "--size", "2"], "acceptance: entries are probabilities"),
        (["--acceptance", "1.5", "--size", "2"], "acceptance: entries must lie in"),
        (["--acceptance", "0.5", "--size", "-1"], "budget: must be >= 0"),
        (["--acceptance", "0.5", "--size", "2", "--max-depth", "0"], "max_depth: must be >= 1"),
        (["--acceptance", "0.5,x", "--size", "2"], "acceptance: expected comma-separated"),
        (["--acceptance", "0.5", "--size", "2", "--simulate", "1"], "simulate: need at least 2"),
    ],
)
def test_tree_command_errors(capsys, argv, message):
    assert main(["tree", *argv]) == 2
    assert message in capsys.readouterr().err
