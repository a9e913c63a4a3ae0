"""Subcommand: branching_walk (to be filled by its issue)."""


def register(subparsers) -> None:
    """Add no subcommand yet."""
