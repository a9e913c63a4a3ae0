"""One voice on the command line: option names, --help, JSON/CSV output, table widths."""

import csv
import io
import json
from pathlib import Path

import pytest

from specbound.cli import build_parser, main

LAW = ["--target", "0.5,0.3,0.2", "--draft", "0.2,0.3,0.5"]
SAMPLER = "specbound.simulations.speculative:speculative_step"
KERNELS = ["--target", "0.9,0.1;0.2,0.8", "--draft", "0.7,0.3;0.4,0.6", "--horizon", "20"]
COMMANDS = {
    "rejections": ["rejections", *KERNELS],
    "ersd": ["ersd", *LAW, "--budget", "1,4", "--no-progress"],
    "tree": ["tree", "--acceptance", "0.6,0.25,0.1", "--budget", "5"],
    "speed-of-light": ["speed-of-light", "--law", "0.9,0.1", "--budget", "1,10"],
    "multidraft": ["multidraft", *LAW, "--drafts", "1,2", "--no-progress"],
    "check": ["check", "--claim", "sd.acceptance", "--quick", "--no-progress"],
    "pair": ["pair", "--example", "text", "--vocab", "50", "--positions", "20", "--no-progress"],
    "audit": ["audit", SAMPLER, "--trials", "2000", "--no-progress"],
}


def _subparsers():
    parser = build_parser()
    (sub,) = [a for a in parser._actions if a.dest == "command"]
    return sub.choices


@pytest.mark.parametrize("name", sorted(_subparsers()))
def test_help_has_description_and_defaults(name, capsys):
    parser = _subparsers()[name]
    text = parser.format_help()
    assert parser.description and "``" not in text and "Subcommand" not in text
    for action in parser._actions:
        shown = action.default not in (None, False) and action.help != "==SUPPRESS=="
        if shown and action.option_strings and action.dest != "help":
            assert "default" in (action.help or "") or "(default:" in text, action.dest


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_json_output_parses(name, capsys):
    assert main([*COMMANDS[name], "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["command"] == name
    assert err == ""  # stderr is not a terminal here: no progress bar, nothing else


def test_check_json_has_one_object_per_case(capsys):
    assert main([*COMMANDS["check"], "--format", "json"]) == 0
    cases = json.loads(capsys.readouterr().out)["cases"]
    assert cases and all(
        {"exact", "estimate", "se", "rule", "slack_se", "verdict"} <= set(c) for c in cases
    )
    assert main(["check", "--claim", "md.optimum_bound", "--quick", "--format", "json"]) == 0
    bounds = json.loads(capsys.readouterr().out)["cases"]
    for c in bounds:  # upper bound: slack = (bound - estimate) / SE
        assert c["rule"] == "upper" and c["verdict"] == "PASS"
        if c["se"]:
            assert c["slack_se"] == pytest.approx((c["exact"] - c["estimate"]) / c["se"])


@pytest.mark.parametrize(
    "name", ["ersd", "speed-of-light", "multidraft", "check", "pair", "audit"]
)
def test_csv_output_is_a_table(name, capsys):
    assert main([*COMMANDS[name], "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows and all(len(r) == len(rows[0]) for r in rows)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (["ersd", *LAW, "--k", "1,4"], "--budget"),
        (["tree", "--acceptance", "0.6,0.4", "--size", "3"], "--budget"),
        (["speed-of-light", "--law", "0.9,0.1", "--capacity", "10"], "--budget"),
        (["multidraft", *LAW, "--k", "2"], "--drafts"),
    ],
)
def test_old_spellings_work_with_one_deprecation_line(old, new, capsys):
    assert main(old) == 0
    err = [line for line in capsys.readouterr().err.splitlines() if "deprecated" in line]
    assert len(err) == 1 and new in err[0]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_tables_under_100_columns(name, capsys):
    assert main(COMMANDS[name]) == 0
    assert max(map(len, capsys.readouterr().out.splitlines())) < 100


def test_claim_list_fits_and_parses(capsys):
    assert main(["check", "--list"]) == 0
    assert max(map(len, capsys.readouterr().out.splitlines())) < 100
    assert main(["check", "--list", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["claims"]


def test_law_forms_and_start_word(capsys):
    from specbound.simulations.text_ngram import load_corpus

    argv = ["ersd", "--target", "zipf:1:20", "--draft", "dirichlet:1:20", "--budget", "2"]
    assert main([*argv, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 20
    argv = ["rejections", "--target", "text-target:50", "--draft", "text-draft:50"]
    assert main([*argv, "--horizon", "5", "--start", "is", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["start"] == load_corpus(50).vocab.index("is")


def test_out_writes_file(tmp_path, capsys):
    path = tmp_path / "ersd.json"
    assert main([*COMMANDS["ersd"], "--format", "json", "--out", str(path)]) == 0
    assert json.loads(path.read_text())["rows"][0]["k"] == 1


def test_optimum_repr_is_one_short_line():
    import numpy as np

    from specbound.lp import optimum

    p = np.full(300, 1 / 300)
    q = np.r_[np.full(150, 1.5 / 300), np.full(150, 0.5 / 300)]
    text = repr(optimum(p, np.tile(q, (2, 1))))
    assert "|T*|=" in text and "..." in text and len(text) < 160 and "\n" not in text


def test_pair_and_audit_json(tmp_path, capsys):
    argv = [*COMMANDS["pair"], "--drafts", "1,2", "--budget", "1,8", "--format", "json"]
    assert main([*argv, "--out", str(tmp_path / "rep")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["positions"], doc["vocab"]) == (20, 50)
    assert doc["multidraft_identical"]["K"] == [1, 2] and doc["tree"]["budget"] == [1, 8]
    assert json.loads((tmp_path / "rep" / "pair.json").read_text())["vocab"] == 50
    assert main([*COMMANDS["audit"], "--seed", "3", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["verdict"] == "valid" and doc["trials"] == 2000 and len(doc["cases"]) == 10
    assert all(0 <= c["pvalue"] <= 1 for c in doc["cases"])


def test_audit_table_hides_columns_unless_wide(capsys, monkeypatch):
    """A biased sampler's long verdicts push the table past 100 columns: bins give way.

    Run from the repository root with a relative path: the header echoes the path, and
    an absolute one would make the width depend on where the repository is checked out.
    """
    monkeypatch.chdir(Path(__file__).parent.parent)
    argv = ["audit", "examples/audit_samplers.py:topk_draft", "--trials", "2000"]
    assert main([*argv, "--no-progress"]) == 1
    out = capsys.readouterr().out
    assert "bins; --wide" in out and max(map(len, out.splitlines())) < 100
    assert main([*argv, "--no-progress", "--wide"]) == 1
    out = capsys.readouterr().out
    assert "bins" in out.splitlines()[1] and "hidden" not in out
