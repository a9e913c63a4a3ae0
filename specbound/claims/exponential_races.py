"""Claims: exponential_races (to be filled by its issue)."""

CLAIMS: list = []
