"""Law samplers for i.i.d. random environments, their entropy moments and output checks.

Pankratov & Alistarh, arXiv 2512.11718 (EACL 2026), as implemented here from the note
``theory/branching_walk.md`` (acceptance identity, entropy moments):
assumption (E) draws the target's next-token law
at every node of the token tree independently from a law L on the simplex. A *law
sampler* ``sampler(rng, size)`` returns ``size`` such laws as rows: the symmetric
Dirichlet law, softmax of Gaussian logits, a fixed law (the deterministic environment)
or the empirical law of given rows (e.g. softmax outputs at positions of real text).
:func:`law_moments` gives their entropy moments (mu, mu2, phi in nats), exact where a
closed form exists; :func:`check_law_sampler` validates what a sampler returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from specbound.bounds.branching_walk import (
    EntropyMoments,
    dirichlet_moments,
    entropy_moment_estimates,
)
from specbound.bounds.branching_walk.moments import _row_moments, _summarise
from specbound.distributions import (
    RngLike,
    as_distribution,
    as_distributions,
    as_rng,
    check_int,
    check_real,
)
from specbound.errors import InvalidArgumentError
from specbound.limits import check_allocation, check_work

LawSampler = Callable[[np.random.Generator, int], np.ndarray]
"""A law on the simplex: ``sampler(rng, size)`` returns ``size`` i.i.d. laws as rows."""
#: Relative tolerance on the row sums of a sampler's output.
_ROW_SUM_TOL = 1e-9
#: Law entries drawn per call by :func:`law_moments` (bounds its memory to ~32 MB).
_MOMENT_CHUNK_ENTRIES = 2**22


@dataclass(frozen=True)
class DirichletLaw:
    """Symmetric Dirichlet law Dir(concentration * 1_n) on the simplex.

    Sampling matches ``rng.dirichlet(np.full(n, concentration))`` draw by draw (same
    random stream; equal up to rounding in the last bit). Exact moments:
    :func:`specbound.bounds.branching_walk.dirichlet_moments`.
    """

    concentration: float
    n: int

    def __post_init__(self) -> None:
        a = check_real(self.concentration, "concentration", 0.0)
        if a == 0:
            raise InvalidArgumentError("concentration: must be > 0")
        check_int(self.n, "n", 1)

    @property
    def name(self) -> str:
        """Short label, e.g. ``Dir(0.5*1_10)``."""
        return f"Dir({self.concentration:g}*1_{self.n})"

    def __call__(self, rng: np.random.Generator, size: int) -> np.ndarray:
        if self.concentration <= 0.1:  # numpy switches to stick-breaking there
            return rng.dirichlet(np.full(self.n, self.concentration), size=size)
        g = rng.standard_gamma(self.concentration, size=(size, self.n))
        if self.concentration > 1e100:  # Gamma(a) ~ a: rescale so the row sums stay finite
            g /= self.concentration
        g /= g.sum(axis=1, keepdims=True)
        return g

    def spine_steps(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Exact spine steps xi = -ln p(x), p ~ L, x ~ p: -ln Beta(a + 1, n a - a)."""
        a = self.concentration
        if self.n == 1:
            return np.zeros(size)
        if a > 1e100:  # Beta(a + 1, (n-1) a) has sd < 1e-50 of its mean (a + 1)/(n a + 1)
            return np.full(size, np.log(self.n - (self.n - 1) / (a + 1.0)))
        return -np.log(rng.beta(a + 1.0, (self.n - 1) * a, size=size))


