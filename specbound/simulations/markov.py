"""Sequence models and the sequence-level speculative decoding simulator.

Yin, Chen, Huang, Wang, "A Theoretical Perspective for Speculative Decoding
Algorithm" (arXiv 2411.00841): generation is a Markov chain; Thm 1 counts its
rejections. This module holds

* :class:`SequenceModel`, the "context -> next-token distribution" interface,
  vectorised over independent runs: a model keeps one *state* per run (a numpy
  array whose first axis is the run) summarising the context, and maps states to
  next-token laws. :class:`MarkovModel` (state = last token, an (n, n) kernel)
  and :class:`ContextModel` (state = the last k tokens, any vectorised
  ``laws(contexts)`` function, e.g. an n-gram model of real text) implement it.
* :func:`speculative_decoding`, the full sequence-level algorithm run on many
  independent sequences in lockstep: each round (one verifier call) the drafter
  proposes min(gamma, remaining) tokens autoregressively, the verifier checks
  them left to right (accept token x w.p. min(1, p(x)/q(x))), replaces the first
  rejected one by a residual sample ((p - q)_+ normalised) and ends the round,
  or appends a bonus target token when all pass before the horizon.

Letters: target = p (large model), draft = q. Randomness only through ``rng``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from tqdm.auto import tqdm

from specbound.distributions import RngLike, as_kernel, as_rng, check_int, check_real
from specbound.errors import InvalidArgumentError
from specbound.limits import check_allocation, check_work
from specbound.simulations.estimate import show_progress
from specbound.simulations.sampling import sample_rows
from specbound.simulations.speculative import residual_law


class SequenceModel:
    """A next-token model vectorised over runs: context state -> next-token law.

    Subclasses implement :meth:`initial_state`, :meth:`advance` and :meth:`laws`;
    :meth:`sample` and :meth:`prob` have generic implementations through
    :meth:`laws` (O(m n)) that subclasses may speed up. States are numpy arrays
    whose first axis indexes runs, so ``state[idx]`` selects runs.
    """

    vocab_size: int

    def initial_state(self, size: int) -> np.ndarray:
        """The state of ``size`` runs before any token is emitted."""
        raise NotImplementedError

    def advance(self, state: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        """States after appending one token per run (a new array)."""
        raise NotImplementedError

    def laws(self, state: np.ndarray) -> np.ndarray:
        """Next-token laws, shape (m, vocab_size), one row per run."""
        raise NotImplementedError

    def sample(self, state: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One next token per run."""
        return sample_rows(self.laws(state), rng)

    def prob(self, state: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        """Probability of ``tokens`` (one per run) under each run's next-token law."""
        laws = self.laws(state)
        return laws[np.arange(laws.shape[0]), tokens]


#: Largest guide table of a :class:`MarkovModel` (entries; n * K with K <= n buckets).
GUIDE_ENTRIES = 1 << 22


class MarkovModel(SequenceModel):
    """First-order Markov model: state = last token, next-token law = ``kernel[state]``.

    Sampling is inverse-CDF on one flattened cumulative table, started from a
    guide table (the cutpoint method): O(1 + n / K) expected steps per draw with
    K = min(n, 2^22 / n) buckets per row, the same tokens as a binary search.

    Parameters
    ----------
    kernel : (n, n) array-like
        Row-stochastic matrix; row i is the law of X_t given X_{t-1} = i.
    start : int
        X_0 (not emitted).
    name : str
        Argument name used in error messages.
    """

    def __init__(self, kernel: ArrayLike, start: int = 0, name: str = "kernel"):
        self.kernel = as_kernel(kernel, name)
        n = self.kernel.shape[0]
        self.vocab_size = n
        self.start = check_int(start, "start", 0)
        if self.start >= n:
            raise InvalidArgumentError(f"start: must lie in 0..{n - 1}, got {self.start}")
        cdf = np.cumsum(self.kernel, axis=1)
        self._mass = cdf[:, -1].copy()
        self._flat = (cdf + np.arange(n)[:, None]).ravel()
        positive = self.kernel > 0
        self._last = n - 1 - np.argmax(positive[:, ::-1], axis=1)  # last token of positive mass
        # guide table (cutpoint method): _guide[i, k] = first flat index whose cumulative
        # value exceeds i + (k / K) * mass_i, so the search for u in [k/K, (k+1)/K)
        # starts there and moves a few steps forward (same result as a binary search)
        self._buckets = k = int(min(n, max(16, GUIDE_ENTRIES // n)))
        cut = np.arange(n)[:, None] + (np.arange(k) / k)[None, :] * self._mass[:, None]
        self._guide = np.searchsorted(self._flat, cut.ravel(), side="right").reshape(n, k)

    def initial_state(self, size: int) -> np.ndarray:
        return np.full(size, self.start, dtype=np.int64)

    def advance(self, state: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        return np.asarray(tokens, dtype=np.int64).copy()

    def laws(self, state: np.ndarray) -> np.ndarray:
        return self.kernel[state]

    def sample(self, state: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return self.sample_uniform(state, rng.random(state.shape[0]))

    def sample_uniform(self, state: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Inverse-CDF tokens for given uniforms ``u`` in [0, 1): the first token y with
        cdf(y) > u * mass, found from the guide table in O(1 + n / K) expected steps."""
        n, flat = self.vocab_size, self._flat
        v = state + u * self._mass[state]
        # one bucket back, so rounding of u * K can never start the search too late
        k = np.maximum((u * self._buckets).astype(np.int64) - 1, 0)
        idx = self._guide[state, k]
        end = flat.size - 1
        sel = np.flatnonzero(flat[idx] <= v)
        while sel.size:
            idx[sel] += 1
            np.minimum(idx, end, out=idx)
            sel = sel[(flat[idx[sel]] <= v[sel]) & (idx[sel] < end)]
        return np.minimum(idx - state * n, self._last[state])  # guards u * mass rounding

    def prob(self, state: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        return self.kernel[state, tokens]


class ContextModel(SequenceModel):
    """A model whose next-token law depends on the last ``context_length`` tokens.

    The general "context -> distribution" interface (n-gram models of real text
    plug in here): ``laws_fn(contexts)`` maps an (m, k) int array of the last k
    tokens (oldest first; before generation the context is ``start_context``) to
    an (m, n) array of next-token laws.

    Parameters
    ----------
    laws_fn : callable ((m, k) int ndarray) -> (m, n) ndarray
        Vectorised next-token laws; rows must be valid laws.
    vocab_size : int
        n.
    start_context : (k,) int array-like
        The context before the first emitted token (k >= 1).
    """

    def __init__(
        self,
        laws_fn: Callable[[np.ndarray], np.ndarray],
        vocab_size: int,
        start_context: ArrayLike,
    ):
        self.laws_fn = laws_fn
        self.vocab_size = check_int(vocab_size, "vocab_size", 1)
        ctx = np.asarray(start_context)
        if ctx.ndim != 1 or ctx.size == 0 or not np.issubdtype(ctx.dtype, np.integer):
            raise InvalidArgumentError("start_context: must be a non-empty 1-D integer array")
        if ctx.min() < 0 or ctx.max() >= self.vocab_size:
            raise InvalidArgumentError(f"start_context: tokens must lie in 0..{vocab_size - 1}")
        self.start_context = ctx.astype(np.int64)

    def initial_state(self, size: int) -> np.ndarray:
        return np.tile(self.start_context, (size, 1))

    def advance(self, state: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        return np.concatenate([state[:, 1:], np.asarray(tokens, np.int64)[:, None]], axis=1)

    def laws(self, state: np.ndarray) -> np.ndarray:
        out = np.asarray(self.laws_fn(state), dtype=np.float64)
        want = (state.shape[0], self.vocab_size)
        if out.shape != want:
            raise InvalidArgumentError(f"laws_fn: returned shape {out.shape}, expected {want}")
        return out


def as_model(model: SequenceModel | ArrayLike, start: int, name: str) -> SequenceModel:
    """A :class:`SequenceModel` as is, or an (n, n) kernel wrapped as a :class:`MarkovModel`."""
    if isinstance(model, SequenceModel):
        return model
    return MarkovModel(model, start, name)


def as_model_pair(
    target: SequenceModel | ArrayLike, draft: SequenceModel | ArrayLike, start: int
) -> tuple[SequenceModel, SequenceModel]:
    """Target and draft models (:func:`as_model`) over the same vocabulary.

    Raises
    ------
    InvalidArgumentError
        For invalid kernels, or vocabularies of different sizes.
    """
    tm = as_model(target, start, "target_kernel")
    dm = as_model(draft, start, "draft_kernel")
    if tm.vocab_size != dm.vocab_size:
        raise InvalidArgumentError(
            f"draft_kernel: vocabulary size {dm.vocab_size} differs from target's {tm.vocab_size}"
        )
    return tm, dm


@dataclass(frozen=True)
class SequenceRun:
    """Outcome of independent runs of a sequence-level decoding algorithm.

    Attributes
    ----------
    tokens : (size, horizon) int64 ndarray
        The emitted sequences X_1..X_H.
    rejections : (size,) int64 ndarray
        N_rej per run (positions emitted from the residual after a rejection).
    calls : (size,) int64 ndarray
        Verifier calls (rounds) per run; tokens per call = horizon / calls.
    accepted : (size,) int64 ndarray
        Accepted draft tokens per run.
    first_round_tokens : (size,) int64 ndarray
        Tokens emitted by the first call (accepted + 1 unless it hit the horizon).
    """

    tokens: np.ndarray
    rejections: np.ndarray
    calls: np.ndarray
    accepted: np.ndarray
    first_round_tokens: np.ndarray


def encode_sequences(tokens: np.ndarray, vocab_size: int) -> np.ndarray:
    """Index of each row of an (m, H) token array: sum_t x_t n^(H-t) (x_1 most significant).

    Same order as :func:`specbound.bounds.rejections.sequence_law`.
    """
    weights = vocab_size ** np.arange(tokens.shape[1] - 1, -1, -1, dtype=np.int64)
    return tokens.astype(np.int64) @ weights


def residual_sample(
    target: SequenceModel,
    draft: SequenceModel,
    t_state: np.ndarray,
    d_state: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """One token per run from the residual (p - q)_+ / TV at the given states. O(m n)."""
    return sample_rows(residual_law(target.laws(t_state), draft.laws(d_state)), rng)


def residual_model(target: MarkovModel, draft: MarkovModel) -> MarkovModel:
    """The Markov model whose row i is the residual (P[i] - Q[i])_+ / tau_i (P[i] if tau_i = 0).

    Lets :func:`speculative_decoding` draw residual tokens in O(log n) each.
    """
    excess = np.maximum(target.kernel - draft.kernel, 0.0)
    mass = excess.sum(axis=1, keepdims=True)
    none = mass[:, 0] <= 0.0
    rows = np.where(none[:, None], target.kernel, excess / np.where(none[:, None], 1.0, mass))
    return MarkovModel(rows / rows.sum(axis=1, keepdims=True), target.start, "residual")


def speculative_decoding(
    target: SequenceModel | ArrayLike,
    draft: SequenceModel | ArrayLike,
    horizon: int,
    size: int,
    gamma: int | None = None,
    rng: RngLike = None,
    start: int = 0,
    mix: float = 0.0,
    progress: bool | None = None,
) -> SequenceRun:
    """Run ``size`` independent sequences of speculative decoding, in lockstep.

    Each round (one verifier call) of each unfinished run: the drafter samples
    d = min(gamma, H - emitted) tokens autoregressively from q; the verifier, with
    the target's laws at every drafted position (one parallel pass), accepts
    token x_k iff U_k q(x_k) < p(x_k) (probability min(1, p/q)) left to right;
    the first rejected token is replaced by a sample of (p - q)_+ / TV and ends
    the round; if all d pass and the horizon is not reached, a bonus token is
    drawn from p. The output sequences follow the target's law exactly (Yin et
    al., arXiv 2411.00841, Thm 1; Leviathan et al., arXiv 2211.17192).

    Runs advance together, one position per step (every run emits exactly one
    token per position): a Python loop over the H positions, numpy arrays over
    runs (no per-run loop). Each run carries j, the draft positions used in its
    current round; position j < gamma is a drafted one (its draft token is drawn
    from q just before it is verified, then accepted, or rejected and replaced by a
    residual token, which ends the round), position j = gamma is the bonus one.
    Drawing each draft token when it is verified rather than all gamma up front
    gives the same joint law of every emitted token, rejection and call: draft
    tokens after the first rejection are never read by the verifier, and the k-th
    draft depends only on the accepted prefix. Cost O(H m log n) for Markov models
    (plus O(n) per rejection for general models), m = ``size``.

    Parameters
    ----------
    target, draft : SequenceModel or (n, n) array-like
        The large and small models; kernels are wrapped as :class:`MarkovModel`
        with ``start``.
    horizon : int >= 1
        Tokens emitted per run H.
    size : int >= 1
        Independent runs.
    gamma : int >= 0 or None
        Draft tokens per round; None drafts to the end (the paper's model).
        0 is target-only decoding (one token per call).
    rng : Generator or seed
        Randomness.
    start : int
        Start token for kernels given as arrays.
    mix : float in [0, 1]
        Bias lam of the Pareto-optimal biased rule (Thm 5, as implemented in
        :func:`specbound.bounds.tradeoff.optimal_biased_rule`): accept with
        probability min(1, p/q) + lam (1 - min(1, p/q)), same residual. 0 is
        standard (unbiased) speculative decoding; the output is then the chain
        (1 - lam) P + lam Q.
    progress : bool or None
        Progress bar over emitted tokens.

    Returns
    -------
    SequenceRun

    Raises
    ------
    ResourceLimitError
        A (size, horizon) token array beyond the memory limit, or size x horizon
        token steps beyond the work limit (:mod:`specbound.limits`).
    """
    tm, dm = as_model_pair(target, draft, start)
    horizon = check_int(horizon, "horizon", 1)
    size = check_int(size, "size", 1)
    gamma = horizon if gamma is None else check_int(gamma, "gamma", 0)
    mix = check_real(mix, "mix", 0.0, 1.0)
    check_allocation("size", (size, horizon), np.int64, what="tokens (size x horizon)")
    check_work("size", float(size) * horizon * max(1, tm.vocab_size // 64), "token steps")
    gen = as_rng(rng)
    fast = isinstance(tm, MarkovModel) and isinstance(dm, MarkovModel) and tm.start == dm.start
    resid = residual_model(tm, dm) if fast else None

    tokens = np.zeros((size, horizon), dtype=np.int64)
    rej = np.zeros(size, dtype=np.int64)
    calls = np.zeros(size, dtype=np.int64)
    accepted = np.zeros(size, dtype=np.int64)
    first = np.zeros(size, dtype=np.int64)
    in_first = np.ones(size, dtype=bool)
    j = np.zeros(size, dtype=np.int64)  # draft positions used in each run's current round
    t_state = tm.initial_state(size)
    d_state = dm.initial_state(size)
    out = np.zeros(size, dtype=np.int64)
    for t in tqdm(
        range(horizon), disable=not show_progress(progress), desc="decoding", leave=None
    ):
        calls += j == 0  # a round (one verifier call) starts here
        drafted = np.flatnonzero(j < gamma)
        bonus = np.flatnonzero(j >= gamma)
        if drafted.size:
            sd = d_state[drafted]
            x = dm.sample(sd, gen)
            qx, px = dm.prob(sd, x), tm.prob(t_state[drafted], x)
            u = gen.random(drafted.size)
            if mix == 0.0:
                ok = u * qx < px
            else:
                a0 = np.minimum(1.0, px / qx)
                ok = u < a0 + mix * (1.0 - a0)
            good, bad = drafted[ok], drafted[~ok]
            out[good] = x[ok]
            j[good] += 1
            accepted[good] += 1
            if bad.size:
                if resid is not None:  # Markov pair: both states are the last token
                    out[bad] = resid.sample(t_state[bad], gen)
                else:
                    out[bad] = residual_sample(tm, dm, t_state[bad], d_state[bad], gen)
                j[bad] = 0
                rej[bad] += 1
        if bonus.size:
            out[bonus] = tm.sample(t_state[bonus], gen)
            j[bonus] = 0
        tokens[:, t] = out
        first += in_first
        in_first &= j > 0  # the first round ends at its rejection or bonus token
        t_state = tm.advance(t_state, out)
        d_state = dm.advance(d_state, out)
    return SequenceRun(tokens, rej, calls, accepted, first)
