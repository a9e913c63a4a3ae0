"""K draft laws from one draft model at K sampling temperatures.

The realistic case of different drafts (issue 18 item 3): the draft model samples its
K candidates at temperatures T_1..T_K, so q_k = softmax(z / T_k) for its logits z.
Log-probabilities are logits up to an additive constant, so from a draft law q,

.. math:: q_k(i) = q(i)^{1/T_k} \\Big/ \\sum_j q(j)^{1/T_k}

exactly (tokens with q(i) = 0 stay at 0). Computed as ``scipy.special.softmax`` of
log q / T_k (stable for small T). No source paper: temperature sampling is standard.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import softmax

from specbound.distributions import as_distribution
from specbound.errors import InvalidArgumentError


def temperature_drafts(draft: ArrayLike, temperatures: ArrayLike) -> np.ndarray:
    """(K, n) laws q^(1/T_k) / Z_k of the draft law ``draft`` at each temperature.

    Parameters
    ----------
    draft : (n,) array-like
        The draft model's law at temperature 1 (probabilities, not logits).
    temperatures : (K,) array-like
        Positive finite temperatures.

    Raises
    ------
    InvalidArgumentError
        An invalid law, or temperatures that are empty, not 1-D, not finite or <= 0.

    Examples
    --------
    >>> temperature_drafts([0.2, 0.8], [1.0, 0.5]).round(4).tolist()
    [[0.2, 0.8], [0.0588, 0.9412]]
    """
    q = as_distribution(draft, "draft")
    try:
        t = np.asarray(temperatures, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"temperatures: not numeric: {temperatures!r}") from None
    if t.ndim != 1 or t.size == 0:
        raise InvalidArgumentError(f"temperatures: need a non-empty 1-D list, got shape {t.shape}")
    if not np.all(np.isfinite(t)) or np.any(t <= 0):
        raise InvalidArgumentError(f"temperatures: must be finite and > 0, got {t.tolist()}")
    with np.errstate(divide="ignore"):
        logq = np.log(q)
    return softmax(logq[None, :] / t[:, None], axis=1)
