"""Speed-of-light time per token and speed-up of a tree of P nodes (runtime model).

Pankratov & Alistarh, arXiv 2512.11718 (EACL 2026), as implemented here from the note
``theory/branching_walk.md``: with a verifier call of duration T_ver(P) (time units)
and free drafting, a call yields X + 1 tokens, so the time per generated token is at
least T_ver(P) / (1 + E[X_opt(P)]) (renewal-reward).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from specbound.bounds.branching_walk.bounds import _check_size
from specbound.distributions import check_real
from specbound.errors import InvalidArgumentError


def runtime_lower_bound(
    verifier_time: float | Callable[[int], float],
    size: int,
    expected_accepted: float,
) -> float:
    """Speed-of-light time per generated token, T_ver(P) / (1 + E[X_opt(P)]).

    Runtime model (as implemented here, arXiv 2512.11718): with a verifier call of duration
    T_ver(P) for a tree of P drafted nodes and free drafting, each call yields X + 1
    tokens, so any tree of size P needs on average at least T_ver(P)/(1 + E[X_opt(P)])
    time units per token (renewal-reward). Pass the optimum (or an upper bound on it,
    e.g. :func:`renewal_bound`, which gives a valid lower bound on the time).

    Parameters
    ----------
    verifier_time : float or callable P -> float
        Cost model of one verifier call with P drafted nodes (time units > 0).
    size : int >= 1
        Tree budget P.
    expected_accepted : float >= 0
        E[X_opt(P)] (accepted draft tokens, not tokens per step).

    Returns
    -------
    float
        Time units per generated token (0 when the accepted count is infinite).
    """
    size = _check_size(size)
    t = verifier_time(size) if callable(verifier_time) else verifier_time
    t = check_real(t, "verifier_time", 0.0)
    if t == 0:
        raise InvalidArgumentError("verifier_time: must be > 0")
    if isinstance(expected_accepted, float) and math.isinf(expected_accepted):
        if expected_accepted < 0:
            raise InvalidArgumentError("expected_accepted: must be >= 0, got -inf")
        return 0.0
    x = check_real(expected_accepted, "expected_accepted", 0.0)
    return t / (1.0 + x)


def speedup_upper_bound(
    verifier_time: float | Callable[[int], float],
    size: int,
    expected_accepted: float,
    autoregressive_time: float = 1.0,
) -> float:
    """Best possible speed-up over autoregressive decoding, T_AR (1 + E[X_opt(P)]) / T_ver(P).

    Runtime model: the ratio of the autoregressive time per token T_AR (one token per call)
    to :func:`runtime_lower_bound`.
    """
    t_ar = check_real(autoregressive_time, "autoregressive_time", 0.0)
    if t_ar == 0:
        raise InvalidArgumentError("autoregressive_time: must be > 0")
    bound = runtime_lower_bound(verifier_time, size, expected_accepted)
    return math.inf if bound == 0 else t_ar / bound
