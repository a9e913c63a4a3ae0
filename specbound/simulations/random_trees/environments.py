"""E[X_opt(P)] over i.i.d. environments: one optimal tree per environment, all budgets.

Pankratov & Alistarh, arXiv 2512.11718 (EACL 2026), as implemented here from the note
``theory/branching_walk.md`` (top-P tree): for each environment (a seed) the optimal tree of the
largest budget is built once; smaller budgets are its prefixes, so the budgets are
paired. Means and standard errors over environments, in accepted draft tokens.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from specbound.distributions import RngLike, as_rng, check_int
from specbound.errors import InvalidArgumentError
from specbound.limits import check_allocation, check_work
from specbound.simulations.estimate import Estimate, from_values
from specbound.simulations.random_trees.laws import LawSampler
from specbound.simulations.random_trees.tree import check_random_tree, optimal_random_tree


def _environment_curve(args: tuple[LawSampler, int, int, np.ndarray]) -> np.ndarray:
    law, size, seed, sizes = args
    curve = optimal_random_tree(law, size, np.random.default_rng(seed)).accepted_curve()
    padded = np.concatenate([[0.0], curve])
    return padded[np.minimum(sizes, curve.size)]


#: Fixed cost of one environment (task set-up, Python overhead), in law entries.
ENVIRONMENT_OVERHEAD = 10_000


def check_environments(
    law: LawSampler,
    size: int,
    environments: int,
    names: tuple[str, str] = ("sizes", "environments"),
) -> None:
    """Refuse ``environments`` random trees of budget ``size`` beyond the resource limits.

    One tree at a time (:func:`check_random_tree`, naming ``names[0]``), and in all
    ``environments`` x max(P n, ``ENVIRONMENT_OVERHEAD``) steps of work and ~100 bytes
    of bookkeeping per environment (naming ``names[1]``; :mod:`specbound.limits`).
    """
    per_tree = check_random_tree(law, size, names[0])
    check_allocation(names[1], environments, 100, what="environments")
    check_work(names[1], environments * max(per_tree, ENVIRONMENT_OVERHEAD), "steps")


def environment_values(
    law: LawSampler,
    sizes: int | Sequence[int],
    environments: int = 40,
    seeds: Sequence[int] | None = None,
    rng: RngLike = None,
    jobs: int = 1,
    progress: bool | None = None,
) -> np.ndarray:
    """E[X_opt(P) | environment] for each environment (rows) and budget P (columns).

    One optimal tree of the largest budget per environment; smaller budgets are its
    prefixes (nodes are numbered by decreasing path probability), so the columns are
    paired (same environments).

    Parameters
    ----------
    law : law sampler
    sizes : int or sequence of int >= 1
        Budgets P.
    environments : int >= 1
        Number of environments (ignored when ``seeds`` is given).
    seeds : sequence of int, optional
        One ``default_rng`` seed per environment (the note uses 1000..1039).
    rng : Generator or seed
        Source of the seeds when ``seeds`` is None.
    jobs : int
        Local worker processes (``map_tasks``); the law must then be picklable.
    """
    from specbound.simulations.executor import map_tasks

    size_list = [sizes] if isinstance(sizes, (int, np.integer)) else list(sizes)
    if not size_list:
        raise InvalidArgumentError("sizes: no budget given")
    arr = np.array([check_int(s, "sizes", 1) for s in size_list], dtype=np.int64)
    if seeds is None:  # checked before the seeds are drawn
        environments = check_int(environments, "environments", 1)
        check_environments(law, int(arr.max()), environments)
        seeds = as_rng(rng).integers(0, 2**63 - 1, size=environments).tolist()
    else:
        seeds = [check_int(s, "seeds", 0) for s in seeds]
        if not seeds:
            raise InvalidArgumentError("seeds: no environment given")
        check_environments(law, int(arr.max()), len(seeds))
    tasks = [(law, int(arr.max()), s, arr) for s in seeds]
    out = map_tasks(_environment_curve, tasks, jobs=jobs, progress=progress, desc="environments")
    return np.array(out)


def optimal_accepted_curve(
    law: LawSampler,
    sizes: int | Sequence[int],
    environments: int = 40,
    seeds: Sequence[int] | None = None,
    rng: RngLike = None,
    jobs: int = 1,
    progress: bool | None = None,
) -> list[Estimate]:
    """E[X_opt(P)] over i.i.d. environments, one :class:`Estimate` per budget P.

    Mean over environments of sum_{v in T_opt} pi(v); standard error over
    environments (needs >= 2). Arguments as in :func:`environment_values`.
    """
    vals = environment_values(law, sizes, environments, seeds, rng, jobs, progress)
    if vals.shape[0] < 2:
        raise InvalidArgumentError("environments: need at least 2 for a standard error")
    return [from_values(vals[:, j]) for j in range(vals.shape[1])]
