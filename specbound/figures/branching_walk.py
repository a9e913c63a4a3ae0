"""Figures: branching_walk (to be filled by its issue)."""

FIGURES: list = []
