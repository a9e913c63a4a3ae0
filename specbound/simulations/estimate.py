"""Monte Carlo estimates with standard errors, computed in batches.

An :class:`Estimate` is a sample mean with its standard error. :func:`estimate_mean`
draws trials in fixed-size batches (deterministic under a seed, whatever the
batch count) and shows a tqdm progress bar on long work.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from tqdm.auto import tqdm

from specbound.distributions import RngLike, as_rng, check_int


@dataclass(frozen=True)
class Estimate:
    """A Monte Carlo estimate of a mean.

    Attributes
    ----------
    mean : float
        Sample mean of the per-trial values.
    se : float
        Standard error of the mean, sqrt(sample variance / n).
    n : int
        Number of trials.
    dof : int or None
        Degrees of freedom of a Student-t reference law for (mean - true) / se, for a
        mean of few i.i.d. values (n - 1 for a mean over n environments); None: the
        normal approximation (many trials).
    """

    mean: float
    se: float
    n: int
    dof: int | None = None

    def ci(self, level: float = 0.95) -> tuple[float, float]:
        """Normal-approximation confidence interval ``mean +/- z * se`` at ``level``."""
        z = NormalDist().inv_cdf(0.5 + level / 2)
        return self.mean - z * self.se, self.mean + z * self.se

    def z(self, exact: float) -> float:
        """Signed distance (mean - exact) / se in standard errors (0 when both agree exactly)."""
        return z_score(exact, self)

    def __str__(self) -> str:
        return f"{self.mean:.6g} ± {self.se:.2g} (n={self.n})"


def z_score(exact: float, estimate: Estimate) -> float:
    """(estimate.mean - exact) / estimate.se; +-inf when se = 0 and they differ."""
    diff = estimate.mean - exact
    if estimate.se > 0:
        return diff / estimate.se
    if abs(diff) <= 1e-12 * max(1.0, abs(exact)):
        return 0.0
    return float(np.copysign(np.inf, diff))


def from_values(values: np.ndarray) -> Estimate:
    """Estimate of the mean of i.i.d. per-trial ``values`` (1-D)."""
    v = np.asarray(values, dtype=np.float64).ravel()
    n = v.size
    if n < 2:
        raise ValueError("values: need at least 2 trials for a standard error")
    return Estimate(float(v.mean()), float(v.std(ddof=1) / np.sqrt(n)), n)


def from_environments(values: np.ndarray) -> Estimate:
    """Estimate of a mean over few i.i.d. ``values`` (environments), judged by Student t.

    As :func:`from_values`, with ``dof = n - 1``: agreement rules then use Student-t
    thresholds with n - 1 degrees of freedom, so their stated false-alarm rates hold
    for n = 10 or 20 roughly normal values.
    """
    est = from_values(values)
    return Estimate(est.mean, est.se, est.n, est.n - 1)


def from_proportion(successes: int, trials: int) -> Estimate:
    """Estimate of a probability from a count: se = sqrt(phat (1 - phat) / n)."""
    phat = successes / trials
    return Estimate(phat, float(np.sqrt(phat * (1 - phat) / trials)), trials)


def show_progress(progress: bool | None) -> bool:
    """Resolve ``progress=None`` to "on when stderr is a terminal"."""
    return sys.stderr.isatty() if progress is None else bool(progress)


def estimate_mean(
    sample: Callable[[int, np.random.Generator], np.ndarray],
    trials: int,
    rng: RngLike = None,
    batch_size: int = 100_000,
    progress: bool | None = None,
    desc: str | None = None,
) -> Estimate:
    """Estimate E[f] from ``trials`` draws, ``batch_size`` at a time.

    Parameters
    ----------
    sample : callable (m, rng) -> (m,) array
        Returns m i.i.d. per-trial values; must be vectorised.
    trials : int
        Total number of trials (>= 2).
    rng : Generator or seed
        Source of randomness; same seed, same estimate.
    batch_size : int
        Trials per call of ``sample`` (memory bound).
    progress : bool or None
        Show a tqdm bar (None: only when stderr is a terminal).
    desc : str, optional
        Label of the progress bar.

    Returns
    -------
    Estimate
        Mean and standard error, accumulated exactly over batches (Chan et al.
        pairwise update of mean and sum of squared deviations).
    """
    trials = check_int(trials, "trials", 2)
    batch_size = check_int(batch_size, "batch_size", 1)
    gen = as_rng(rng)
    n, mean, m2 = 0, 0.0, 0.0
    with tqdm(
        total=trials, desc=desc, disable=not show_progress(progress), unit="trial", leave=None
    ) as bar:
        while n < trials:
            m = min(batch_size, trials - n)
            v = np.asarray(sample(m, gen), dtype=np.float64).ravel()
            if v.size != m:
                raise ValueError(f"sample: returned {v.size} values for a batch of {m}")
            bm = float(v.mean())
            bm2 = float(((v - bm) ** 2).sum())
            tot = n + m
            delta = bm - mean
            mean += delta * m / tot
            m2 += bm2 + delta * delta * n * m / tot
            n = tot
            bar.update(m)
    return Estimate(mean, float(np.sqrt(m2 / (n - 1) / n)), n)
