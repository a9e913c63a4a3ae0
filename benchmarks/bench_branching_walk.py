"""Benchmark: optimal trees in i.i.d. random environments (Pankratov & Alistarh, arXiv 2512.11718).

Run as ``.venv/bin/python benchmarks/bench_branching_walk.py [--quick]``; writes
``benchmarks/results/branching_walk.md`` (not with ``--quick``, a smoke run). Measures,
against baselines timed in the same run (the machine is shared, so compare ratios, not
absolute times):

1. the issues' speed targets, softmax(3 N(0,1)) law, vocabulary n = 1000, P = 10^5: one
   environment under 5 s (issue 6) and 40 environments under 30 s on 2 cores (issue 8);
   baselines: the former heap implementation (kept below, verbatim, with its float64
   law) and the sampling floors (drawing the laws alone, float32 and float64);
2. the scaling with P = 10^3..10^6 (target: O(P log P) per environment besides the
   O(P n) laws);
3. the speed-up over the former heap implementation at P = 10^4;
4. the note's softmax table entry at k = 10^4 (3.139 +/- .032, seeds 1000-1039), now
   matched in distribution (within 5 SE), since the laws go to the nodes in batch order;
5. the worst case, near-deterministic laws (trees of depth up to P), against the former
   heap: the deterministic (0.999, 0.001) as a FixedLaw and as a plain sampler, and two
   random near-deterministic laws.
"""

from __future__ import annotations

import argparse
import heapq
import math
import os
import platform
import resource
import time
from array import array
from functools import partial
from pathlib import Path

import numpy as np
from _timing import best_of

from specbound.errors import InvalidArgumentError
from specbound.simulations.random_trees import (
    DirichletLaw,
    EmpiricalLaw,
    FixedLaw,
    LawSampler,
    SoftmaxGaussianLaw,
    _draw,
    _normalisers,
    optimal_accepted_curve,
    optimal_random_tree,
)

OUT = Path(__file__).parent / "results" / "branching_walk.md"

# ----------------------------------------------------------------------------- baseline
# The former implementation (specbound 0.x before the batched reveal), verbatim except
# for names: a per-node Python heap, law i drawn for the i-th popped node, the top 8
# entries of each law sorted eagerly. Kept here only as the timing baseline.

_TOP = 8
_HEAP_MARGIN = 1.5
_BATCH_ENTRIES = 1 << 22


class Float64SoftmaxLaw:
    """The former SoftmaxGaussianLaw: softmax(scale z), z ~ N(0, 1) in float64."""

    def __init__(self, scale: float, n: int):
        self.scale, self.n = scale, n

    def __call__(self, rng: np.random.Generator, size: int) -> np.ndarray:
        z = rng.standard_normal(size=(size, self.n))
        z *= self.scale
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z


