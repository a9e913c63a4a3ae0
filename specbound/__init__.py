"""specbound: exact bounds and Monte Carlo checks for the theory of speculative decoding.

The names most users need are re-exported here; everything else lives in the
subpackages (``bounds``, ``lp``, ``simulations``, ``claims``, ``figures``).
"""

from specbound.bounds.rejections import acceptance_probability, total_variation
from specbound.distributions import as_distribution
from specbound.errors import InvalidArgumentError, SolverError
from specbound.simulations.speculative import speculative_sampling

__version__ = "0.1.0"

__all__ = [
    "InvalidArgumentError",
    "SolverError",
    "__version__",
    "acceptance_probability",
    "as_distribution",
    "speculative_sampling",
    "total_variation",
]
