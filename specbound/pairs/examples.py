"""Model-pair files without a model: the real-text n-gram pair and a synthetic 128k pair.

Both are written in the format :func:`~specbound.pairs.load_pair` reads (and that a
model runner writes): one directory per model holding shards
``shard-00000.safetensors``, ... each with one float32 tensor ``logits`` of shape
(positions in the shard, vocab). :func:`write_shards` writes that format atomically
(each shard to a temporary file, then renamed).

* :func:`write_text_pair`: the target and draft word-bigram models of the Python
  documentation (:mod:`specbound.simulations.text_ngram`) read along the corpus
  (teacher forcing): row t is each model's next-token law after the t-th word, as
  logits ln p. Real next-token laws, no network.
* :func:`write_synthetic_pair`: a seeded vocabulary-scale pair: heavy-tailed target
  logits (a Zipf-like slope over a random token order plus Student-t noise, at a
  random sharpness per position) and a draft that is a perturbed, flattened copy.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from specbound.distributions import as_rng, check_int
from specbound.errors import InvalidArgumentError
from specbound.limits import check_allocation, check_work

SHARD = "shard-{:05d}.safetensors"


def atomic_write(path: Path, write) -> None:
    """Call ``write(temporary path)`` then rename it to ``path`` (no half-written file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    try:
        write(Path(tmp))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the usual mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_shards(directory: str | Path, blocks: Iterable[np.ndarray], kind: str = "logits"):
    """Write (rows, vocab) blocks as ``shard-NNNNN.safetensors`` files (float32 ``kind``).

    Returns the list of paths written. Earlier shards in ``directory`` are removed
    first, so the directory holds exactly this model's outputs.
    """
    from safetensors.numpy import save_file

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("shard-*.safetensors"):
        old.unlink()
    paths = []
    for i, block in enumerate(blocks):
        arr = np.ascontiguousarray(block, dtype=np.float32)
        path = out / SHARD.format(i)
        atomic_write(path, lambda tmp, a=arr: save_file({kind: a}, str(tmp)))
        paths.append(path)
    return paths


def _blocks(arr: np.ndarray, rows: int):
    return (arr[i : i + rows] for i in range(0, arr.shape[0], rows))


def _check_size(vocab: int, positions: int, vocab_name: str, positions_name: str) -> None:
    """Refuse an example pair of ``positions`` x ``vocab`` logits beyond the resource limits.

    One position's working arrays (about 6 float64 rows of ``vocab``) must fit, naming
    ``vocab_name``; then both models' float32 (positions, vocab) logits and as many
    generation steps, naming ``positions_name`` (:mod:`specbound.limits`).
    """
    check_allocation(vocab_name, vocab, np.float64, copies=6, what="tokens per position")
    check_allocation(
        positions_name, (positions, vocab), np.float32, copies=2, what="logits (positions x vocab)"
    )
    check_work(positions_name, 2.0 * positions * vocab, "logits")


def text_pair_logits(vocab_size: int = 1000, positions: int = 2000) -> tuple:
    """(target, draft) float32 logits ln p of the real-text bigram models along the corpus.

    Row t is the law after the corpus word t (the first ``positions`` words).
    """
    from specbound.simulations.text_ngram import load_corpus, text_models

    vocab_size = check_int(vocab_size, "vocab_size", 2)
    positions = check_int(positions, "positions", 1)
    tokens = load_corpus(vocab_size).tokens
    if positions > tokens.size:
        raise InvalidArgumentError(
            f"positions: the corpus has {tokens.size} words, so at most {tokens.size} "
            f"positions; got {positions}"
        )
    _check_size(vocab_size, positions, "vocab_size", "positions")
    words = tokens[:positions]
    target, draft = text_models(vocab_size, 2)
    # log of the (V, V) kernels first, then gather: float32 (positions, V) arrays only
    return np.log(target).astype(np.float32)[words], np.log(draft).astype(np.float32)[words]


def synthetic_pair_logits(vocab: int = 131_072, positions: int = 128, rng=0) -> tuple:
    """(target, draft) float32 logits of a seeded heavy-tailed pair (module docstring).

    Target row t: z = s_t (-ln r + 0.4 e), r a random order of 1..vocab, e ~
    Student-t(4), s_t ~ U(1.0, 1.6) (entropies from ~0 to ~8 nats, mean ~3.7 at
    131,072 tokens). Draft: 0.9 z + 0.6 e', e' ~ N(0, 1) (mean acceptance ~0.78).
    """
    vocab = check_int(vocab, "vocab", 2)
    positions = check_int(positions, "positions", 1)
    _check_size(vocab, positions, "vocab", "positions")
    g = as_rng(rng)
    target = np.empty((positions, vocab), dtype=np.float32)
    draft = np.empty((positions, vocab), dtype=np.float32)
    slope = -np.log(np.arange(1, vocab + 1, dtype=np.float64))
    for t in range(positions):
        z = g.uniform(1.0, 1.6) * (g.permutation(slope) + 0.4 * g.standard_t(4, vocab))
        target[t] = z
        draft[t] = 0.9 * z + 0.6 * g.standard_normal(vocab)
    return target, draft


def write_pair(directory: str | Path, target: np.ndarray, draft: np.ndarray, rows: int = 64):
    """Write ``target/`` and ``draft/`` shard directories under ``directory``; return them."""
    out = Path(directory)
    write_shards(out / "target", _blocks(target, rows))
    write_shards(out / "draft", _blocks(draft, rows))
    return out / "target", out / "draft"


def write_text_pair(directory: str | Path, vocab_size: int = 1000, positions: int = 2000):
    """Write the real-text pair (:func:`text_pair_logits`); return the two directories."""
    return write_pair(directory, *text_pair_logits(vocab_size, positions), rows=512)


def write_synthetic_pair(directory: str | Path, vocab: int = 131_072, positions: int = 128, rng=0):
    """Write the synthetic pair (:func:`synthetic_pair_logits`); return the two directories."""
    return write_pair(directory, *synthetic_pair_logits(vocab, positions, rng), rows=64)
