"""Adapters for engine call signatures, tested through numpy stand-ins with the same signatures.

The stand-ins re-implement, in numpy, Hugging Face transformers'
``generation.utils._speculative_sampling`` and vLLM's ``RejectionSampler.forward``
(v0 layout), one correct and one with a real bug each. The torch path runs only when
torch (and transformers) are installed; otherwise those tests skip with the reason.
"""

import numpy as np
import pytest

from specbound.simulations.audit import audit, battery
from specbound.simulations.audit.adapters import Bridge, from_hf, from_vllm

GEN = np.random.default_rng(0)


def _reseed(seed):
    global GEN
    GEN = np.random.default_rng(seed)


NUMPY = Bridge(lambda a: np.asarray(a, np.float32), lambda a: np.asarray(a, np.int64), _reseed)


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def hf_step(
    candidate_input_ids,
    candidate_logits,
    candidate_length,
    new_logits,
    is_done_candidate,
    bug=False,
):
    """transformers' _speculative_sampling (batch 1), in numpy."""
    ids = candidate_input_ids[:, -candidate_length:]
    q = _softmax(candidate_logits.astype(np.float64))
    p = _softmax(new_logits.astype(np.float64))
    pos = np.arange(candidate_length)
    ratio = p[0, pos, ids[0]] / q[0, pos, ids[0]]
    accepted = GEN.random(candidate_length) <= ratio
    n_matches = int((np.cumsum(~accepted) < 1).sum())
    p_next = p[0, n_matches]
    if n_matches < candidate_length and not bug:
        p_next = np.clip(p_next - q[0, n_matches], 0, None)
        p_next = p_next / p_next.sum()
    cdf = np.cumsum(p_next)
    t = int(np.searchsorted(cdf, GEN.random() * cdf[-1], side="right"))
    return np.concatenate([ids[:, :n_matches], [[t]]], axis=1), n_matches


def hf_step_resampling_p(
    candidate_input_ids, candidate_logits, candidate_length, new_logits, is_done_candidate
):
    """The bug: after a rejection, sample p instead of the residual."""
    args = candidate_input_ids, candidate_logits, candidate_length, new_logits
    return hf_step(*args, is_done_candidate, bug=True)


def vllm_forward(
    target_with_bonus_probs,
    bonus_token_ids,
    draft_probs,
    draft_token_ids,
    seeded_seqs=None,
    bug=False,
):
    """vLLM's RejectionSampler.forward (v0 layout), in numpy: (B, k + 1), -1 after a rejection."""
    b, k, _ = draft_probs.shape
    tp = target_with_bonus_probs[:, :-1].astype(np.float64)
    dp = draft_probs.astype(np.float64)
    rows, cols = np.arange(b)[:, None], np.arange(k)[None, :]
    p_x, q_x = tp[rows, cols, draft_token_ids], dp[rows, cols, draft_token_ids]
    accepted = GEN.random((b, k)) < np.minimum(1.0, p_x / q_x)
    resid = tp if bug else np.clip(tp - dp, 0, None)
    mass = resid.sum(axis=-1, keepdims=True)
    resid = np.where(mass > 0, resid / np.where(mass > 0, mass, 1), tp)
    cdf = np.cumsum(resid, axis=-1)
    recovered = (cdf < GEN.random((b, k, 1)) * cdf[..., -1:]).sum(axis=-1)
    first_reject = np.where(accepted.all(axis=1), k, np.argmin(accepted, axis=1))
    out = np.full((b, k + 1), -1, dtype=np.int64)
    out[:, :k] = np.where(cols < first_reject[:, None], draft_token_ids, -1)
    hit = first_reject < k
    out[hit, first_reject[hit]] = recovered[hit, first_reject[hit]]
    out[~hit, k] = bonus_token_ids[~hit, 0]
    return out


def vllm_forward_recover_from_target(*args):
    """The bug: the recovered token is drawn from the target law, not the residual."""
    return vllm_forward(*args, bug=True)


SINGLE = [c for c in battery("single") if c.vocab <= 64]
CHAIN = battery("chain")[:4]


@pytest.mark.parametrize("kind", ["single", "chain"])
def test_hf_adapter(kind):
    cases = SINGLE[:4] if kind == "single" else CHAIN
    good = audit(from_hf(hf_step, kind, NUMPY), kind, cases, trials=1_000, rng=1, progress=False)
    assert good.passed, good.format_table()
    bad = from_hf(hf_step_resampling_p, kind, NUMPY)
    result = audit(bad, kind, cases, trials=1_000, rng=2, progress=False)
    assert result.verdict == "biased", result.format_table()


@pytest.mark.parametrize("kind", ["single", "chain"])
def test_vllm_adapter(kind):
    cases = SINGLE if kind == "single" else CHAIN
    good = from_vllm(vllm_forward, kind, NUMPY)
    result = audit(good, kind, cases, trials=20_000, rng=3, progress=False)
    assert result.passed, result.format_table()
    bad = from_vllm(vllm_forward_recover_from_target, kind, NUMPY)
    assert audit(bad, kind, cases, trials=20_000, rng=4, progress=False).verdict == "biased"


def test_adapters_refuse_other_kinds():
    from specbound.errors import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match=r"^kind:"):
        from_hf(hf_step, "tree", NUMPY)
    with pytest.raises(InvalidArgumentError, match=r"^kind:"):
        from_vllm(vllm_forward, "multi", NUMPY)


@pytest.fixture
def one_torch_thread():
    """Tiny per-trial tensors: torch's thread pool only costs time (13x on a loaded machine)."""
    torch = pytest.importorskip("torch", reason="torch not installed: the torch path is optional")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield torch
    torch.set_num_threads(before)


def test_torch_bridge_with_torch(one_torch_thread):
    torch = one_torch_thread

    def torch_step(ids, cand, length, new, is_done_candidate):
        valid, n = hf_step(ids.numpy(), cand.numpy(), length, new.numpy(), is_done_candidate)
        return torch.from_numpy(valid), torch.tensor(n)

    result = audit(from_hf(torch_step, "single"), "single", SINGLE[:2], trials=500, progress=False)
    assert result.passed, result.format_table()


def test_real_transformers_step(one_torch_thread):
    utils = pytest.importorskip(
        "transformers.generation.utils", reason="transformers not installed (optional)"
    )
    sampler = from_hf(utils._speculative_sampling, "single")
    result = audit(sampler, "single", SINGLE[:2], trials=600, rng=5, progress=False)
    assert result.passed, result.format_table()
    (ref,) = [c for c in result.cases if c.label == "reference n = 3"]
    assert abs(ref.measured.z(0.7)) <= 5  # accepts min(1, p/q): 1 - TV


def test_a_sampler_may_return_torch_tensors(one_torch_thread):
    torch = one_torch_thread
    from specbound.simulations.speculative import speculative_step

    def as_tensors(target, draft, size, rng):
        tokens, accepted = speculative_step(target, draft, size, rng)
        return torch.from_numpy(tokens), torch.from_numpy(accepted)

    assert audit(as_tensors, "single", SINGLE, trials=5_000, rng=6, progress=False).passed


def test_without_torch_the_default_bridge_says_so(monkeypatch):
    import sys

    from specbound.errors import InvalidArgumentError

    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(InvalidArgumentError, match=r"^bridge: torch is not installed"):
        from_vllm(vllm_forward, "single")
