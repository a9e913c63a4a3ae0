"""Speed of the optimal-tree constructions (issue 6 targets).

Targets (same run, machine shared, so the unconstrained greedy is reported as a ratio
against a plain ``heapq`` Tunstall greedy written here):

* ``optimal_tree(acceptance, 10**6)`` under 2 s; ratio against plain heapq reported.
* depth-limited DP, size 1024, depth 16, 32 ranks: under 5 s.

Every fast result is checked against the plain heapq value (1e-9 relative).
Writes benchmarks/results/trees.md.
"""

from __future__ import annotations

import heapq

import numpy as np
from _timing import best_of, write_results

from specbound.simulations.tree_verification import tree_walk
from specbound.trees import _depth_limited_dp, optimal_tree


def plain_heapq_value(acc: list[float], size: int) -> float:
    """Textbook best-first Tunstall greedy with heapq: the sum of the top-size path products."""
    heap = [(-acc[0], 0, 1.0)]  # (-pi, rank, pi of the parent)
    total = 0.0
    for _ in range(size):
        neg, r, pipar = heapq.heappop(heap)
        pi = -neg
        total += pi
        heapq.heappush(heap, (-(pi * acc[0]), 0, pi))
        if r + 1 < len(acc):
            heapq.heappush(heap, (-(pipar * acc[r + 1]), r + 1, pipar))
    return total


def zipf(n: int, s: float) -> np.ndarray:
    w = np.arange(1, n + 1, dtype=np.float64) ** -s
    return w / w.sum()


def main() -> None:
    size = 1_000_000
    laws = {
        "(0.9, 0.1)": np.array([0.9, 0.1]),
        "ERSD 4-rank law": np.array([0.789024, 0.155250, 0.047601, 0.008125]),
        "zipf(1.8), 1000 ranks": zipf(1000, 1.8),
        "(0.99, 0.01), depth 1083": np.array([0.99, 0.01]),
        "uniform over 8 (lattice: ties)": np.full(8, 1 / 8),
    }
    lines = [
        "# Optimal drafting trees (issue 6)",
        "",
        f"## Unconstrained optimal tree, size {size:,}",
        "",
        "| acceptance | plain heapq (baseline) | `optimal_tree` | ratio (ours / heapq) "
        "| tree depth | E[accepted] | rel. diff |",
        "|---|---|---|---|---|---|---|",
    ]
    worst = 0.0
    for label, acc in laws.items():
        t_heap, v_heap = best_of(lambda acc=acc: plain_heapq_value(acc.tolist(), size))
        t_ours, tree = best_of(lambda acc=acc: optimal_tree(acc, size), 3)
        rel = abs(tree.expected_accepted - v_heap) / v_heap
        assert rel <= 1e-9, (label, tree.expected_accepted, v_heap)
        worst = max(worst, t_ours)
        lines.append(
            f"| {label} | {t_heap:.2f} s | {t_ours:.3f} s | {t_ours / t_heap:.3f} | "
            f"{tree.depth} | {tree.expected_accepted:.6f} | {rel:.1e} |"
        )
    lines += [
        "",
        f"Target: under 2 s. Slowest: {worst:.2f} s: {'MET' if worst < 2 else 'MISSED'}.",
    ]

    # depth-limited DP: 32 ranks, a law whose unconstrained optimum is deeper than 16
    rest = 0.1 * zipf(31, 1.0)
    acc32 = np.concatenate([[0.9], rest])
    t_pub, tree_dp = best_of(lambda: optimal_tree(acc32, 1024, max_depth=16))
    free = optimal_tree(acc32, 1024)
    t_dp, _ = best_of(lambda: _depth_limited_dp(acc32, 1024, 16))
    acc_flat = zipf(32, 1.0)
    t_flat, tree_flat = best_of(lambda: _depth_limited_dp(acc_flat, 1024, 16))
    lines += [
        "",
        "## Depth-limited DP (Sequoia-style), size 1024, max depth 16, 32 ranks",
        "",
        "| acceptance | time | E[accepted] (depth <= 16) | unconstrained (depth) |",
        "|---|---|---|---|",
        f"| (0.9, 0.1 * zipf(1) over 31 ranks), via `optimal_tree` | {t_pub:.2f} s | "
        f"{tree_dp.expected_accepted:.6f} | {free.expected_accepted:.6f} ({free.depth}) |",
        f"| same, `_depth_limited_dp` directly | {t_dp:.2f} s | | |",
        f"| zipf(1) over 32 ranks, `_depth_limited_dp` directly | {t_flat:.2f} s | "
        f"{tree_flat.expected_accepted:.6f} | |",
        "",
        f"Target: under 5 s. {'MET' if max(t_pub, t_dp, t_flat) < 5 else 'MISSED'}.",
    ]

    # verifier walk throughput
    tree = optimal_tree([0.9, 0.1], 10_000)
    trials = 1_000_000
    t_walk, _ = best_of(lambda: tree_walk(tree, trials, rng=0))
    lines += [
        "",
        "## Verifier-walk Monte Carlo",
        "",
        f"`tree_walk` on the optimal (0.9, 0.1) tree of 10^4 nodes (E[accepted] = "
        f"{tree.expected_accepted:.4f}): {trials:,} walks in {t_walk:.2f} s "
        f"({trials * (tree.expected_accepted + 1) / t_walk / 1e6:.1f} M node visits/s).",
    ]
    write_results("trees", lines, echo=True)


if __name__ == "__main__":
    main()
