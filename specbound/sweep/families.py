"""Named synthetic families of laws and of (target, draft) pairs for sweeps.

A sweep point names a family and its parameters; the law (or pair) is drawn from
the point's own generator, so the same point gives the same law on any executor.
All families come from :mod:`specbound.distributions`:

=============  ==============================================  ==============================
family         single law (``law_from``)                       pair (``pair_from``)
=============  ==============================================  ==============================
dirichlet      Dirichlet(shape * 1_n)                          two independent Dirichlet draws
zipf           p_i ~ i^-shape                                  target zipf(shape), draft
                                                               zipf(shape / temperature)
softmax        softmax(z / temperature), z ~ N(0, shape^2)     ``target_draft_pair``: shared
                                                               logits, draft at temperature,
                                                               logit noise ``noise``
pair_at_tv     (not a single law)                              target Dirichlet(shape), draft
                                                               at total variation ``tv``
=============  ==============================================  ==============================

Parameters a family does not use are ignored (and still recorded in the row).
"""

from __future__ import annotations

import numpy as np

from specbound.distributions import (
    dirichlet,
    pair_at_tv,
    softmax_gaussian,
    target_draft_pair,
    zipf,
)
from specbound.errors import InvalidArgumentError

#: Families of one law (entropy moments, trees, the speed-of-light bound).
LAW_FAMILIES: tuple[str, ...] = ("dirichlet", "zipf", "softmax")
#: Families of (target, draft) pairs (acceptance, rank laws, multi-draft optimum).
PAIR_FAMILIES: tuple[str, ...] = ("pair_at_tv", "dirichlet", "zipf", "softmax")


def law_from(params: dict, rng: np.random.Generator) -> np.ndarray:
    """The law of family ``params["family"]`` with ``n``, ``shape``, ``temperature``."""
    family, n, shape = params["family"], params["n"], params["shape"]
    if family == "dirichlet":
        return dirichlet(n, shape, rng)
    if family == "zipf":
        return zipf(n, shape)
    if family == "softmax":
        return softmax_gaussian(n, shape, params["temperature"], rng)
    raise InvalidArgumentError(f"family: {family!r} is not one of {', '.join(LAW_FAMILIES)}")


def pair_from(params: dict, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The (target, draft) pair of family ``params["family"]`` (see the module table)."""
    family, n, shape = params["family"], params["n"], params["shape"]
    if family == "pair_at_tv":
        return pair_at_tv(n, params["tv"], shape, rng)
    if family == "dirichlet":
        return dirichlet(n, shape, rng), dirichlet(n, shape, rng)
    if family == "zipf":
        return zipf(n, shape), zipf(n, shape / params["temperature"])
    if family == "softmax":
        return target_draft_pair(n, shape, params["temperature"], params["noise"], rng)
    raise InvalidArgumentError(f"family: {family!r} is not one of {', '.join(PAIR_FAMILIES)}")
