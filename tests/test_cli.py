"""The command line: help, check, reproduce, one-line errors with exit 2."""

import dataclasses
import re
import subprocess
import sys

import numpy as np
import pytest

from specbound.claims import format_summary, run_claims, select
from specbound.cli import main


def test_help_lists_commands(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "check" in out and "reproduce" in out


def test_check_passes_on_a_subset(capsys):
    assert main(["check", "--claim", "sd.acceptance", "--quick", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "sd.acceptance" in out and "cases passed" in out and "FAIL" not in out


def test_check_summary_has_one_row_per_claim(capsys):
    assert main(["check", "--claim", "sd.", "--quick", "--no-progress", "--summary"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| `sd.")]
    assert len(rows) == 2 and all("11/11 |" in r for r in rows)


def test_summary_marks_failures_and_partial_runs():
    verdicts = run_claims(select("sd.acceptance"), scale=0.01, progress=False)
    failed = [dataclasses.replace(verdicts[0], passed=False), *verdicts[1:]]
    text = format_summary(select("sd."), failed)
    acceptance, output_law = (
        next(r for r in text.splitlines() if f"`{i}`" in r)
        for i in ("sd.acceptance", "sd.output_law")
    )
    assert f"{len(verdicts) - 1}/{len(verdicts)} **FAIL**" in acceptance
    assert "not run" in output_law


def test_check_list(capsys):
    assert main(["check", "--list"]) == 0
    assert "sd.output_law" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check", "--seed", "-1"], "argument --seed: must be >= 0"),
        (["check", "--jobs", "0"], "argument --jobs: must be >= 1"),
        (["check", "--claim", "nope"], "claim: no claim id starts with 'nope'"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(argv, message, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err


def test_module_entry_point_runs():
    out = subprocess.run(
        [sys.executable, "-m", "specbound", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.startswith("specbound ")


def test_reproduce_writes_figures_and_report(tmp_path, monkeypatch):
    from specbound import claims, figures

    only_sd = [c for c in claims.all_claims() if c.id.startswith("sd.")]
    monkeypatch.setattr(claims, "all_claims", lambda: only_sd)
    first = [f for f in figures.all_figures() if f.name == "acceptance_vs_tv"]
    monkeypatch.setattr(figures, "all_figures", lambda: first)
    code = main(["reproduce", "--out", str(tmp_path), "--quick", "--no-progress"])
    assert code == 0
    report = (tmp_path / "report.md").read_text()
    assert "| sd.acceptance |" in report and "FAIL" not in report
    assert (tmp_path / "acceptance_vs_tv.png").stat().st_size > 10_000
    header = (tmp_path / "acceptance_vs_tv.csv").read_text().splitlines()[0]
    assert header == "tv,exact,simulated,se,trials"


def test_real_text_models_as_command_arrays(capsys):
    from specbound.commands import read_array
    from specbound.simulations.text_ngram import text_models

    target, draft = text_models(30, 2)
    np.testing.assert_array_equal(read_array("text-target:30", "target"), target)
    np.testing.assert_array_equal(read_array("text-draft:30:the", "draft"), draft[0])
    argv = ["ersd", "--target", "text-target:30:the", "--draft", "text-draft:30:the", "--k", "1"]
    assert main(argv) == 0
    assert "n = 30" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("text-target:abc", "target: expected text-target:V[:WORD] with an integer V"),
        ("text-target:1", "target: must be >= 2"),
        ("text-target:30:zzz", "target: context: 'zzz' is not among the 29 most frequent"),
    ],
)
def test_real_text_model_spec_errors(spec, message):
    from specbound.commands import read_array

    with pytest.raises(ValueError, match=re.escape(message)):
        read_array(spec, "target")
