"""Closed-form bounds and exact quantities, one module per paper."""
