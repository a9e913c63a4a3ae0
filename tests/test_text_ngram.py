"""n-gram models of real text (the Python documentation shipped with CPython)."""

import numpy as np
import pytest

from specbound.errors import InvalidArgumentError
from specbound.simulations.text_ngram import (
    UNK,
    load_corpus,
    ngram_table,
    text_laws,
    text_models,
    text_pair,
    text_pairs,
)


def test_corpus_vocabulary():
    c = load_corpus(50)
    assert c.vocab_size == 50 and c.vocab[-1] == UNK and c.vocab[0] == "the"
    assert c.tokens.min() == 0 and c.tokens.max() == 49 and c.tokens.size > 50_000
    counts = np.bincount(c.tokens, minlength=50)[:-1]
    assert np.all(np.diff(counts) <= 0)  # ids by decreasing frequency


def test_ngram_table_is_the_smoothed_count_ratio():
    tokens = np.array([0, 1, 0, 1, 1, 2])
    t = ngram_table(tokens, 3, 2, smoothing=0.5)
    # bigrams: 0->1 twice, 1->0 once, 1->1 once, 1->2 once
    np.testing.assert_allclose(t[0], np.array([0.5, 2.5, 0.5]) / 3.5)
    np.testing.assert_allclose(t[1], np.array([1.5, 1.5, 1.5]) / 4.5)
    np.testing.assert_allclose(t[2], np.full(3, 1 / 3))
    uni = ngram_table(tokens, 3, 1, smoothing=1.0)
    np.testing.assert_allclose(uni, np.array([3, 4, 2]) / 9)


def test_text_models_are_stochastic_and_distinct():
    target, draft = text_models(60, order=3)
    assert target.shape == (60, 60, 60)
    np.testing.assert_allclose(target.sum(-1), 1)
    np.testing.assert_allclose(draft.sum(-1), 1)
    assert np.abs(target - draft).max() > 0.1


def test_text_pairs_and_laws():
    pairs = text_pairs(100, contexts=5)
    assert [w for w, _, _ in pairs][:2] == ["the", "a"]
    tvs = [0.5 * np.abs(p - q).sum() for _, p, q in pairs]
    assert all(0.02 < tv < 0.6 for tv in tvs)  # real drafts: imperfect, not useless
    kernel, weights = text_laws(100)
    assert kernel.shape == (100, 100) and np.isclose(weights.sum(), 1)


def test_bad_arguments():
    with pytest.raises(InvalidArgumentError, match=r"^smoothing: must be > 0"):
        ngram_table(np.array([0, 1]), 2, 2, 0.0)
    with pytest.raises(InvalidArgumentError, match=r"^vocab_size: must be >= 2"):
        load_corpus(1)
    with pytest.raises(InvalidArgumentError, match=r"^order: a table of"):
        ngram_table(np.array([0, 1]), 1000, 4, 1.0)


def test_text_position_laws_are_kernel_rows_at_text_frequencies():
    from specbound.simulations.agreement import chisquare_gof
    from specbound.simulations.text_ngram import text_laws, text_position_laws

    kernel, weights = text_laws(30)
    rows = text_position_laws(30, positions=20_000, seed=7)
    assert rows.shape == (20_000, 30)
    np.testing.assert_array_equal(rows, text_position_laws(30, positions=20_000, seed=7))
    # each row is the kernel row of its context; contexts follow the text frequencies
    contexts = np.array([np.flatnonzero((kernel == r).all(axis=1))[0] for r in rows[:2000]])
    assert chisquare_gof(contexts, weights).pvalue >= 1e-6


def test_text_pair_is_one_entry_of_text_pairs():
    pairs = text_pairs(50, contexts=3)
    for rank, (word, target, draft) in enumerate(pairs):
        got = text_pair(50, rank)
        assert got[0] == word
        np.testing.assert_array_equal(got[1], target)
        np.testing.assert_array_equal(got[2], draft)
        assert not got[1].flags.writeable and not got[2].flags.writeable  # cached
    with pytest.raises(InvalidArgumentError, match="rank: must be below 2"):
        text_pair(3, 2)  # a vocabulary of 3 has 2 context words
