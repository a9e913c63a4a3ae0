"""specbound sweep: identical rows on every executor, kill and resume, bad input."""

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from specbound.bounds.rejections import acceptance_probability
from specbound.cli import main
from specbound.distributions import pair_at_tv
from specbound.sweep import get_quantity, load_config, parse_config, run_point, run_sweep
from specbound.sweep.exact import EXACT_QUANTITIES
from specbound.sweep.run import chunk_size
from specbound.sweep.store import columns

ROOT = Path(__file__).resolve().parents[1]

CONFIG = """
quantity = "acceptance_probability"
seed = 3
[grid]
family = ["pair_at_tv", "softmax", "zipf"]
n = [10, 300]
tv = [0.2, 0.6]
trials = 4000
"""


def write_config(tmp_path: Path, text: str = CONFIG, name: str = "c.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def rows_without_seconds(path: Path) -> list[str]:
    """The file's lines (header first) without the timing column, data rows sorted."""
    lines = path.read_text().splitlines()
    body = [line.rsplit(",", 1)[0] for line in lines[2:]]
    return [lines[0], lines[1], *sorted(body)]


def test_serial_processes_and_dask_give_identical_rows(tmp_path, no_gc_in_cluster):
    config = load_config(write_config(tmp_path))
    serial = run_sweep(config, tmp_path / "serial.csv", workers=1, progress=False)
    pool = run_sweep(config, tmp_path / "pool.csv", workers=2, progress=False)
    assert serial.written == pool.written == config.size() == 12
    expected = rows_without_seconds(serial.path)
    assert rows_without_seconds(pool.path) == expected
    distributed = pytest.importorskip("distributed", reason="needs dask[distributed]")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        dask = run_sweep(
            config, tmp_path / "dask.csv", scheduler=cluster.scheduler_address, progress=False
        )
    assert dask.written == 12
    assert rows_without_seconds(dask.path) == expected


def test_chunked_tasks_give_the_same_rows(tmp_path):
    grid = {"alpha": [i / 20 for i in range(20)], "gamma": list(range(10))}
    config = parse_config({"quantity": "expected_tokens_per_step", "grid": grid})
    assert chunk_size(config.size(), 2, parallel=True) > 1
    serial = run_sweep(config, tmp_path / "serial.csv", workers=1, progress=False)
    pool = run_sweep(config, tmp_path / "pool.csv", workers=2, progress=False)
    assert rows_without_seconds(pool.path) == rows_without_seconds(serial.path)
    assert len(rows_without_seconds(pool.path)) == 2 + 200


def test_rows_are_right_and_seeded_by_the_point_alone(tmp_path):
    config = load_config(write_config(tmp_path))
    out = run_sweep(config, tmp_path / "a.csv", workers=1, progress=False).path
    with open(out) as f:
        next(f)
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == columns(config)
    for row in rows:
        if row["family"] == "pair_at_tv":
            assert float(row["exact"]) == pytest.approx(1 - float(row["tv"]), abs=1e-12)
        assert row["verdict"] == "PASS" and row["error"] == ""
        assert int(row["samples"]) == 4000
    # the same point in a larger grid gets the same seed, hence the same row
    bigger = write_config(tmp_path, CONFIG.replace("n = [10, 300]", "n = [10, 300, 40]"), "b.toml")
    out2 = run_sweep(load_config(bigger), tmp_path / "b.csv", workers=1, progress=False).path
    assert set(rows_without_seconds(out)[2:]) < set(rows_without_seconds(out2)[2:])


def test_failed_verdicts_are_counted_and_exit_1(tmp_path, capsys):
    strict = CONFIG.replace("seed = 3", "seed = 3\nsigmas = 0")  # |z| <= 0: every point fails
    cfg = write_config(tmp_path, strict)
    code, cap = run_cli(
        ["sweep", str(cfg), "--out", str(tmp_path / "f.csv"), "--workers", "1"], capsys
    )
    assert code == 1 and "12 failed, 0 errors" in cap.out


def test_exact_column_is_the_public_function():
    config = parse_config(
        {"quantity": "acceptance_probability", "grid": {"n": 50, "tv": 0.25, "trials": 0}}
    )
    (params,) = list(config.points())
    row = run_point(("id", config.quantity.name, params, config.point_seed(params), 5.0))
    p, q = pair_at_tv(50, 0.25, 1.0, np.random.default_rng(config.point_seed(params)))
    assert row[columns(config).index("exact")] == acceptance_probability(p, q)
    assert row[columns(config).index("verdict")] == ""


@pytest.mark.parametrize("quantity", [q.name for q in EXACT_QUANTITIES])
def test_every_exact_quantity_runs_one_point(quantity):
    config = parse_config({"quantity": quantity, "grid": {"replicate": [0, 1]}})
    for params in config.points():
        row = run_point(("id", quantity, params, config.point_seed(params), 5.0))
        assert len(row) == len(columns(config))
        assert row[-2] == "" and np.isfinite(row[columns(config).index("exact")])


def test_a_claim_sweeps_its_cases(tmp_path):
    text = 'quantity = "sd.acceptance"\n[grid]\nscale = 0.05\nreplicate = [0, 1]\n'
    config = load_config(write_config(tmp_path, text))
    cases = get_quantity("sd.acceptance").param("case").choices
    assert config.size() == 2 * len(cases)
    s = run_sweep(config, tmp_path / "claims.csv", workers=1, progress=False)
    assert s.written == config.size() and s.failed == 0 and s.errors == 0


def test_resume_after_an_interruption_equals_an_uninterrupted_run(tmp_path):
    config = load_config(write_config(tmp_path))
    full = run_sweep(config, tmp_path / "full.csv", workers=1, progress=False).path
    part = tmp_path / "part.csv"
    first = run_sweep(config, part, workers=1, progress=False, limit=5)
    assert first.written == 5 and first.path == part
    with open(part, "a") as f:  # a kill in the middle of writing a row
        f.write("0123456789abcdef,pair_at_tv,10,1.0,0.2")
    second = run_sweep(config, part, workers=2, resume=True, progress=False)
    assert (second.skipped, second.written) == (5, 7)
    assert rows_without_seconds(part) == rows_without_seconds(full)
    again = run_sweep(config, part, workers=1, resume=True, progress=False)
    assert (again.skipped, again.written) == (12, 0)


def test_a_killed_process_loses_nothing_written(tmp_path):
    slow = CONFIG.replace("trials = 4000", "trials = 400000").replace("seed = 3", "seed = 4")
    cfg = write_config(tmp_path, slow)
    out = tmp_path / "killed.csv"
    cmd = [sys.executable, "-m", "specbound", "sweep", str(cfg), "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([*cmd, "--workers", "1"], env=env, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if out.exists() and len(out.read_text().splitlines()) >= 2 + 3:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    written = rows_without_seconds(out)[2:]
    assert 3 <= len(written) < 12
    done = run_sweep(load_config(cfg), out, workers=1, resume=True, progress=False)
    assert done.skipped == len(written) and done.written == 12 - len(written)
    final = rows_without_seconds(out)
    assert len(final) == 2 + 12 and set(written) <= set(final)
    assert len({line.split(",")[0] for line in final[2:]}) == 12  # no row twice


AP = 'quantity = "acceptance_probability"\n'
BAD = [
    ('quantity = "nope"\n[grid]\nn = 3\n', "quantity: unknown 'nope'"),
    ("[grid]\nn = 3\n", "quantity: missing"),
    (AP + "[grid]\nwidth = [1]\n", "grid.width: not a parameter"),
    (AP + '[grid]\nn = ["ten"]\n', "grid.n: expected an integer"),
    (AP + "[grid]\nn = [2.5]\n", "grid.n: expected an integer"),
    (AP + "[grid]\ntv = [0.1, true]\n", "grid.tv: expected a number"),
    (AP + "[grid]\nn = []\n", "grid.n: empty list"),
    (AP + "[grid]\n", "grid: empty"),
    (AP, "grid: empty"),
    (AP + '[grid]\nfamily = "gauss"\n', "grid.family: 'gauss'"),
    (AP + "[grid]\ntrials = 1\n", "grid.trials: must be 0"),
    (AP + "sedd = 1\n[grid]\nn = 3\n", "config: unknown key"),
    ('quantity = "sd.acceptance"\n[grid]\ncase = "x"\n', "grid.case: 'x' is not one of"),
    (AP + "[grid\n", "is not valid TOML"),
]


def run_cli(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    return code, capsys.readouterr()


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_config_is_one_line_and_exit_2_before_work(text, message, tmp_path, capsys):
    out = tmp_path / "out.csv"
    code, cap = run_cli(["sweep", str(write_config(tmp_path, text)), "--out", str(out)], capsys)
    assert code == 2
    assert message in cap.err and len(cap.err.strip().splitlines()) == 1, cap.err
    assert not out.exists()


def test_output_is_never_overwritten_and_resume_checks_the_config(tmp_path, capsys):
    cfg = write_config(tmp_path, CONFIG.replace("trials = 4000", "trials = 0"))
    out = tmp_path / "o.csv"
    assert run_cli(["sweep", str(cfg), "--out", str(out), "--workers", "1"], capsys)[0] == 0
    before = out.read_bytes()
    code, cap = run_cli(["sweep", str(cfg), "--out", str(out)], capsys)
    assert code == 2 and "exists; pass --resume" in cap.err
    other = write_config(
        tmp_path, cfg.read_text().replace("tv = [0.2, 0.6]", "tv = [0.2, 0.7]"), "d.toml"
    )
    code, cap = run_cli(["sweep", str(other), "--out", str(out), "--resume"], capsys)
    assert code == 2 and len(cap.err.strip().splitlines()) == 1
    assert "different config (grid.tv: [0.2, 0.6] in the file, [0.2, 0.7] now)" in cap.err
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    code, cap = run_cli(["sweep", str(cfg), "--out", str(tmp_path / "x.csv"), "--resume"], capsys)
    assert code == 2 and "not a specbound sweep output" in cap.err
    assert out.read_bytes() == before


def test_unreachable_scheduler_fails_fast_naming_it(tmp_path, capsys):
    cfg = write_config(tmp_path)
    out = tmp_path / "o.csv"
    start = time.monotonic()
    argv = ["sweep", str(cfg), "--out", str(out), "--scheduler", "tcp://127.0.0.1:1"]
    code, cap = run_cli(argv, capsys)
    assert time.monotonic() - start < 10
    assert code == 2 and "scheduler: cannot reach 'tcp://127.0.0.1:1'" in cap.err
    assert len(cap.err.strip().splitlines()) == 1 and not out.exists()


def test_parquet_needs_pyarrow_or_round_trips(tmp_path, capsys):
    cfg = write_config(tmp_path, CONFIG.replace("trials = 4000", "trials = 0"))
    out = tmp_path / "o.parquet"
    code, cap = run_cli(["sweep", str(cfg), "--out", str(out), "--workers", "1"], capsys)
    try:
        import pyarrow.parquet as pq
    except ImportError:
        assert code == 2 and "needs pyarrow" in cap.err and not out.exists()
        return
    assert code == 0
    table = pq.read_table(out)
    assert table.num_rows == 12 and table.column_names[:2] == ["point", "family"]
    code, cap = run_cli(["sweep", str(cfg), "--out", str(out), "--resume"], capsys)
    assert code == 0 and "wrote 0 rows" in cap.out


def test_list_and_missing_arguments(capsys):
    code, cap = run_cli(["sweep", "--list"], capsys)
    assert code == 0
    assert "acceptance_probability:" in cap.out and "sd.output_law:" in cap.out
    assert "    tv = 0.3 (a number)" in cap.out
    code, cap = run_cli(["sweep"], capsys)
    assert code == 2 and "config: give a TOML file" in cap.err


def test_example_config_is_a_grid_of_at_least_50_points():
    config = load_config(ROOT / "examples" / "sweep.toml")
    assert config.size() >= 50


def test_jobs_is_a_deprecated_alias_of_workers(capsys):
    code, cap = run_cli(["check", "--claim", "sd.acceptance", "--quick", "--jobs", "1"], capsys)
    assert code == 0
    assert cap.err.strip() == (
        "specbound: warning: --jobs is deprecated and will be removed in the next release; "
        "use --workers"
    )
    code, cap = run_cli(["check", "--workers", "2", "--scheduler", "tcp://x:1"], capsys)
    assert code == 2 and "not allowed with argument" in cap.err


def test_format_json_for_the_list_and_a_run(tmp_path, capsys):
    import json

    code, cap = run_cli(["sweep", "--list", "--format", "json"], capsys)
    listed = json.loads(cap.out)
    assert code == 0 and {"acceptance_probability", "sd.acceptance"} <= {
        q["name"] for q in listed["quantities"]
    }
    config = tmp_path / "c.toml"
    config.write_text('quantity = "expected_tokens_per_step"\n[grid]\nalpha = [0.5, 0.9]\n')
    out = tmp_path / "s.csv"
    argv = ["sweep", str(config), "--out", str(out), "--workers", "1", "--format", "json"]
    code, cap = run_cli([*argv, "--no-progress"], capsys)
    summary = json.loads(cap.out)
    assert code == 0 and summary["written"] == summary["points"] == 2
    assert summary["out"] == str(out) and summary["errors"] == 0
