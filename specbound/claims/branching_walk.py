"""Claims on the speed-of-light bound via branching random walks (Pankratov & Alistarh).

arXiv 2512.11718 (EACL 2026), as implemented here from ``theory/branching_walk.md``:
the entropy moments of the environment law and the acceptance identity
E[X | T] = sum of path probabilities. Exact sides: Dirichlet closed forms,
frequency-weighted moments of the real-text bigram laws, exact tree values;
simulated sides: sampled laws, surprisals -ln p(x) of tokens drawn at sampled text
positions, verifier walks drawing tokens from the nodes' laws.
Instances: :mod:`specbound.claims.branching_walk_instances`. Random-environment cases
use at most P = 10^4 to keep each claim to a few seconds; P = 10^5 is in the
benchmark and figure.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from specbound.bounds.branching_walk import dirichlet_moments, entropy_moment_estimates
from specbound.claims import EQUAL, Case, Claim, formulas, scaled
from specbound.claims.branching_walk_instances import (
    PAPER,
    RANDOM_LAW,
    SOURCE,
    Moments,
    environment_walk,
    exact_tree,
    recorded_tree,
    verifier_optimum,
)
from specbound.simulations.estimate import Estimate, from_values
from specbound.simulations.random_trees import DirichletLaw, FixedLaw, SoftmaxGaussianLaw
from specbound.simulations.sampling import sample_rows
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
            return from_values(_text_surprisal_values(rng, scaled(10_000, scale))[j])

        cases.append(
            Case(
                f"{TEXT_LABEL}, text positions {name}",
                lambda j=j: text_weighted_moments()[j],
                simulate,
            )
        )
    return cases


def _text_surprisal_values(rng: np.random.Generator, positions: int) -> np.ndarray:
    """(-ln p(x), ln^2 p(x), p(x)) at random text positions, x drawn from the bigram law p.

    Their means are (mu, mu2, phi) of the environment: E_p[-ln p(x)] = H(p),
    E_p[ln^2 p(x)] = sum p ln^2 p, E_p[p(x)] = sum p^2, averaged over the contexts
    found at text positions. Shares nothing with the exact side but the kernel.
    """
    tokens = load_corpus(TEXT_VOCAB).tokens
    kernel, _ = text_laws(TEXT_VOCAB)
    laws = kernel[tokens[rng.integers(0, tokens.size - 1, positions)]]
    px = laws[np.arange(positions), sample_rows(laws, rng)]
    return np.stack([-np.log(px), np.log(px) ** 2, px])


def _identity_cases() -> list[Case]:
    cases = [
        Case(
            f"{label} optimal P={size}",
            lambda label=label, size=size: exact_tree(label, size).expected_accepted,
            verifier_optimum(label, size),
        )
        for label, size in (("(0.9, 0.1)", 10_000), ("(0.5, 0.3, 0.2)", 1000))
    ]
    laws = (
        (RANDOM_LAW, 1000),
        (SoftmaxGaussianLaw(2.5, 200), 1000),
        (DirichletLaw(0.05, 1000), 300),
        (FixedLaw(np.array([0.6, 0.3, 0.1, 0.0])), 200),
        (None, 1000),
    )
    for law, size in laws:
        name = TEXT_LABEL if law is None else law.name

        def get(law=law):
            return text_law() if law is None else law

        cases.append(
            Case(
                f"{name} env seed 1000 P={size}",
                lambda get=get, size=size: recorded_tree(get(), size, 1000)[0].expected_accepted,
                environment_walk(get, size, 1000),
            )
        )
    return cases


CLAIMS = [
    Claim(
        id="bw.moments",
        paper=PAPER,
        statement="Dir(a 1_n): mu = psi(A+1) - psi(a+1), mu2 = mu^2 + psi1(a+1) - psi1(A+1), "
        "phi = (a+1)/(A+1), A = n a (Monte Carlo over sampled laws); real text: the "
        "frequency-weighted moments of the bigram laws = the means of -ln p(x), ln^2 p(x), "
        "p(x) over text positions, x drawn from the position's law p.",
        agreement=EQUAL,
        cases=_moment_cases,
        source=SOURCE + " (entropy moments)",
        formula=formulas.DIRICHLET_MOMENTS,
    ),
    Claim(
        id="bw.acceptance_identity",
        paper=PAPER,
        statement="E[X | T] = sum of path probabilities: verifier walks on optimal trees of "
        "deterministic laws and of sampled random environments.",
        agreement=EQUAL,
        cases=_identity_cases,
        source=SOURCE + " (acceptance identity)",
    ),
]
