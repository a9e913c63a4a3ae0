"""Figures: trees (to be filled by its issue)."""

FIGURES: list = []
