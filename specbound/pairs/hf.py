"""Files from real models: run a target and a draft causal LM over texts, write shards.

Teacher forcing: both models read the same token ids of each text, and row ``t`` of a
text is each model's next-token logits after the text's first ``t + 1`` tokens (the
law the model would sample token ``t + 1`` from). The output directory holds

* ``target/shard-00000.safetensors``, ``target/shard-00001.safetensors``, ... and the
  same under ``draft/``: one shard per text holding one float32 (tokens, vocab)
  tensor ``logits``, the format of :mod:`specbound.pairs.examples`, read back in
  file-name order by :func:`specbound.pairs.load_pair` (``load_pair(out / "target",
  out / "draft")``, memory-mapped), with positions stacked text after text;
* ``manifest.json``: the texts' row ranges and token counts, the models, the
  vocabulary, and the probability mass removed by ``vocab=`` (see below).

The two models must share a tokenizer: the same token ids for every text and the same
number of logit columns. Models whose embedding matrices are padded past the
tokenizer (e.g. 151,936 against 152,064 columns) are refused unless ``vocab=N`` keeps
the first N columns of both; the largest softmax mass so removed at any position is
recorded per model, never dropped silently.

:func:`write_pair_shards` takes model and tokenizer objects with the Hugging Face
interface (``model(input_ids=ids).logits`` of shape (1, tokens, vocab);
``tokenizer(text, return_tensors="np")["input_ids"]``; ``len(tokenizer)``), so any
stand-in with that interface works without torch. :func:`run_hf_pair` loads two
models by name or local path with ``transformers`` (extra ``specbound[hf]``; install
torch yourself, CPU or CUDA build) and calls it.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import logsumexp

from specbound.distributions import check_int
from specbound.errors import InvalidArgumentError
from specbound.pairs.examples import SHARD, atomic_write
from specbound.pairs.loading import _from_object

__all__ = ["run_hf_pair", "write_pair_shards"]

FORMAT = "specbound-pair-shards"


def _token_ids(tokenizer: Any, text: str, name: str, index: int) -> np.ndarray:
    ids = np.asarray(tokenizer(text, return_tensors="np")["input_ids"])
    if ids.ndim == 2 and ids.shape[0] == 1:
        ids = ids[0]
    if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
        raise InvalidArgumentError(
            f"{name}: expected one row of integer token ids for texts[{index}], "
            f"got shape {ids.shape} and dtype {ids.dtype}"
        )
    if ids.size == 0:
        raise InvalidArgumentError(f"texts[{index}]: tokenizes to no tokens")
    return ids.astype(np.int64)


def _torch_module(model: Any) -> Any:
    """The torch module when ``model`` is a torch.nn.Module (torch already imported)."""
    torch = sys.modules.get("torch")
    return torch if torch is not None and isinstance(model, torch.nn.Module) else None


def _logits(model: Any, ids: np.ndarray, name: str, index: int) -> np.ndarray:
    """(tokens, vocab) float32 logits of ``model`` on one text's ids (teacher forcing)."""
    torch = _torch_module(model)
    if torch is None:
        out = model(input_ids=ids[None, :])
    else:
        device = getattr(model, "device", "cpu")
        with torch.inference_mode():
            out = model(input_ids=torch.as_tensor(ids[None, :], device=device))
    arr = _from_object(out.logits, name)
    if arr.ndim == 3 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 2 or arr.shape[0] != ids.size:
        raise InvalidArgumentError(
            f"{name}: logits for texts[{index}] have shape {arr.shape}; expected "
            f"({ids.size}, vocab), one row per token"
        )
    if not np.issubdtype(arr.dtype, np.floating):
        raise InvalidArgumentError(f"{name}: logits have dtype {arr.dtype}, not floating point")
    bad = np.argwhere(~np.isfinite(arr))
    if bad.size:
        raise InvalidArgumentError(
            f"{name}: logits of texts[{index}] are not finite at position {int(bad[0, 0])}"
        )
    return arr.astype(np.float32, copy=False)


