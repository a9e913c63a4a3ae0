"""``specbound audit``: exit codes 0 / 1 / 2, table and JSON output, the example file."""

import json
from pathlib import Path

import pytest

from specbound.cli import main

EXAMPLE = Path(__file__).parent.parent / "examples" / "audit_samplers.py"
FAST = ["--trials", "20000", "--no-progress"]


def test_correct_example_passes(capsys):
    assert main(["audit", f"{EXAMPLE}:speculative", *FAST]) == 0
    out = capsys.readouterr().out
    assert "verdict: VALID (10/10 cases valid)" in out
    assert "false alarms:" in out and "power:" in out


@pytest.mark.parametrize("name", ["resample_target", "topk_draft"])
def test_buggy_examples_are_biased(name, capsys):
    assert main(["audit", f"{EXAMPLE}:{name}", *FAST]) == 1
    assert "verdict: BIASED" in capsys.readouterr().out


def test_module_path_json_and_kinds(capsys):
    target = "specbound.simulations.multidraft:specinfer_sampling"
    assert (
        main(["audit", target, "--kind", "multi", "--drafts", "3", "--format", "json", *FAST]) == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["kind"] == "multi" and data["verdict"] == "valid" and len(data["cases"]) == 10
    chain = "specbound.simulations.audit.catalogue:markov_chain_step"
    assert main(["audit", chain, "--kind", "chain", "--gamma", "2", "--trials", "5000"]) == 0
    tree = "specbound.simulations.audit.catalogue:specinfer_tree"
    assert main(["audit", tree, "--kind", "tree", "--drafts", "3", "--trials", "5000"]) == 0
    assert "verdict: VALID" in capsys.readouterr().out


def test_user_laws_are_a_case(capsys):
    argv = ["audit", f"{EXAMPLE}:speculative", "--target-law", "0.6,0.4", "--draft-law", "0.1,0.9"]
    assert main([*argv, *FAST]) == 0
    assert "your pair 1" in capsys.readouterr().out


def test_power_option(capsys):
    assert main(["audit", f"{EXAMPLE}:speculative", "--power", "0.1", "--no-progress"]) == 0
    assert "cases x" in capsys.readouterr().out


def test_broken_sampler_exits_1(tmp_path, capsys):
    path = tmp_path / "broken.py"
    path.write_text("def f(target, draft, size, rng):\n    return target\n")
    assert main(["audit", f"{path}:f", "--trials", "100", "--no-progress"]) == 1
    assert "error: returned an array of shape" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("nocolon", "TARGET: expected package.module:function"),
        ("no/such/file.py:f", "does not exist"),
        ("no_such_module_xyz:f", "importing 'no_such_module_xyz' failed"),
        ("specbound.simulations.speculative:nothing", "has no attribute 'nothing'"),
        ("specbound.simulations.audit.power:POWER", "is not callable"),
    ],
)
def test_bad_target_exits_2_with_one_line(target, message, capsys):
    assert main(["audit", target]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_bad_options_exit_2(capsys):
    assert main(["audit", f"{EXAMPLE}:speculative", "--trials", "1"]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["audit", f"{EXAMPLE}:speculative", "--trials", "5", "--power", "0.1"])
    assert exc.value.code == 2
    assert main(["audit", f"{EXAMPLE}:speculative", "--target-law", "0.5,0.5"]) == 2
    capsys.readouterr()
