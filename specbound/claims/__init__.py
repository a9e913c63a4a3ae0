"""The claim registry: one :class:`Claim` per statement of a paper.

A claim pairs an exact computation with a Monte Carlo simulation of the real
sampling algorithm and says how the two must agree (:class:`Agreement`). Each
claim is checked on one or more :class:`Case` instances (seeded synthetic
distributions). The test suite, ``specbound check`` and the report of
``specbound reproduce`` all run this registry.

Agreement rules and their false-alarm rates (for a correct implementation, per
case, under the normal approximation of the estimate):

* ``equal``: |simulated - exact| <= k SE (k = 5: two-sided 5.7e-7).
* ``upper``: the exact value bounds the simulated mean from above:
  simulated <= exact + k SE (one-sided 2.9e-7 at k = 5 when the bound is tight).
* ``lower``: simulated >= exact - k SE.
* ``distribution``: chi-square goodness-of-fit p-value >= alpha (default 1e-6).
* ``exact_zero``: a deterministic count (e.g. mismatches) must be exactly 0.
* ``exact_upper`` / ``exact_lower``: two exact numbers (no Monte Carlo), the value
  must lie below / above the bound.

A mean over few environments (an :class:`Estimate` with ``dof``) is judged with the
Student-t threshold of the same tail probability (:func:`threshold`), so the rates
above hold for it too. Bound cases report their slack (:mod:`specbound.claims.verdicts`).

Every case draws from its own generator seeded by (seed, crc32(claim id / case
label)), or by a stream it names (:class:`Case`), so a case gives the same numbers
whether run alone or with the others.
"""

from __future__ import annotations

import importlib
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
from scipy import special

from specbound.claims.verdicts import HEADER as HEADER
from specbound.claims.verdicts import Verdict as Verdict
from specbound.claims.verdicts import format_counts as format_counts
from specbound.claims.verdicts import format_summary as format_summary
from specbound.claims.verdicts import format_table as format_table
from specbound.simulations.agreement import GofResult, chisquare_gof
from specbound.simulations.estimate import Estimate, from_proportion, z_score

#: Modules holding claim definitions; each defines ``CLAIMS: list[Claim]``.
CLAIM_MODULES: tuple[str, ...] = (
    "specbound.claims.speculative",
    "specbound.claims.rejections_markov",
    "specbound.claims.rejections_optimality",
    "specbound.claims.rejections_batch",
    "specbound.claims.rejections_tradeoff",
    "specbound.claims.exponential_races",
    "specbound.claims.exponential_races_trees",
    "specbound.claims.exponential_races_relations",
    "specbound.claims.trees",
    "specbound.claims.trees_positional",
    "specbound.claims.branching_walk",
    "specbound.claims.branching_walk_bounds",
    "specbound.claims.branching_walk_optimum",
    "specbound.claims.branching_walk_drafters",
    "specbound.claims.multidraft",
    "specbound.claims.pairs",
    "specbound.claims.audit",
    "specbound.claims.ersd_scale",
    "specbound.claims.multidraft_scale",
)

if TYPE_CHECKING:
    from specbound.claims.formulas import Formula

Simulated = Estimate | GofResult


#: Agreement kinds judged in standard errors (the others: chi-square, deterministic).
SE_KINDS = ("equal", "upper", "lower")
#: Deterministic kinds: no Monte Carlo, the two numbers compared directly.
EXACT_KINDS = ("exact_zero", "exact_upper", "exact_lower")


def threshold(sigmas: float, dof: int | None) -> float:
    """Distance in SE allowed by a rule of ``sigmas`` SE: the same tail probability.

    Normal errors (``dof`` None): ``sigmas``. A mean over few values (``dof`` =
    values - 1): the Student-t quantile with the normal tail at ``sigmas``,
    t_dof.isf(Phi(-sigmas)) (e.g. 5 SE: 7.35 at 19 df, 12.4 at 9 df), so the stated
    false-alarm rate is exact for normal values.
    """
    if dof is None:
        return sigmas
    return float(special.stdtrit(dof, special.ndtr(sigmas)))


