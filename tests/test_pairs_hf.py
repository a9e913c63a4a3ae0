"""Shards from models: stand-in models without torch, and a tiny random GPT-2 with it."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.special import logsumexp, softmax

from specbound.errors import InvalidArgumentError
from specbound.pairs import load_pair
from specbound.pairs.hf import run_hf_pair, write_pair_shards

VOCAB = 12


class FakeTokenizer:
    """Words ``w<id>`` to ids, the Hugging Face call interface (numpy tensors)."""

    def __init__(self, size: int = VOCAB, shift: int = 0):
        self.size, self.shift = size, shift

    def __call__(self, text, return_tensors="np"):
        assert return_tensors == "np"
        ids = [int(w[1:]) + self.shift for w in text.split()]
        return {"input_ids": np.array([ids], dtype=np.int64)}

    def __len__(self):
        return self.size


class FakeModel:
    """Logits of the next token from the current one: ``table[id]`` (a bigram model)."""

    def __init__(self, table, fail_at=None):
        self.table, self.calls, self.fail_at = np.asarray(table), 0, fail_at

    def __call__(self, input_ids):
        self.calls += 1
        if self.fail_at is not None and self.calls >= self.fail_at:
            raise KeyboardInterrupt  # an interrupted run
        return SimpleNamespace(logits=self.table[np.asarray(input_ids)])


def tables(columns=(VOCAB, VOCAB)):
    """Target logits (VOCAB, columns[0]); draft: a perturbed copy of its first columns[1]."""
    g = np.random.default_rng(0)
    target = g.normal(size=(VOCAB, columns[0])).astype(np.float32)
    draft = target[:, : columns[1]] + 0.5 * g.normal(size=(VOCAB, columns[1]))
    return target, draft.astype(np.float32)


TEXTS = ["w1 w2 w3 w4", "w5 w0", "w7 w7 w7 w8 w9 w11"]


def test_shards_round_trip_through_load_pair(tmp_path):
    target, draft = tables()
    manifest = write_pair_shards(
        FakeModel(target), FakeModel(draft), FakeTokenizer(), TEXTS, tmp_path, max_length=5
    )
    ids = [[1, 2, 3, 4], [5, 0], [7, 7, 7, 8, 9]]  # the third text cut to 5 tokens
    assert manifest["positions"] == 11 and manifest["vocab"] == VOCAB
    assert [t["rows"] for t in manifest["texts"]] == [[0, 4], [4, 6], [6, 11]]
    assert [t["tokens"] for t in manifest["texts"]] == [4, 2, 6]
    assert json.loads((tmp_path / "manifest.json").read_text()) == manifest
    assert sorted(p.name for p in (tmp_path / "target").iterdir()) == [
        "shard-00000.safetensors",
        "shard-00001.safetensors",
        "shard-00002.safetensors",
    ]
    assert not list(tmp_path.glob(".shards-*"))
    pair = load_pair(tmp_path / "target", tmp_path / "draft")
    assert (pair.positions, pair.vocab) == (11, VOCAB)
    flat = np.concatenate(ids)
    p, q = pair.laws()
    np.testing.assert_allclose(p, softmax(target[flat].astype(np.float64), axis=1), atol=1e-6)
    np.testing.assert_allclose(q, softmax(draft[flat].astype(np.float64), axis=1), atol=1e-6)
    raw = pair.target.rows(0, 11)[0]
    np.testing.assert_array_equal(raw, target[flat])  # float32 logits stored exactly


def test_vocab_cut_records_the_removed_mass(tmp_path):
    target, draft = tables((VOCAB + 4, VOCAB))
    with pytest.raises(InvalidArgumentError, match="draft: logits have 12 columns but the target"):
        write_pair_shards(FakeModel(target), FakeModel(draft), FakeTokenizer(), TEXTS, tmp_path)
    assert not (tmp_path / "target").exists()  # nothing half-written
    manifest = write_pair_shards(
        FakeModel(target), FakeModel(draft), FakeTokenizer(), TEXTS, tmp_path, vocab=VOCAB
    )
    flat = np.array([1, 2, 3, 4, 5, 0, 7, 7, 7, 8, 9, 11])
    x = target[flat].astype(np.float64)
    expected = np.exp(logsumexp(x[:, VOCAB:], axis=1) - logsumexp(x, axis=1)).max()
    assert manifest["models"]["target"]["removed_mass_max"] == pytest.approx(expected, rel=1e-9)
    assert manifest["models"]["draft"]["removed_mass_max"] == 0.0
    assert load_pair(tmp_path / "target", tmp_path / "draft").vocab == VOCAB


@pytest.mark.parametrize(
    ("kwargs", "texts", "message"),
    [
        ({"draft_tokenizer": FakeTokenizer(shift=1)}, TEXTS, "draft_tokenizer: tokenizes texts"),
        ({"draft_tokenizer": FakeTokenizer(size=13)}, TEXTS, "draft_tokenizer: has 13 tokens"),
        ({}, [], "texts: expected a non-empty sequence"),
        ({}, "w1 w2", "texts: expected a non-empty sequence"),
        ({}, ["w1", ""], r"texts\[1\]: tokenizes to no tokens"),
        ({}, ["w1", 3], r"texts\[1\]: expected a string"),
        ({"max_length": 0}, TEXTS, "max_length: must be >= 1"),
        ({"vocab": 20}, TEXTS, "vocab: 20 is more than the logit columns"),
        ({"vocab": 5}, TEXTS, "vocab: token id 5 of the text is outside the 5 logit columns"),
    ],
)
def test_bad_input(tmp_path, kwargs, texts, message):
    target, draft = tables()
    with pytest.raises(InvalidArgumentError, match=message):
        write_pair_shards(
            FakeModel(target), FakeModel(draft), FakeTokenizer(), texts, tmp_path, **kwargs
        )


def test_bad_logits_and_busy_directory(tmp_path):
    target, draft = tables()
    bad = target.copy()
    bad[3, 2] = np.nan
    with pytest.raises(InvalidArgumentError, match=r"target: logits of texts\[0\] are not finite"):
        write_pair_shards(FakeModel(bad), FakeModel(draft), FakeTokenizer(), TEXTS, tmp_path)
    with pytest.raises(InvalidArgumentError, match="draft: logits for texts"):
        write_pair_shards(
            FakeModel(target), FakeModel(draft[:, None]), FakeTokenizer(), TEXTS, tmp_path
        )
    with pytest.raises(KeyboardInterrupt):
        write_pair_shards(
            FakeModel(target), FakeModel(draft, fail_at=2), FakeTokenizer(), TEXTS, tmp_path
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no partial corpus left
    write_pair_shards(FakeModel(target), FakeModel(draft), FakeTokenizer(), TEXTS, tmp_path)
    with pytest.raises(InvalidArgumentError, match=r"out: .* is not empty"):
        write_pair_shards(FakeModel(target), FakeModel(draft), FakeTokenizer(), TEXTS, tmp_path)


def _tiny_lm(seed: int, n_layer: int):
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(seed)
    config = GPT2Config(
        n_layer=n_layer,
        n_embd=16,
        n_head=2,
        vocab_size=64,
        n_positions=32,
        bos_token_id=0,
        eos_token_id=0,
    )
    return GPT2LMHeadModel(config).eval()


def _tiny_tokenizer():
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    words = ["[UNK]"] + [f"w{i}" for i in range(1, 64)]
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]")


def test_tiny_random_gpt2_pair(tmp_path, monkeypatch):
    torch = pytest.importorskip("torch", reason="torch is not installed (optional, [hf] tests)")
    pytest.importorskip("transformers", reason="transformers is not installed (extra [hf])")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # no download: everything is built here
    tokenizer = _tiny_tokenizer()
    texts = ["w1 w2 w3 w4 w5", "w9 w8 w7", "w3 w3 w3 w3 w3 w3 w3"]
    paths = {}
    for role, seed, layers in (("target", 0, 2), ("draft", 1, 1)):
        paths[role] = tmp_path / role
        _tiny_lm(seed, layers).save_pretrained(paths[role])
        tokenizer.save_pretrained(paths[role])
    manifest = run_hf_pair(paths["target"], paths["draft"], texts, tmp_path / "out")
    assert manifest["positions"] == 15 and manifest["vocab"] == 64
    pair = load_pair(tmp_path / "out" / "target", tmp_path / "out" / "draft")
    assert (pair.positions, pair.vocab) == (15, 64)
    model = _tiny_lm(0, 2)
    ids = tokenizer(texts[1], return_tensors="pt")["input_ids"]
    with torch.inference_mode():
        direct = model(input_ids=ids).logits[0].numpy()
    stored = pair.target.rows(5, 8)[0]
    np.testing.assert_allclose(stored, direct, rtol=1e-5, atol=1e-5)
    alpha = 1.0 - 0.5 * np.abs(np.subtract(*pair.laws())).sum(axis=1)
    assert np.all((alpha > 0) & (alpha <= 1))
