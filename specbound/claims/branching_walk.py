"""Claims: branching_walk (to be filled by its issue)."""

CLAIMS: list = []