@dataclass(frozen=True)
class Agreement:
    """How an exact value and a simulation must agree.

    Parameters
    ----------
    kind : {"equal", "upper", "lower", "distribution", "exact_zero", "exact_upper", \
"exact_lower"}
        See the module docstring.
    sigmas : float
        Allowed distance in standard errors (equal / upper / lower); for a mean over
        few environments (an :class:`Estimate` with ``dof``) the Student-t threshold
        of the same tail probability (:func:`threshold`).
    alpha : float
        Smallest acceptable chi-square p-value (distribution); the false-alarm rate.
    """

    kind: Literal[
        "equal", "upper", "lower", "distribution", "exact_zero", "exact_upper", "exact_lower"
    ]
    sigmas: float = 5.0
    alpha: float = 1e-6

    @property
    def is_bound(self) -> bool:
        """True for inequalities (a bound), False for tight checks (equalities, laws)."""
        return self.kind in ("upper", "lower", "exact_upper", "exact_lower")

    def describe(self) -> str:
        """Short human-readable rule, e.g. ``"= within 5 SE"``."""
        return {
            "equal": f"= within {self.sigmas:g} SE",
            "upper": f"sim <= exact + {self.sigmas:g} SE",
            "lower": f"sim >= exact - {self.sigmas:g} SE",
            "distribution": f"chi-square p >= {self.alpha:g}",
            "exact_zero": "= 0 exactly (deterministic)",
            "exact_upper": "value <= bound (exact, no MC)",
            "exact_lower": "value >= bound (exact, no MC)",
        }[self.kind]

    def judge(self, exact: float, simulated: Simulated) -> tuple[bool, float]:
        """Return (passed, statistic).

        The statistic is the z-score (SE kinds), the p-value (distribution), or the
        difference simulated - exact (deterministic kinds).
        """
        if self.kind == "distribution":
            if not isinstance(simulated, GofResult):
                raise TypeError("a distribution claim must simulate a GofResult")
            return simulated.pvalue >= self.alpha, simulated.pvalue
        if not isinstance(simulated, Estimate):
            raise TypeError(f"an {self.kind!r} claim must simulate an Estimate")
        if self.kind in EXACT_KINDS:
            diff = simulated.mean - exact
            ok = {"exact_zero": diff == 0 and exact == 0, "exact_upper": diff <= 0}
            return ok.get(self.kind, diff >= 0), diff
        z = z_score(exact, simulated)
        limit = threshold(self.sigmas, simulated.dof)
        if self.kind == "equal":
            return abs(z) <= limit, z
        if self.kind == "upper":
            return z <= limit, z
        return z >= -limit, z


EQUAL = Agreement("equal")
UPPER = Agreement("upper")
LOWER = Agreement("lower")
DISTRIBUTION = Agreement("distribution")
EXACT_ZERO = Agreement("exact_zero")
EXACT_UPPER = Agreement("exact_upper")
EXACT_LOWER = Agreement("exact_lower")


@dataclass(frozen=True)
class Case:
    """One instance of a claim.

    Parameters
    ----------
    label : str
        Identifies the instance (e.g. ``"dirichlet n=1000"``).
    exact : callable () -> float
        The exact value or bound; for distribution claims, a summary shown in the
        table (e.g. the vocabulary size) or ``nan``.
    simulate : callable (rng, scale) -> Estimate or GofResult
        Runs the real algorithm; ``scale`` in (0, 1] shrinks the number of trials
        (1 = full size, smaller for ``--quick``).
    stream : str, optional
        Names the random stream of the case (default ``"claim_id/label"``, see
        :func:`case_rng`). Cases of different claims that name the same stream get
        generators in the same state, so a simulation they share can run once.
    """

    label: str
    exact: Callable[[], float]
    simulate: Callable[[np.random.Generator, float], Simulated]
    stream: str = ""


@dataclass(frozen=True)
class Claim:
    """A statement of a paper with its exact side, simulated side and agreement rule.

    ``formula`` (optional): the exact side's closed form as a sympy expression
    (:class:`~specbound.claims.formulas.Formula`), shown in LaTeX in the report.
    """

    id: str
    paper: str
    statement: str
    agreement: Agreement
    cases: Callable[[], Sequence[Case]]
    source: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)
    formula: Formula | None = None


def scaled(trials: int, scale: float, minimum: int = 2_000) -> int:
    """Number of trials at ``scale`` (1 = full), never below ``minimum``."""
    return max(minimum, round(trials * scale))


