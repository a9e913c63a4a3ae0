"""Next-token laws from real text: word n-gram models of the Python documentation.

Real next-token distributions without a network or model weights: the corpus is
the English text of the Python reference documentation that ships with every
CPython (``pydoc_data.topics``, about 65,000 words). Words are lower-cased
alphabetic runs; the ``vocab_size - 1`` most frequent words keep their ids (by
decreasing frequency) and every other word maps to ``<unk>`` (the last id).

Target and draft are two n-gram models of different quality, the way a small
draft model approximates a large one:

* target: order-``order`` model fitted on the whole corpus with light additive
  smoothing (``target_smoothing``);
* draft: the same order fitted on the first ``draft_fraction`` of the corpus
  with heavier smoothing (``draft_smoothing``).

Additive (Lidstone) smoothing: P(x | c) = (count(c, x) + s) / (count(c) + s V).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from specbound.distributions import check_int, check_real
from specbound.errors import InvalidArgumentError
from specbound.simulations.random_trees import EmpiricalLaw

UNK = "<unk>"
#: Vocabulary of the real-text random environment :func:`text_law` (199 words + ``<unk>``).
TEXT_VOCAB = 200
#: Text positions whose next-token laws make the real-text environment.
TEXT_POSITIONS = 4000
#: Label of the real-text environment in claims and figures.
TEXT_LABEL = f"real text bigrams n={TEXT_VOCAB}"


@lru_cache(maxsize=1)
def corpus_words() -> tuple[str, ...]:
    """The corpus as a tuple of lower-cased words (Python documentation, stdlib)."""
    try:
        from pydoc_data.topics import topics
    except ImportError:  # pragma: no cover - stripped Python builds
        raise InvalidArgumentError(
            "corpus: this Python build ships no pydoc_data.topics text"
        ) from None
    text = "\n".join(topics[k] for k in sorted(topics))
    return tuple(re.findall(r"[a-z]+", text.lower()))


@dataclass(frozen=True)
class Corpus:
    """Token ids of the corpus under a vocabulary of the most frequent words.

    Attributes
    ----------
    vocab : tuple of str
        ``vocab[i]`` is the word of id i; the last entry is ``<unk>``.
    tokens : (N,) int64 ndarray
        The corpus as ids.
    """

    vocab: tuple[str, ...]
    tokens: np.ndarray

    @property
    def vocab_size(self) -> int:
        """Number of ids, ``<unk>`` included."""
        return len(self.vocab)


@lru_cache(maxsize=8)
def load_corpus(vocab_size: int = 200) -> Corpus:
    """The corpus with the ``vocab_size - 1`` most frequent words and ``<unk>``.

    Raises
    ------
    InvalidArgumentError
        ``vocab_size`` < 2, or more than the corpus's distinct words + 1 (nothing is
        silently truncated).
    """
    vocab_size = check_int(vocab_size, "vocab_size", 2)
    words = np.array(corpus_words())
    uniq, inverse, counts = np.unique(words, return_inverse=True, return_counts=True)
    if vocab_size - 1 > uniq.size:
        raise InvalidArgumentError(
            f"vocab_size: the corpus has {uniq.size} distinct words, so at most "
            f"{uniq.size + 1} ids with <unk>; got {vocab_size}"
        )
    order = np.lexsort((uniq, -counts))  # by decreasing count, ties alphabetical
    keep = min(vocab_size - 1, uniq.size)
    rank = np.full(uniq.size, keep, dtype=np.int64)
    rank[order[:keep]] = np.arange(keep)
    vocab = (*(str(w) for w in uniq[order[:keep]]), UNK)
    return Corpus(vocab, rank[inverse])


def ngram_table(tokens: np.ndarray, vocab_size: int, order: int, smoothing: float) -> np.ndarray:
    """Smoothed n-gram laws as an array of shape (V,) * order; last axis = next token.

    ``table[c_1, ..., c_{order-1}]`` is P(x | c) = (count(c, x) + s) / (count(c) + s V).
    Vectorised counting (one ``np.add.at``); memory V^order floats.
    """
    order = check_int(order, "order", 1)
    s = check_real(smoothing, "smoothing", 0.0)
    if s == 0:
        raise InvalidArgumentError("smoothing: must be > 0 so that every row is a law")
    if vocab_size**order > 50_000_000:
        raise InvalidArgumentError(f"order: a table of {vocab_size}^{order} entries is too large")
    counts = np.zeros((vocab_size,) * order)
    windows = np.lib.stride_tricks.sliding_window_view(tokens, order)
    np.add.at(counts, tuple(windows.T), 1.0)
    counts += s
    return counts / counts.sum(axis=-1, keepdims=True)


def text_models(
    vocab_size: int = 200,
    order: int = 2,
    target_smoothing: float = 0.01,
    draft_smoothing: float = 1.0,
    draft_fraction: float = 0.25,
) -> tuple[np.ndarray, np.ndarray]:
    """(target, draft) n-gram tables of real text (see the module docstring).

    For ``order = 2`` these are (V, V) row-stochastic kernels usable as Markov
    models (``target_kernel``, ``draft_kernel``).
    """
    corpus = load_corpus(vocab_size)
    frac = check_real(draft_fraction, "draft_fraction", 0.0, 1.0)
    cut = max(order + 1, int(frac * corpus.tokens.size))
    target = ngram_table(corpus.tokens, corpus.vocab_size, order, target_smoothing)
    draft = ngram_table(corpus.tokens[:cut], corpus.vocab_size, order, draft_smoothing)
    return target, draft


def text_pairs(
    vocab_size: int = 200, contexts: int = 10, **kwargs: float
) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(context word, target law, draft law) for the most frequent one-word contexts.

    Bigram models (``order = 2``) from :func:`text_models`; ``kwargs`` go there.
    """
    contexts = check_int(contexts, "contexts", 1)
    corpus = load_corpus(vocab_size)
    target, draft = text_models(vocab_size, 2, **kwargs)
    freq = np.bincount(corpus.tokens, minlength=corpus.vocab_size)
    freq[-1] = -1  # never use <unk> as a context
    top = np.argsort(-freq, kind="stable")[: min(contexts, corpus.vocab_size - 1)]
    return [(corpus.vocab[i], target[i], draft[i]) for i in top]


