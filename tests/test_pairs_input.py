"""Model outputs in: tolerance by dtype, file formats, sampling settings, bad input."""

import json
import struct

import numpy as np
import pytest

from specbound.distributions import as_distribution, softmax, sum_tolerance
from specbound.errors import InvalidArgumentError
from specbound.pairs import SamplingSettings, load_pair, process_logits


def _softmax32(n, seed=0):
    z = np.random.default_rng(seed).normal(0, 3, n).astype(np.float32)
    e = np.exp(z - z.max())
    return (e / np.cumsum(e, dtype=np.float32)[-1]).astype(np.float32)  # sequential sum


# ----------------------------------------------------------------------------- tolerance


def test_float32_softmax_over_256k_passes_and_1001_fails():
    p = _softmax32(256_000)
    assert abs(p.sum(dtype=np.float64) - 1) > 1e-5  # a genuinely sloppy float32 sum
    out = as_distribution(p)
    assert out.dtype == np.float64 and out.sum() == pytest.approx(1, abs=1e-12)
    with pytest.raises(InvalidArgumentError, match=r"sum to 1\.001.*tolerance"):
        as_distribution(np.full(256_000, 1.001 / 256_000, dtype=np.float32))
    with pytest.raises(InvalidArgumentError, match="sum to"):
        as_distribution(np.float64([0.5, 0.5 + 1e-6]))


def test_issue_example_and_normalize():
    from specbound.bounds.rejections import acceptance_probability

    assert acceptance_probability(np.float32([0.5, 0.5]), np.float32([0.4, 0.6])) == (
        pytest.approx(0.9, abs=1e-7)
    )
    np.testing.assert_allclose(as_distribution([1, 3], normalize=True), [0.25, 0.75])
    with pytest.raises(InvalidArgumentError, match="weights sum to 0"):
        as_distribution([0, 0], normalize=True)
    assert sum_tolerance(np.float64, 10) == 1e-9
    assert sum_tolerance(np.float32, 256_000) < 1e-3


def test_float32_accepted_across_public_functions():
    """A representative set of public functions takes float32 laws (softmax rounding)."""
    from specbound.bounds.branching_walk import entropy_moments
    from specbound.bounds.exponential_races import alpha_one, rank_distribution
    from specbound.lp import optimal_acceptance
    from specbound.simulations import speculative_sampling
    from specbound.trees import optimal_tree

    p, q = _softmax32(5000, 1), _softmax32(5000, 2)
    assert 0 < alpha_one(p, q) < 1
    assert rank_distribution(p[:50] / p[:50].sum(), q[:50] / q[:50].sum()).sum() == (
        pytest.approx(1)
    )
    assert entropy_moments(np.stack([p, q]))[0] > 0
    assert 0 < optimal_acceptance(p, np.stack([q, q])) <= 1
    assert speculative_sampling(p, q, 10, rng=0)[0].shape == (10,)
    assert optimal_tree(np.float32([0.6, 0.3]), 3).size == 3


def test_one_column_csv_is_a_vector(tmp_path):
    from specbound.cli import main
    from specbound.commands import read_array

    f = tmp_path / "p.csv"
    f.write_text("0.5\n0.25\n0.25\n")
    assert read_array(str(f), "target").shape == (3,)
    assert main(["ersd", "--target", str(f), "--draft", "0.25,0.25,0.5", "--k", "2"]) == 0


# ----------------------------------------------------------------------------- files


def _write_bf16_safetensors(path, arr, key="logits"):
    bits = (np.asarray(arr, np.float32).view(np.uint32) >> 16).astype("<u2")
    header = json.dumps(
        {key: {"dtype": "BF16", "shape": list(arr.shape), "data_offsets": [0, bits.nbytes]}}
    ).encode()
    path.write_bytes(struct.pack("<Q", len(header)) + header + bits.tobytes())


def test_files_npy_npz_safetensors_bf16_and_shards(tmp_path):
    from safetensors.numpy import save_file

    rng = np.random.default_rng(3)
    t = rng.normal(size=(6, 40)).astype(np.float32)
    d = rng.normal(size=(6, 40)).astype(np.float32)
    ref = load_pair(t, d).laws()
    np.save(tmp_path / "t.npy", t)
    np.savez(tmp_path / "d.npz", logits=d, other=d[:1])
    (tmp_path / "shards").mkdir()
    save_file({"logits": t[:4]}, str(tmp_path / "shards" / "a.safetensors"))
    save_file({"logits": t[4:]}, str(tmp_path / "shards" / "b.safetensors"))
    for target, draft in [
        (tmp_path / "t.npy", tmp_path / "d.npz"),
        (str(tmp_path / "shards"), tmp_path / "d.npz"),
    ]:
        got = load_pair(target, draft, chunk=3).laws()
        np.testing.assert_allclose(got[0], ref[0], rtol=1e-12)
        np.testing.assert_allclose(got[1], ref[1], rtol=1e-12)
    # bfloat16: exactly the float32 values with the low 16 bits cleared
    _write_bf16_safetensors(tmp_path / "bf.safetensors", t)
    pair = load_pair(tmp_path / "bf.safetensors", tmp_path / "bf.safetensors")
    trunc = (t.view(np.uint32) & np.uint32(0xFFFF0000)).view(np.float32)
    np.testing.assert_array_equal(pair.target.rows(0, 6)[0], trunc)
    assert pair.settings()["dtype"]["target"] == "bfloat16"
    # bfloat16 probabilities: checked against the bfloat16 tolerance, renormalised
    probs = softmax(t.astype(np.float64)).astype(np.float32)
    _write_bf16_safetensors(tmp_path / "p.safetensors", probs, key="probs")
    pp = load_pair(tmp_path / "p.safetensors", tmp_path / "p.safetensors", kind="probs")
    assert pp.laws()[0].sum(axis=1) == pytest.approx(1, abs=1e-14)
    assert 0 < pp.settings()["max_sum_deviation"]["target"] < 0.05


