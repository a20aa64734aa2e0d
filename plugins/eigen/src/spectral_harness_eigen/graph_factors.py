"""A spectral sufficient condition for a graph factor (a perfect matching, i.e. a 1-factor),
made checkable: Suil O (Linear Algebra Appl. 2021, "Spectral radius and matchings in graphs").

Theorem: a connected graph on an even number n ≥ 8 of vertices whose adjacency spectral
radius exceeds θ(n), the largest root of x³ − (n − 4)x² − (n − 1)x + 2(n − 4), has a perfect
matching. The bound is attained by K_1 ∨ (K_{n−3} ∪ 2K_1), which has none (removing the hub
leaves three odd components).
"""

from __future__ import annotations

import numpy as np


def matching_threshold(n: int) -> float:
    """θ(n): the largest root of x³ − (n − 4)x² − (n − 1)x + 2(n − 4)."""
    return float(np.max(np.roots([1.0, -(n - 4.0), -(n - 1.0), 2.0 * (n - 4.0)]).real))


def extremal_graph(n: int) -> np.ndarray:
    """Adjacency of K_1 ∨ (K_{n−3} ∪ 2K_1): a hub (vertex 0) joined to everything, a clique
    on vertices 1..n−3, and two pendant vertices n−2, n−1."""
    adjacency = np.zeros((n, n))
    adjacency[1 : n - 2, 1 : n - 2] = 1.0
    adjacency[0, :] = adjacency[:, 0] = 1.0
    np.fill_diagonal(adjacency, 0.0)
    return adjacency


def spectral_radius(adjacency: np.ndarray) -> float:
    """The largest adjacency eigenvalue."""
    return float(np.linalg.eigvalsh(adjacency)[-1])
