"""Losslessness audit of speculative-sampling implementations.

* :func:`audit` (:mod:`.runner`): run a sampler of any kind (single draft, K drafts, a
  chain, a tree; signatures in :mod:`.kinds`) on a battery of cases (:mod:`.battery`)
  and judge its output law and efficiency, with a stated false-alarm rate and power
  (:mod:`.power`); the result (:mod:`.report`) prints as a table or JSON.
* :func:`catalogue`, :func:`correct_samplers` (:mod:`.catalogue`): the bugs engines
  ship (:mod:`.rules`) as built-in samplers, and specbound's correct schemes.
* :mod:`.adapters`: Hugging Face transformers' and vLLM's call signatures as samplers.
* :func:`audit_sampler` (:mod:`.single`): one single-draft rule on one pair.
"""

from specbound.simulations.audit.battery import battery
from specbound.simulations.audit.catalogue import catalogue, correct_samplers, rule_sampler
from specbound.simulations.audit.report import AuditResult, CaseResult
from specbound.simulations.audit.runner import audit
from specbound.simulations.audit.single import AuditReport, Sampler, audit_sampler

__all__ = [
    "AuditReport",
    "AuditResult",
    "CaseResult",
    "Sampler",
    "audit",
    "audit_sampler",
    "battery",
    "catalogue",
    "correct_samplers",
    "rule_sampler",
]
