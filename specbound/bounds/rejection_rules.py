"""One-step verification rules: standard speculative sampling and unbiased baselines.

A rule draws X ~ q (draft), accepts it with probability b(X), otherwise outputs
a token of a rejection law R. It is unbiased when q b + (1 - beta) R = p
(beta = sum q b), and then P(reject) = 1 - beta >= TV(p, q) (Yin et al., arXiv
2411.00841, Thm 2; per-step proof: q b <= min(p, q)). Exact constructions of
the baselines of ``theory/rejections.md``, as implemented here; simulations in
:mod:`specbound.simulations.rejection_rules`. Letters: target = p, draft = q.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from specbound.distributions import as_distribution, check_real, check_removed, check_same_size


@dataclass(frozen=True)
class Rule:
    """An accept/reject rule: acceptance b (n,), rejection law (n,), P(reject)."""

    name: str
    acceptance: np.ndarray
    residual: np.ndarray
    rejection: float


def _pair(target: ArrayLike, draft: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    p = as_distribution(target, "target")
    q = as_distribution(draft, "draft")
    check_same_size(p, q, "target", "draft")
    return p, q


def _make(name: str, p: np.ndarray, q: np.ndarray, b: np.ndarray) -> Rule:
    a = q * b
    beta = float(a.sum())
    check_removed(a - p, f"{name} rule (acceptance mass above the target)")
    w = np.maximum(p - a, 0.0)  # unbiased iff a <= p; then R = (p - a) / (1 - beta)
    residual = w / w.sum() if w.sum() > 0 else p.copy()
    return Rule(name, b, residual, 1.0 - beta)


def _ratio(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """min(1, p/q), 1 where q = 0 (never proposed)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(q > p, p / np.where(q > 0, q, 1.0), 1.0)


def speculative_rule(target: ArrayLike, draft: ArrayLike) -> Rule:
    """Standard speculative sampling: b = min(1, p/q), R = (p - q)_+ / TV; P(reject) = TV."""
    p, q = _pair(target, draft)
    return _make("speculative", p, q, _ratio(p, q))


def independent_resampling_rule(target: ArrayLike, draft: ArrayLike) -> Rule:
    """Accept X iff an independent Y ~ p equals it (else output Y): b = p, P(reject) = 1 - sum p q.

    As a rule: b(x) = p(x), R = (p - q p) / (1 - sum q p); unbiased.
    """
    p, q = _pair(target, draft)
    return _make("independent resampling", p, q, p.copy())


def scaled_rule(target: ArrayLike, draft: ArrayLike, scale: float) -> Rule:
    """b = c min(1, p/q), R = (p - c min(p, q)) / (1 - c (1 - TV)); P(reject) = 1 - c (1 - TV)."""
    p, q = _pair(target, draft)
    c = check_real(scale, "scale", 0.0, 1.0)
    return _make(f"scaled c={c:g}", p, q, c * _ratio(p, q))


def threshold_rule(target: ArrayLike, draft: ArrayLike) -> Rule:
    """b = 1{p >= q}, R = (p - a) / (1 - beta); P(reject) = 1 - q({p >= q})."""
    p, q = _pair(target, draft)
    return _make("threshold", p, q, (p >= q).astype(np.float64))


def unbiased_baselines(target: ArrayLike, draft: ArrayLike, scale: float = 0.8) -> list[Rule]:
    """The unbiased baselines plus speculative sampling itself."""
    return [
        speculative_rule(target, draft),
        independent_resampling_rule(target, draft),
        scaled_rule(target, draft, scale),
        threshold_rule(target, draft),
    ]
