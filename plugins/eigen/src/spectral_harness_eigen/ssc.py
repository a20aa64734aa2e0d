"""An exact check of the sufficiently scattered condition (SSC) for small ranks (Gillis & Luce
2024, arXiv 2402.06019).

A nonnegative H ∈ R^{r×n} is sufficiently scattered when (SSC1) the second-order cone
C = {x : eᵀx ≥ √(r−1) ‖x‖} lies in cone(H), and (SSC2) cone(H)* meets the boundary of C* only
on the rays of the unit vectors. By duality, C ⊆ cone(H) ⟺ cone(H)* ⊆ C*; on the slice eᵀy = 1
this reads: the polytope P = {y : eᵀy = 1, Hᵀy ≥ 0} is bounded and max_{y∈P} ‖y‖² ≤ 1 (the
paper's non-convex QP, optimum 1 iff SSC holds). A convex function peaks at a vertex, so for
small r we solve the QP globally by enumerating P's vertices (r − 1 active columns at a time)
instead of the paper's branch-and-bound; SSC2 holds when every vertex on the unit sphere is a
unit vector (a face of P touching the sphere elsewhere would put its vertices outside).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
from scipy.optimize import linprog


@dataclass(frozen=True)
class SscResult:
    """``value``: max ‖y‖² over P (inf when P is unbounded); ``witness``: a maximising vertex
    (None when unbounded); ``ssc1``/``ssc2``: the two conditions; ``holds``: both."""

    value: float
    witness: np.ndarray | None
    ssc1: bool
    ssc2: bool

    @property
    def holds(self) -> bool:
        """Whether H is sufficiently scattered."""
        return self.ssc1 and self.ssc2


def check_ssc(h: np.ndarray, tol: float = 1e-9) -> SscResult:
    """Decide SSC for a nonnegative (r, n) matrix by vertex enumeration (C(n, r−1) solves)."""
    h = np.asarray(h, dtype=float)
    r, n = h.shape
    if _unbounded(h, tol):
        return SscResult(np.inf, None, False, False)
    ones = np.ones((1, r))
    best, witness, on_sphere = -np.inf, None, []
    for active in combinations(range(n), r - 1):
        system = np.vstack([ones, h[:, active].T])
        if abs(np.linalg.det(system)) < 1e-12:
            continue
        y = np.linalg.solve(system, np.eye(r)[0])
        if (h.T @ y).min() < -tol:
            continue
        value = float(y @ y)
        if value > best:
            best, witness = value, y
        if abs(value - 1.0) <= 1e-7:
            on_sphere.append(y)
    ssc1 = best <= 1.0 + 1e-7
    units = all(np.sort(np.abs(y))[-1] > 1.0 - 1e-7 for y in on_sphere)
    return SscResult(best, witness, ssc1, ssc1 and units)


def _unbounded(h: np.ndarray, tol: float) -> bool:
    """Whether P has a recession direction d ≠ 0 (eᵀd = 0, Hᵀd ≥ 0): one LP per ±coordinate."""
    r = h.shape[0]
    for i in range(r):
        for sign in (1.0, -1.0):
            cost = np.zeros(r)
            cost[i] = -sign
            out = linprog(
                cost,
                A_ub=-h.T,
                b_ub=np.zeros(h.shape[1]),
                A_eq=np.ones((1, r)),
                b_eq=[0.0],
                bounds=[(-1.0, 1.0)] * r,
            )
            if out.status == 0 and -out.fun > tol:
                return True
    return False


def cone_point_outside(witness: np.ndarray) -> np.ndarray:
    """For a vertex y of P with ‖y‖² > 1, the point of C ∩ {eᵀx = 1} minimising yᵀx: it has
    yᵀx < 0 while y ∈ cone(H)*, so it lies in C but not in cone(H) (a certificate)."""
    r = len(witness)
    centre = np.full(r, 1.0 / r)
    radius = 1.0 / np.sqrt(r * (r - 1.0))
    direction = witness - witness.mean()
    return centre - radius * direction / np.linalg.norm(direction)


def cone_boundary_points(r: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` random points (columns) of C's boundary on the slice eᵀx = 1."""
    z = rng.standard_normal((r, count))
    z -= z.mean(axis=0)
    return 1.0 / r + z / np.linalg.norm(z, axis=0) / np.sqrt(r * (r - 1.0))
