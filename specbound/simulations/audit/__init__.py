"""Losslessness audit of speculative-sampling implementations.

* :func:`audit_sampler` (:mod:`.single`): one single-draft rule on one (target, draft) pair.
"""

from specbound.simulations.audit.single import AuditReport, Sampler, audit_sampler

__all__ = ["AuditReport", "Sampler", "audit_sampler"]
