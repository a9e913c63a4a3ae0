"""Batch speculative decoding (several i.i.d. draft sequences), vectorised over runs.

The project's construction for the batch setting of Yin et al. (arXiv
2411.00841, Sec. 4), **as implemented here**: trie recursive rejection sampling.
Each round (one verifier call) draws M i.i.d. draft continuations of the prefix.
At every position the candidates still alive (those agreeing with every token
emitted in this round) are tested in a fixed order against a residual law r
that starts at the target p: candidate token c is accepted with probability
min(1, r(c)/q(c)); after a rejection r <- (r - q)_+ / TV(r, q). If a candidate
is accepted its token is emitted and only the candidates holding it stay alive;
otherwise a token of the last residual is emitted (one rejection) and a new round
starts. Exact counterpart: :func:`specbound.bounds.rejections_batch.batch_expected_rejections`.

Every run emits exactly one token per position, so runs advance in lockstep by
position (loops over positions and candidates; numpy arrays over runs). The
next token of every alive candidate is drawn at each position: it depends only
on the candidate's own prefix, which equals the emitted one while it is alive, so
this is the same joint law as drafting the whole continuations up front (tokens
of dead candidates are never read).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from tqdm.auto import tqdm

from specbound.distributions import RngLike, as_rng, check_int
from specbound.simulations.estimate import show_progress
from specbound.simulations.markov import SequenceModel, as_model_pair
from specbound.simulations.sampling import sample_rows
from specbound.simulations.speculative import next_residuals


@dataclass(frozen=True)
class BatchRun:
    """Outcome of independent runs of batch speculative decoding.

    Attributes
    ----------
    tokens : (size, horizon) int64 ndarray
        Emitted sequences.
    rejections : (size,) int64 ndarray
        N_rej per run.
    calls : (size,) int64 ndarray
        Verifier calls (rounds) per run.
    """

    tokens: np.ndarray
    rejections: np.ndarray
    calls: np.ndarray


def batch_speculative_decoding(
    target: SequenceModel | ArrayLike,
    draft: SequenceModel | ArrayLike,
    horizon: int,
    size: int,
    num_drafts: int,
    rng: RngLike = None,
    start: int = 0,
    progress: bool | None = None,
) -> BatchRun:
    """Run ``size`` independent sequences of batch speculative decoding with M drafts.

    See the module docstring for the algorithm (drafting to the end, M =
    ``num_drafts`` i.i.d. draft continuations per round). M = 1 is standard
    speculative decoding drafting to the end. The output law is the target's.
    Cost per position O(size (n + M)) plus O(n) per rejected candidate.

    Parameters
    ----------
    target, draft : SequenceModel or (n, n) array-like
        Models (kernels become :class:`~specbound.simulations.markov.MarkovModel`
        with ``start``).
    horizon : int >= 1
        Tokens per run.
    size : int >= 1
        Independent runs.
    num_drafts : int >= 1
        Draft sequences per round M.
    rng : Generator or seed
        Randomness.
    """
    tm, dm = as_model_pair(target, draft, start)
    horizon = check_int(horizon, "horizon", 1)
    size = check_int(size, "size", 1)
    big_m = check_int(num_drafts, "num_drafts", 1)
    gen = as_rng(rng)
    tokens = np.zeros((size, horizon), dtype=np.int64)
    rej = np.zeros(size, dtype=np.int64)
    calls = np.zeros(size, dtype=np.int64)
    alive = np.zeros((size, big_m), dtype=bool)
    t_state = tm.initial_state(size)
    d_state = dm.initial_state(size)
    runs = np.arange(size)
    for t in tqdm(
        range(horizon), disable=not show_progress(progress), desc="batch decoding", leave=None
    ):
        fresh = ~alive.any(axis=1)
        alive[fresh] = True
        calls += fresh
        p = tm.laws(t_state)
        q = dm.laws(d_state)
        r = p.copy()
        out = np.zeros(size, dtype=np.int64)
        done = np.zeros(size, dtype=bool)
        cand = np.zeros((size, big_m), dtype=np.int64)
        for m in range(big_m):  # the next token of every alive candidate
            idx = np.flatnonzero(alive[:, m])
            cand[idx, m] = dm.sample(d_state[idx], gen)
        for m in range(big_m):  # recursive rejection, candidates in a fixed order
            idx = np.flatnonzero(alive[:, m] & ~done)
            if not idx.size:
                continue
            c = cand[idx, m]
            ok = gen.random(idx.size) * q[idx, c] < r[idx, c]
            out[idx[ok]] = c[ok]
            done[idx[ok]] = True
            bad = idx[~ok]
            if bad.size:
                r[bad] = next_residuals(r[bad], q[bad], "batch_decoding")
        rejected = np.flatnonzero(~done)
        if rejected.size:
            out[rejected] = sample_rows(r[rejected], gen)
        alive &= (cand == out[:, None]) & done[:, None]
        rej += ~done
        tokens[runs, t] = out
        t_state = tm.advance(t_state, out)
        d_state = dm.advance(d_state, out)
    return BatchRun(tokens, rej, calls)
