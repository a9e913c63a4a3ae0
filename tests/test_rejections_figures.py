"""The rejections figures draw in quick mode and their CSV columns are consistent."""

from __future__ import annotations

import pytest

from specbound.figures import FigureContext, write_csv
from specbound.figures.rejections import FIGURES


@pytest.mark.parametrize("spec", FIGURES, ids=[f.name for f in FIGURES])
def test_figure_quick(spec, tmp_path):
    out = spec.make(FigureContext(seed=0, quick=True, progress=False))
    lengths = {len(v) for v in out.columns.values()}
    assert len(lengths) == 1 and lengths.pop() > 0
    assert "kind" in out.columns and "monte carlo" in out.columns["kind"]
    write_csv(tmp_path / f"{spec.name}.csv", out.columns)
    out.figure.savefig(tmp_path / f"{spec.name}.png", dpi=50)
