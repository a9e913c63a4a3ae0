"""Test of the trees figure (quick mode)."""

from __future__ import annotations

import numpy as np

from specbound.figures import FigureContext
from specbound.figures.trees import FIGURES, tokens_per_step_vs_size


def test_trees_figure_quick():
    assert [f.name for f in FIGURES] == ["trees_tokens_per_step"]
    out = tokens_per_step_vs_size(FigureContext(seed=0, quick=True))
    cols = out.columns
    n = len(cols["series"])
    assert all(len(v) == n for v in cols.values())
    assert set(cols["series"]) == {"optimal", "chain", "batch", "binary", "4-ary"}
    exact = np.array(cols["exact"])
    sim = np.array(cols["simulated"])
    se = np.array(cols["se"])
    done = ~np.isnan(sim)
    assert done.sum() >= 20
    # each Monte Carlo dot within 5 SE of the exact value (false alarm 5.7e-7 per dot)
    assert np.all(np.abs(sim[done] - exact[done]) <= 5 * se[done])
    # the optimal tree dominates every shape of the same size
    series = np.array(cols["series"])
    size = np.array(cols["size"])
    best = {
        int(k): e
        for k, e in zip(size[series == "optimal"], exact[series == "optimal"], strict=True)
    }
    for k, e in zip(size, exact, strict=True):
        if int(k) in best:
            assert e <= best[int(k)] + 1e-12
