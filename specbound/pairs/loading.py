"""Reading model outputs: arrays, torch tensors, .npy / .npz / .safetensors files, shards.

A model's outputs over a text are a (positions, vocab) array of logits or
probabilities, one row per position (teacher forcing: both models read the same
text). They arrive as

* an array (numpy, or anything with ``__array__`` / ``__dlpack__``: torch tensors
  work when torch is installed; a bfloat16 torch tensor is widened to float32 through
  its own ``float()``; torch is never imported here);
* a ``.npy`` file (memory-mapped: rows are read chunk by chunk);
* a ``.npz`` file (its one array, or the one named ``logits`` / ``probs``);
* a ``.safetensors`` file (its one tensor, or ``logits`` / ``probs``), memory-mapped
  at the offsets of its header; the ``safetensors`` package lists and checks the
  tensors, and bfloat16 (which numpy lacks) is decoded here: a bfloat16 is the upper
  16 bits of a float32, so ``(uint16 << 16).view(float32)`` is exact;
* a directory of such files (shards, read in file-name order and stacked along the
  positions).

Nothing is converted up front: :class:`ModelOutput` hands out row blocks on demand,
so a memory-mapped (1000, 128k) float32 pair stays on disk until a chunk is read;
rows of mapped files are then read by offset into a fresh buffer, so resident memory
holds one chunk, not the pages of every chunk read so far.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from specbound.errors import InvalidArgumentError

#: Tensor names looked up in files holding several tensors, by ``kind``.
KEYS = {"logits": ("logits",), "probs": ("probs", "probabilities")}
#: File suffixes of model outputs.
SUFFIXES = (".npy", ".npz", ".safetensors")
_SAFETENSORS_DTYPES = {
    "F64": np.float64,
    "F32": np.float32,
    "F16": np.float16,
    "BF16": np.uint16,  # decoded by _decode
}


@dataclass(frozen=True)
class ModelOutput:
    """One model's outputs: row blocks (shards) of a (positions, vocab) array.

    Attributes
    ----------
    name : str
        The argument or file named in error messages.
    blocks : tuple of 2-D arrays
        Row blocks in order (memory maps or arrays, in the stored dtype).
    bfloat16 : tuple of bool
        Which blocks hold raw bfloat16 bits (uint16) to decode.
    sources : tuple of str
        File (or argument) of each block.
    """

    name: str
    blocks: tuple[Any, ...]
    bfloat16: tuple[bool, ...]
    sources: tuple[str, ...]

    @property
    def shape(self) -> tuple[int, int]:
        """(positions, vocab)."""
        return sum(int(b.shape[0]) for b in self.blocks), int(self.blocks[0].shape[1])

    @property
    def dtype(self) -> str:
        """Stored dtype of the first block (``"bfloat16"`` for decoded blocks)."""
        return "bfloat16" if self.bfloat16[0] else str(self.blocks[0].dtype)

    def rows(self, start: int, stop: int) -> tuple[np.ndarray, str]:
        """Rows ``start:stop`` as a float array (float32 or float64), and their source.

        The source is the file (or argument) of the first row; callers keep chunks
        inside one block (:meth:`spans`) so that it names the right file.
        """
        parts, source, offset = [], "", 0
        for block, bf16, src in zip(self.blocks, self.bfloat16, self.sources, strict=True):
            lo, hi = max(start - offset, 0), min(stop - offset, block.shape[0])
            if lo < hi:
                part = _read_rows(block, lo, hi)
                parts.append(_decode(part) if bf16 else part)
                source = source or src
            offset += block.shape[0]
        return (parts[0] if len(parts) == 1 else np.concatenate(parts)), source

    def spans(self, chunk: int) -> list[tuple[int, int]]:
        """Row ranges of at most ``chunk`` rows that stay inside one block."""
        out, offset = [], 0
        for block in self.blocks:
            rows = int(block.shape[0])
            out += [(offset + a, offset + min(a + chunk, rows)) for a in range(0, rows, chunk)]
            offset += rows
        return out


def _read_rows(block: Any, lo: int, hi: int) -> np.ndarray:
    """Rows lo:hi of a block. Memory-mapped files are read by offset (a plain read into a
    new buffer), so pages of the mapping never accumulate in resident memory."""
    if isinstance(block, np.memmap) and block.flags.c_contiguous and block.filename:
        row = block.shape[1] * block.dtype.itemsize
        count = (hi - lo) * block.shape[1]
        data = np.fromfile(block.filename, block.dtype, count, offset=block.offset + lo * row)
        return data.reshape(hi - lo, block.shape[1])
    return np.asarray(block[lo:hi])


def _decode(bits: np.ndarray) -> np.ndarray:
    """bfloat16 bits (uint16) to float32: the upper half of a float32, exactly."""
    return (bits.astype(np.uint32) << np.uint32(16)).view(np.float32)


def _check_block(arr: Any, where: str, bf16: bool = False) -> Any:
    if not bf16 and not np.issubdtype(arr.dtype, np.floating):
        raise InvalidArgumentError(
            f"{where}: expected floating-point logits or probabilities, got dtype {arr.dtype}"
        )
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2 or arr.shape[1] == 0:
        raise InvalidArgumentError(
            f"{where}: expected a (positions, vocab) or (vocab,) array, got shape {arr.shape}"
        )
    if arr.shape[0] == 0:
        raise InvalidArgumentError(f"{where}: has no positions")
    return arr


def _from_object(x: Any, name: str) -> np.ndarray:
    """An in-memory array: numpy, torch (via its own methods) or any array-like."""
    if type(x).__module__.startswith("torch"):
        t = x.detach().cpu()
        if str(t.dtype) == "torch.bfloat16":
            t = t.float()  # numpy has no bfloat16; float32 holds it exactly
        x = t.numpy()
    elif not isinstance(x, np.ndarray) and hasattr(x, "__dlpack__"):
        x = np.from_dlpack(x)
    try:
        arr = np.asarray(x)
    except Exception as exc:
        raise InvalidArgumentError(f"{name}: cannot be read as an array ({exc})") from None
    if arr.dtype == object:
        raise InvalidArgumentError(f"{name}: must be numeric, got ragged or object data")
    return arr


def _pick(keys: list[str], kind: str, where: str) -> str:
    if len(keys) == 1:
        return keys[0]
    for key in KEYS[kind]:
        if key in keys:
            return key
    raise InvalidArgumentError(
        f"{where}: no tensor named {' or '.join(repr(k) for k in KEYS[kind])} "
        f"(it holds {', '.join(sorted(keys)) or 'nothing'})"
    )


def _safetensors(path: Path, kind: str, key: str | None) -> tuple[Any, bool]:
    """Memory-map one tensor of a safetensors file; bfloat16 left as raw uint16 bits."""
    from safetensors import safe_open

    where = str(path)
    try:
        with safe_open(str(path), framework="np") as f:
            keys = list(f.keys())
            name = key if key is not None else _pick(keys, kind, where)
            if name not in keys:
                raise InvalidArgumentError(
                    f"{where}: no tensor named {name!r} (it holds {', '.join(sorted(keys))})"
                )
            dtype = f.get_slice(name).get_dtype()
    except InvalidArgumentError:
        raise
    except Exception as exc:
        raise InvalidArgumentError(f"{where}: not a readable safetensors file ({exc})") from None
    if dtype not in _SAFETENSORS_DTYPES:
        raise InvalidArgumentError(
            f"{where}: tensor {name!r} has dtype {dtype}; expected F64, F32, F16 or BF16"
        )
    with path.open("rb") as fh:
        (size,) = struct.unpack("<Q", fh.read(8))
        entry = json.loads(fh.read(size))[name]
    begin, end = entry["data_offsets"]
    shape = tuple(entry["shape"])
    np_dtype = np.dtype(_SAFETENSORS_DTYPES[dtype])
    if end - begin != int(np.prod(shape)) * np_dtype.itemsize:
        raise InvalidArgumentError(f"{where}: tensor {name!r} has inconsistent offsets")
    arr = np.memmap(path, dtype=np_dtype, mode="r", offset=8 + size + begin, shape=shape)
    return arr, dtype == "BF16"


def _file(path: Path, kind: str, key: str | None) -> tuple[Any, bool]:
    suffix = path.suffix.lower()
    where = str(path)
    if suffix == ".safetensors":
        return _safetensors(path, kind, key)
    try:
        if suffix == ".npy":
            return np.load(path, mmap_mode="r", allow_pickle=False), False
        if suffix == ".npz":
            with np.load(path, allow_pickle=False) as z:
                name = key if key is not None else _pick(list(z.files), kind, where)
                if name not in z.files:
                    raise InvalidArgumentError(f"{where}: no array named {name!r}")
                return z[name], False
    except InvalidArgumentError:
        raise
    except Exception as exc:
        raise InvalidArgumentError(f"{where}: cannot read ({exc})") from None
    raise InvalidArgumentError(
        f"{where}: unknown file type {suffix!r}; expected one of {', '.join(SUFFIXES)}"
    )


def read_model_output(
    source: Any, name: str, kind: str = "logits", key: str | None = None
) -> ModelOutput:
    """One model's outputs from an array, a file or a directory of shards.

    Parameters
    ----------
    source : array-like, torch tensor, str or Path
        (positions, vocab) or (vocab,) logits or probabilities; or a ``.npy``,
        ``.npz``, ``.safetensors`` file; or a directory of such files (shards in
        file-name order, stacked along positions).
    name : str
        Argument name for error messages (``"target"`` or ``"draft"``).
    kind : {"logits", "probs"}
        Selects the tensor name looked up in multi-tensor files.
    key : str, optional
        Tensor name to read from ``.npz`` / ``.safetensors`` files.

    Returns
    -------
    ModelOutput
        Lazily read row blocks in their stored dtype.

    Raises
    ------
    InvalidArgumentError
        A missing file, an unknown suffix, a missing tensor name, a non-float dtype,
        a wrong number of dimensions, or shards of different vocabularies.
    """
    if not isinstance(source, (str, Path)):
        arr = _check_block(_from_object(source, name), name)
        return ModelOutput(name, (arr,), (False,), (name,))
    path = Path(source)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIXES)
        if not files:
            raise InvalidArgumentError(
                f"{name}: directory {str(path)!r} holds no {'/'.join(SUFFIXES)} shards"
            )
    elif path.exists():
        files = [path]
    else:
        raise InvalidArgumentError(f"{name}: file {str(path)!r} does not exist")
    blocks, flags = [], []
    for f in files:
        arr, bf16 = _file(f, kind, key)
        blocks.append(_check_block(arr, str(f), bf16))
        flags.append(bf16)
        if blocks[-1].shape[1] != blocks[0].shape[1]:
            raise InvalidArgumentError(
                f"{f}: vocabulary size {blocks[-1].shape[1]} differs from the "
                f"{blocks[0].shape[1]} of {files[0]}"
            )
    return ModelOutput(name, tuple(blocks), tuple(flags), tuple(str(f) for f in files))
