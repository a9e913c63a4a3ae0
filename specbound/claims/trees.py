"""Claims: trees (to be filled by its issue)."""

CLAIMS: list = []
