"""Run an audit: every case of the battery, a verdict per case, one for the sampler.

Per case the sampler is called in batches; the audit counts the output law
(tokens, or completed sequences for chains and trees) and the efficiency measure,
then judges

* the output law: chi-square goodness of fit to the exact law, bins merged so
  each expects >= 5 counts (never NaN);
* single and multi-draft: acceptance above the optimum (1 - TV, Yin et al. arXiv
  2411.00841 Thm 2; P*, Khisti et al. arXiv 2410.18234), impossible for an unbiased
  rule: exact binomial upper-tail p-value;

with Holm's procedure over all tests of the battery at family-wise level ``alpha``
(:mod:`.power`). A case whose law or acceptance test rejects is "biased"; otherwise
"valid, optimal" when the measure is within 5 SE of the reference, else "valid, x%
below". A sampler that raises or returns unreadable output fails that case, named
with what came back, and the audit goes on.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike
from scipy import special
from tqdm.auto import tqdm

from specbound.distributions import RngLike, as_rng, check_int, check_real
from specbound.errors import InvalidArgumentError
from specbound.simulations.agreement import chisquare_gof
from specbound.simulations.audit.battery import battery
from specbound.simulations.audit.kinds import (
    KINDS,
    AuditCase,
    BadOutput,
    Kind,
    looped,
    outcome,
    per_trial,
)
from specbound.simulations.audit.power import (
    MAX_TRIALS,
    detectable_tv,
    holm,
    merged_bins,
    trials_for_power,
)
from specbound.simulations.audit.report import AuditResult, CaseResult
from specbound.simulations.estimate import Estimate, show_progress

#: Default trials per case for vectorised samplers and for one-trial-per-call samplers.
DEFAULT_TRIALS = 1_000_000
DEFAULT_TRIALS_LOOPED = 20_000
#: Largest number of output entries per sampler call (bounds memory).
BATCH_ENTRIES = 1 << 21
#: Standard errors below the reference before a valid rule is called sub-optimal.
SIGMAS = 5.0


def audit(
    sampler: Callable,
    kind: str = "single",
    cases: Sequence[AuditCase] | None = None,
    *,
    pairs: Sequence[tuple[ArrayLike, ArrayLike]] | None = None,
    drafts: int = 2,
    gamma: int = 3,
    parent: ArrayLike | None = None,
    trials: int | None = None,
    power: float | None = None,
    alpha: float = 1e-4,
    rng: RngLike = None,
    progress: bool | None = None,
    name: str | None = None,
) -> AuditResult:
    """Audit a speculative-sampling implementation for losslessness.

    Parameters
    ----------
    sampler : callable
        Vectorised sampler of ``kind`` (signatures in :mod:`.kinds`), or the same
        signature without ``size`` doing one trial per call (run in a loop).
    kind : {"single", "multi", "chain", "tree"}
        Sampler kind.
    cases : sequence of AuditCase, optional
        The battery; default :func:`~.battery.battery` (``pairs``, ``drafts``, ``gamma``,
        ``parent`` are passed to it).
    trials : int, optional
        Trials per case (default 10^6, or 2 x 10^4 for a one-trial-per-call sampler).
    power : float, optional
        Instead of ``trials``: the smallest total-variation bias every case must detect
        with probability 0.99; the trials are chosen for it.
    alpha : float
        Family-wise false-alarm rate over the battery (Holm).
    rng : Generator or seed
        Randomness; each case gets its own child generator.
    progress : bool or None
        Progress bar over cases (None: on a terminal).
    name : str, optional
        The sampler's name in the report.

    Returns
    -------
    AuditResult

    Examples
    --------
    >>> from specbound.simulations.speculative import speculative_step
    >>> audit(speculative_step, trials=20_000, rng=0).verdict
    'valid'
    """
    if kind not in KINDS:
        raise InvalidArgumentError(f"kind: must be one of {', '.join(KINDS)}, got {kind!r}")
    if not callable(sampler):
        raise InvalidArgumentError(f"sampler: {sampler!r} is not callable")
    spec = KINDS[kind]
    alpha = check_real(alpha, "alpha", 0.0, 1.0)
    cases = list(cases) if cases is not None else battery(kind, pairs, drafts, gamma, parent)
    one_by_one = per_trial(spec, sampler)
    run = looped(sampler) if one_by_one else sampler
    tests = len(cases) * (2 if spec.upper_bound else 1)
    level = alpha / tests
    if power is not None:
        if trials is not None:
            raise InvalidArgumentError("power: give either trials or power, not both")
        trials = trials_for_power(check_real(power, "power"), [c.law for c in cases], level)
    elif trials is None:
        trials = DEFAULT_TRIALS_LOOPED if one_by_one else DEFAULT_TRIALS
    trials = check_int(trials, "trials", 2)
    if trials > MAX_TRIALS:
        raise InvalidArgumentError(f"trials: at most {MAX_TRIALS:.0e} per case, got {trials:,}")
    gens = as_rng(rng).spawn(len(cases))
    raw = []
    for case, gen in tqdm(
        list(zip(cases, gens, strict=True)),
        desc="audit cases",
        disable=not show_progress(progress),
    ):
        raw.append(_run_case(spec, run, case, trials, gen))
    results = _judge(spec, cases, raw, trials, alpha, tests)
    label = name or getattr(sampler, "__qualname__", None) or repr(sampler)
    return AuditResult(label, kind, tuple(results), alpha, tests, trials, one_by_one)


def _run_case(
    spec: Kind, run: Callable, case: AuditCase, trials: int, rng: np.random.Generator
) -> tuple:
    """(counts, sum, sum of squares, sampler seconds, seconds, error) of one case."""
    start = time.perf_counter()
    counts = np.zeros(case.law.size, dtype=np.int64)
    total = total_sq = 0.0
    in_sampler = 0.0
    batch = max(1, BATCH_ENTRIES // case.width)
    done = 0
    try:
        while done < trials:
            size = min(batch, trials - done)
            # fresh copies: a sampler that writes into its inputs cannot corrupt the case
            args = [a.copy() if isinstance(a, np.ndarray) else a for a in case.args]
            t0 = time.perf_counter()
            out = run(*args, size, rng)
            in_sampler += time.perf_counter() - t0
            codes, measure = outcome(spec, case, out, size, rng)
            counts += np.bincount(codes, minlength=case.law.size)
            if measure.dtype == bool:
                hits = float(np.count_nonzero(measure))
                total, total_sq = total + hits, total_sq + hits
            else:
                m = measure.astype(np.float64)
                total += float(m.sum())
                total_sq += float((m * m).sum())
            done += size
    except BadOutput as exc:
        return None, 0.0, 0.0, in_sampler, time.perf_counter() - start, f"returned {exc}"
    except Exception as exc:  # the sampler under audit may raise anything
        error = f"raised {type(exc).__name__}: {exc}"
        return None, 0.0, 0.0, in_sampler, time.perf_counter() - start, error
    return counts, total, total_sq, in_sampler, time.perf_counter() - start, None


def _estimate(total: float, total_sq: float, n: int) -> Estimate:
    mean = total / n
    var = max(total_sq / n - mean * mean, 0.0) * n / (n - 1)
    return Estimate(mean, math.sqrt(var / n), n)


def _above(successes: float, trials: int, optimum: float) -> float:
    """P(Binomial(trials, optimum) >= successes): is the acceptance above the optimum?"""
    s = round(successes)
    if s == 0 or optimum >= 1.0:
        return 1.0
    if optimum <= 0.0:
        return 0.0
    return float(special.bdtrc(s - 1, trials, optimum))


def _judge(
    spec: Kind,
    cases: list[AuditCase],
    raw: list[tuple],
    trials: int,
    alpha: float,
    tests: int,
) -> list[CaseResult]:
    level = alpha / tests
    pvals, where = [], []
    stats = []
    for i, (case, (counts, total, total_sq, t_s, t, err)) in enumerate(
        zip(cases, raw, strict=True)
    ):
        bins, pooled = merged_bins(case.law, trials)
        power_tv = detectable_tv(case.law, trials, level)
        if err is not None:
            stats.append((math.nan, bins, None, math.nan, power_tv, pooled, t_s, t, err))
            continue
        gof = chisquare_gof(None, case.law, counts=counts)
        est = _estimate(total, total_sq, trials)
        above = _above(total, trials, case.reference) if spec.upper_bound else math.nan
        pvals.append(gof.pvalue)
        where.append((i, "law"))
        if spec.upper_bound:
            pvals.append(above)
            where.append((i, "above"))
        stats.append((gof.pvalue, gof.bins, est, above, power_tv, pooled, t_s, t, None))
    rejected = {w for w, r in zip(where, _holm_planned(pvals, alpha, tests), strict=True) if r}
    results = []
    for i, (case, (p, bins, est, above, power_tv, pooled, t_s, t, err)) in enumerate(
        zip(cases, stats, strict=True)
    ):
        if err is not None:
            verdict = f"error: {err}"
        elif (i, "law") in rejected:
            verdict = "biased (output law)"
        elif (i, "above") in rejected:
            verdict = f"biased (acceptance above the optimum {case.reference:.4g})"
        else:
            verdict = _efficiency(spec, est, case.reference)
        results.append(
            CaseResult(
                case.label,
                case.vocab,
                0 if err else trials,
                p,
                bins,
                est,
                case.reference,
                above,
                power_tv,
                pooled,
                verdict,
                t_s,
                t,
            )
        )
    return results


def _holm_planned(pvals: list[float], alpha: float, tests: int) -> list[bool]:
    """Holm over the ``tests`` planned; the tests of failed cases count with p = 1."""
    if not pvals:
        return []
    padded = pvals + [1.0] * max(tests - len(pvals), 0)
    return holm(padded, alpha)[: len(pvals)]


def _efficiency(spec: Kind, est: Estimate, reference: float) -> str:
    name = "optimal" if spec.upper_bound else spec.reference
    if est.mean >= reference - SIGMAS * est.se - 1e-9:
        return f"valid, {'optimal' if spec.upper_bound else 'matches ' + name}"
    return f"valid, {100 * (1 - est.mean / reference):.1f}% below {name}"
