"""Speed of the exact optimiser for positional vectors in any order (issue 19, item 4).

Target: budgets 1..1024 for a vector of 64 positions well under a second or two.
Baseline timed in the same run (the machine is shared): the same recursion written as
plain Python loops over (budget, position, subtree size), as Sequoia's
``tree_search.py`` runs it, at a size where it finishes; its values are checked
against the vectorised DP (1e-12).
Writes benchmarks/results/trees_positional.md.
"""

from __future__ import annotations

import os

import numpy as np
from _timing import best_of, write_results

from specbound.trees import optimal_tree, positional_optimal_tree, positional_optimal_values


def plain_python_values(acc: list[float], size: int) -> list[float]:
    """F(b) for b = 0..size: G(i, b) = max_s a_i (1 + F(s - 1)) + G(i + 1, b - s), loops."""
    m = len(acc)
    neg = float("-inf")
    g = [[0.0] + [neg] * size for _ in range(m + 1)]
    for b in range(1, size + 1):
        for i in range(m - 1, -1, -1):
            best = neg
            for s in range(1, b + 1):
                v = acc[i] * (1.0 + g[0][s - 1]) + g[i + 1][b - s]
                best = max(best, v)
            g[i][b] = best
    return g[0]


def dip_vector(m: int, seed: int = 0) -> np.ndarray:
    """A decreasing Dirichlet vector of m entries with every 8th pair swapped (not sorted)."""
    a = np.sort(np.random.default_rng(seed).dirichlet(np.ones(m + 1))[:m])[::-1]
    for i in range(7, m - 1, 8):
        a[[i, i + 1]] = a[[i + 1, i]]
    return a


def main() -> None:
    load = os.getloadavg()[0]
    lines = [
        "# Exact optimal trees for positional vectors in any order (issue 19)",
        "",
        f"Load average at the start: {load:.1f} on {os.cpu_count()} cores (shared machine).",
        "",
    ]
    small = dip_vector(16)
    t_py, v_py = best_of(lambda: plain_python_values(small.tolist(), 256))
    t_np, v_np = best_of(lambda: positional_optimal_values(small, 256), 3)
    assert np.allclose(v_py, v_np, rtol=1e-12, atol=0), "values differ"
    lines += [
        "## Against plain Python loops (same recursion), budgets 1..256, 16 positions",
        "",
        "| plain Python (baseline) | `positional_optimal_values` | ratio (ours / baseline) |",
        "|---|---|---|",
        f"| {t_py:.2f} s | {t_np * 1e3:.1f} ms | {t_np / t_py:.4f} |",
        "",
    ]
    acc = dip_vector(64)
    t_values, values = best_of(lambda: positional_optimal_values(acc, 1024), 3)
    t_tree, tree = best_of(lambda: positional_optimal_tree(acc, 1024), 3)
    deep = np.concatenate([[0.85], 0.1 * dip_vector(63)])  # a deep optimum: depth 16 binds
    free = positional_optimal_tree(deep, 1024)
    t_depth, limited = best_of(lambda: positional_optimal_tree(deep, 1024, max_depth=16))
    ranked = np.sort(acc)[::-1]
    t_greedy, relaxed = best_of(lambda: optimal_tree(ranked, 1024), 3)
    assert abs(tree.expected_accepted - values[1024]) <= 1e-12 * values[1024]
    lines += [
        "## Budgets 1..1024, 64 positions (every 8th pair swapped)",
        "",
        "| computation | time | ratio to the sorted greedy | E[accepted] at 1024 |",
        "|---|---|---|---|",
        f"| sorted relaxation: `optimal_tree(sorted, 1024)` greedy (reference) | "
        f"{t_greedy * 1e3:.1f} ms | 1 | {relaxed.expected_accepted:.6f} |",
        f"| `positional_optimal_values` (every budget) | {t_values * 1e3:.1f} ms | "
        f"{t_values / t_greedy:.1f} | {values[1024]:.6f} |",
        f"| `positional_optimal_tree` | {t_tree * 1e3:.1f} ms | {t_tree / t_greedy:.1f} | "
        f"{tree.expected_accepted:.6f} |",
        f"| `positional_optimal_tree`, max_depth 16, (0.85, 0.1 x the above) "
        f"(unconstrained: {free.expected_accepted:.6f} at depth {free.depth}) | "
        f"{t_depth:.2f} s | {t_depth / t_greedy:.0f} | {limited.expected_accepted:.6f} |",
        "",
        f"Target: well under 1-2 s without a depth limit. "
        f"{'MET' if max(t_values, t_tree) < 1 else 'MISSED'} ({max(t_values, t_tree):.3f} s).",
    ]
    write_results("trees_positional", lines, echo=True)


if __name__ == "__main__":
    main()