@lru_cache(maxsize=8)
def text_pair(vocab_size: int = 200, rank: int = 0) -> tuple[str, np.ndarray, np.ndarray]:
    """(context word, target law, draft law) after the ``rank``-th most frequent word.

    ``rank = 0`` is the most frequent word ('the'); one entry of :func:`text_pairs`
    with the default models. Cached: the laws are returned read-only.
    """
    rank = check_int(rank, "rank", 0)
    pairs = text_pairs(vocab_size, contexts=rank + 1)
    if rank >= len(pairs):
        raise InvalidArgumentError(f"rank: must be below {len(pairs)} (the context words)")
    word, target, draft = pairs[rank]
    target, draft = target.copy(), draft.copy()
    target.flags.writeable = draft.flags.writeable = False
    return word, target, draft


def text_laws(vocab_size: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Target next-token laws of real text with their context frequencies.

    Returns the (V, V) target bigram kernel and the empirical frequency of each
    context word (weights summing to 1): averaging a quantity of the row law with
    these weights is averaging along the text, as the branching-walk moments need.
    """
    corpus = load_corpus(vocab_size)
    target, _ = text_models(vocab_size, 2)
    freq = np.bincount(corpus.tokens[:-1], minlength=corpus.vocab_size).astype(np.float64)
    return target, freq / freq.sum()


def text_position_laws(vocab_size: int = 200, positions: int = 4000, seed: int = 2512_11718):
    """Target next-token laws at ``positions`` random positions of the text, as rows.

    Contexts are drawn (seeded) with their frequency in the corpus (:func:`text_laws`),
    so the rows are a sample of the next-token laws met along the text: the law L of
    an i.i.d. random environment built from real text (wrap the rows in
    :class:`~specbound.simulations.random_trees.EmpiricalLaw`).
    """
    positions = check_int(positions, "positions", 1)
    kernel, weights = text_laws(vocab_size)
    contexts = np.random.default_rng(seed).choice(weights.size, positions, p=weights)
    return kernel[contexts]


def text_model_array(model: str, vocab_size: int, context: str | None = None) -> np.ndarray:
    """The target or draft bigram model of :func:`text_models` as an array.

    Parameters
    ----------
    model : {"target", "draft"}
        Which model.
    vocab_size : int >= 2
        Vocabulary size (most frequent words plus ``<unk>``).
    context : str, optional
        A word of the vocabulary: return the model's next-token law after it, shape
        (V,). None returns the whole (V, V) kernel (row i = law after word i).

    Raises
    ------
    InvalidArgumentError
        Unknown model, or a context word outside the vocabulary.
    """
    if model not in ("target", "draft"):
        raise InvalidArgumentError(f"model: expected 'target' or 'draft', got {model!r}")
    kernel = text_models(vocab_size, 2)[0 if model == "target" else 1]
    if context is None:
        return kernel
    vocab = load_corpus(vocab_size).vocab
    if context not in vocab[:-1]:
        raise InvalidArgumentError(
            f"context: {context!r} is not among the {len(vocab) - 1} most frequent words "
            f"(e.g. {', '.join(vocab[:5])})"
        )
    return kernel[vocab.index(context)]


@lru_cache(maxsize=1)
def text_law() -> EmpiricalLaw:
    """The real-text random environment: target bigram laws at ``TEXT_POSITIONS`` positions.

    Contexts are drawn (seeded) with their frequency in the corpus
    (:func:`text_position_laws`), i.e. at random positions of the text; the law L of
    assumption (E) of Pankratov & Alistarh (arXiv 2512.11718) is the empirical law of
    these rows, so their moments
    (:func:`~specbound.simulations.random_trees.law_moments`) are exact for L.
    """
    return EmpiricalLaw(text_position_laws(TEXT_VOCAB, TEXT_POSITIONS))
