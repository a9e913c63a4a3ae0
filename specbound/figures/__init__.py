"""Figures: one function per figure, data -> matplotlib Figure plus the table behind it.

Each module listed in :data:`FIGURE_MODULES` defines ``FIGURES: list[FigureSpec]``.
``specbound reproduce`` writes every figure as ``NAME.png`` and the data behind it
as ``NAME.csv`` (long format: one row per plotted point).
"""

from __future__ import annotations

import csv
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

#: Modules holding figure definitions, in report order.
FIGURE_MODULES: tuple[str, ...] = (
    "specbound.figures.acceptance",
    "specbound.figures.rejections",
    "specbound.figures.exponential_races",
    "specbound.figures.trees",
    "specbound.figures.branching_walk",
    "specbound.figures.multidraft",
)


@dataclass(frozen=True)
class FigureContext:
    """Settings shared by every figure of a run."""

    seed: int = 0
    quick: bool = False
    progress: bool | None = None

    def trials(self, full: int, quick: int) -> int:
        """Monte Carlo trials for this run: ``quick`` under ``--quick``, else ``full``."""
        return quick if self.quick else full


@dataclass
class FigureOutput:
    """A figure and the data behind it (equal-length columns, long format)."""

    figure: Figure
    columns: dict[str, Sequence]


@dataclass(frozen=True)
class FigureSpec:
    """A registered figure: file stem, caption, and the function drawing it."""

    name: str
    caption: str
    make: Callable[[FigureContext], FigureOutput]


def all_figures() -> list[FigureSpec]:
    """Every registered figure, in module order."""
    specs: list[FigureSpec] = []
    for name in FIGURE_MODULES:
        specs.extend(importlib.import_module(name).FIGURES)
    return specs


def write_csv(path: Path, columns: dict[str, Sequence]) -> None:
    """Write equal-length ``columns`` to ``path`` as CSV with a header row."""
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"columns: unequal lengths {sorted(lengths)}")
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        w.writerows(zip(*columns.values(), strict=True))


def save(spec: FigureSpec, ctx: FigureContext, out: Path) -> list[Path]:
    """Draw ``spec`` and write ``NAME.png`` and ``NAME.csv`` into ``out``."""
    import matplotlib.pyplot as plt

    result = spec.make(ctx)
    png, csv_path = out / f"{spec.name}.png", out / f"{spec.name}.csv"
    result.figure.savefig(png, dpi=130, bbox_inches="tight")
    plt.close(result.figure)
    write_csv(csv_path, result.columns)
    return [png, csv_path]
