"""Mutation testing of the claim registry: realistic bugs applied in memory.

Each :class:`Mutant` is a small named bug (issue 13): one or two patches, each a
target ``"module:attribute"`` (``"module:Class.attribute"``) and a factory that turns
the original object into the buggy one. :func:`mutated` applies the patches in memory,
no file is edited: the target attribute is replaced, and so is every binding of the
same object in the loaded ``specbound`` modules (a ``from ... import`` copy), then all
are restored. The registry must *kill* every mutant: at least one case of at least one
claim fails (or raises) while the mutant is active. The catalogue lives in
:mod:`specbound.mutants.catalogue`, the runner in :mod:`specbound.mutants.run`.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

Factory = Callable[[Any], Any]


@dataclass(frozen=True)
class Mutant:
    """One injected bug.

    Parameters
    ----------
    name : str
        Short identifier (``"moments-log2"``).
    description : str
        The bug in one line, as a reviewer would describe it.
    patches : tuple of (target, factory)
        ``target`` is ``"module:attr"`` or ``"module:Class.attr"``; ``factory(original)``
        returns the replacement (a function, or a property for a property).
    kills : tuple of (claim id, case label)
        Cases expected to fail under the mutant: the fast subset run by ``make test``.
    """

    name: str
    description: str
    patches: tuple[tuple[str, Factory], ...]
    kills: tuple[tuple[str, str], ...]

    @property
    def targets(self) -> tuple[str, ...]:
        """The patched targets (``"module:attr"``)."""
        return tuple(t for t, _ in self.patches)


def resolve(target: str) -> tuple[Any, str, Any]:
    """(owner, attribute name, current value) of ``"module:attr"`` / ``"module:Cls.attr"``."""
    module_name, _, path = target.partition(":")
    owner: Any = importlib.import_module(module_name)
    *outer, attr = path.split(".")
    for part in outer:
        owner = getattr(owner, part)
    if isinstance(owner, type):
        return owner, attr, owner.__dict__[attr]
    return owner, attr, getattr(owner, attr)


@contextmanager
def patched(target: str, factory: Factory) -> Iterator[None]:
    """Replace ``target`` (and every module-level binding of the same object) in memory."""
    owner, attr, original = resolve(target)
    replacement = factory(original)
    bindings = [(owner, attr)]
    if not isinstance(owner, type):
        for mod in list(sys.modules.values()):
            name = getattr(mod, "__name__", "")
            if mod is owner or not name.startswith("specbound"):
                continue
            for key, value in list(vars(mod).items()):
                if value is original:
                    bindings.append((mod, key))
    try:
        for obj, key in bindings:
            setattr(obj, key, replacement)
        clear_caches()
        yield
    finally:
        for obj, key in bindings:
            setattr(obj, key, original)
        clear_caches()


@contextmanager
def mutated(mutant: Mutant) -> Iterator[None]:
    """Apply every patch of ``mutant`` for the duration of the block."""
    with _stack(list(mutant.patches)):
        yield


@contextmanager
def _stack(patches: list[tuple[str, Factory]]) -> Iterator[None]:
    if not patches:
        yield
        return
    (target, factory), *rest = patches
    with patched(target, factory), _stack(rest):
        yield


def clear_caches() -> None:
    """Clear every ``functools`` cache of the loaded ``specbound`` modules.

    Claim modules cache exact sides and environments; a mutant must not see values the
    real code computed (nor leave its own values to the real code).
    """
    for mod in list(sys.modules.values()):
        if not getattr(mod, "__name__", "").startswith("specbound"):
            continue
        for value in list(vars(mod).values()):
            clear = getattr(value, "cache_clear", None)
            if callable(clear):
                clear()
