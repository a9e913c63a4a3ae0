"""``specbound multidraft`` and the multi-draft figures (smoke and content checks)."""

import json

import numpy as np
import pytest

from specbound.cli import main
from specbound.figures import FigureContext
from specbound.figures.multidraft import FIGURES, optimum_vs_temperature, without_replacement


def test_cli_identical_drafts_table(capsys):
    code = main(["multidraft", "--target", "0.1,0.9", "--draft", "0.5,0.5", "--k", "1,2,3"])
    assert code == 0
    out = capsys.readouterr().out.splitlines()
    rows = {line.split()[0]: line.split() for line in out[2:]}
    # optimum, |T*|, w/o repl., tournament, importance, SpecInfer, SpecTr, NSS (n = 2)
    assert rows["1"][1] == "0.600000"
    assert rows["2"][1:9] == [
        "0.850000",
        "1",
        "1.000000",  # two distinct candidates out of two tokens: always accepted
        "0.850000",
        "0.800000",
        "0.800000",
        "0.815037",
        "0.750000",
    ]
    assert rows["3"][1] == "0.975000"


def test_cli_non_identical_drafts_with_lp(capsys, tmp_path):
    target = tmp_path / "p.csv"
    target.write_text("0.30,0.25,0.15,0.12,0.10,0.08\n")
    drafts = tmp_path / "q.npy"
    np.save(
        drafts,
        np.array([[0.10, 0.15, 0.30, 0.25, 0.12, 0.08], [0.20, 0.05, 0.25, 0.20, 0.20, 0.10]]),
    )
    code = main(
        ["multidraft", "--target", str(target), "--draft", str(drafts), "--lp", "--s", "6"]
    )
    assert code == 0
    row = capsys.readouterr().out.splitlines()[2].split()
    assert row[:5] == ["2", "0.887500", "4", "-", "0.887500"]
    assert row[7] == "-"  # SpecTr needs identical drafts
    assert row[9] == "0.887500"  # the LP


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--draft", "0.5,0.5", "--k", "0"], "drafts: must be >= 1"),
        (["--draft", "0.5,0.3,0.2"], "draft: vocabulary size 3"),
        (["--draft", "0.5,0.5;0.4,0.6", "--k", "2"], "drafts: the draft has 2 rows"),
        (["--draft", "0.5,0.5", "--s", "x"], "s: expected an integer"),
        (["--draft", "0.5,0.5", "--draft-temperatures", "1,0"], "temperatures: must be finite"),
        (["--draft", "0.5,0.5", "--draft-temperatures", "a"], "draft_temperatures: expected"),
        (
            ["--draft", "0.5,0.5", "--draft-temperatures", "1,2", "--k", "2"],
            "drafts: omit --drafts",
        ),
        (["--draft", "0.5,0.5;0.4,0.6", "--draft-temperatures", "1,2"], "draft_temperatures: the"),
    ],
)
def test_cli_bad_input_exits_2(capsys, argv, message):
    assert main(["multidraft", "--target", "0.1,0.9", *argv]) == 2
    assert message in capsys.readouterr().err


def test_cli_draft_temperatures(capsys):
    from specbound.lp import optimal_acceptance
    from specbound.lp.temperatures import temperature_drafts

    p, q = [0.3, 0.25, 0.15, 0.12, 0.1, 0.08], [0.1, 0.15, 0.3, 0.25, 0.12, 0.08]
    argv = ["--target", ",".join(map(str, p)), "--draft", ",".join(map(str, q))]
    assert main(["multidraft", *argv, "--draft-temperatures", "0.5,1,1.5"]) == 0
    row = capsys.readouterr().out.splitlines()[2].split()
    want = optimal_acceptance(p, temperature_drafts(q, [0.5, 1, 1.5]))
    assert row[0] == "3" and row[1] == f"{want:.6f}" and row[3] == "-"


def test_figures_are_registered_and_temperature_figure_is_consistent():
    assert [f.name for f in FIGURES] == [
        "multidraft_vs_k",
        "multidraft_simplex",
        "multidraft_temperature",
        "multidraft_without_replacement",
    ]
    out = optimum_vs_temperature(FigureContext(quick=True))
    lengths = {len(v) for v in out.columns.values()}
    assert len(lengths) == 1
    acc = np.array(out.columns["acceptance"])
    temps = np.array(out.columns["temperature"])
    scheme = np.array(out.columns["scheme"])
    at_one = (np.abs(temps - 1.0) < 1e-12) & (scheme == "optimum P*")
    assert np.allclose(acc[at_one], 1.0)  # draft = target at T = 1


def test_without_replacement_figure_is_consistent():
    out = without_replacement(FigureContext(quick=True))
    cols = {k: np.array(v) for k, v in out.columns.items()}
    wor = cols["acceptance"][cols["scheme"] == "optimum, without replacement"]
    iid = cols["acceptance"][cols["scheme"] == "optimum, i.i.d."]
    assert wor.size == iid.size == 16 and np.all(wor >= iid - 1e-12)
    at_one = cols["k"][cols["scheme"] == "optimum, i.i.d."] == 1
    assert np.allclose(wor[at_one], iid[at_one])  # one candidate: the same scheme


def test_cli_simulate_json_agrees_with_exact_specinfer(capsys):
    argv = ["multidraft", "--target", "0.3,0.25,0.15,0.12,0.1,0.08", "--draft"]
    argv += ["0.1,0.15,0.3,0.25,0.12,0.08", "--drafts", "1,2,4", "--simulate", "20000"]
    assert main([*argv, "--seed", "5", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["simulated_trials"] == 20000 and doc["seed"] == 5
    assert [r["K"] for r in doc["rows"]] == [1, 2, 4]
    for r in doc["rows"]:
        assert 0 < r["specinfer_se"] < 0.01
        assert abs(r["specinfer_simulated"] - r["specinfer"]) < 5 * r["specinfer_se"], r
    assert main([*argv, "--seed", "5", "--format", "json"]) == 0  # the seed fixes the draws
    assert json.loads(capsys.readouterr().out) == doc
    assert main([*argv[:-2], "--format", "json"]) == 0  # no --simulate: no Monte Carlo keys
    plain = json.loads(capsys.readouterr().out)
    assert plain["simulated_trials"] == 0 and "specinfer_se" not in plain["rows"][0]
