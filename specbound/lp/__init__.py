"""Multi-draft speculative sampling: coupling LP, closed form, canonical decomposition."""