def test_torch_tensors_when_installed():
    torch = pytest.importorskip("torch", reason="torch not installed (optional)")
    t = torch.randn(3, 20)
    p, _ = load_pair(t.to(torch.bfloat16), t).laws()
    assert p.shape == (3, 20)


# ----------------------------------------------------------------------------- settings


def test_settings_hand_computed():
    x = np.float32([[1, 2, 2, 0.5, -1], [0, 0, 0, 0, 0], [3, 1, 1, 1, 1]])
    # greedy: lowest id wins ties
    g = process_logits(x, SamplingSettings(temperature=0), "x")
    np.testing.assert_array_equal(g.argmax(axis=1), [1, 0, 0])
    assert np.all(g.max(axis=1) == 1)
    # top-k 2 keeps both tied 2s in row 0, all five ties in row 1, four tied 1s in row 2
    k2 = process_logits(x, SamplingSettings(top_k=2), "x")
    np.testing.assert_allclose(k2[0], [0, 0.5, 0.5, 0, 0])
    np.testing.assert_allclose(k2[1], np.full(5, 0.2))
    assert (k2[2] > 0).sum() == 5
    # top-p: row 2 = (e^2, 1, 1, 1, 1)/(e^2 + 4): 0.649 < 0.6 fails, so one more: ties kept
    e2 = np.exp(2.0)
    np.testing.assert_allclose(
        process_logits(x, SamplingSettings(top_p=0.6), "x")[2], [1, 0, 0, 0, 0]
    )
    np.testing.assert_allclose(
        process_logits(x, SamplingSettings(top_p=0.7), "x")[2],
        np.array([e2, 1, 1, 1, 1]) / (e2 + 4),
        rtol=1e-6,
    )
    # top-p keeps at least one token; min-p relative to the largest probability
    np.testing.assert_allclose(
        process_logits(x, SamplingSettings(top_p=1e-9), "x")[0], [0, 0.5, 0.5, 0, 0]
    )
    # min-p 0.3 keeps e^(1-2) = 0.37 of the largest; 0.5 does not
    np.testing.assert_allclose(
        process_logits(x, SamplingSettings(min_p=0.3), "x")[0],
        softmax([1.0, 2, 2, -np.inf, -np.inf]),
    )
    np.testing.assert_allclose(
        process_logits(x, SamplingSettings(min_p=0.5), "x")[0], [0, 0.5, 0.5, 0, 0]
    )
    # temperature then top-k: T = 0.5 doubles the logit gaps
    np.testing.assert_allclose(
        process_logits(np.float64([[0, np.log(2)]]), SamplingSettings(temperature=0.5), "x"),
        [[0.2, 0.8]],
    )


def test_draft_settings_default_to_targets():
    pair = load_pair([[0.0, 1.0]], [[0.0, 1.0]], temperature=0.5, draft_top_k=1)
    s = pair.settings()
    assert s["draft"]["temperature"] == 0.5 and s["draft"]["top_k"] == 1
    assert s["target"]["top_k"] is None


def test_probs_kind_reports_deviation():
    p = np.float32([[0.2, 0.3, 0.5000001], [0.25, 0.25, 0.5]])
    pair = load_pair(p, p, kind="probs")
    laws, _ = pair.laws()
    assert laws.sum(axis=1) == pytest.approx(1, abs=1e-15)
    assert 0 < pair.settings()["max_sum_deviation"]["target"] < 1e-6


# ----------------------------------------------------------------------------- bad input


