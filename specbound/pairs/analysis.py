"""Everything specbound computes about a model pair, in one pass over the positions.

:func:`analyse_pair` reads the processed laws chunk by chunk and keeps only
per-position numbers (and a seeded sample of at most ``environment_rows`` target laws
for the speed-of-light environment), so memory is bounded by one chunk.
:class:`PairAnalysis` ``.to_dict()`` is the ``pair.json`` of ``specbound pair``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from specbound.bounds.branching_walk import speed_of_light_bound
from specbound.bounds.rejections import expected_tokens_per_step
from specbound.distributions import RngLike, as_rng, check_int
from specbound.pairs.pair import ModelPair
from specbound.pairs.positional import (
    default_candidates,
    positional_acceptance_rows,
    sort_by_ratio,
)
from specbound.pairs.quantities import (
    TreeCurve,
    acceptance_rows,
    chain_along_text,
    common_support,
    entropy_rows,
    positional_tree,
    sorted_ratio_rows,
)
from specbound.trees import check_tree_size

DRAFTS = (1, 2, 4, 8)
BUDGETS = tuple(2**i for i in range(11))  # 1..1024


@dataclass(frozen=True, eq=False)
class PairAnalysis:
    """Per-position exact quantities of a pair and the curves built from them.

    Attributes
    ----------
    alpha, alpha_one, entropy, entropy2 : (T,) arrays
        1 - TV(p_t, q_t); ERSD alpha(1); H(p_t); sum p_t ln^2 p_t (nats).
    multidraft : (T, len(drafts)) array
        Optimal acceptance of K i.i.d. drafts (identical drafts).
    positional : (T, k) array
        Sequoia positional acceptance a_1..a_k at each position.
    tree : TreeCurve
        Best tree for the corpus positional vector (exact in drafting order).
    speed_of_light : dict or None
        Budgets, the branching-walk bound and the optimal-tree mean in the corpus
        environment (tokens per step), when computed.
    """

    pair: ModelPair
    alpha: np.ndarray
    alpha_one: np.ndarray
    entropy: np.ndarray
    entropy2: np.ndarray
    drafts: tuple[int, ...]
    multidraft: np.ndarray
    positional: np.ndarray
    gammas: tuple[int, ...]
    tree: TreeCurve
    speed_of_light: dict | None

    @property
    def acceptance_se(self) -> float:
        """Standard error of the mean alpha over positions (0 for one position)."""
        t = self.alpha.size
        return float(self.alpha.std(ddof=1) / math.sqrt(t)) if t > 1 else 0.0

    def chain(self) -> dict:
        """Tokens per step of gamma-draft chains: i.i.d. with mean alpha, and along the text."""
        mean = float(self.alpha.mean())
        return {
            "gamma": list(self.gammas),
            "tokens_per_step_iid": [expected_tokens_per_step(mean, g) for g in self.gammas],
            "tokens_per_step_along_text": [chain_along_text(self.alpha, g) for g in self.gammas],
        }

    def to_dict(self) -> dict:
        """The ``pair.json`` document (keys fixed by issue 19)."""
        vector = self.positional.mean(axis=0)
        return {
            "positions": int(self.alpha.size),
            "vocab": self.pair.vocab,
            "settings": self.pair.settings(),
            "acceptance": {
                "mean": float(self.alpha.mean()),
                "se": self.acceptance_se,
                "per_position": self.alpha.tolist(),
            },
            "chain": self.chain(),
            "multidraft_identical": {
                "K": list(self.drafts),
                "acceptance_mean": self.multidraft.mean(axis=0).tolist(),
            },
            "ersd_alpha_one_mean": float(self.alpha_one.mean()),
            "target_entropy": {
                "mu": float(self.entropy.mean()),
                "mu2": float(self.entropy2.mean()),
            },
            "positional_acceptance": vector.tolist(),
            "tree": {
                "budget": self.tree.budget,
                "tokens_per_step": self.tree.tokens_per_step,
                "relaxation": self.tree.relaxation,
                "candidates": int(vector.size),
            },
            "speed_of_light": self.speed_of_light,
        }


def _speed_of_light(rows: np.ndarray, mu: float, mu2: float, budgets, environments, rng, progress):
    from specbound.simulations.random_trees import EmpiricalLaw, optimal_accepted_curve

    # mu = 0 (one-hot laws everywhere): no bound logarithmic in B; JSON null, not Infinity
    bound = [1.0 + speed_of_light_bound(mu, mu2, b) if mu > 0 else None for b in budgets]
    out = {"budget": list(budgets), "bound_tokens_per_step": bound}
    if environments >= 2:
        est = optimal_accepted_curve(
            EmpiricalLaw(rows), list(budgets), environments, rng=rng, progress=progress
        )
        out["optimal_tokens_per_step"] = [1.0 + e.mean for e in est]
        out["optimal_se"] = [e.se for e in est]
        out["environments"] = environments
        out["environment_rows"] = int(rows.shape[0])
    return out


def _chunk_values(pair: ModelPair, lo: int, hi: int, drafts, k: int, keep: np.ndarray) -> dict:
    """Every per-position quantity of positions lo:hi (one chunk of laws in memory)."""
    full, q = pair.chunk_laws(lo, hi)
    p, q = common_support(full, q)
    h, h2 = entropy_rows(p)
    ratio = sort_by_ratio(p, q)
    a1, multi = sorted_ratio_rows(p, q, drafts, ratio)
    return {
        "alpha": acceptance_rows(p, q),
        "alpha_one": a1,
        "entropy": h,
        "entropy2": h2,
        "multidraft": multi,
        "positional": positional_acceptance_rows(p, q, k, ratio_sorted=ratio),
        "kept": full[keep[(keep >= lo) & (keep < hi)] - lo],
    }


def per_position(
    pair: ModelPair,
    drafts: Sequence[int] = DRAFTS,
    candidates: int | None = None,
    keep: np.ndarray | None = None,
    progress: bool | None = None,
    workers: int | None = None,
) -> dict[str, np.ndarray]:
    """Every per-position quantity in one chunked pass over ``pair``.

    Returns arrays over positions: ``alpha`` (1 - TV), ``alpha_one`` (ERSD),
    ``entropy``, ``entropy2`` (nats), ``multidraft`` (T, len(drafts)), ``positional``
    (T, k); and ``kept``, the target laws at the sorted positions ``keep``.
    ``workers`` threads (default: up to 2 CPUs) process tasks of about 2^17 entries (one
    position at a 128k vocabulary) in parallel (numpy releases the GIL in sorts and
    ufuncs); memory: ``workers`` tasks, about 15 float64 arrays of task x vocab each
    (a row's arrays stay in cache: tasks of 32 rows ran ~2x slower).
    """
    from concurrent.futures import ThreadPoolExecutor

    from tqdm.auto import tqdm

    from specbound.simulations.estimate import show_progress

    k = default_candidates(pair.vocab)
    if candidates is not None:
        k = check_int(candidates, "candidates", 1)
    workers = min(2, os.cpu_count() or 1) if workers is None else check_int(workers, "workers", 1)
    drafts = tuple(check_int(d, "drafts", 1) for d in drafts)
    keep = np.zeros(0, dtype=np.int64) if keep is None else keep
    # tasks of about 2^17 entries: one row at a 128k vocabulary
    block = max(1, (1 << 17) // pair.vocab)
    spans = [(a, min(a + block, hi)) for lo, hi in pair.spans() for a in range(lo, hi, block)]
    bar = tqdm(total=pair.positions, desc="positions", disable=not show_progress(progress))

    def run(span: tuple[int, int]) -> dict:
        out = _chunk_values(pair, *span, drafts, k, keep)
        bar.update(span[1] - span[0])
        return out

    if workers == 1:
        parts = [run(span) for span in spans]
    else:
        with ThreadPoolExecutor(workers) as pool:
            parts = list(pool.map(run, spans))
    bar.close()
    return {name: np.concatenate([v[name] for v in parts]) for name in parts[0]}


def analyse_pair(
    pair: ModelPair,
    *,
    drafts: Sequence[int] = DRAFTS,
    budgets: Sequence[int] = BUDGETS,
    gammas: Sequence[int] | None = None,
    candidates: int | None = None,
    environments: int = 8,
    environment_rows: int = 256,
    rng: RngLike = 0,
    progress: bool | None = None,
) -> PairAnalysis:
    """All exact per-position quantities of ``pair`` and the curves built from them.

    Parameters
    ----------
    pair : ModelPair
    drafts : K values for the identical-draft optimum.
    budgets : tree budgets (drafted tokens) for the tree and speed-of-light curves.
    gammas : chain lengths (default: powers of 2 up to min(1024, positions / 4)).
    candidates : candidates per node of the positional vector (default
        :func:`~specbound.pairs.positional.default_candidates`).
    environments : environments of the speed-of-light optimal-tree mean (0 or 1: only
        the closed-form bound); the environment is the target's laws at up to
        ``environment_rows`` positions drawn with ``rng``.
    progress : progress bar over chunks (None: on a terminal only).
    """
    budgets = tuple(check_int(b, "budgets", 1) for b in budgets)
    if budgets:  # refused before the pass over the pair, not after it
        check_tree_size(max(budgets), "budgets")
    gen = as_rng(rng)
    t_all = pair.positions
    keep = np.sort(gen.choice(t_all, size=min(environment_rows, t_all), replace=False))
    v = per_position(pair, drafts, candidates, keep, progress)
    if gammas is None:
        gammas = [g for g in (2**i for i in range(11)) if 4 * g <= t_all] or [1]
    gammas = tuple(check_int(g, "gammas", 1) for g in gammas)
    sol = _speed_of_light(
        v["kept"],
        float(v["entropy"].mean()),
        float(v["entropy2"].mean()),
        budgets,
        environments,
        gen,
        progress,
    )
    return PairAnalysis(
        pair,
        v["alpha"],
        v["alpha_one"],
        v["entropy"],
        v["entropy2"],
        tuple(check_int(d, "drafts", 1) for d in drafts),
        v["multidraft"],
        v["positional"],
        gammas,
        positional_tree(v["positional"].mean(axis=0), budgets),
        sol,
    )
