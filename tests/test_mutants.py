"""The mutation machinery: patches in memory, restored, reach traced; the report."""

from __future__ import annotations

import numpy as np

from specbound.bounds import acceptance
from specbound.claims import select
from specbound.mutants import clear_caches, mutated, patched, resolve
from specbound.mutants.catalogue import MUTANTS, mutant
from specbound.mutants.report import format_report
from specbound.mutants.run import MutationRun, all_targets, mutant_claim, trace_claim

CHAIN = "specbound.bounds.acceptance:expected_tokens_per_step"


def test_the_catalogue_is_large_named_and_resolvable():
    names = [m.name for m in MUTANTS]
    assert len(names) >= 25 and len(set(names)) == len(names)
    for target in all_targets():
        resolve(target)  # every target exists
    areas = {t.split(":")[0].split(".")[1] for t in all_targets()}
    assert {"bounds", "trees", "lp", "simulations", "pairs"} <= areas
    assert any(".audit." in t for t in all_targets())


def test_a_patch_reaches_from_import_copies_and_is_restored():
    from specbound.claims import rejections_markov

    real = acceptance.expected_tokens_per_step
    assert rejections_markov.expected_tokens_per_step is real
    with patched(CHAIN, lambda original: lambda alpha, gamma: -1.0):
        assert acceptance.expected_tokens_per_step(0.5, 2) == -1.0
        assert rejections_markov.expected_tokens_per_step(0.5, 2) == -1.0
    assert acceptance.expected_tokens_per_step is real
    assert rejections_markov.expected_tokens_per_step is real


def test_a_property_patch_is_restored():
    from specbound.trees import DraftTree, optimal_tree

    real = DraftTree.__dict__["expected_accepted"]
    tree = optimal_tree([0.6, 0.3], 4)
    with mutated(mutant("tree-value-scaled")):
        assert tree.expected_accepted == 0.95 * float(tree.path_probability.sum())
    assert DraftTree.__dict__["expected_accepted"] is real
    assert tree.expected_accepted == float(tree.path_probability.sum())


def test_trace_then_kill_on_one_claim():
    verdicts, reached = trace_claim(("rejections.tokens_per_step", 0, 0.2))
    assert all(v.passed for v in verdicts) and CHAIN in reached
    failed, total, error = mutant_claim(
        ("chain-without-bonus", "rejections.tokens_per_step", 0, 0.2)
    )
    assert failed > 0 and total == len(verdicts) and error == ""
    clear_caches()


def test_report_table_and_last_line():
    claims = [c.id for c in select("rejections.tokens_per_step")]
    m = mutant("chain-without-bonus")
    run = MutationRun([m], claims, [], {claims[0]: [CHAIN]})
    run.cells[(m.name, claims[0])] = (7, 9, "")
    text = format_report(run, 0.2, 1)
    assert "| `rejections.tokens_per_step` | **7**/9 |" in text
    assert text.splitlines()[-1] == "mutants: 1 killed of 1"
    run.cells[(m.name, claims[0])] = (0, 9, "")
    assert format_report(run, 0.2, 1).splitlines()[-1] == "mutants: 0 killed of 1"
    assert "**NOT KILLED**" in format_report(run, 0.2, 1)


def test_replacements_are_numbers_not_crashes():
    """The sampler mutant still returns valid tokens (a bias, not an exception)."""
    from specbound.simulations import sampling

    with mutated(mutant("sampler-drops-last-token")):
        x = sampling.sample_categorical(np.full(4, 0.25), 1000, np.random.default_rng(0))
    assert x.min() >= 0 and x.max() == 2