def _laws(*args, **kwargs):
    return load_pair(*args, **kwargs).laws()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: _laws(np.zeros((2, 3)), np.zeros((2, 4))), "vocabulary size 4.*target's 3"),
        (lambda: _laws(np.zeros((2, 3)), np.zeros((3, 3))), "3 positions.*target's 2"),
        (
            lambda: _laws([[0, np.nan], [0, 0]], np.zeros((2, 2))),
            "target: NaN logit at position 0",
        ),
        (
            lambda: _laws(np.zeros((2, 2)), [[0, 0], [np.inf, 0]]),
            r"draft: \+inf logit at position 1",
        ),
        (
            lambda: _laws(np.zeros((1, 2)), [[-np.inf, -np.inf]]),
            "every logit is -inf at position 0",
        ),
        (
            lambda: _laws(np.zeros((1, 2)), np.zeros((1, 2)), temperature=-1),
            "temperature: must be >= 0",
        ),
        (
            lambda: _laws(np.zeros((1, 2)), np.zeros((1, 2)), top_p=0),
            r"top_p: must lie in \(0, 1\]",
        ),
        (
            lambda: _laws(np.zeros((1, 2)), np.zeros((1, 2)), top_p=1.5),
            r"top_p: must lie in \(0, 1\]",
        ),
        (lambda: _laws(np.zeros((1, 2)), np.zeros((1, 2)), top_k=0), "top_k: must be >= 1"),
        (
            lambda: _laws(
                np.float32([[0.5, 0.5]]), np.float32([[0.5, 0.5], [0.6, 0.5]][1:]), kind="probs"
            ),
            r"draft: probabilities sum to 1\.1\d* at position 0",
        ),
        (lambda: _laws(np.int64([[1, 2]]), np.zeros((1, 2))), "target: expected floating-point"),
        (lambda: _laws(np.zeros((1, 2)), np.zeros((1, 2)), kind="p"), "kind: expected"),
    ],
)
def test_bad_input_messages(make, message):
    with pytest.raises(InvalidArgumentError, match=message):
        make()


def test_bad_files(tmp_path):
    from safetensors.numpy import save_file

    save_file(
        {"hidden": np.zeros((2, 3), np.float32), "x": np.zeros(1, np.float32)},
        str(tmp_path / "a.safetensors"),
    )
    with pytest.raises(InvalidArgumentError, match=r"a\.safetensors: no tensor named 'logits'"):
        load_pair(tmp_path / "a.safetensors", np.zeros((2, 3)))
    with pytest.raises(InvalidArgumentError, match="does not exist"):
        load_pair(tmp_path / "missing.npy", np.zeros((2, 3)))
    (tmp_path / "x.txt").write_text("1")
    with pytest.raises(InvalidArgumentError, match="unknown file type"):
        load_pair(tmp_path / "x.txt", np.zeros((2, 3)))
    np.save(tmp_path / "bad.npy", np.float32([[0, np.nan]]))
    with pytest.raises(InvalidArgumentError, match=r"bad\.npy: NaN logit at position 0, token 1"):
        load_pair(tmp_path / "bad.npy", np.zeros((1, 2))).laws()


def _reference(z, t, k, top_p, min_p):
    """Sampling settings by full sorts, one row at a time (ties at every boundary kept)."""
    z = z / t
    if k is not None and k < z.size:
        z = np.where(z >= np.sort(z)[::-1][k - 1], z, -np.inf)
    p = softmax(z)
    if top_p is not None:
        s = np.sort(p)[::-1]
        cum = np.cumsum(s)
        j = int(np.argmax(cum >= top_p)) if cum[-1] >= top_p else s.size - 1
        p = np.where(p >= s[j], p, 0.0)
    if min_p is not None:
        p = np.where(p >= min_p * p.max(), p, 0.0)
    return p / p.sum()


@pytest.mark.parametrize("seed", range(6))
def test_settings_match_sorting_reference(seed):
    g = np.random.default_rng(seed)
    n = [7, 100, 3000][seed % 3]
    x = g.integers(-4, 4, size=(5, n)).astype(np.float64)  # many ties
    x[1] = g.normal(0, 3, n)
    for t, k, top_p, min_p in [(1.0, 3, 0.5, None), (0.7, None, 0.9, None),
                               (1.3, 40, 0.95, 0.05), (1.0, None, None, 0.3),
                               (2.0, 1, 0.2, None), (1.0, 5000, 0.999, None)]:  # fmt: skip
        got = process_logits(x, SamplingSettings(t, k, top_p, min_p), "x")
        want = np.array([_reference(row, t, k, top_p, min_p) for row in x])
        np.testing.assert_allclose(got, want, atol=1e-12)


def test_float32_truncation_writes_only_survivors_with_the_dense_numbers():
    g = np.random.default_rng(3)
    z = g.normal(0, 3, (4, 4096)).astype(np.float32)
    for settings in (SamplingSettings(top_k=20), SamplingSettings(top_p=0.5, min_p=0.01)):
        got = process_logits(z, settings, "z")
        assert np.count_nonzero(got) < z.size / 8  # the sparse path
        e = np.exp(z - z.max(axis=1, keepdims=True))  # float32, as engines compute it
        e[got == 0] = 0.0
        want = e.astype(np.float64) / e.sum(axis=1, keepdims=True, dtype=np.float64)
        np.testing.assert_allclose(got, want, rtol=1e-14, atol=0)
