"""``specbound pair``: report files, JSON keys, examples, exit 2 on bad input, atomic writes."""

import json
from pathlib import Path

import numpy as np
import pytest

from specbound.cli import main
from specbound.pairs.examples import atomic_write, write_synthetic_pair


def _files(tmp_path):
    g = np.random.default_rng(0)
    t = g.normal(0, 2, (20, 64)).astype(np.float32)
    np.save(tmp_path / "t.npy", t)
    np.save(tmp_path / "d.npy", (t + g.normal(0, 1, t.shape)).astype(np.float32))
    return str(tmp_path / "t.npy"), str(tmp_path / "d.npy")


def test_pair_writes_report(tmp_path, capsys):
    t, d = _files(tmp_path)
    out = tmp_path / "rep"
    argv = ["pair", "--target", t, "--draft", d, "--top-k", "20", "--environments", "2"]
    assert main([*argv, "--out", str(out), "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "acceptance mean" in text and "wrote" in text
    doc = json.loads((out / "pair.json").read_text())
    assert doc["positions"] == 20 and doc["vocab"] == 64
    assert doc["settings"]["draft"]["top_k"] == 20
    md = (out / "pair.md").read_text()
    assert "Which number answers which question" in md and "coupled exponential races" in md
    assert (out / "acceptance.png").stat().st_size > 0
    assert (out / "tokens_per_step.png").stat().st_size > 0
    assert not list(out.glob(".*"))  # no temporary files left
    assert main([*argv, "--format", "json", "--no-progress"]) == 0
    assert json.loads(capsys.readouterr().out)["acceptance"] == doc["acceptance"]


def test_pair_examples(tmp_path, capsys):
    argv = ["pair", "--example", "text", "--vocab", "100", "--positions", "40"]
    assert main([*argv, "--environments", "0", "--format", "json", "--no-progress"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["positions"] == 40 and doc["vocab"] == 100
    assert "optimal_tokens_per_step" not in doc["speed_of_light"]
    target, draft = write_synthetic_pair(tmp_path, vocab=512, positions=3, rng=1)
    assert sorted(p.name for p in Path(target).iterdir()) == ["shard-00000.safetensors"]
    assert main(["pair", "--target", str(target), "--draft", str(draft), "--format", "json",
                 "--environments", "0", "--no-progress"]) == 0  # fmt: skip
    assert json.loads(capsys.readouterr().out)["vocab"] == 512


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--temperature", "-1"], "temperature: must be >= 0"),
        (["--top-p", "1.5"], r"top_p: must lie in (0, 1]"),
        (["--top-k", "0"], "top_k: must be >= 1"),
        (["--draft-top-p", "0"], r"top_p: must lie in (0, 1]"),
    ],
)
def test_pair_bad_settings_exit_2(tmp_path, capsys, extra, message):
    t, d = _files(tmp_path)
    assert main(["pair", "--target", t, "--draft", d, *extra, "--no-progress"]) == 2
    assert message in capsys.readouterr().err


def test_pair_bad_files_exit_2(tmp_path, capsys):
    t, _ = _files(tmp_path)
    np.save(tmp_path / "v.npy", np.zeros((20, 65), np.float32))
    np.save(tmp_path / "nan.npy", np.full((20, 64), np.nan, np.float32))
    for draft, message in [
        (tmp_path / "v.npy", "vocabulary size 65"),
        (tmp_path / "nan.npy", "nan.npy: NaN logit at position 0, token 0"),
    ]:
        assert main(["pair", "--target", t, "--draft", str(draft), "--no-progress"]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1
    assert main(["pair", "--target", t, "--no-progress"]) == 2
    assert "give --target and --draft" in capsys.readouterr().err


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    path = tmp_path / "pair.json"

    def fail(tmp):
        tmp.write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, fail)
    assert list(tmp_path.iterdir()) == []
    atomic_write(path, lambda tmp: tmp.write_text("{}"))
    assert path.read_text() == "{}"


def test_pair_greedy_is_strict_json(tmp_path, capsys):
    t, d = _files(tmp_path)
    argv = ["pair", "--target", t, "--draft", d, "--temperature", "0", "--environments", "2"]
    assert main([*argv, "--out", str(tmp_path / "g"), "--format", "json", "--no-progress"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["target_entropy"]["mu"] == 0.0
    assert doc["speed_of_light"]["bound_tokens_per_step"][0] is None
    assert "no bound" in (tmp_path / "g" / "pair.md").read_text()


def test_huge_budget_refused_before_the_pass(monkeypatch):
    from specbound.errors import ResourceLimitError
    from specbound.pairs import analysis

    def no_pass(*args, **kwargs):
        raise AssertionError("the pass over the pair ran before the budget check")

    monkeypatch.setattr(analysis, "per_position", no_pass)
    with pytest.raises(ResourceLimitError, match=r"^budgets: "):
        analysis.analyse_pair(None, budgets=[4, 10**12])


def test_example_sizes_are_checked_by_name():
    from specbound.errors import InvalidArgumentError, ResourceLimitError
    from specbound.limits import resource_limits
    from specbound.pairs.examples import synthetic_pair_logits, text_pair_logits

    with pytest.raises(InvalidArgumentError, match=r"^positions: the corpus has 64285 words"):
        text_pair_logits(200, 64286)
    with resource_limits(memory=1e6), pytest.raises(ResourceLimitError, match=r"^positions: "):
        synthetic_pair_logits(1000, 200)  # 200 x 1000 x 2 float32 = 1.6 MB
    with resource_limits(memory=1e6), pytest.raises(ResourceLimitError, match=r"^vocab: "):
        synthetic_pair_logits(100_000, 1)  # one position's working rows: 4.8 MB
    from specbound.simulations.text_ngram import load_corpus, text_models

    target, draft = text_pair_logits(50, 30)  # log of the kernel, then gather rows
    words = load_corpus(50).tokens[:30]
    for got, kernel in zip((target, draft), text_models(50, 2), strict=True):
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, np.log(kernel[words]).astype(np.float32))
