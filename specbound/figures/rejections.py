"""Figures: rejections (to be filled by its issue)."""

FIGURES: list = []
