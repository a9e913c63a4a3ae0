"""Resource limits, long horizons by doubling, interrupts, closed pipes, atomic reproduce."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from specbound import limits
from specbound.bounds import rejection_kernels
from specbound.bounds.markov_sums import power_sum
from specbound.bounds.rejections import expected_rejections, expected_rejections_and_calls
from specbound.cli import main
from specbound.distributions import random_kernel
from specbound.errors import InvalidArgumentError, ResourceLimitError
from specbound.simulations import speculative_sampling

ROOT = Path(__file__).resolve().parents[1]


def test_resource_limit_error_is_an_invalid_argument_error():
    assert issubclass(ResourceLimitError, InvalidArgumentError)
    assert issubclass(ResourceLimitError, ValueError)


def test_check_allocation_names_the_argument_and_sizes():
    with pytest.raises(ResourceLimitError, match=r"^size: 1,000,000,000,000 trials need 7.28 TiB"):
        limits.check_allocation("size", 10**12, np.int64, what="trials")
    assert limits.check_allocation("size", (10, 10), np.float32) == 400


def test_limits_overridable_by_context_and_environment(monkeypatch):
    with (
        limits.resource_limits(memory=1000),
        pytest.raises(ResourceLimitError, match="limit 1000"),
    ):
        speculative_sampling([0.5, 0.5], [0.5, 0.5], 100)
    monkeypatch.setenv("SPECBOUND_MAX_MEMORY", "1MiB")
    assert limits.max_memory() == 2**20
    monkeypatch.setenv("SPECBOUND_MAX_WORK", "5e3")
    assert limits.max_work() == 5000
    with pytest.raises(ResourceLimitError, match=r"^x: 6,000 steps exceed the work limit 5,000"):
        limits.check_work("x", 6000)
    monkeypatch.setenv("SPECBOUND_MAX_WORK", "lots")
    with pytest.raises(ResourceLimitError, match="SPECBOUND_MAX_WORK"):
        limits.max_work()
    with pytest.raises(ResourceLimitError, match="memory"):
        with limits.resource_limits(memory=-1):
            pass


def test_huge_requests_refused_fast():
    from specbound.trees import optimal_tree

    start = time.perf_counter()
    for call in (
        lambda: speculative_sampling([0.5, 0.5], [0.9, 0.1], 10**12),
        lambda: optimal_tree([0.9, 0.1], 10**12),
        lambda: optimal_tree([0.9, 0.1], 10**5, max_depth=30),
    ):
        with pytest.raises(ResourceLimitError, match=r"^size: "):
            call()
    assert time.perf_counter() - start < 1.0


def test_periodic_chain_with_horizon_1e12_is_exact_and_fast():
    flip, uniform = [[0, 1], [1, 0]], [[0.5, 0.5], [0.5, 0.5]]
    start = time.perf_counter()
    assert expected_rejections(flip, uniform, 0, 10**12) == 0.5e12
    rej, calls = expected_rejections_and_calls(flip, uniform, 0, 10**12)
    assert (rej, calls) == (0.5e12, 0.5e12 + 0.5)  # calls = 1 + sum of TV but the last
    # gamma = 1: a call drafts one token (accepted w.p. 1/2) and adds a bonus token if
    # it passes: 1.5 tokens per call on average, E[rejections] = E[calls] / 2
    rej, calls = expected_rejections_and_calls(flip, uniform, 0, 3 * 10**12, gamma=1)
    assert calls == pytest.approx(2e12, rel=1e-12) and rej == pytest.approx(1e12, rel=1e-12)
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("gamma", [None, 0, 1, 3])
@pytest.mark.parametrize("horizon", [1, 2, 5, 300])
def test_doubling_matches_the_step_by_step_sum(monkeypatch, gamma, horizon):
    rng = np.random.default_rng(horizon)
    cycle = np.roll(np.eye(4), 1, axis=1)
    p = 0.99 * cycle + 0.01 * random_kernel(4, 1.0, rng)  # slowly mixing, nearly periodic
    q = random_kernel(4, 1.0, rng)
    exact = expected_rejections_and_calls(p, q, 2, horizon, gamma)
    monkeypatch.setattr(rejection_kernels, "iteration_budget", lambda *a: 1)
    doubled = expected_rejections_and_calls(p, q, 2, horizon, gamma)
    np.testing.assert_allclose(doubled, exact, rtol=1e-11)


def test_power_sum_against_direct_sum():
    rng = np.random.default_rng(3)
    a, r, x = random_kernel(5, 0.3, rng), rng.random((5, 2)), np.eye(5)[1]
    direct, law = np.zeros(2), x.copy()
    for _ in range(37):
        direct += law @ r
        law = law @ a
    total, end = power_sum(x, a, r, 37)
    np.testing.assert_allclose(total, direct, rtol=1e-13)
    np.testing.assert_allclose(end, law, rtol=1e-12, atol=1e-15)


def test_doubling_refused_beyond_the_work_limit():
    p = random_kernel(40, 1.0, 0)
    cycle = np.roll(np.eye(40), 1, axis=1)
    with limits.resource_limits(work=1e6), pytest.raises(ResourceLimitError, match=r"^horizon"):
        expected_rejections(cycle, p, 0, 10**12)


def _run(args, **kw):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, "-m", "specbound", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def test_closed_pipe_ends_quietly_with_status_0():
    proc = _run(["tree", "--acceptance", "0.6,0.3,0.1", "--budget", "64"])
    proc.stdout.close()  # the reader goes away before the command writes
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 0
    assert err == ""


def test_ctrl_c_prints_one_line_exits_130_and_ends_workers():
    proc = _run(
        [
            *("speed-of-light", "--law", "dirichlet:0.5:50", "--budget", "30000"),
            *("--environments", "400", "--jobs", "2"),
        ],
        start_new_session=True,
    )
    time.sleep(3.0)  # imports, then the workers start
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends on Ctrl-C
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "specbound: interrupted"
    assert "Traceback" not in err
    time.sleep(0.5)
    left = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True)
    assert left.stdout.split() == []


def test_interrupted_reproduce_leaves_the_old_outputs(tmp_path, monkeypatch, capsys):
    from specbound import claims, figures

    (tmp_path / "report.md").write_text("old report")
    (tmp_path / "acceptance_vs_tv.png").write_bytes(b"old png")
    specs = [f for f in figures.all_figures() if f.name == "acceptance_vs_tv"]

    def interrupt(ctx):
        raise KeyboardInterrupt  # Ctrl-C while the second figure is drawn

    broken = figures.FigureSpec("second", "interrupted", interrupt)
    monkeypatch.setattr(figures, "all_figures", lambda: [specs[0], broken])
    monkeypatch.setattr(claims, "all_claims", lambda: [])
    assert main(["reproduce", "--out", str(tmp_path), "--quick", "--no-progress"]) == 130
    assert capsys.readouterr().err.strip() == "specbound: interrupted"
    assert (tmp_path / "report.md").read_text() == "old report"
    assert (tmp_path / "acceptance_vs_tv.png").read_bytes() == b"old png"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["acceptance_vs_tv.png", "report.md"]


def test_interrupted_publish_never_keeps_the_old_report(tmp_path, monkeypatch):
    from specbound import cli

    out, staging = tmp_path / "out", tmp_path / "staging"
    out.mkdir()
    staging.mkdir()
    (out / "report.md").write_text("old")
    for name in ("a.png", "b.png", "report.md"):
        (staging / name).write_text("new")
    real, moved = os.replace, []

    def replace_then_interrupt(src, dst):
        if moved:
            raise KeyboardInterrupt
        moved.append(dst)
        real(src, dst)

    monkeypatch.setattr(cli.os, "replace", replace_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        cli.publish(staging, out, last="report.md")
    assert sorted(p.name for p in out.iterdir()) == ["a.png"]  # new figure, no old report
