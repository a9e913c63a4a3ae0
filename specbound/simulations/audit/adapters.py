"""Adapters: engines' speculative-sampling functions as audit samplers (torch optional).

Two public call signatures are supported (checked against the projects' sources):

* Hugging Face transformers, ``transformers.generation.utils._speculative_sampling(
  candidate_input_ids (1, L + gamma), candidate_logits (1, gamma, V), candidate_length,
  new_logits (1, gamma + 1, V), is_done_candidate) -> (valid_tokens (1, m + 1), n_matches)``
  (4.x; 5.x replaced ``is_done_candidate`` by an optional ``assistant_ensemble_weight``):
  one sequence per call (batch 1), so the adapter loops over trials.
* vLLM's rejection sampler (v0 layout, ``vllm/model_executor/layers/rejection_sampler.py``),
  ``RejectionSampler.forward(target_with_bonus_probs (B, k + 1, V),
  bonus_token_ids (B, 1), draft_probs (B, k, V), draft_token_ids (B, k), seeded_seqs=None)
  -> output_token_ids (B, k + 1)`` with -1 after the first rejection: batched, so the
  adapter passes chunks of trials (memory bounded by ``MAX_ENTRIES`` probabilities).

The adapter drafts the candidate tokens itself (from the draft law with numpy), builds
the tensors the engine expects (logits = log probabilities, -inf for zeros; float32),
seeds the engine's generator from the audit's, and reads the emitted tokens back. It
gives a ``single`` sampler (k = 1) or a ``chain`` sampler (k = gamma on a Markov model;
position j's laws are the kernel rows at the token before it, the bonus position's at
the last draft). Tensors are made by a :class:`Bridge`: torch by default (imported only
then), or any functions with the same roles (tests use numpy stand-ins).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from specbound.errors import InvalidArgumentError
from specbound.simulations.audit.kinds import to_numpy
from specbound.simulations.audit.rule_sampler import RowSampler

#: Largest number of probabilities in one batched engine call.
MAX_ENTRIES = 1 << 22


@dataclass(frozen=True)
class Bridge:
    """How the adapter makes the engine's inputs.

    Attributes
    ----------
    floats : callable (ndarray float32) -> tensor
    longs : callable (ndarray int64) -> tensor
    seed : callable (int) -> None
        Seeds the generator the engine draws from.
    """

    floats: Callable
    longs: Callable
    seed: Callable[[int], None]


def torch_bridge() -> Bridge:
    """torch tensors on the CPU, seeded with ``torch.manual_seed``.

    Raises
    ------
    InvalidArgumentError
        If torch is not installed.
    """
    try:
        import torch
    except ImportError:
        raise InvalidArgumentError(
            "bridge: torch is not installed (pip install torch), or pass a Bridge"
        ) from None
    return Bridge(torch.from_numpy, torch.from_numpy, lambda s: torch.manual_seed(s))


def _log(p: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(p).astype(np.float32)


def _chain_drafts(
    draft_kernel: np.ndarray, start: int, gamma: int, size: int, rng: np.random.Generator
) -> np.ndarray:
    """(size, gamma + 1) states: start, then gamma tokens drafted autoregressively."""
    states = np.empty((size, gamma + 1), dtype=np.int64)
    states[:, 0] = start
    draw = RowSampler(draft_kernel)
    for j in range(gamma):
        states[:, j + 1] = draw.sample(states[:, j], rng)
    return states


def _hf_keywords(fn: Callable) -> dict:
    """``is_done_candidate=False`` if ``fn`` takes it (transformers 4.x); none otherwise.

    transformers 5.x replaced that fifth parameter by the optional
    ``assistant_ensemble_weight`` (a biased relaxation when set): it is left at its default.
    """
    try:
        names = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return {}
    return {"is_done_candidate": False} if "is_done_candidate" in names else {}


def from_hf(fn: Callable, kind: str = "single", bridge: Bridge | None = None) -> Callable:
    """An audit sampler of ``kind`` ("single" or "chain") calling HF's ``_speculative_sampling``.

    One call of ``fn`` per trial (batch 1, as transformers does) with the first four
    arguments by position (and ``is_done_candidate=False`` where it exists). The emitted
    tokens are ``valid_tokens``; accepted = ``n_matches``.
    """
    br = bridge or torch_bridge()
    extra = _hf_keywords(fn)

    def run(log_p, log_q, rows, ids, rng):
        """rows (size, gamma + 1): table row of each position; ids (size, gamma): drafts."""
        size, gamma = ids.shape
        br.seed(int(rng.integers(2**62)))
        seqs = np.full((size, gamma + 1), -1, dtype=np.int64)
        matches = np.zeros(size, dtype=np.int64)
        for i in range(size):
            valid, n = fn(
                br.longs(ids[i][None].copy()),
                br.floats(log_q[rows[i, :gamma]][None]),
                gamma,
                br.floats(log_p[rows[i]][None]),
                **extra,
            )
            v = to_numpy(valid).ravel()
            seqs[i, : v.size] = v
            matches[i] = int(to_numpy(n))
        return seqs, matches

    if kind == "single":

        def single(target, draft, size, rng):
            ids = RowSampler(draft[None]).sample(np.zeros(size, dtype=np.int64), rng)[:, None]
            rows = np.zeros((size, 2), dtype=np.int64)
            seqs, matches = run(_log(target)[None], _log(draft)[None], rows, ids, rng)
            return seqs[:, 0], matches >= 1

        return single
    if kind == "chain":

        def chain(target_kernel, draft_kernel, start, gamma, size, rng):
            states = _chain_drafts(draft_kernel, start, gamma, size, rng)
            return run(_log(target_kernel), _log(draft_kernel), states, states[:, 1:], rng)

        return chain
    raise InvalidArgumentError(
        f"kind: the HF adapter gives single or chain samplers, not {kind!r}"
    )


def from_vllm(forward: Callable, kind: str = "single", bridge: Bridge | None = None) -> Callable:
    """An audit sampler of ``kind`` ("single" or "chain") calling vLLM's ``RejectionSampler``.

    ``forward(target_with_bonus_probs, bonus_token_ids, draft_probs, draft_token_ids)`` is
    called on chunks of trials (one batch row per trial); the bonus token is drawn by the
    adapter from the target's law at the bonus position, as vLLM's caller does.
    """
    br = bridge or torch_bridge()

    def run(p_rows, q_rows, rows, ids, rng):
        size, gamma = ids.shape
        n = p_rows.shape[1]
        out = np.empty((size, gamma + 1), dtype=np.int64)
        bonus = RowSampler(p_rows).sample(rows[:, gamma], rng)
        chunk = max(1, MAX_ENTRIES // ((2 * gamma + 1) * n))
        br.seed(int(rng.integers(2**62)))
        for lo in range(0, size, chunk):
            sl = slice(lo, min(size, lo + chunk))
            res = forward(
                br.floats(p_rows[rows[sl]].astype(np.float32)),
                br.longs(bonus[sl, None].copy()),
                br.floats(q_rows[rows[sl, :gamma]].astype(np.float32)),
                br.longs(ids[sl].copy()),
            )
            out[sl] = to_numpy(res)
        return out, (out != -1).sum(axis=1) - 1

    if kind == "single":

        def single(target, draft, size, rng):
            ids = RowSampler(draft[None]).sample(np.zeros(size, dtype=np.int64), rng)[:, None]
            rows = np.zeros((size, 2), dtype=np.int64)
            out, accepted = run(target[None], draft[None], rows, ids, rng)
            return out[:, 0], accepted >= 1

        return single
    if kind == "chain":

        def chain(target_kernel, draft_kernel, start, gamma, size, rng):
            states = _chain_drafts(draft_kernel, start, gamma, size, rng)
            return run(target_kernel, draft_kernel, states, states[:, 1:], rng)

        return chain
    raise InvalidArgumentError(
        f"kind: the vLLM adapter gives single or chain samplers, not {kind!r}"
    )