def _cut(logits: np.ndarray, vocab: int | None) -> tuple[np.ndarray, float]:
    """Keep the first ``vocab`` columns; the largest softmax mass removed (float64)."""
    if vocab is None or vocab == logits.shape[1]:
        return logits, 0.0
    x = logits.astype(np.float64)
    removed = np.exp(logsumexp(x[:, vocab:], axis=1) - logsumexp(x, axis=1))
    return np.ascontiguousarray(logits[:, :vocab]), float(removed.max())


def _columns(target: int, draft: int, vocab: int | None, ids_max: int) -> int:
    if vocab is None:
        if target != draft:
            raise InvalidArgumentError(
                f"draft: logits have {draft} columns but the target's have {target}; the "
                "models must share a vocabulary (pass vocab=N to keep the first N "
                "columns of both, e.g. N = len(tokenizer), and record the mass removed)"
            )
        vocab = target
    elif vocab > min(target, draft):
        raise InvalidArgumentError(
            f"vocab: {vocab} is more than the logit columns (target {target}, draft {draft})"
        )
    if ids_max >= vocab:
        raise InvalidArgumentError(
            f"vocab: token id {ids_max} of the text is outside the {vocab} logit columns"
        )
    return vocab


def _write_texts(
    target_model: Any,
    draft_model: Any,
    tokenizer: Any,
    draft_tokenizer: Any,
    texts: Sequence[str],
    where: Path,
    max_length: int,
    vocab: int | None,
) -> tuple[list[dict], int, dict[str, float]]:
    """One shard per text and model under ``where/target`` and ``where/draft``."""
    from safetensors.numpy import save_file

    for role in ("target", "draft"):
        (where / role).mkdir()
    rows: list[dict] = []
    start, columns = 0, 0
    removed = {"target": 0.0, "draft": 0.0}
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise InvalidArgumentError(f"texts[{i}]: expected a string, got {type(text).__name__}")
        full = _token_ids(tokenizer, text, "tokenizer", i)
        if draft_tokenizer is not None:
            other = _token_ids(draft_tokenizer, text, "draft_tokenizer", i)
            if other.shape != full.shape or np.any(other != full):
                raise InvalidArgumentError(
                    f"draft_tokenizer: tokenizes texts[{i}] differently from the target's "
                    "tokenizer; the models must share a tokenizer"
                )
        ids = full[:max_length]
        logits = {
            "target": _logits(target_model, ids, "target", i),
            "draft": _logits(draft_model, ids, "draft", i),
        }
        keep = _columns(logits["target"].shape[1], logits["draft"].shape[1], vocab, ids.max())
        if columns and keep != columns:
            raise InvalidArgumentError(
                f"texts[{i}]: logits have {keep} columns, earlier texts {columns}"
            )
        columns = keep
        for role, arr in logits.items():
            kept, mass = _cut(arr, keep)
            removed[role] = max(removed[role], mass)
            save_file({"logits": kept}, str(where / role / SHARD.format(i)))
        rows.append({"index": i, "rows": [start, start + ids.size], "tokens": int(full.size)})
        start += ids.size
    return rows, columns, removed


