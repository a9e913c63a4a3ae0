"""Validation of probability vectors and kernels, and synthetic families.

Every public function of specbound validates its distributions here, in one
place (:func:`as_distribution`, :func:`as_distributions`, :func:`as_kernel`,
:func:`as_rng` and the scalar checks); kernels elsewhere assume valid input.

The synthetic families are seeded through ``rng`` (a
:class:`numpy.random.Generator` or anything :func:`numpy.random.default_rng`
accepts): same seed, same distribution.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import scipy.special
from numpy.typing import ArrayLike

from specbound.checks import REPAIR_TOLERANCE as REPAIR_TOLERANCE
from specbound.checks import check_int as check_int
from specbound.checks import check_real as check_real
from specbound.checks import check_removed as check_removed
from specbound.checks import check_same_size as check_same_size
from specbound.errors import InvalidArgumentError
from specbound.limits import check_allocation

#: Largest tolerated deviation of a probability vector's sum from 1.
SUM_TOLERANCE = 1e-9

RngLike = np.random.Generator | int | np.random.SeedSequence | None


# ----------------------------------------------------------------------------- validation


def as_rng(rng: RngLike = None) -> np.random.Generator:
    """Return a :class:`numpy.random.Generator` for ``rng``.

    A Generator is returned unchanged; an int, a SeedSequence or None seeds a new one.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (numbers.Integral, np.random.SeedSequence)):
        if isinstance(rng, numbers.Integral) and int(rng) < 0:
            raise InvalidArgumentError(f"rng: a seed must be >= 0, got {rng}")
        return np.random.default_rng(rng)
    raise InvalidArgumentError(
        f"rng: expected a numpy.random.Generator, an int seed or None, got {type(rng).__name__}"
    )


def _as_float_array(x: Any, name: str) -> np.ndarray:
    return _read_float_array(x, name)[0]


