"""Exceptions raised by specbound.

Bad input raises :class:`InvalidArgumentError` (a ``ValueError``) whose message
names the offending argument; a failed or infeasible optimisation raises
:class:`SolverError` carrying the solver's status, never a silent number.
"""

from __future__ import annotations


class InvalidArgumentError(ValueError):
    """An argument is malformed; the message starts with the argument's name."""


class SolverError(RuntimeError):
    """An optimisation did not reach an optimal solution.

    Attributes
    ----------
    status : str
        The solver's status string (e.g. ``"infeasible"``).
    solver : str or None
        Name of the solver that was used.
    """

    def __init__(self, message: str, status: str, solver: str | None = None):
        super().__init__(f"{message} (solver={solver}, status={status})")
        self.status = status
        self.solver = solver


class ResourceLimitError(InvalidArgumentError):
    """A request would exceed a memory or work limit (:mod:`specbound.limits`).

    Raised before the work starts; the message names the argument that sets the size,
    the size asked for and the limit, and how to raise it.
    """


class RepairError(ValueError):
    """A clip or renormalisation would remove more than its stated tolerance.

    Raised instead of silently repairing a quantity that must already be (nearly) a
    law: negative mass beyond rounding, a residual of a rejection that cannot have
    happened. The message names the function and the size of what would be removed.
    """
