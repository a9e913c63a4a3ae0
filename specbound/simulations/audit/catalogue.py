"""Built-in samplers of every kind: the catalogue of engine bugs and specbound's correct schemes.

:func:`rule_sampler` turns a :class:`~.rules.Rule` into a sampler with a kind's
signature (:mod:`.kinds`); :func:`catalogue` names one per bug class and kind
(``catalogue("single")["greedy_draft"]``); :func:`correct_samplers` lists the
correct schemes specbound implements, which every audit must pass.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from specbound.errors import InvalidArgumentError
from specbound.lp.optimum import identical
from specbound.lp.truncated import tournament
from specbound.simulations.audit.battery import chain_parent
from specbound.simulations.audit.rule_sampler import simulate_rule
from specbound.simulations.audit.rules import CORRECT, Rule, bugs_for
from specbound.simulations.markov import speculative_decoding
from specbound.simulations.multidraft import (
    importance_sampling,
    nss_sampling,
    specinfer_sampling,
    spectr_sampling,
    tournament_sampling,
)
from specbound.simulations.speculative import speculative_sampling, speculative_step


def rule_sampler(rule: Rule, kind: str, name: str = "rule") -> Callable:
    """A vectorised sampler of ``kind`` running ``rule`` (:func:`~.rule_sampler.simulate_rule`).

    Multi-draft samplers built here take identical drafts (i.i.d. candidates).
    """
    if kind == "single":

        def sampler(target, draft, size, rng):
            tokens, acc = simulate_rule(
                rule, target[None], draft[None], 0, np.array([-1]), size, rng, bonus=False
            )
            return tokens[:, 0], acc > 0

    elif kind == "multi":

        def sampler(target, drafts, size, rng):
            if not identical(drafts):
                raise InvalidArgumentError("drafts: this sampler needs identical drafts")
            parent = np.full(drafts.shape[0], -1)
            tokens, acc = simulate_rule(
                rule, target[None], drafts[:1], 0, parent, size, rng, bonus=False
            )
            return tokens[:, 0], acc > 0

    elif kind == "chain":

        def sampler(target_kernel, draft_kernel, start, gamma, size, rng):
            parent = chain_parent(gamma)
            return simulate_rule(rule, target_kernel, draft_kernel, start, parent, size, rng)

    elif kind == "tree":

        def sampler(target_kernel, draft_kernel, start, parent, size, rng):
            return simulate_rule(rule, target_kernel, draft_kernel, start, parent, size, rng)

    else:
        raise InvalidArgumentError(f"kind: must be single, multi, chain or tree, got {kind!r}")
    sampler.__name__ = sampler.__qualname__ = name
    return sampler


def catalogue(kind: str) -> dict[str, Callable]:
    """The buggy samplers of ``kind``, by bug name (see :data:`~.rules.BUGS`)."""
    return {b.name: rule_sampler(b.rule, kind, b.name) for b in bugs_for(kind)}


def markov_chain_step(target_kernel, draft_kernel, start, gamma, size, rng):
    """One step of specbound's sequence-level simulator (:func:`speculative_decoding`).

    Runs the horizon gamma + 1, so the first verifier call is one full step: its
    emitted tokens, then -1; accepted = emitted - 1.
    """
    run = speculative_decoding(
        target_kernel, draft_kernel, gamma + 1, size, gamma, rng, start, progress=False
    )
    first = run.first_round_tokens
    keep = np.arange(gamma + 1)[None, :] < first[:, None]
    return np.where(keep, run.tokens, -1), first - 1


def specinfer_tree(target_kernel, draft_kernel, start, parent, size, rng):
    """Tree verification (SpecInfer, Miao et al. arXiv 2305.09781): the children of a node
    drafted i.i.d., verified one after another against the updated residual; a ``tree``
    sampler for ``specbound audit --kind tree``."""
    return simulate_rule(CORRECT, target_kernel, draft_kernel, start, parent, size, rng)


def tournament_step(target, drafts, size, rng):
    """The tournament of truncated LPs (s = 5; Khisti et al., arXiv 2410.18234), built per call."""
    return tournament_sampling(tournament(target, drafts, 5), size, rng)


def correct_samplers(kind: str) -> dict[str, Callable]:
    """specbound's correct schemes of ``kind``: every audit must call them valid."""
    if kind == "single":
        return {
            "speculative_step": speculative_step,
            "speculative_sampling": speculative_sampling,
            "specinfer_rule": rule_sampler(CORRECT, kind, "specinfer_rule"),
        }
    if kind == "multi":
        return {
            "specinfer_sampling": specinfer_sampling,
            "spectr_sampling": spectr_sampling,
            "nss_sampling": nss_sampling,
            "importance_sampling": importance_sampling,
            "tournament_step": tournament_step,
            "specinfer_rule": rule_sampler(CORRECT, kind, "specinfer_rule"),
        }
    if kind == "chain":
        return {
            "markov_chain_step": markov_chain_step,
            "specinfer_rule": rule_sampler(CORRECT, kind, "specinfer_rule"),
        }
    if kind == "tree":
        return {"specinfer_tree": specinfer_tree}
    raise InvalidArgumentError(f"kind: must be single, multi, chain or tree, got {kind!r}")
