"""Claims: rejections (to be filled by its issue)."""

CLAIMS: list = []