def case_rng(seed: int, claim_id: str, label: str) -> np.random.Generator:
    """The generator of one case: seeded by (seed, crc32("claim_id/label"))."""
    return stream_rng(seed, f"{claim_id}/{label}")


def stream_rng(seed: int, stream: str) -> np.random.Generator:
    """The generator of a named random stream: seeded by (seed, crc32(stream))."""
    return np.random.default_rng([int(seed), zlib.crc32(stream.encode())])


Sampler = Callable[[int, np.random.Generator], tuple[np.ndarray, np.ndarray]]
"""``sample(size, rng) -> (tokens, accepted)``: ``size`` independent runs of a sampler."""


def sampled_law(
    sample: Sampler, law: np.ndarray, trials: int
) -> Callable[[np.random.Generator, float], GofResult]:
    """Simulated side of an output-law claim: chi-square of the sampled tokens vs ``law``."""

    def simulate(rng: np.random.Generator, scale: float) -> GofResult:
        tokens, _ = sample(scaled(trials, scale), rng)
        return chisquare_gof(tokens, law)

    return simulate


def sampled_acceptance(
    sample: Sampler, trials: int
) -> Callable[[np.random.Generator, float], Estimate]:
    """Simulated side of an acceptance claim: the fraction of accepted runs."""

    def simulate(rng: np.random.Generator, scale: float) -> Estimate:
        _, accepted = sample(scaled(trials, scale), rng)
        return from_proportion(int(np.count_nonzero(accepted)), accepted.size)

    return simulate


def all_claims() -> list[Claim]:
    """Every registered claim, in module order; raises on a duplicate id."""
    claims: list[Claim] = []
    for name in CLAIM_MODULES:
        claims.extend(importlib.import_module(name).CLAIMS)
    ids = [c.id for c in claims]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise RuntimeError(f"duplicate claim ids: {sorted(dup)}")
    return claims


def select(pattern: str | None = None) -> list[Claim]:
    """Claims whose id starts with ``pattern`` (all when None)."""
    claims = all_claims()
    if pattern is None:
        return claims
    chosen = [c for c in claims if c.id.startswith(pattern)]
    if not chosen:
        raise ValueError(f"claim: no claim id starts with {pattern!r}")
    return chosen


def run_case(claim: Claim, case: Case, seed: int = 0, scale: float = 1.0) -> Verdict:
    """Compute the exact side and simulate one case; judge them."""
    start = time.perf_counter()
    exact = float(case.exact())
    rng = stream_rng(seed, case.stream) if case.stream else case_rng(seed, claim.id, case.label)
    sim = case.simulate(rng, scale)
    rule = claim.agreement
    passed, stat = rule.judge(exact, sim)
    dof = None
    if isinstance(sim, GofResult):
        value, se, n = sim.pvalue, float("nan"), sim.n
    else:
        value, se, n, dof = sim.mean, sim.se, sim.n, sim.dof
    described = rule.describe()
    if dof is not None and rule.kind in SE_KINDS:
        described += f" (t, {dof} df: {threshold(rule.sigmas, dof):.3g} SE)"
    return Verdict(
        claim.id,
        claim.paper,
        case.label,
        described,
        exact,
        value,
        se,
        float(stat),
        bool(passed),
        int(n),
        time.perf_counter() - start,
        rule.kind,
    )


def _run_claim_task(args: tuple[str, int, float]) -> list[Verdict]:
    claim_id, seed, scale = args
    (claim,) = [c for c in all_claims() if c.id == claim_id]
    return [run_case(claim, case, seed, scale) for case in claim.cases()]


def run_claims(
    claims: Iterable[Claim] | None = None,
    seed: int = 0,
    scale: float = 1.0,
    jobs: int = 1,
    scheduler: str | None = None,
    progress: bool | None = None,
) -> list[Verdict]:
    """Run claims (all by default) and return one verdict per case, in registry order."""
    from specbound.simulations.executor import map_tasks

    ids = [c.id for c in (all_claims() if claims is None else claims)]
    tasks = [(i, seed, scale) for i in ids]
    nested = map_tasks(
        _run_claim_task, tasks, jobs=jobs, scheduler=scheduler, progress=progress, desc="claims"
    )
    return [v for group in nested for v in group]
