"""The operator a solver sees: every product with it (and every shift-invert solve) is counted.

Solvers never read the matrix except through :class:`CountedOperator`, so the task, not the
solver, reports the cost: matvecs (matrix–vector products, a k-column block counting k),
solves (applications of (A − σI)⁻¹) and factorizations. Forming the dense matrix costs n matvecs
(what it costs for a matvec-only operator).

A matvec-only operator (``CountedOperator.from_products``: a Hessian–vector product, say) has
no stored entries: its dense form is n products, shift-invert factors that dense form, and it
has no free Gershgorin bounds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator, splu


class CountedOperator:
    """A square matrix (dense or sparse) behind a counting interface."""

    def __init__(self, matrix: Any) -> None:
        self._matrix = matrix.tocsr() if sp.issparse(matrix) else np.asarray(matrix)
        self._products: Callable[[np.ndarray], np.ndarray] | None = None
        self.shape: tuple[int, int] = self._matrix.shape
        self.dtype = np.result_type(self._matrix.dtype, np.float64)
        self.matvecs = 0.0
        self.solves = 0
        self.factorizations = 0

    @classmethod
    def from_products(
        cls, products: Callable[[np.ndarray], np.ndarray], n: int, dtype: Any = np.float64
    ) -> CountedOperator:
        """A matvec-only operator of size n: ``products(block)`` returns A @ block for a vector
        or an (n, k) block."""
        op = cls(np.zeros((0, 0), dtype=dtype))
        op._matrix = None
        op._products = products
        op.shape = (n, n)
        op.dtype = np.result_type(dtype, np.float64)
        return op

    def _apply(self, block: np.ndarray) -> np.ndarray:
        return self._matrix @ block if self._products is None else self._products(block)

    @property
    def sparse(self) -> bool:
        """Whether the operator is stored sparse (shift-invert then uses a sparse LU)."""
        return self._products is None and sp.issparse(self._matrix)

    def matmat(self, block: np.ndarray) -> np.ndarray:
        """A @ block for a vector or an (n, k) block; counts one matvec per column."""
        block = np.asarray(block)
        self.matvecs += 1 if block.ndim == 1 else block.shape[1]
        return self._apply(block)

    def rows_matvec(self, rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
        """(A @ vector)[rows]: one agent's share of a product, counted as len(rows)/n matvecs
        (a whole matvec for a matvec-only operator, which cannot compute rows alone)."""
        if self._products is not None:
            return self.matmat(vector)[rows]
        self.matvecs += len(rows) / self.shape[0]
        return self._matrix[rows] @ vector

    def linear_operator(self) -> LinearOperator:
        """A SciPy ``LinearOperator`` whose products are counted."""
        return LinearOperator(self.shape, matvec=self.matmat, matmat=self.matmat, dtype=self.dtype)

    def dense(self) -> np.ndarray:
        """The dense matrix, charged as n matvecs."""
        if self._products is not None:
            return self.matmat(np.eye(self.shape[0], dtype=self.dtype))
        self.matvecs += self.shape[0]
        return self._matrix.toarray() if self.sparse else self._matrix.copy()

    def shift_invert(self, sigma: complex) -> LinearOperator:
        """(A − σI)⁻¹ as a counted ``LinearOperator`` (one LU factorization, one solve per
        column); the factorization is done on the stored matrix (on the dense form, n matvecs,
        for a matvec-only operator) and counted apart."""
        n = self.shape[0]
        matrix = self.dense() if self._products is not None else self._matrix
        dtype = np.result_type(self.dtype, np.asarray(sigma).dtype)
        self.factorizations += 1
        if self.sparse:
            lu = splu((matrix - sigma * sp.identity(n)).astype(dtype).tocsc())
            solve = lu.solve
        else:
            from scipy.linalg import lu_factor, lu_solve

            factors = lu_factor(matrix - sigma * np.eye(n))
            solve = lambda b: lu_solve(factors, b)  # noqa: E731

        def apply(block: np.ndarray) -> np.ndarray:
            block = np.asarray(block, dtype=dtype)
            self.solves += 1 if block.ndim == 1 else block.shape[1]
            return solve(block)

        return LinearOperator(self.shape, matvec=apply, matmat=apply, dtype=dtype)

    def bounds(self) -> tuple[float, float]:
        """Gershgorin bounds on the real parts of the spectrum (free: read from the entries; a
        matvec-only operator has none)."""
        if self._products is not None:
            raise ValueError("a matvec-only operator has no entries to bound its spectrum with")
        m = self._matrix
        diag = np.real(m.diagonal())
        radius = np.asarray(abs(m).sum(axis=1)).ravel() - np.abs(m.diagonal())
        return float((diag - radius).min()), float((diag + radius).max())
