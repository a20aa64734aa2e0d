"""The operator a solver sees: every product with it (and every shift-invert solve) is counted.

Solvers never read the matrix except through :class:`CountedOperator`, so the task, not the
solver, reports the cost: matvecs (matrix–vector products, a k-column block counting k),
solves (applications of (A − σI)⁻¹) and factorizations. Forming the dense matrix costs n matvecs
(what it costs for a matvec-only operator).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator, splu


class CountedOperator:
    """A square matrix (dense or sparse) behind a counting interface."""

    def __init__(self, matrix: Any) -> None:
        self._matrix = matrix.tocsr() if sp.issparse(matrix) else np.asarray(matrix)
        self.shape: tuple[int, int] = self._matrix.shape
        self.dtype = np.result_type(self._matrix.dtype, np.float64)
        self.matvecs = 0.0
        self.solves = 0
        self.factorizations = 0

    @property
    def sparse(self) -> bool:
        """Whether the operator is stored sparse (shift-invert then uses a sparse LU)."""
        return sp.issparse(self._matrix)

    def matmat(self, block: np.ndarray) -> np.ndarray:
        """A @ block for a vector or an (n, k) block; counts one matvec per column."""
        block = np.asarray(block)
        self.matvecs += 1 if block.ndim == 1 else block.shape[1]
        return self._matrix @ block

    def rows_matvec(self, rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
        """(A @ vector)[rows]: one agent's share of a product, counted as len(rows)/n matvecs."""
        self.matvecs += len(rows) / self.shape[0]
        return self._matrix[rows] @ vector

    def linear_operator(self) -> LinearOperator:
        """A SciPy ``LinearOperator`` whose products are counted."""
        return LinearOperator(self.shape, matvec=self.matmat, matmat=self.matmat, dtype=self.dtype)

    def dense(self) -> np.ndarray:
        """The dense matrix, charged as n matvecs."""
        self.matvecs += self.shape[0]
        return self._matrix.toarray() if self.sparse else self._matrix.copy()

    def shift_invert(self, sigma: complex) -> LinearOperator:
        """(A − σI)⁻¹ as a counted ``LinearOperator`` (one LU factorization, one solve per
        column); the factorization is done on the stored matrix and counted apart."""
        n = self.shape[0]
        dtype = np.result_type(self.dtype, np.asarray(sigma).dtype)
        self.factorizations += 1
        if self.sparse:
            lu = splu((self._matrix - sigma * sp.identity(n)).astype(dtype).tocsc())
            solve = lu.solve
        else:
            from scipy.linalg import lu_factor, lu_solve

            factors = lu_factor(self._matrix - sigma * np.eye(n))
            solve = lambda b: lu_solve(factors, b)  # noqa: E731

        def apply(block: np.ndarray) -> np.ndarray:
            block = np.asarray(block, dtype=dtype)
            self.solves += 1 if block.ndim == 1 else block.shape[1]
            return solve(block)

        return LinearOperator(self.shape, matvec=apply, matmat=apply, dtype=dtype)

    def bounds(self) -> tuple[float, float]:
        """Gershgorin bounds on the real parts of the spectrum (free: read from the entries)."""
        m = self._matrix
        diag = np.real(m.diagonal())
        radius = np.asarray(abs(m).sum(axis=1)).ravel() - np.abs(m.diagonal())
        return float((diag - radius).min()), float((diag + radius).max())
