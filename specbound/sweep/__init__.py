"""Sweeps: a quantity over a parameter grid, on one executor, resumable.

``specbound sweep CONFIG.toml --out FILE`` (:mod:`specbound.commands.sweep`), or in
Python::

    from specbound.sweep import load_config, run_sweep
    summary = run_sweep(load_config("examples/sweep.toml"), "s.csv", workers=2)

* :mod:`~specbound.sweep.config`: the TOML file, the grid, per-point ids and seeds.
* :mod:`~specbound.sweep.quantities`: parameters and the registry;
  :mod:`~specbound.sweep.exact` (public functions on synthetic families,
  :mod:`~specbound.sweep.families`) and :mod:`~specbound.sweep.registered` (claims).
* :mod:`~specbound.sweep.store`: the output file, atomic rows, resume.
* :mod:`~specbound.sweep.run`: the loop over the executor
  (:mod:`specbound.simulations.executor`).
"""

from specbound.sweep.config import SweepConfig, load_config, parse_config
from specbound.sweep.quantities import describe_all, get_quantity
from specbound.sweep.run import SweepSummary, run_point, run_sweep

__all__ = [
    "SweepConfig",
    "SweepSummary",
    "describe_all",
    "get_quantity",
    "load_config",
    "parse_config",
    "run_point",
    "run_sweep",
]