@dataclass(frozen=True)
class SoftmaxGaussianLaw:
    """softmax(z / temperature) with logits z_i ~ N(0, scale^2) i.i.d. on n tokens.

    Sampled in float32 for speed (:meth:`weights`): normals by Box-Muller from float64
    uniforms, the weights exp(s (z_i - max z)) with s = scale / temperature,
    normalised in float64. The laws differ from float64 softmax laws by float32
    rounding (relative error about 1e-6 on each probability, from the rounding of
    s (z_i - max z)) and lose the normal tail beyond |z| = 8.6 (probability 1e-17
    per logit).
    """

    scale: float
    n: int
    temperature: float = 1.0

    def __post_init__(self) -> None:
        check_real(self.scale, "scale", 0.0)
        check_int(self.n, "n", 1)
        if check_real(self.temperature, "temperature", 0.0) == 0:
            raise InvalidArgumentError("temperature: must be > 0")

    @property
    def name(self) -> str:
        """Short label."""
        return f"softmax({self.scale:g}*N(0,1)), n={self.n}"

    def weights(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Unnormalised laws: a (size, n) float32 array w, row maxima 1; laws = w / row sums.

        Box-Muller on one float64 uniform row (U_1..U_h, V_1..V_h) per law, h = ceil(n/2):
        z_j = R_j cos(2 pi V_j), z_{h+j} = R_j sin(2 pi V_j), R_j = sqrt(-2 ln(1 - U_j)),
        with 1 - U_j >= 2^-53, so R_j <= sqrt(106 ln 2) = 8.6; then w_i = exp(s (z_i -
        max_k z_k)), s = scale / temperature, all after the uniforms in float32. The
        stream does not depend on how the laws are split into calls.
        """
        n, h = self.n, (self.n + 1) // 2
        u = rng.random((size, 2 * h))
        np.subtract(1.0, u[:, :h], out=u[:, :h])
        radius = u[:, :h].astype(np.float32)
        np.log(radius, out=radius)
        radius *= np.float32(-2.0)
        np.sqrt(radius, out=radius)
        radius *= np.float32(min(self.scale / self.temperature, 1e37))
        angle = u[:, h:].astype(np.float32)
        angle *= np.float32(2.0 * np.pi)
        z = np.empty((size, 2 * h), dtype=np.float32)
        np.cos(angle, out=z[:, :h])
        np.sin(angle, out=z[:, h:])
        z[:, :h] *= radius
        z[:, h:] *= radius
        if 2 * h != n:
            z = np.ascontiguousarray(z[:, :n])
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        return z

    def __call__(self, rng: np.random.Generator, size: int) -> np.ndarray:
        w = self.weights(rng, size)
        return w / _normalisers(w)[:, None]


@dataclass(frozen=True, eq=False)
class FixedLaw:
    """The deterministic environment: the same law at every node (consumes no randomness)."""

    probs: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "probs", as_distribution(self.probs, "law"))

    @property
    def n(self) -> int:
        """Vocabulary size."""
        return int(self.probs.size)

    @property
    def name(self) -> str:
        """Short label."""
        p = self.probs
        return "(" + ", ".join(f"{v:g}" for v in p[:4]) + (", ...)" if p.size > 4 else ")")

    def __call__(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.broadcast_to(self.probs, (size, self.probs.size))


@dataclass(frozen=True, eq=False)
class EmpiricalLaw:
    """Rows resampled uniformly with replacement (e.g. softmax outputs at text positions).

    The environment of (E) with L = the empirical law of the given rows: the plug-in
    point for next-token distributions estimated from real text.
    """

    rows: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", as_distributions(self.rows, "rows"))

    @property
    def n(self) -> int:
        """Vocabulary size."""
        return int(self.rows.shape[1])

    @property
    def name(self) -> str:
        """Short label."""
        return f"empirical ({self.rows.shape[0]} laws, n={self.n})"

    def __call__(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return self.rows[rng.integers(0, self.rows.shape[0], size=size)]


def law_moments(law: LawSampler, samples: int = 20_000, rng: RngLike = None) -> EntropyMoments:
    """Entropy moments (mu, mu2, phi) of a law sampler, exact where a closed form exists.

    Exact for :class:`FixedLaw` (its one law), :class:`DirichletLaw` (digamma /
    trigamma closed forms) and :class:`EmpiricalLaw` (the law of (E) is uniform on its
    rows); otherwise estimated, with standard errors, from ``samples`` laws drawn with
    ``rng``. Nats (Pankratov & Alistarh, arXiv 2512.11718, as implemented in
    :mod:`specbound.bounds.branching_walk`).

    Sampled laws are drawn in chunks of about 2^22 entries when the sampler has an
    ``n`` attribute (memory O(samples + 2^22), not O(samples n)); ``samples`` beyond the
    memory or work limit (:mod:`specbound.limits`) raises ``ResourceLimitError``.
    """
    if isinstance(law, FixedLaw):
        return entropy_moment_estimates(law.probs)
    if isinstance(law, DirichletLaw):
        mu, mu2, phi = dirichlet_moments(law.concentration, law.n)
        return EntropyMoments(mu, mu2, phi, 0.0, 0.0, 0.0, 0)
    if isinstance(law, EmpiricalLaw):
        return entropy_moment_estimates(law.rows)
    samples = check_int(samples, "samples", 2)
    check_allocation("samples", samples, np.float64, copies=4, what="sampled laws")
    n = getattr(law, "n", None)
    if not isinstance(n, int):
        return entropy_moment_estimates(law(as_rng(rng), samples))
    check_work("samples", float(samples) * n, "law entries")
    gen, rows = as_rng(rng), max(1, _MOMENT_CHUNK_ENTRIES // max(n, 1))
    parts = [
        _row_moments(as_distributions(law(gen, min(rows, samples - s)), "laws"))
        for s in range(0, samples, rows)
    ]
    return _summarise(*(np.concatenate(v) for v in zip(*parts, strict=True)))


def _draw(law: LawSampler, rng: np.random.Generator, size: int) -> np.ndarray:
    """Call the sampler and check its output: (size, n), finite, >= 0, rows summing to 1."""
    rows = np.asarray(law(rng, size), dtype=np.float64)
    if rows.ndim != 2 or rows.shape[0] != size or rows.shape[1] == 0:
        raise InvalidArgumentError(
            f"law: a sampler must return a ({size}, n) array of laws, got shape {rows.shape}"
        )
    sums = rows.sum(axis=1)
    if not np.all(np.isfinite(sums)) or rows.min() < 0:
        raise InvalidArgumentError("law: sampled laws contain negative, NaN or inf entries")
    if np.abs(sums - 1.0).max() > _ROW_SUM_TOL * max(1.0, rows.shape[1] / 1000):
        worst = float(sums[np.argmax(np.abs(sums - 1.0))])
        raise InvalidArgumentError(f"law: sampled laws must sum to 1, a row sums to {worst!r}")
    return rows


def _normalisers(w: np.ndarray) -> np.ndarray:
    """Row sums in float64: the laws are ``w / _normalisers(w)[:, None]``."""
    return w.sum(axis=1, dtype=np.float64)


def _draw_weights(
    law: LawSampler, rng: np.random.Generator, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """(w, z): ``size`` laws as unnormalised rows w and their normalisers z (laws = w / z).

    Uses the law's ``weights(rng, size)`` fast path when it has one (e.g. float32
    weights of :class:`SoftmaxGaussianLaw`), otherwise the validated laws with z = 1.
    """
    fast = getattr(law, "weights", None)
    if fast is None:
        return _draw(law, rng, size), np.ones(size)
    w = np.asarray(fast(rng, size))
    if w.ndim != 2 or w.shape[0] != size or w.shape[1] == 0:
        raise InvalidArgumentError(
            f"law: weights must be a ({size}, n) array, got shape {w.shape}"
        )
    z = _normalisers(w)
    if not (np.all(np.isfinite(z)) and z.min() > 0 and w.min() >= 0):
        raise InvalidArgumentError("law: weights must be finite, >= 0, with positive row sums")
    return w, z


def check_law_sampler(law: LawSampler, rng: RngLike = None, rows: int = 4) -> int:
    """Draw a few laws from ``law`` and return the vocabulary size (validates the sampler)."""
    return _draw(law, as_rng(rng), check_int(rows, "rows", 1)).shape[1]
