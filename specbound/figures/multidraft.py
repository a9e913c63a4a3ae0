"""Figures: multidraft (to be filled by its issue)."""

FIGURES: list = []