class _LazyRows:
    """The i-th law of the environment's stream, drawn in batches, sorted on demand."""

    def __init__(self, law: LawSampler, rng: np.random.Generator, total: int):
        self.law, self.rng, self.total = law, rng, total
        self.drawn = 0
        self.batch: np.ndarray | None = None
        self.batch_start = 0
        self.states: list[tuple[int, int, dict]] = []  # (start, count, state)
        self.top = array("d")  # row-major (drawn, m): the m largest entries, sorted
        self.full: dict[int, np.ndarray] = {}  # node -> sorted entries kept
        self.complete: dict[int, bool] = {}
        self.bound: dict[int, float] = {}
        self.n = 0
        self.m = 0
        self.regenerated = 0

    def _next_batch(self) -> None:
        start = self.drawn
        per = 64 if self.n == 0 else max(1, _BATCH_ENTRIES // self.n)
        count = min(self.total - start, per)
        state = self.rng.bit_generator.state
        rows = _draw(self.law, self.rng, count)
        if self.n == 0:
            self.n = rows.shape[1]
            self.m = min(_TOP, self.n)
        elif rows.shape[1] != self.n:
            raise InvalidArgumentError(
                f"law: vocabulary size changed from {self.n} to {rows.shape[1]} between draws"
            )
        self.states.append((start, count, state))
        m, n = self.m, self.n
        if m == n:
            part = rows
        else:  # in place: a row's order is irrelevant, only its values are used
            if not (rows.flags.writeable and rows.flags.owndata):
                rows = rows.copy()  # never reorder a caller's array
            rows.partition(n - m, axis=1)
            part = rows[:, n - m :]
        self.top.extend(-np.sort(-part, axis=1).ravel())
        self.batch, self.batch_start = rows, start
        self.drawn = start + count

    def ensure(self, i: int) -> None:
        """Draw laws up to index i (laws are consumed in order)."""
        while self.drawn <= i:
            self._next_batch()

    def keep_sorted(self, i: int, cutoff: float) -> None:
        """Store row i's entries >= cutoff, sorted (row i must be in the current batch)."""
        row = self.batch[i - self.batch_start]
        kept = row[row >= cutoff] if cutoff > 0 else row
        self.full[i] = -np.sort(-kept)
        self.complete[i] = kept.size >= np.count_nonzero(row)
        self.bound[i] = cutoff  # every entry not kept is < cutoff

    def regenerate(self, i: int) -> None:
        """Re-draw row i exactly from the saved generator state and keep it in full."""
        for start, count, state in self.states:
            if start <= i < start + count:
                g = np.random.Generator(type(self.rng.bit_generator)())
                g.bit_generator.state = state
                row = _draw(self.law, g, i - start + 1)[i - start]
                self.full[i] = -np.sort(-row)
                self.complete[i] = True
                self.regenerated += 1
                return
        raise AssertionError(f"row {i} was never drawn")  # pragma: no cover

    def value(self, i: int, r: int) -> tuple[float, bool]:
        """(p_i[r], known). When unknown the first item is an upper bound on it."""
        full = self.full.get(i)
        if full is not None:
            if r < full.size:
                return float(full[r]), True
            if self.complete[i]:
                return 0.0, True
            return min(self.bound[i], self.top[i * self.m + self.m - 1]), False
        if r < self.m:
            return self.top[i * self.m + r], True
        if self.m == self.n:
            return 0.0, True
        return self.top[i * self.m + self.m - 1], False


def _guess_threshold(rows: _LazyRows, size: int) -> float:
    """A path-probability level below the final threshold (speed only, never correctness).

    From the asymptotic value: t_P ~ ln(mu P); _HEAP_MARGIN nats of margin.
    """
    sample = rows.batch[:256]
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.where(sample > 0, sample * np.log(np.where(sample > 0, sample, 1.0)), 0.0)
    mu = float(h.sum(axis=1).mean())
    return math.exp(-(math.log(max(mu, 1e-3) * size) + _HEAP_MARGIN))


def heap_tree_value(law, size: int, rng) -> float:
    """The former heap implementation (law i to the i-th popped node); returns E[X | env]."""
    gen = np.random.default_rng(rng)
    rows = _LazyRows(law, gen, size + 1)
    rows.ensure(0)
    cutoff = _guess_threshold(rows, max(size, 1))
    m, n, top, full = rows.m, rows.n, rows.top, rows.full
    # node ids: 0 = root, i = i-th popped node (the root has depth 0 and pi 1)
    node_pi = [1.0]
    node_depth = [0]
    parent: list[int] = []
    rank: list[int] = []
    edge: list[float] = []
    if m < n and top[m - 1] >= cutoff:
        rows.keep_sorted(0, cutoff)
    heap: list[tuple[float, int, int, float, bool]] = []
    if top[0] > 0:
        heap.append((-top[0], 0, 0, top[0], True))
    push, pop = heapq.heappush, heapq.heappop
    count = 0
    while count < size and heap:
        negkey, par, r, e, known = pop(heap)
        if not known:  # an upper bound reached the top: resolve it exactly
            rows.regenerate(par)
            val, _ = rows.value(par, r)
            if val > 0:
                push(heap, (-node_pi[par] * val, par, r, val, True))
            continue
        value = -negkey
        count += 1
        parent.append(par - 1)
        rank.append(r)
        edge.append(e)
        node_pi.append(value)
        node_depth.append(node_depth[par] + 1)
        # next sibling of the popped node
        r += 1
        if par in full:
            sib, ok = rows.value(par, r)
        elif r < m:
            sib, ok = top[par * m + r], True
        elif m == n:
            sib, ok = 0.0, True
        else:
            sib, ok = top[par * m + m - 1], False
        if sib > 0:
            push(heap, (-node_pi[par] * sib, par, r, sib, ok))
        # first child of the popped node: its law is draw number `count`
        if count >= rows.drawn:
            rows.ensure(count)
        base = count * m
        if m < n and value * top[base + m - 1] >= cutoff:
            rows.keep_sorted(count, cutoff / value)
        c0 = top[base]
        if c0 > 0:
            push(heap, (-value * c0, count, 0, c0, True))
    return float(sum(node_pi[1:]))


# ----------------------------------------------------------------------------- helpers


def floor_weights(law: SoftmaxGaussianLaw, rows: int, seed: int) -> float:
    """Time to draw ``rows`` float32 laws (weights and normalisers) in the tree's batches."""
    rng = np.random.default_rng(seed)
    per = max(64, min(1024, (1 << 19) // law.n))
    t = time.perf_counter()
    left = rows
    while left:
        k = min(left, per)
        _normalisers(law.weights(rng, k))
        left -= k
    return time.perf_counter() - t


def floor_float64(law, rows: int, seed: int) -> float:
    """Time to draw ``rows`` float64 laws in batches of 4096 (the former floor)."""
    rng = np.random.default_rng(seed)
    t = time.perf_counter()
    left = rows
    while left:
        k = min(left, 4096)
        law(rng, k)
        left -= k
    return time.perf_counter() - t


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def verdict(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


# ----------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    args = ap.parse_args()
    q = args.quick
    load0 = os.getloadavg()[0]
    lines = [
        "# Benchmark: optimal trees in i.i.d. random environments (branching_walk)",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"shared with other jobs while measured (load average {load0:.1f} at the start); "
        f"numpy {np.__version__}. Times are wall-clock seconds unless marked CPU; compare "
        "the ratios measured in the same run.",
        "",
    ]

    # 1. the speed targets --------------------------------------------------------------
    law = SoftmaxGaussianLaw(3.0, 1000)
    old_law = Float64SoftmaxLaw(3.0, 1000)
    p = 10**4 if q else 10**5
    envs = 4 if q else 40
    t_new, tree = best_of(partial(optimal_random_tree, law, p, 1), 3)
    f32 = min(floor_weights(law, tree.laws_drawn, 1) for _ in range(3))
    f64 = min(floor_float64(old_law, p + 1, 1) for _ in range(3))
    t_old, old_value = best_of(partial(heap_tree_value, old_law, p, 1), 3)
    cpu0 = children_cpu()
    t_all, ests = best_of(
        partial(optimal_accepted_curve, law, p, envs, rng=2, jobs=2, progress=False)
    )
    cpu_all = children_cpu() - cpu0
    load1 = os.getloadavg()[0]
    one_ok = t_new < 5.0
    all_ok = t_all < 30.0
    lines += [
        f"## 1. Speed targets: softmax(3 N(0,1)), n = 1000, P = {p}",
        "",
        "Single-environment times are the best of 3 runs.",
        "",
        "| quantity | seconds | vs new tree |",
        "|---|---|---|",
        f"| new: one environment's optimal tree ({tree.laws_drawn} laws drawn) | {t_new:.2f} "
        "| 1 |",
        f"| floor: drawing those {tree.laws_drawn} float32 laws alone | {f32:.2f} "
        f"| {f32 / t_new:.2f} |",
        f"| former heap implementation, same P (float64 laws) | {t_old:.2f} "
        f"| {t_old / t_new:.1f}x slower |",
        f"| former floor: drawing {p + 1} float64 laws alone | {f64:.2f} | {f64 / t_new:.2f} |",
        f"| new: all {envs} environments, jobs=2 (wall) | {t_all:.1f} | |",
        f"| former heap, {envs} environments on 2 cores (estimate: {envs} x its one "
        f"environment / 2; last measured 464.6 s under load 5.9) | {envs * t_old / 2:.1f} "
        f"| {envs * t_old / 2 / t_all:.1f}x the new wall time |",
        f"| new: all {envs} environments, CPU seconds of the 2 workers | {cpu_all:.1f} | "
        f"{cpu_all / envs:.2f} s per environment |",
        "",
        f"E[X_opt({p})] = {ests[0].mean:.4f} ± {ests[0].se:.4f} (SE over {envs} environments); "
        f"one environment: {tree.expected_accepted:.4f} (new), {old_value:.4f} (former heap: "
        "in general a different environment, since the laws go to the nodes in another "
        f"order). Load average {load0:.1f} before and {load1:.1f} after this section.",
        "",
        f"* Issue 6, one environment under 5 s: {t_new:.2f} s, {verdict(one_ok)}.",
        f"* Issue 8, {envs} environments under 30 s on 2 cores: {t_all:.1f} s wall, "
        f"{verdict(all_ok)}; the workers used {cpu_all:.1f} CPU seconds, i.e. "
        f"{cpu_all / 2:.1f} s on 2 otherwise idle cores.",
        f"* What is left is the sampling floor: the laws alone take {f32 / t_new:.0%} of the "
        "tree's time; the rest (scanning each law once for the children that may "
        "matter, the bucket queue, sorting) is vectorised.",
        "",
    ]

    # 2. scaling in P ------------------------------------------------------------------
    small = DirichletLaw(0.5, 10)
    sizes_small = [10**3, 10**4, 10**5] + ([] if q else [10**6])
    sizes_big = [10**3, 10**4] + ([] if q else [10**5])
    lines += [
        "## 2. Scaling with P (one environment each)",
        "",
        "| law | P | seconds | laws drawn / (P + 1) | s / (P ln P) x 1e6 | s / P x 1e6 |",
        "|---|---|---|---|---|---|",
    ]
    for lw, sizes in ((small, sizes_small), (law, sizes_big)):
        for size in sizes:
            t, t3 = best_of(partial(optimal_random_tree, lw, size, 3), 1 if size >= 10**6 else 3)
            lines.append(
                f"| {lw.name} | {size:.0e} | {t:.3f} | {t3.laws_drawn / (size + 1):.3f} "
                f"| {t / (size * math.log(size)) * 1e6:.3f} | {t / size * 1e6:.2f} |"
            )
    lines += [
        "",
        "Vocabulary 10: the laws are cheap and the bookkeeping (numpy over O(P) "
        "candidates, one sort) dominates; s / (P ln P) should stay flat or fall "
        "(target O(P log P)). Vocabulary 1000: the O(P n) laws dominate, so s / P is flat. "
        "Laws drawn / (P + 1) is the overshoot: about one batch beyond the optimum "
        "(1024 laws for n = 10, 524 for n = 1000).",
        "",
    ]

    # 3. against the former heap implementation ------------------------------------------
    p_cmp = 2000 if q else 10**4
    rows = []
    for new_law, heap_law in ((small, small), (law, old_law)):
        t_ref, old_v = best_of(partial(heap_tree_value, heap_law, p_cmp, 5), 3)
        t_fast, new_t = best_of(partial(optimal_random_tree, new_law, p_cmp, 5), 3)
        rows.append(
            f"| {new_law.name} | {p_cmp} | {t_ref:.3f} | {t_fast:.3f} | {t_ref / t_fast:.1f}x "
            f"| {old_v:.4f} / {new_t.expected_accepted:.4f} |"
        )
    lines += [
        "## 3. Against the former heap implementation (same seed)",
        "",
        "| law | P | former heap s | optimal_random_tree s | speed-up | E[X] former / new |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        "The two E[X] columns are in general different environments of the same law "
        "(the Dirichlet one often coincides: with few in-band children the batch order "
        "equals the heap order); tests/test_random_trees.py checks that the tree is the "
        "exact optimum of its own environment (a heap run on the recorded laws) and that "
        "both orders give the same E[X_opt] within 5 SE.",
        "",
    ]

    # 4. the softmax row of the note's table at k = 10^4 -----------------------------------
    if not q:
        t, est = best_of(
            lambda: optimal_accepted_curve(
                SoftmaxGaussianLaw(2.5, 200),
                10**4,
                seeds=range(1000, 1040),
                jobs=2,
                progress=False,
            )
        )
        z = (est[0].mean - 3.139) / math.hypot(est[0].se, 0.032)
        ok = abs(z) <= 5
        lines += [
            "## 4. Note table, softmax(2.5 N(0,1)), n = 200, k = 10^4, seeds 1000-1039",
            "",
            f"E[X_opt] = {est[0].mean:.4f} ± {est[0].se:.4f} against the note's 3.139 ± .032: "
            f"z = {z:+.2f}, {'matched' if ok else 'NOT matched'} within 5 SE (false alarm "
            f"5.7e-7) ({t:.1f} s, jobs=2; the former code took 13.3 s in its last run, "
            "under load 5.9).",
            "",
        ]
        if not ok:
            raise SystemExit("the note's softmax k = 10^4 value was not matched")

    # 5. the worst case: near-deterministic laws -------------------------------------------
    chain_law = FixedLaw([0.999, 0.001])

    def chain_sampler(rng: np.random.Generator, size: int) -> np.ndarray:
        """The same law as a plain sampler: takes the general (random-law) reveal path."""
        return chain_law(rng, size)

    # 95 laws with 0.99905 on one of 20 tokens, 5 flat ones, resampled at every node
    near_one_hot = EmpiricalLaw(
        np.vstack([np.eye(20)[np.arange(95) % 20] * 0.999 + 0.001 / 20, np.full((5, 20), 0.05)])
    )
    p_chain = 2000 if q else 10**4
    worst = [
        (f"{chain_law.name}, `FixedLaw` (via `trees.optimal_tree`)", chain_law, p_chain),
        (f"{chain_law.name}, as a plain sampler", chain_sampler, p_chain),
    ]
    for random_law in (DirichletLaw(0.005, 10), near_one_hot):
        worst += [(random_law.name, random_law, p) for p in ((2000,) if q else (10**4, 10**5))]
    rows = []
    for label, worst_law, p_w in worst:
        t_ref, old_v = best_of(partial(heap_tree_value, worst_law, p_w, 0), 3)
        t_w, tree_w = best_of(partial(optimal_random_tree, worst_law, p_w, 0), 3)
        rows.append(
            f"| {label} | {p_w} | {t_ref:.3f} | {t_w:.3f} | {t_ref / t_w:.2f}x | {tree_w.depth} "
            f"| {tree_w.laws_drawn / (p_w + 1):.3f} "
            f"| {old_v:.4f} / {tree_w.expected_accepted:.4f} |"
        )
    lines += [
        "## 5. Worst case: near-deterministic laws (deep trees)",
        "",
        "| law | P | former heap s | optimal_random_tree s | heap / new | depth "
        "| laws drawn / (P + 1) | E[X] former / new |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "A batch cannot hold a node and its child, so batches alone take one numpy step "
        "per tree level: the plain (0.999, 0.001) sampler at P = 10^4 took 1.94 s "
        "(100x the heap) before a band that has yielded two batches of fewer than 32 "
        "candidates was finished one node at a time (typical laws keep the batched "
        "path and the same trees). The deterministic law has the same value all ways; the random "
        "laws' E[X] columns are different environments of the same law (another reveal "
        "order). Laws drawn beyond P + 1 are the overshoot, the laws drawn ahead "
        "(< 64) and restarts (a rebuild from the same stream when the listing level, "
        "extrapolated from a growth like e^t that a chain does not have, was too high): "
        "the plain chain at P = 10^4 is built about 2.2 times, most of its remaining gap "
        "to the heap.",
        "",
    ]

    lines += [
        "## Notes",
        "",
        "* Exactness: the tree is the exact optimum of the sampled environment for every "
        "law (checked in tests/test_random_trees.py against a plain heap run on the "
        "recorded laws, against `specbound.trees.optimal_tree` for deterministic laws, "
        "and against the note's deterministic reference values).",
        "* The softmax law is now sampled in float32 (Box-Muller from float64 uniforms, "
        "exp in float32, normalised in float64): relative error about 1e-6 on each "
        "probability, normal tail lost beyond 8.6 SD (1e-17 per logit). Its moments match "
        "the note's (tests). This halves the sampling floor against float64 "
        "`standard_normal` (compare the two floors above).",
        "* The targets are met on an idle machine with little margin for issue 8: the "
        "laws alone are most of the time, so the wall time scales with the CPU share "
        "left by other jobs (a 2x slower machine, as seen during this work when other "
        "helpers ran, misses the 30 s). A faster exact method would need a faster "
        "sampler than numpy's (e.g. a compiled kernel fusing the draws, exp and the "
        "row scan), not a different tree algorithm.",
        "* Deep trees (section 5): random laws that are near-deterministic (largest "
        "probability within 1e-3 of 1) give trees of depth up to P, whose bands hold a "
        "few candidates each; these are mostly revealed one node at a time (a Python "
        "heap, laws drawn 64 at a time), so such trees cost a small multiple of the "
        "former per-node heap at most, instead of one numpy step per level; typical laws "
        "have depth ~ t_P / gamma, a few tens, and end each band in one or two small "
        "batches, so they keep the batched path (and the same trees). The "
        "deterministic environment (`FixedLaw`) uses `specbound.trees.optimal_tree` of "
        "the sorted law.",
        "",
    ]
    print("\n".join(lines))
    if not q:  # a smoke run never overwrites the recorded results
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text("\n".join(lines))


if __name__ == "__main__":
    main()
