"""Claims: multidraft (to be filled by its issue)."""

CLAIMS: list = []
