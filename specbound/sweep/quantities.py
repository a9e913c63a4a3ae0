"""What a sweep can compute: quantities, their parameters, and the registry.

A :class:`Quantity` has typed parameters (:class:`Param`, one table, checked in one
place before any work) and a function ``run(params, rng, sigmas) -> Outcome``. The
registry holds every exact function of the public API that takes laws or numbers
(:mod:`specbound.sweep.exact`) and every registered claim
(:mod:`specbound.sweep.registered`): ``specbound sweep --list`` prints them all.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from specbound.errors import InvalidArgumentError
from specbound.simulations.estimate import Estimate, z_score


@dataclass(frozen=True)
class Param:
    """One parameter of a quantity.

    Parameters
    ----------
    name : str
        Key in the config's ``[grid]`` table and column of the output.
    kind : {int, float, str}
        Type of every grid value (an integer is accepted where a float is expected).
    default : value or tuple of values
        Used when the grid does not give the parameter; a tuple is a default grid.
    help : str
        One line for ``--list``.
    minimum, maximum : float, optional
        Inclusive bounds.
    choices : tuple of str, optional
        Allowed values of a string parameter.
    zero_or_at_least : int, optional
        For Monte Carlo sizes: 0 (none) or at least this many.
    """

    name: str
    kind: type
    default: Any
    help: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = None
    zero_or_at_least: int | None = None

    def defaults(self) -> list[Any]:
        """The default grid of this parameter (one value unless ``default`` is a tuple)."""
        return list(self.default) if isinstance(self.default, tuple) else [self.default]

    def coerce(self, value: Any, where: str) -> Any:
        """``value`` as this parameter's type, or an error naming ``where``.

        Raises
        ------
        InvalidArgumentError
            A value of the wrong type, out of range, or not among the choices.
        """
        ok = (
            isinstance(value, str)
            if self.kind is str
            else isinstance(value, int | float) and not isinstance(value, bool)
        )
        if self.kind is int and ok and value != int(value):
            ok = False
        if not ok or (isinstance(value, float) and not math.isfinite(value)):
            raise InvalidArgumentError(
                f"{where}: expected {_KIND_NAMES[self.kind]}, got {value!r}"
            )
        value = self.kind(value)
        if self.choices is not None and value not in self.choices:
            raise InvalidArgumentError(
                f"{where}: {value!r} is not one of {', '.join(map(repr, self.choices))}"
            )
        if self.minimum is not None and value < self.minimum:
            raise InvalidArgumentError(f"{where}: must be >= {self.minimum:g}, got {value!r}")
        if self.maximum is not None and value > self.maximum:
            raise InvalidArgumentError(f"{where}: must be <= {self.maximum:g}, got {value!r}")
        if self.zero_or_at_least is not None and 0 < value < self.zero_or_at_least:
            raise InvalidArgumentError(
                f"{where}: must be 0 (no Monte Carlo) or >= {self.zero_or_at_least}, got {value!r}"
            )
        return value

    def describe(self) -> str:
        """``name=default (type): help`` for ``--list``."""
        if isinstance(self.default, tuple):
            default = f"all {len(self.default)}"
        else:
            default = repr(self.default)
        text = f"{self.name} = {default} ({_KIND_NAMES[self.kind]}): {self.help}"
        if self.choices is not None and len(self.choices) <= 8:
            text += f"; one of {', '.join(map(repr, self.choices))}"
        return text


_KIND_NAMES = {int: "an integer", float: "a number", str: "a string"}


@dataclass(frozen=True)
class Outcome:
    """The result of one grid point.

    Attributes
    ----------
    exact : float
        The exact value or bound (NaN for a distribution claim's exact side).
    estimate, se : float
        Monte Carlo estimate and standard error (NaN when nothing was simulated; for
        a chi-square claim the estimate is the p-value).
    statistic : float
        z = (estimate - exact) / se, or the chi-square p-value (NaN when not simulated).
    verdict : str
        ``"PASS"``, ``"FAIL"`` or ``""`` (not simulated).
    samples : int
        Monte Carlo trials (0 when not simulated).
    extras : dict
        The quantity's extra columns (:attr:`Quantity.extras`).
    """

    exact: float
    estimate: float = math.nan
    se: float = math.nan
    statistic: float = math.nan
    verdict: str = ""
    samples: int = 0
    extras: dict[str, float] = field(default_factory=dict)


def judged(
    exact: float, est: Estimate | None, sigmas: float, upper: bool = False, **extras: float
) -> Outcome:
    """An :class:`Outcome` with ``est`` judged against ``exact`` in standard errors.

    Equality: |z| <= ``sigmas`` (two-sided false-alarm rate 5.7e-7 at 5); with
    ``upper``, ``exact`` is an upper bound: z <= ``sigmas`` (one-sided, 2.9e-7 at 5
    when the bound is tight). z = (estimate - exact) / SE.
    """
    if est is None:
        return Outcome(float(exact), extras=extras)
    z = z_score(exact, est)
    passed = z <= sigmas if upper else abs(z) <= sigmas
    return Outcome(
        float(exact), est.mean, est.se, float(z), "PASS" if passed else "FAIL", est.n, extras
    )


Runner = Callable[[dict[str, Any], np.random.Generator, float], Outcome]


@dataclass(frozen=True)
class Quantity:
    """A computable quantity with its parameters.

    Attributes
    ----------
    name : str
        What the config's ``quantity`` names (a public function or a claim id).
    summary : str
        One line for ``--list``.
    params : tuple of Param
        In column order; every quantity also has ``replicate`` (the last).
    run : callable (params, rng, sigmas) -> Outcome
        Computes one grid point; ``sigmas`` is the config's agreement width.
    extras : tuple of str
        Extra value columns the outcome fills.
    """

    name: str
    summary: str
    params: tuple[Param, ...]
    run: Runner
    extras: tuple[str, ...] = ()

    def param(self, name: str) -> Param:
        """The parameter called ``name``, or an error listing the known ones."""
        for p in self.params:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.params)
        raise InvalidArgumentError(
            f"grid.{name}: not a parameter of {self.name} (parameters: {known})"
        )


REPLICATE = Param("replicate", int, 0, "independent repetition (only changes the seed)", 0)


def registry() -> dict[str, Quantity]:
    """Every quantity by name: the exact functions, then the registered claims."""
    from specbound.sweep.exact import EXACT_QUANTITIES
    from specbound.sweep.registered import claim_quantities

    return {q.name: q for q in (*EXACT_QUANTITIES, *claim_quantities())}


@cache
def _lookup(name: str) -> Quantity | None:
    from specbound.sweep.exact import EXACT_QUANTITIES
    from specbound.sweep.registered import find_claim_quantity

    for q in EXACT_QUANTITIES:
        if q.name == name:
            return q
    return find_claim_quantity(name)


def get_quantity(name: Any) -> Quantity:
    """The quantity called ``name`` (cached per process), or an error naming the key."""
    if not isinstance(name, str):
        raise InvalidArgumentError(f"quantity: expected a string, got {name!r}")
    found = _lookup(name)
    if found is None:
        raise InvalidArgumentError(f"quantity: unknown {name!r} (see `specbound sweep --list`)")
    return found


def describe_all() -> str:
    """The text of ``specbound sweep --list``: each quantity with its parameters."""
    lines = []
    for q in registry().values():
        lines.append(f"{q.name}: {q.summary}")
        lines += [f"    {p.describe()}" for p in q.params]
        if q.extras:
            lines.append(f"    extra columns: {', '.join(q.extras)}")
    return "\n".join(lines)
