"""Figures: exponential_races (to be filled by its issue)."""

FIGURES: list = []
