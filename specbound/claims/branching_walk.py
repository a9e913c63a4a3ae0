"""Claims on the speed-of-light bound via branching random walks (Pankratov & Alistarh).

arXiv 2512.11718 (EACL 2026), as implemented here from ``theory/branching_walk.md``:
the entropy moments of the environment law (C3) and the acceptance identity
E[X | T] = sum of path probabilities (C1). Exact sides: Dirichlet closed forms,
frequency-weighted moments of the real-text bigram laws, exact tree values;
simulated sides: sampled laws, laws at sampled text positions, verifier walks.
Instances: :mod:`specbound.claims.branching_walk_instances`. Random-environment cases
use at most P = 10^4 to keep each claim to a few seconds; P = 10^5 is in the
benchmark and figure.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np

from specbound.bounds.branching_walk import dirichlet_moments, entropy_moment_estimates
from specbound.claims import EQUAL, Case, Claim, scaled
from specbound.claims.branching_walk_instances import (
    PAPER,
    RANDOM_LAW,
    SOURCE,
    Moments,
    exact_tree,
    walk,
)
from specbound.simulations.estimate import Estimate
from specbound.simulations.random_trees import (
    DirichletLaw,
    FixedLaw,
    SoftmaxGaussianLaw,
    optimal_random_tree,
)
from specbound.simulations.text_ngram import (
    TEXT_LABEL,
    TEXT_VOCAB,
    load_corpus,
    text_law,
    text_laws,
)


@cache
def text_weighted_moments() -> Moments:
    """(mu, mu2, phi) along the whole text: each context's law weighted by its frequency."""
    kernel, weights = text_laws(TEXT_VOCAB)
    rows = [entropy_moment_estimates(row) for row in kernel]
    return (
        float(weights @ [r.mu for r in rows]),
        float(weights @ [r.mu2 for r in rows]),
        float(weights @ [r.phi for r in rows]),
    )


def _moment_cases() -> list[Case]:
    cases = []
    for a, n in ((0.5, 10), (0.2, 300), (2.0, 50)):
        exact = dirichlet_moments(a, n)
        for j, name in enumerate(("mu", "mu2", "phi")):

            def simulate(rng, scale, a=a, n=n, j=j):
                rows = DirichletLaw(a, n)(rng, scaled(10_000, scale))
                est = entropy_moment_estimates(rows)
                mean = (est.mu, est.mu2, est.phi)[j]
                se = (est.mu_se, est.mu2_se, est.phi_se)[j]
                return Estimate(mean, se, est.rows)

            cases.append(Case(f"Dir({a:g}*1_{n}) {name}", lambda e=exact[j]: e, simulate))
    for j, name in enumerate(("mu", "mu2", "phi")):

        def simulate(rng, scale, j=j):
            tokens = load_corpus(TEXT_VOCAB).tokens
            kernel, _ = text_laws(TEXT_VOCAB)
            positions = rng.integers(0, tokens.size - 1, scaled(10_000, scale))
            est = entropy_moment_estimates(kernel[tokens[positions]])
            mean = (est.mu, est.mu2, est.phi)[j]
            se = (est.mu_se, est.mu2_se, est.phi_se)[j]
            return Estimate(mean, se, est.rows)

        cases.append(
            Case(
                f"{TEXT_LABEL}, text positions {name}",
                lambda j=j: text_weighted_moments()[j],
                simulate,
            )
        )
    return cases


@cache
def _random_tree(law, size: int, seed: int):
    return optimal_random_tree(law, size, np.random.default_rng(seed))


def _identity_cases() -> list[Case]:
    trees: dict[str, Callable] = {
        f"{label} optimal P={size}": lambda label=label, size=size: exact_tree(label, size)
        for label, size in (("(0.9, 0.1)", 10_000), ("(0.5, 0.3, 0.2)", 1000))
    }
    laws = (
        (RANDOM_LAW, 1000),
        (SoftmaxGaussianLaw(2.5, 200), 1000),
        (DirichletLaw(0.05, 1000), 300),
        (FixedLaw(np.array([0.6, 0.3, 0.1, 0.0])), 200),
    )
    for law, size in laws:
        trees[f"{law.name} env seed 1000 P={size}"] = lambda law=law, size=size: _random_tree(
            law, size, 1000
        )
    trees[f"{TEXT_LABEL} env seed 1000 P=1000"] = lambda: _random_tree(text_law(), 1000, 1000)
    return [
        Case(label, lambda fn=fn: fn().expected_accepted, walk(fn)) for label, fn in trees.items()
    ]


CLAIMS = [
    Claim(
        id="bw.moments",
        paper=PAPER,
        statement="Dir(a 1_n): mu = psi(A+1) - psi(a+1), mu2 = mu^2 + psi1(a+1) - psi1(A+1), "
        "phi = (a+1)/(A+1), A = n a (Monte Carlo over sampled laws); real text: the "
        "frequency-weighted moments of the bigram laws = their mean over text positions.",
        agreement=EQUAL,
        cases=_moment_cases,
        source=SOURCE + " C3",
    ),
    Claim(
        id="bw.acceptance_identity",
        paper=PAPER,
        statement="E[X | T] = sum of path probabilities: verifier walks on optimal trees of "
        "deterministic laws and of sampled random environments.",
        agreement=EQUAL,
        cases=_identity_cases,
        source=SOURCE + " C1",
    ),
]
