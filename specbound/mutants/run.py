"""Run the claim registry against every mutant and write the mutant x claim table.

Two passes, both through :func:`specbound.simulations.executor.map_tasks` (one task
per claim, or per mutant and claim):

1. The real code, with a pass-through tracer on every mutated target: the verdicts
   (every case must pass) and, per claim, the targets its cases reach.
2. Each mutant against every claim that reaches one of its targets. A claim that never
   calls the patched code computes exactly what it computes without the mutant (the
   caches are cleared around every task), so it cannot kill it: skipping it is exact.

A mutant is killed when a case of some claim fails, or raises, under it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from specbound.claims import Verdict, all_claims, run_case
from specbound.mutants import Mutant, _stack, clear_caches
from specbound.mutants.catalogue import MUTANTS, mutant

_REACHED: set[str] = set()


def _tracer(target: str):
    def factory(original):
        if isinstance(original, property):
            fget = original.fget

            def traced_get(self):
                _REACHED.add(target)
                return fget(self)

            return property(traced_get)

        def traced(*args, **kwargs):
            _REACHED.add(target)
            return original(*args, **kwargs)

        return traced

    return factory


def all_targets(mutants: Sequence[Mutant] = MUTANTS) -> list[str]:
    """Every patched target of ``mutants``, once each, in catalogue order."""
    return list(dict.fromkeys(t for m in mutants for t in m.targets))


def _claim(claim_id: str):
    (claim,) = [c for c in all_claims() if c.id == claim_id]
    return claim


def trace_claim(args: tuple[str, int, float]) -> tuple[list[Verdict], list[str]]:
    """Task of pass 1: the claim's verdicts on the real code and the targets it reaches."""
    claim_id, seed, scale = args
    claim = _claim(claim_id)
    _REACHED.clear()
    with _stack([(t, _tracer(t)) for t in all_targets()]):
        verdicts = [run_case(claim, case, seed, scale) for case in claim.cases()]
    return verdicts, sorted(_REACHED)


def mutant_claim(args: tuple[str, str, int, float]) -> tuple[int, int, str]:
    """Task of pass 2: (failed cases, cases, first error) of a claim under a mutant."""
    name, claim_id, seed, scale = args
    claim = _claim(claim_id)
    failed, total, error = 0, 0, ""
    with _stack(list(mutant(name).patches)):
        try:
            for case in claim.cases():
                total += 1
                try:
                    failed += not run_case(claim, case, seed, scale).passed
                except Exception as exc:  # a crash under a mutant is a detection
                    failed += 1
                    error = error or f"{type(exc).__name__}: {exc}"[:80]
        except Exception as exc:
            failed, error = failed + 1, f"{type(exc).__name__}: {exc}"[:80]
    clear_caches()
    return failed, total, error


@dataclass
class MutationRun:
    """Outcome of :func:`run_mutants`: baseline verdicts, reach, and kills per cell."""

    mutants: list[Mutant]
    claim_ids: list[str]
    baseline: list[Verdict]
    reached: dict[str, list[str]]
    cells: dict[tuple[str, str], tuple[int, int, str]] = field(default_factory=dict)
    seconds: float = 0.0

    def killers(self, name: str) -> list[str]:
        """Claims with a failing case under the mutant ``name``."""
        return [c for c in self.claim_ids if self.killers_of(c, name)]

    def killers_of(self, claim_id: str, name: str) -> bool:
        """True if ``claim_id`` has a failing case under the mutant ``name``."""
        return self.cells.get((name, claim_id), (0, 0, ""))[0] > 0

    def killed(self) -> list[str]:
        """Names of the killed mutants."""
        return [m.name for m in self.mutants if self.killers(m.name)]


def run_mutants(
    mutants: Sequence[Mutant] = MUTANTS,
    seed: int = 0,
    scale: float = 0.2,
    jobs: int = 1,
    scheduler: str | None = None,
    progress: bool | None = None,
) -> MutationRun:
    """Run the registry on the real code (traced), then every mutant on the claims it reaches."""
    from specbound.simulations.executor import map_tasks

    start = time.perf_counter()
    ids = [c.id for c in all_claims()]
    opts = dict(jobs=jobs, scheduler=scheduler, progress=progress)
    traced = map_tasks(trace_claim, [(c, seed, scale) for c in ids], desc="baseline", **opts)
    baseline = [v for verdicts, _ in traced for v in verdicts]
    reached = {c: r for c, (_, r) in zip(ids, traced, strict=True)}
    tasks = [
        (m.name, c, seed, scale) for m in mutants for c in ids if set(m.targets) & set(reached[c])
    ]
    outcomes = map_tasks(mutant_claim, tasks, desc="mutants", **opts)
    run = MutationRun(list(mutants), ids, baseline, reached)
    for (name, c, _, _), out in zip(tasks, outcomes, strict=True):
        run.cells[(name, c)] = out
    run.seconds = time.perf_counter() - start
    return run
