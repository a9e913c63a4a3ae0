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

Every case draws from its own generator seeded by (seed, crc32(claim id / case
label)), so a case gives the same numbers whether run alone or with the others.
"""

from __future__ import annotations

import importlib
import math
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from specbound.simulations.agreement import GofResult, chisquare_gof
from specbound.simulations.estimate import Estimate, from_proportion, z_score

#: Modules holding claim definitions; each defines ``CLAIMS: list[Claim]``.
CLAIM_MODULES: tuple[str, ...] = (
    "specbound.claims.speculative",
    "specbound.claims.rejections",
    "specbound.claims.exponential_races",
    "specbound.claims.trees",
    "specbound.claims.branching_walk",
    "specbound.claims.multidraft",
    "specbound.claims.multidraft_scale",
)

Simulated = Estimate | GofResult


@dataclass(frozen=True)
class Agreement:
    """How an exact value and a simulation must agree.

    Parameters
    ----------
    kind : {"equal", "upper", "lower", "distribution"}
        See the module docstring.
    sigmas : float
        Allowed distance in standard errors (equal / upper / lower).
    alpha : float
        Smallest acceptable chi-square p-value (distribution); the false-alarm rate.
    """

    kind: Literal["equal", "upper", "lower", "distribution"]
    sigmas: float = 5.0
    alpha: float = 1e-6

    def describe(self) -> str:
        """Short human-readable rule, e.g. ``"= within 5 SE"``."""
        return {
            "equal": f"= within {self.sigmas:g} SE",
            "upper": f"sim <= exact + {self.sigmas:g} SE",
            "lower": f"sim >= exact - {self.sigmas:g} SE",
            "distribution": f"chi-square p >= {self.alpha:g}",
        }[self.kind]

    def judge(self, exact: float, simulated: Simulated) -> tuple[bool, float]:
        """Return (passed, statistic): the z-score, or the p-value for distributions."""
        if self.kind == "distribution":
            if not isinstance(simulated, GofResult):
                raise TypeError("a distribution claim must simulate a GofResult")
            return simulated.pvalue >= self.alpha, simulated.pvalue
        if not isinstance(simulated, Estimate):
            raise TypeError(f"an {self.kind!r} claim must simulate an Estimate")
        z = z_score(exact, simulated)
        if self.kind == "equal":
            return abs(z) <= self.sigmas, z
        if self.kind == "upper":
            return z <= self.sigmas, z
        return z >= -self.sigmas, z


EQUAL = Agreement("equal")
UPPER = Agreement("upper")
LOWER = Agreement("lower")
DISTRIBUTION = Agreement("distribution")


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
    """

    label: str
    exact: Callable[[], float]
    simulate: Callable[[np.random.Generator, float], Simulated]


@dataclass(frozen=True)
class Claim:
    """A statement of a paper with its exact side, simulated side and agreement rule."""

    id: str
    paper: str
    statement: str
    agreement: Agreement
    cases: Callable[[], Sequence[Case]]
    source: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Verdict:
    """The outcome of one case of one claim."""

    claim_id: str
    paper: str
    case: str
    rule: str
    exact: float
    simulated: float
    se: float
    statistic: float
    passed: bool
    n: int
    seconds: float

    def row(self) -> list[str]:
        """Cells of the verdict table."""
        if self.rule.startswith("chi-square"):
            sim = f"X² p = {self.simulated:.3g}"
            ex = "target law" if math.isnan(self.exact) else f"{self.exact:.6g}"
            stat = f"p = {self.statistic:.3g}"
        else:
            sim = f"{self.simulated:.6g} ± {self.se:.2g}"
            ex = f"{self.exact:.6g}"
            stat = f"z = {self.statistic:+.2f}"
        verdict = "PASS" if self.passed else "FAIL"
        return [self.claim_id, self.case, self.paper, ex, sim, stat, self.rule, verdict]


HEADER = ["claim", "case", "paper", "exact", "simulated ± SE", "statistic", "rule", "verdict"]


def scaled(trials: int, scale: float, minimum: int = 2_000) -> int:
    """Number of trials at ``scale`` (1 = full), never below ``minimum``."""
    return max(minimum, round(trials * scale))


def case_rng(seed: int, claim_id: str, label: str) -> np.random.Generator:
    """The generator of one case: seeded by (seed, crc32("claim_id/label"))."""
    return np.random.default_rng([int(seed), zlib.crc32(f"{claim_id}/{label}".encode())])


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
    sim = case.simulate(case_rng(seed, claim.id, case.label), scale)
    passed, stat = claim.agreement.judge(exact, sim)
    if isinstance(sim, GofResult):
        value, se, n = sim.pvalue, float("nan"), sim.n
    else:
        value, se, n = sim.mean, sim.se, sim.n
    return Verdict(
        claim.id,
        claim.paper,
        case.label,
        claim.agreement.describe(),
        exact,
        value,
        se,
        float(stat),
        bool(passed),
        int(n),
        time.perf_counter() - start,
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


def format_table(verdicts: Sequence[Verdict], markdown: bool = False) -> str:
    """The verdict table as aligned text, or as a Markdown table."""
    rows = [v.row() for v in verdicts]
    if markdown:
        lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(HEADER)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [fmt.format(*HEADER), fmt.format(*("-" * w for w in widths))]
    out += [fmt.format(*r) for r in rows]
    return "\n".join(out)


def format_summary(claims: Sequence[Claim], verdicts: Sequence[Verdict]) -> str:
    """One Markdown row per claim: id, paper, rule, cases passed / run, statement.

    A claim with no verdicts reads "not run", one with a failing case "k/n **FAIL**".
    """
    lines = [
        "| claim | paper | rule | cases passed | statement |",
        "|---|---|---|---|---|",
    ]
    for claim in claims:
        mine = [v for v in verdicts if v.claim_id == claim.id]
        passed = sum(v.passed for v in mine)
        if not mine:
            status = "not run"
        else:
            status = f"{passed}/{len(mine)}" + ("" if passed == len(mine) else " **FAIL**")
        statement = claim.statement.replace("|", "\\|")
        lines.append(
            f"| `{claim.id}` | {claim.paper} | {claim.agreement.describe()} | {status} "
            f"| {statement} |"
        )
    return "\n".join(lines)
