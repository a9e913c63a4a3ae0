"""Enumeration of every prefix-closed draft tree of a given size, for brute-force checks.

Without a depth limit there are :math:`\\binom{m(k+1)}{k+1} / ((m-1)(k+1)+1)` trees of
``k`` nodes over ``m`` ranks (Fuss-Catalan numbers), so this is for small cases only
(the claim ``trees.optimal_is_brute_force_max`` and the tests).
"""

from __future__ import annotations

from collections.abc import Iterator

from specbound.distributions import check_int

__all__ = ["enumerate_trees"]


def enumerate_trees(
    num_ranks: int, size: int, max_depth: int | None = None
) -> Iterator[tuple[tuple[int, ...], ...]]:
    """Every prefix-closed tree of ``size`` non-root nodes over ranks ``0..num_ranks-1``.

    Siblings may use any subset of the ranks. Each tree is yielded once, as a tuple of
    rank paths. There are :math:`\\binom{m(k+1)}{k+1} / ((m-1)(k+1)+1)` of them without
    a depth limit (m-ary trees with k + 1 nodes, the Fuss-Catalan numbers), so this
    is for brute-force checks of small cases only.
    """
    num_ranks = check_int(num_ranks, "num_ranks", 1)
    size = check_int(size, "size", 0)
    depth = size if max_depth is None else check_int(max_depth, "max_depth", 1)

    def forests(n: int, d: int) -> Iterator[tuple[tuple[int, ...], ...]]:
        if n == 0:
            yield ()
            return
        if d == 0:
            return
        yield from _split(n, 0, d)

    def _split(n: int, r: int, d: int) -> Iterator[tuple[tuple[int, ...], ...]]:
        # distribute n nodes among the subtrees of ranks r..num_ranks-1
        if r == num_ranks:
            if n == 0:
                yield ()
            return
        for s in range(n + 1):
            rest = list(_split(n - s, r + 1, d))
            if not rest:
                continue
            if s == 0:
                yield from rest
                continue
            for sub in forests(s - 1, d - 1):
                head = ((r,), *((r, *p) for p in sub))
                for tail in rest:
                    yield head + tail

    yield from forests(size, depth)
