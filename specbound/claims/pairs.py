"""Claims on the batched quantities of a model pair (:mod:`specbound.pairs`).

Each exact quantity, computed by the batched kernels over the laws of a corpus
(positions of text, both models read through :func:`~specbound.pairs.load_pair` from
float32 logits), is checked against a Monte Carlo run of the sampling algorithm
itself on the same laws: single-draft speculative sampling, chains of drafts along
the text, SpecInfer with K drafts, exponential races, Sequoia's verification of
candidates drawn without replacement (at a node and over a whole tree), and draws
of target tokens. The simulations share no code with the kernels beyond the laws.

Corpora: the real-text bigram pair along the Python documentation (vocabulary 200,
64 positions) and the synthetic heavy-tailed pair (vocabulary 512, 16 positions, temperature 0.8).
"""

from __future__ import annotations

from functools import cache

import numpy as np

from specbound.claims import DISTRIBUTION, EQUAL, UPPER, Case, Claim, scaled
from specbound.claims import corpus_formulas as formulas
from specbound.pairs import (
    acceptance_rows,
    chain_along_text,
    entropy_rows,
    load_pair,
    positional_acceptance_rows,
    positional_tree,
    sorted_ratio_rows,
)
from specbound.pairs.examples import synthetic_pair_logits, text_pair_logits
from specbound.simulations.agreement import chisquare_gof
from specbound.simulations.estimate import Estimate, from_proportion, from_values
from specbound.simulations.multidraft import specinfer_sampling
from specbound.simulations.speculative import speculative_sampling
from specbound.trees import optimal_tree

PAPER = "pairs (issue 19)"
TRIALS = 40_000


@cache
def corpora() -> tuple[tuple[str, np.ndarray, np.ndarray], ...]:
    """(label, target laws, draft laws) of the two corpora, (positions, vocab) each."""
    text = load_pair(*text_pair_logits(200, 64)).laws()
    synthetic = load_pair(*synthetic_pair_logits(512, 16, rng=5), temperature=0.8).laws()
    return (("real text V=200", *text), ("synthetic V=512 T=0.8", *synthetic))


def _cases(make) -> list[Case]:
    return [Case(label, *make(p, q)) for label, p, q in corpora()]


def _positions(rng: np.random.Generator, rows: int, size: int) -> np.ndarray:
    """Counts of trials per position for ``size`` trials at uniform random positions."""
    return np.bincount(rng.integers(0, rows, size), minlength=rows)


# ----------------------------------------------------------------------------- one draft


def accepted_over_positions(rows: int, accepted, trials: int, rng) -> Estimate:
    """P(accept) at a uniform random position: ``accepted(t, m, rng)`` runs m trials at t.

    ``accepted`` returns a bool array (one entry per trial) from the real sampler.
    """
    hits = total = 0
    for t, m in enumerate(_positions(rng, rows, trials)):
        if m:
            acc = accepted(t, int(m), rng)
            hits, total = hits + int(acc.sum()), total + acc.size
    return from_proportion(hits, total)


def _acceptance(p, q):
    def simulate(rng, scale):
        def run(t, m, g):
            return speculative_sampling(p[t], q[t], m, g)[1]

        return accepted_over_positions(len(p), run, scaled(TRIALS, scale), rng)

    return lambda: float(acceptance_rows(p, q).mean()), simulate


GAMMA = 4


