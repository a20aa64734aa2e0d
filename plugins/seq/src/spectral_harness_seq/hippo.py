"""HiPPO-LegS and its diagonal approximations, with the linear-algebra checks of S4-PTD.

Yu, Nigmetov, Morozov, Mahoney & Erichson (ICLR 2024, arXiv 2310.01698). The HiPPO-LegS matrix

    A_nk = -sqrt(2n+1) sqrt(2k+1) (n > k),   -(n+1) (n = k),   0 (n < k),   B_n = sqrt(2n+1)

is non-normal: its eigenvector matrix is exponentially ill-conditioned, so diagonalising it
directly is useless in floating point. Two ways out:

* **S4D / S5** drop the rank-one term: ``A_N = A + P Pᵀ`` (``P_n = sqrt(n + 1/2)``) is normal
  (−1/2 I plus a skew-symmetric matrix) and unitarily diagonalisable, but its transfer function
  ``C (sI − A_N)⁻¹ B`` differs from HiPPO's ``C (sI − A)⁻¹ B`` (most at high frequencies);
* **PTD** diagonalises a perturbed ``Ã = A + E`` with a small ``‖E‖₂ = ε`` chosen to make the
  eigenvector matrix Ṽ well conditioned; the transfer function moves by O(ε) only. The paper's
  E comes from an optimisation that its code does not ship (a precomputed ``.mat``): here E is
  the best, by the condition number κ(Ṽ), of ``trials`` random Gaussian directions of norm ε.

κ is always that of the eigenvector matrix with unit columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def hippo_legs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """HiPPO-LegS ``(A (n, n), B (n,))``, float64."""
    q = np.sqrt(2 * np.arange(n) + 1.0)
    a = -np.tril(np.outer(q, q), -1) - np.diag(np.arange(1.0, n + 1))
    return a, q.copy()


def normal_part(n: int) -> np.ndarray:
    """``A_N = A + P Pᵀ`` with ``P_n = sqrt(n + 1/2)``: HiPPO-LegS without its low-rank term."""
    a, _ = hippo_legs(n)
    p = np.sqrt(np.arange(n) + 0.5)
    return a + np.outer(p, p)


def condition_number(vectors: np.ndarray) -> float:
    """κ₂ of ``vectors`` after scaling each column to unit norm."""
    return float(np.linalg.cond(vectors / np.linalg.norm(vectors, axis=0)))


@dataclass(frozen=True)
class Diagonalisation:
    """``A ≈ V diag(λ) V⁻¹``: eigenvalues (n,), eigenvectors (n, n) with unit columns, κ(V) and
    the norm of the perturbation that was diagonalised (0: none)."""

    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    condition: float
    perturbation: float

    def transfer(self, b: np.ndarray, c: np.ndarray, s: np.ndarray) -> np.ndarray:
        """``c V (sI − Λ)⁻¹ V⁻¹ b`` at every complex ``s``."""
        b_tilde = np.linalg.solve(self.eigenvectors, b.astype(complex))
        c_tilde = c @ self.eigenvectors
        return ((c_tilde * b_tilde)[None, :] / (s[:, None] - self.eigenvalues[None, :])).sum(1)


def diagonalise(a: np.ndarray, perturbation: float = 0.0) -> Diagonalisation:
    """The eigendecomposition of ``a`` (no perturbation, however ill-conditioned)."""
    values, vectors = np.linalg.eig(a)
    vectors = vectors / np.linalg.norm(vectors, axis=0)
    return Diagonalisation(values, vectors, condition_number(vectors), perturbation)


def ptd(a: np.ndarray, epsilon: float, trials: int, rng: np.random.Generator) -> Diagonalisation:
    """Perturb-then-diagonalise: of ``trials`` random E with ``‖E‖₂ = epsilon``, the one whose
    ``A + E`` has the best-conditioned eigenvectors."""
    if not epsilon > 0 or trials < 1:
        raise ValueError(f"PTD needs epsilon > 0 and trials >= 1, not {epsilon}, {trials}")
    best: Diagonalisation | None = None
    for _ in range(trials):
        e = rng.standard_normal(a.shape)
        candidate = diagonalise(a + e * (epsilon / np.linalg.norm(e, 2)), epsilon)
        if best is None or candidate.condition < best.condition:
            best = candidate
    assert best is not None
    return best


def dense_transfer(a: np.ndarray, b: np.ndarray, c: np.ndarray, s: np.ndarray) -> np.ndarray:
    """``c (sI − a)⁻¹ b`` at every complex ``s`` (solved densely, no diagonalisation)."""
    eye = np.eye(a.shape[0])
    return np.array([c @ np.linalg.solve(z * eye - a, b) for z in s])