def _read_float_array(x: Any, name: str) -> tuple[np.ndarray, np.dtype]:
    """``x`` as a float64 copy, with the dtype it came in (which sets the sum tolerance)."""
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged nested lists and the like
        raise InvalidArgumentError(f"{name}: cannot be read as an array ({exc})") from None
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise InvalidArgumentError(f"{name}: must be numeric, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise InvalidArgumentError(f"{name}: must be real, got complex values")
    return arr.astype(np.float64, copy=True), arr.dtype


def sum_tolerance(dtype: Any, n: int) -> float:
    """Largest tolerated |sum - 1| of a probability vector of ``n`` entries of ``dtype``.

    .. math:: \\mathrm{tol} = \\max(10^{-9},\\ \\varepsilon_{\\mathrm{dtype}}\\,(8 + n/32))

    A softmax computed in ``dtype`` sums to 1 within its normaliser's rounding error:
    ~ eps log2(n) for pairwise (numpy, GPU tree) sums, but up to ~ n eps / 70 measured
    for a sequential float32 sum over 256k tokens (4.3e-4), which this admits with a
    margin of 2. float32: 9.5e-7 for n = 2, 9.5e-4 for n = 256k (a sum of 1.001 is
    refused up to n = 262k); float64 and integers: 1e-9 (:data:`SUM_TOLERANCE`) up to
    n ~ 10^8; ``"bfloat16"`` (decoded safetensors) uses eps = 2^-7.
    """
    if str(dtype) == "bfloat16":  # not a numpy dtype: 8 significant bits
        eps = 2.0**-7
    else:
        dt = np.dtype(dtype)
        eps = float(np.finfo(dt if np.issubdtype(dt, np.floating) else np.float64).eps)
    return max(SUM_TOLERANCE, eps * (8.0 + int(n) / 32.0))


def _check_probability_rows(
    arr: np.ndarray, name: str, dtype: Any = np.float64, normalize: bool = False
) -> np.ndarray:
    """Check finiteness, signs and row sums of a float array whose last axis is a law.

    Row sums must lie within :func:`sum_tolerance` of 1 (any positive sum when
    ``normalize``); rows are divided by their float64 sums.
    """
    if arr.shape[-1] == 0:
        raise InvalidArgumentError(f"{name}: is empty")
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        kind = "NaN" if np.isnan(arr[idx]) else "inf"
        raise InvalidArgumentError(f"{name}: contains {kind} at index {_fmt(idx)}")
    neg = arr < 0
    if neg.any():
        idx = tuple(int(i) for i in np.argwhere(neg)[0])
        word = "weight" if normalize else "probability"
        raise InvalidArgumentError(
            f"{name}: contains a negative {word} {arr[idx]:.6g} at index {_fmt(idx)}"
        )
    sums = arr.sum(axis=-1)
    if normalize:
        off = np.atleast_1d(sums <= 0)
    else:
        tol = sum_tolerance(dtype, arr.shape[-1])
        off = np.atleast_1d(np.abs(sums - 1.0) > tol)
    if off.any():
        idx = tuple(int(i) for i in np.argwhere(off)[0])
        where = "" if arr.ndim == 1 else f" (row {_fmt(idx)})"
        s = float(np.atleast_1d(sums)[idx])
        if normalize:
            raise InvalidArgumentError(f"{name}: weights sum to {s:.6g}{where}; need > 0")
        raise InvalidArgumentError(
            f"{name}: probabilities sum to {s:.12g}{where}, not 1 (tolerance {tol:.2g} "
            f"for {arr.shape[-1]} entries of {np.dtype(dtype)}; pass normalize=True for "
            "unnormalised weights)"
        )
    return arr / sums[..., None]


def sum_deviation(x: ArrayLike) -> float:
    """Largest |row sum - 1| of a law or of the rows of a batch, summed in float64."""
    arr = np.asarray(x)
    return float(np.max(np.abs(arr.sum(axis=-1, dtype=np.float64) - 1.0), initial=0.0))


def _fmt(idx: tuple[int, ...]) -> str:
    return str(idx[0]) if len(idx) == 1 else str(idx)


def as_distribution(
    x: ArrayLike, name: str = "distribution", *, normalize: bool = False
) -> np.ndarray:
    """Validate a probability vector and return it as a float64 1-D array.

    Parameters
    ----------
    x : (n,) array-like
        Probabilities of the n tokens.
    name : str
        Argument name used in error messages.
    normalize : bool
        Accept non-negative weights with a positive sum and divide by it.

    Returns
    -------
    (n,) ndarray of float64
        A copy of ``x`` divided by its float64 sum (which must lie within
        :func:`sum_tolerance` of 1: 1e-9 for float64, about 4 eps sqrt(n) for float32
        and other narrow dtypes). :func:`sum_deviation` reports the deviation removed.

    Raises
    ------
    InvalidArgumentError (a ValueError)
        Naming ``name`` and the problem: not numeric, not 1-D, empty, NaN or inf,
        negative entries, or a sum off 1 by more than the dtype's tolerance.

    Examples
    --------
    >>> as_distribution([0.25, 0.75], name="target")
    array([0.25, 0.75])
    """
    arr, dtype = _read_float_array(x, name)
    if arr.ndim != 1:
        raise InvalidArgumentError(f"{name}: must be 1-D, got shape {arr.shape}")
    return _check_probability_rows(arr, name, dtype, normalize)


def as_distributions(
    x: ArrayLike, name: str = "distributions", *, normalize: bool = False
) -> np.ndarray:
    """Validate a (K, n) array whose rows are probability vectors (e.g. ``drafts``).

    A 1-D input is read as a single row, shape (1, n). Tolerance, ``normalize`` and
    errors as in :func:`as_distribution`, naming the row.
    """
    arr, dtype = _read_float_array(x, name)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise InvalidArgumentError(
            f"{name}: must be 2-D (rows are distributions), got {arr.shape}"
        )
    if arr.shape[0] == 0:
        raise InvalidArgumentError(f"{name}: has no rows")
    return _check_probability_rows(arr, name, dtype, normalize)


def as_kernel(x: ArrayLike, name: str = "kernel") -> np.ndarray:
    """Validate an (n, n) row-stochastic matrix (row i = next-token law after token i)."""
    arr, dtype = _read_float_array(x, name)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise InvalidArgumentError(
            f"{name}: must be a square (n, n) matrix, got shape {arr.shape}"
        )
    return _check_probability_rows(arr, name, dtype)


# ----------------------------------------------------------------------------- families


def _check_vocabulary(n: Any, minimum: int, square: bool = False) -> int:
    """``n`` as an int >= ``minimum`` whose (n,) (or (n, n)) float64 arrays fit the limits."""
    n = check_int(n, "n", minimum)
    check_allocation("n", (n, n) if square else (n,), np.float64, copies=4, what="entries")
    return n


def softmax(logits: ArrayLike, axis: int = -1) -> np.ndarray:
    """Numerically stable softmax exp(z_i) / sum_j exp(z_j) along ``axis`` (float64).

    :func:`scipy.special.softmax` on the logits cast to float64.
    """
    return scipy.special.softmax(np.asarray(logits, dtype=np.float64), axis=axis)


def dirichlet(n: int, concentration: float = 1.0, rng: RngLike = None) -> np.ndarray:
    """One draw of the symmetric Dirichlet(concentration * 1_n) law on n tokens.

    Small concentrations give peaked laws; exact zeros from underflow are kept
    (they are valid probabilities).
    """
    n = _check_vocabulary(n, 1)
    a = check_real(concentration, "concentration", 0.0)
    if a == 0:
        raise InvalidArgumentError("concentration: must be > 0")
    g = as_rng(rng).standard_gamma(a, size=n)
    s = g.sum()
    if s == 0:  # every gamma draw underflowed: the limit is a point mass
        g[0], s = 1.0, 1.0
    return g / s


def zipf(n: int, exponent: float = 1.0) -> np.ndarray:
    """Zipf law on n tokens, p_i proportional to i^(-exponent), i = 1..n (deterministic)."""
    n = _check_vocabulary(n, 1)
    s = check_real(exponent, "exponent", 0.0)
    w = np.arange(1, n + 1, dtype=np.float64) ** (-s)
    return w / w.sum()


def softmax_gaussian(
    n: int, scale: float = 1.0, temperature: float = 1.0, rng: RngLike = None
) -> np.ndarray:
    """softmax(z / temperature) with logits z_i ~ N(0, scale^2) i.i.d. on n tokens."""
    n = _check_vocabulary(n, 1)
    scale = check_real(scale, "scale", 0.0)
    t = check_real(temperature, "temperature", 0.0)
    if t == 0:
        raise InvalidArgumentError("temperature: must be > 0")
    return softmax(as_rng(rng).normal(0.0, scale, size=n) / t)


def target_draft_pair(
    n: int,
    scale: float = 2.0,
    draft_temperature: float = 1.5,
    noise: float = 0.5,
    rng: RngLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """A (target, draft) pair sharing logits, as a draft model approximates its target.

    target = softmax(z), draft = softmax(z / draft_temperature + noise * e), with
    z ~ N(0, scale^2) and e ~ N(0, 1) independent on n tokens.
    """
    n = _check_vocabulary(n, 1)
    scale = check_real(scale, "scale", 0.0)
    t = check_real(draft_temperature, "draft_temperature", 0.0)
    if t == 0:
        raise InvalidArgumentError("draft_temperature: must be > 0")
    noise = check_real(noise, "noise", 0.0)
    g = as_rng(rng)
    z = g.normal(0.0, scale, size=n)
    e = g.normal(0.0, 1.0, size=n)
    return softmax(z), softmax(z / t + noise * e)


def pair_at_tv(
    n: int, tv: float, concentration: float = 1.0, rng: RngLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """A (target, draft) pair at a prescribed total variation distance.

    target ~ Dirichlet(concentration); draft = (1 - lam) * target + lam * delta_j with
    j = argmin target, so TV(target, draft) = lam * (1 - target_j) = tv exactly
    (up to rounding).

    Raises
    ------
    InvalidArgumentError
        If ``tv`` is outside [0, 1 - min(target)] (``tv`` = 1 needs disjoint
        supports; use :func:`disjoint_pair`).
    """
    n = _check_vocabulary(n, 2)
    tv = check_real(tv, "tv", 0.0, 1.0)
    p = dirichlet(n, concentration, rng)
    j = int(np.argmin(p))
    reach = 1.0 - p[j]
    if tv > reach:
        raise InvalidArgumentError(
            f"tv: {tv:g} is beyond the largest TV {reach:.6g} reachable from this target"
        )
    lam = tv / reach
    q = (1.0 - lam) * p
    q[j] += lam
    return p, q / q.sum()


def disjoint_pair(n: int, rng: RngLike = None) -> tuple[np.ndarray, np.ndarray]:
    """A (target, draft) pair with disjoint supports (TV = 1): halves of n tokens."""
    n = _check_vocabulary(n, 2)
    g = as_rng(rng)
    h = n // 2
    p = np.zeros(n)
    q = np.zeros(n)
    p[:h] = dirichlet(h, 1.0, g)
    q[h:] = dirichlet(n - h, 1.0, g)
    return p, q


def random_kernel(n: int, concentration: float = 1.0, rng: RngLike = None) -> np.ndarray:
    """An (n, n) row-stochastic matrix with i.i.d. Dirichlet(concentration) rows."""
    n = _check_vocabulary(n, 1, square=True)
    a = check_real(concentration, "concentration", 0.0)
    if a == 0:
        raise InvalidArgumentError("concentration: must be > 0")
    g = as_rng(rng).standard_gamma(a, size=(n, n))
    s = g.sum(axis=1, keepdims=True)
    zero = s[:, 0] == 0
    g[zero, 0], s[zero] = 1.0, 1.0
    return g / s