def write_pair_shards(
    target_model: Any,
    draft_model: Any,
    tokenizer: Any,
    texts: Sequence[str],
    out: str | Path,
    *,
    draft_tokenizer: Any = None,
    max_length: int = 1024,
    vocab: int | None = None,
    names: tuple[str, str] = ("target", "draft"),
) -> dict:
    """Run both models teacher-forced over ``texts`` and write logits shards (module doc).

    Parameters
    ----------
    target_model, draft_model : callable
        ``model(input_ids=ids).logits`` -> (1, tokens, vocab) logits. Torch modules get a
        tensor on their device, under ``torch.inference_mode()`` (put them in eval
        mode); other objects get a (1, tokens) int64 numpy array.
    tokenizer : callable
        ``tokenizer(text, return_tensors="np")["input_ids"]`` -> (1, tokens) ids.
    texts : sequence of str
        The corpus, one model call per text and model.
    out : str or Path
        Directory to create or reuse; its ``target/`` and ``draft/`` must hold no shard.
    draft_tokenizer : callable, optional
        The draft's own tokenizer, checked to give the same ids and size.
    max_length : int
        Tokens kept per text (its first ``max_length``; the count kept and the full
        count are both in the manifest). Memory: tokens x vocab x 4 bytes per model.
    vocab : int, optional
        Keep the first ``vocab`` logit columns of both models (see the module doc).
    names : (str, str)
        Model names written to the manifest.

    Returns
    -------
    dict
        The manifest, also written to ``out/manifest.json``.

    Raises
    ------
    InvalidArgumentError
        No text, a text with no tokens, tokenizers that disagree, different logit
        columns without ``vocab``, non-finite logits, logits of the wrong shape, or an
        output directory that already holds shards.
    """
    if isinstance(texts, str) or not len(texts):
        raise InvalidArgumentError("texts: expected a non-empty sequence of strings")
    max_length = check_int(max_length, "max_length", 1)
    if vocab is not None:
        vocab = check_int(vocab, "vocab", 1)
    if draft_tokenizer is not None and len(draft_tokenizer) != len(tokenizer):
        raise InvalidArgumentError(
            f"draft_tokenizer: has {len(draft_tokenizer)} tokens but the target's tokenizer "
            f"has {len(tokenizer)}; the models must share a tokenizer"
        )
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    for role in ("target", "draft"):
        if (root / role).exists() and any((root / role).iterdir()):
            raise InvalidArgumentError(
                f"out: {root / role} is not empty; write the shards to a new directory"
            )
    # shards go to a staging directory renamed into place at the end: an interrupted
    # run leaves no partial corpus behind
    staging = Path(tempfile.mkdtemp(dir=root, prefix=".shards-"))
    try:
        rows, columns, removed = _write_texts(
            target_model,
            draft_model,
            tokenizer,
            draft_tokenizer,
            texts,
            staging,
            max_length,
            vocab,
        )
        for role in ("target", "draft"):
            os.replace(staging / role, root / role)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    manifest = {
        "format": FORMAT,
        "version": 1,
        "kind": "logits",
        "dtype": "float32",
        "positions": rows[-1]["rows"][1],
        "vocab": columns,
        "tokenizer_size": len(tokenizer),
        "max_length": max_length,
        "teacher_forcing": "row t of a text: next-token logits after its first t + 1 tokens",
        "models": {
            "target": {"name": names[0], "removed_mass_max": removed["target"]},
            "draft": {"name": names[1], "removed_mass_max": removed["draft"]},
        },
        "texts": rows,
    }
    text = json.dumps(manifest, indent=2)
    atomic_write(root / "manifest.json", lambda tmp: tmp.write_text(text))
    return manifest


def run_hf_pair(
    target: str | Path,
    draft: str | Path,
    texts: Sequence[str],
    out: str | Path,
    *,
    device: str = "cpu",
    max_length: int = 1024,
    vocab: int | None = None,
) -> dict:
    """Load two Hugging Face causal LMs (names or local paths) and write their shards.

    ``transformers.AutoTokenizer`` and ``AutoModelForCausalLM`` load each model (a
    name is fetched from the Hugging Face hub unless cached; a directory is read as
    saved by ``save_pretrained``); both are put in eval mode on ``device`` in their
    stored dtype, and :func:`write_pair_shards` runs them with both tokenizers checked
    to agree. Needs ``pip install 'specbound[hf]'`` and torch.
    """
    try:
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ModuleNotFoundError(
            "specbound.pairs.hf.run_hf_pair needs transformers and torch: "
            "pip install 'specbound[hf]' and a torch build"
        ) from exc
    models, tokenizers = [], []
    for name in (target, draft):
        tokenizers.append(AutoTokenizer.from_pretrained(str(name)))
        models.append(AutoModelForCausalLM.from_pretrained(str(name)).to(device).eval())
    return write_pair_shards(
        models[0],
        models[1],
        tokenizers[0],
        texts,
        out,
        draft_tokenizer=tokenizers[1],
        max_length=max_length,
        vocab=vocab,
        names=(str(target), str(draft)),
    )
