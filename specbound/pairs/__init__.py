"""Model outputs in: two models' logits or probabilities over a text, exact quantities out.

Bring your own logits::

    from specbound.pairs import load_pair, analyse_pair
    pair = load_pair("target.npy", "draft.npy", temperature=0.7, top_p=0.9)
    print(analyse_pair(pair).to_dict()["acceptance"]["mean"])

Modules: :mod:`.loading` (arrays, torch, .npy / .npz / .safetensors, shards),
:mod:`.processing` (temperature, top-k, top-p, min-p as engines apply them),
:mod:`.pair` (:func:`load_pair`, chunked laws), :mod:`.quantities` and
:mod:`.positional` (batched exact kernels), :mod:`.analysis` (one pass over a pair),
:mod:`.examples` (the real-text and synthetic pairs written as files).
"""

from specbound.pairs.analysis import PairAnalysis, analyse_pair
from specbound.pairs.loading import ModelOutput, read_model_output
from specbound.pairs.pair import ModelPair, load_pair
from specbound.pairs.positional import default_candidates, positional_acceptance_rows
from specbound.pairs.processing import SamplingSettings, process_logits, process_probs
from specbound.pairs.quantities import (
    TreeCurve,
    acceptance_rows,
    chain_along_text,
    entropy_rows,
    positional_tree,
    sorted_ratio_rows,
)

__all__ = [
    "ModelOutput",
    "ModelPair",
    "PairAnalysis",
    "SamplingSettings",
    "TreeCurve",
    "acceptance_rows",
    "analyse_pair",
    "chain_along_text",
    "default_candidates",
    "entropy_rows",
    "load_pair",
    "positional_acceptance_rows",
    "positional_tree",
    "process_logits",
    "process_probs",
    "read_model_output",
    "sorted_ratio_rows",
]
