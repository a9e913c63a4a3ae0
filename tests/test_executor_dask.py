"""The executor's Dask path: ``map_tasks`` on an in-process ``LocalCluster``."""

from __future__ import annotations

import math

import pytest


def test_map_tasks_on_a_local_cluster_keeps_input_order(no_gc_in_cluster):
    distributed = pytest.importorskip("distributed", reason="needs dask[distributed]")
    from specbound.simulations.executor import map_tasks

    items = [9.0, 1.0, 4.0, 16.0, 0.25]
    with distributed.LocalCluster(
        n_workers=1, processes=False, threads_per_worker=2, dashboard_address=None
    ) as cluster:
        out = map_tasks(math.sqrt, items, scheduler=cluster.scheduler_address, progress=False)
    assert out == [3.0, 1.0, 2.0, 4.0, 0.5]
