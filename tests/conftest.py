"""Test configuration: a deterministic hypothesis profile (CI must never flake) and the
garbage-collector guard of the in-process Dask tests."""

import gc

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "deterministic",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=50,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("deterministic")


@pytest.fixture
def no_gc_in_cluster():
    """Collect garbage before an in-process Dask cluster starts and pause the collector
    while it runs.

    A full-suite run once hung in the Dask sweep test: the main thread was inside the
    garbage collector (finalizers of objects left by earlier tests) while the cluster's
    worker threads waited for the GIL. Collecting first and pausing automatic
    collection keeps finalizers out of the cluster's lifetime.
    """
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()