def _chain(p, q):
    """Chains of GAMMA drafts started at a uniform position, each draft verified at its own."""

    def simulate(rng, scale):
        size = scaled(TRIALS // 4, scale)
        acc = np.stack([speculative_sampling(p[t], q[t], size, rng)[1] for t in range(len(p))])
        start = rng.integers(0, len(p) - GAMMA + 1, size)
        window = acc[start[:, None] + np.arange(GAMMA), np.arange(size)[:, None]]
        return from_values(1.0 + np.cumprod(window, axis=1).sum(axis=1))

    return lambda: chain_along_text(acceptance_rows(p, q), GAMMA), simulate


def _multidraft(k: int):
    def make(p, q):
        def simulate(rng, scale):
            def run(t, m, g):
                return specinfer_sampling(p[t], np.tile(q[t], (k, 1)), m, g)[1]

            return accepted_over_positions(len(p), run, scaled(TRIALS, scale), rng)

        return lambda: float(sorted_ratio_rows(p, q, (k,))[1].mean()), simulate

    return make


@cache
def tiny_corpora() -> tuple[tuple[str, np.ndarray, np.ndarray], ...]:
    """Laws small enough for the coupling LP (vocabulary 12, 8 positions)."""
    text = load_pair(*text_pair_logits(12, 8), draft_temperature=3.0).laws()
    synthetic = load_pair(*synthetic_pair_logits(12, 8, rng=3)).laws()
    return ("real text V=12 draft T=3", *text), ("synthetic V=12", *synthetic)


def _optimal_multidraft_cases() -> list[Case]:
    """K identical drafts verified by the canonical decomposition (the optimal scheme)."""
    from specbound.lp.selection import canonical_rule
    from specbound.simulations.multidraft import selection_sampling

    def make(p, q, k):
        def simulate(rng, scale):
            def run(t, m, g):
                return selection_sampling(canonical_rule(p[t], np.tile(q[t], (k, 1))), m, g)[1]

            return accepted_over_positions(len(p), run, scaled(TRIALS, scale), rng)

        return lambda: float(sorted_ratio_rows(p, q, (k,))[1].mean()), simulate

    return [Case(f"{lab} K={k}", *make(p, q, k)) for lab, p, q in tiny_corpora() for k in (2, 3)]


def _races(p, q):
    """Exponential races sharing E_x ~ Exp(1): accept when argmin E/q = argmin E/p."""

    def simulate(rng, scale):
        def run(t, m, g):
            e = g.standard_exponential((m, p.shape[1]))
            with np.errstate(divide="ignore"):
                return np.argmin(e / q[t], axis=1) == np.argmin(e / p[t], axis=1)

        return accepted_over_positions(len(p), run, scaled(TRIALS // 2, scale), rng)

    return lambda: float(sorted_ratio_rows(p, q, (1,))[0].mean()), simulate


# ----------------------------------------------------------------------------- Sequoia


def sequoia_verify(p: np.ndarray, q: np.ndarray, c: int, size: int, rng) -> np.ndarray:
    """Index (0..c-1) of the accepted candidate, -1 if none, for ``size`` independent nodes.

    Candidates y_1..y_c drawn from q without replacement (Gumbel top-c of ln q);
    candidate i is accepted with probability min(1, r(y_i) / q_i(y_i)), q_i = q without
    the earlier candidates, renormalised; on rejection r <- norm((r - q_i)^+).
    """
    with np.errstate(divide="ignore"):
        keys = np.log(q) + rng.gumbel(size=(size, q.size))
    top = (
        np.argpartition(-keys, c - 1, axis=1)[:, :c]
        if c < q.size
        else np.tile(np.arange(c), (size, 1))
    )
    cand = np.take_along_axis(top, np.argsort(-np.take_along_axis(keys, top, 1), axis=1), 1)
    r = np.tile(p, (size, 1))
    qi = np.tile(q, (size, 1))
    out = np.full(size, -1)
    live = np.ones(size, dtype=bool)
    rows = np.arange(size)
    for i in range(c):
        y = cand[:, i]
        ok = live & (qi[rows, y] > 0)
        accept = ok & (rng.random(size) * qi[rows, y] < r[rows, y])
        out[accept] = i
        live = ok & ~accept
        r = np.maximum(r - qi, 0.0)
        r /= np.where(live, r.sum(axis=1), 1.0)[:, None]
        qi[rows, y] = 0.0
        qi /= np.where(live, qi.sum(axis=1), 1.0)[:, None]
    return out


def _positional(p, q):
    k = 3

    def exact_law():
        a = positional_acceptance_rows(p, q, k).mean(axis=0)
        return np.append(a, 1.0 - a.sum())

    def simulate(rng, scale):
        counts = np.zeros(k + 1)
        for t, m in enumerate(_positions(rng, p.shape[0], scaled(TRIALS // 8, scale))):
            if m:
                idx = sequoia_verify(p[t], q[t], k, int(m), rng)
                counts += np.bincount(np.where(idx < 0, k, idx), minlength=k + 1)
        return chisquare_gof(None, exact_law(), counts=counts)

    return lambda: float(k), simulate


BUDGET = 24


def _tree(p, q):
    """The best tree for the corpus vector, walked by Sequoia's verifier at random positions."""
    vector = positional_acceptance_rows(p, q, 3).mean(axis=0)

    def simulate(rng, scale):
        tree = optimal_tree(vector, BUDGET)  # exact in drafting order for any order
        kids = [np.flatnonzero(tree.parent == v) for v in range(-1, tree.size)]
        kids = [k[np.argsort(tree.child_index[k])] for k in kids]
        width = np.array([k.size for k in kids])
        size = scaled(TRIALS // 8, scale)
        tokens = np.ones(size)
        node = np.full(size, -1)  # -1 = root; kids[node + 1] are its children
        live = np.arange(size)
        while live.size:
            pos = rng.integers(0, len(p), live.size)
            c = width[node[live] + 1]
            step = np.full(live.size, -1)
            for t, w in {(int(a), int(b)) for a, b in zip(pos, c, strict=True) if b}:
                sel = (pos == t) & (c == w)
                step[sel] = sequoia_verify(p[t], q[t], w, int(sel.sum()), rng)
            ok = step >= 0
            moved = live[ok]
            node[moved] = [kids[n + 1][i] for n, i in zip(node[moved], step[ok], strict=True)]
            tokens[moved] += 1
            live = moved
        return from_values(tokens)

    return lambda: positional_tree(vector, [BUDGET]).tokens_per_step[0], simulate


# ----------------------------------------------------------------------------- entropy


def _surprisal(power: int):
    def make(p, q):
        def simulate(rng, scale):
            vals = []
            for t, m in enumerate(_positions(rng, p.shape[0], scaled(TRIALS, scale))):
                if m:
                    x = rng.choice(p.shape[1], int(m), p=p[t])
                    vals.append((-np.log(p[t][x])) ** power)
            return from_values(np.concatenate(vals))

        return lambda: float(entropy_rows(p)[power - 1].mean()), simulate

    return make


CLAIMS: list[Claim] = [
    Claim(
        "pairs.acceptance",
        PAPER,
        "mean over positions of 1 - TV(p_t, q_t) = acceptance of speculative sampling on "
        "the corpus",
        EQUAL,
        lambda: _cases(_acceptance),
        source="Leviathan+23; specbound.pairs.acceptance_rows",
        formula=formulas.PAIRS_ACCEPTANCE,
    ),
    Claim(
        "pairs.chain_along_text",
        PAPER,
        f"tokens per step of a chain of {GAMMA} drafts along the text = mean over starts of "
        "sum_j prod_{i<j} alpha_{t+i}",
        EQUAL,
        lambda: _cases(_chain),
        source="specbound.pairs.chain_along_text",
        formula=formulas.PAIRS_CHAIN,
    ),
    *(
        Claim(
            f"pairs.multidraft_identical_k{k}",
            PAPER,
            f"optimal acceptance of {k} identical drafts >= SpecInfer's on the corpus",
            UPPER,
            lambda k=k: _cases(_multidraft(k)),
            source="Khisti+25; specbound.pairs.sorted_ratio_rows",
            formula=formulas.PAIRS_IDENTICAL_OPTIMUM,
        )
        for k in (2, 4)
    ),
    Claim(
        "pairs.multidraft_identical_optimal",
        PAPER,
        "optimal acceptance of K identical drafts (batched prefix scan) = acceptance of the "
        "canonical decomposition (coupling LP, then speculative sampling) on the corpus",
        EQUAL,
        _optimal_multidraft_cases,
        source="Khisti+25; specbound.pairs.sorted_ratio_rows",
        formula=formulas.PAIRS_IDENTICAL_OPTIMUM,
    ),
    Claim(
        "pairs.ersd_alpha_one",
        PAPER,
        "mean ERSD alpha(1) = P(the draft race and the target race pick the same token)",
        EQUAL,
        lambda: _cases(_races),
        source="Kobus+25 (single-draft race coupling); specbound.pairs.sorted_ratio_rows",
        formula=formulas.PAIRS_ALPHA_ONE,
    ),
    Claim(
        "pairs.positional",
        PAPER,
        "exact Sequoia positional acceptance a_1..a_3 (+ none) = law of the accepted "
        "candidate under sampling without replacement",
        DISTRIBUTION,
        lambda: _cases(_positional),
        source="Sequoia (arXiv 2402.12374); specbound.pairs.positional",
    ),
    Claim(
        "pairs.tree",
        PAPER,
        f"tokens per step of the best tree of {BUDGET} tokens for the corpus vector = "
        "Sequoia's verifier walking it at i.i.d. corpus positions",
        EQUAL,
        lambda: _cases(_tree),
        source="Sequoia; specbound.pairs.positional_tree",
    ),
    *(
        Claim(
            f"pairs.target_entropy_{name}",
            PAPER,
            f"{name} = mean over positions of E[(-ln p_t(X))^{power}], X ~ p_t",
            EQUAL,
            lambda power=power: _cases(_surprisal(power)),
            source="Pankratov+26 (entropy moments); specbound.pairs.entropy_rows",
            formula=formula,
        )
        for name, power, formula in (
            ("mu", 1, formulas.PAIRS_MU),
            ("mu2", 2, formulas.PAIRS_MU2),
        )
    ),
]
