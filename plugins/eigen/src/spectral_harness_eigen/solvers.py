"""The classical eigen-solvers: dense ``eigh``/``eig``, ARPACK (plain and shift-invert) and
LOBPCG. Each is ``solve(problem) -> EigenResult`` (the slot's component)."""

from __future__ import annotations

import numpy as np
from scipy.linalg import eig, eigh
from scipy.sparse.linalg import LinearOperator, eigs, eigsh, lobpcg

from spectral_harness_eigen.contract import EigenProblem, EigenResult


def order(values: np.ndarray, which: str) -> np.ndarray:
    """Indices that sort ``values`` from most to least wanted by ``which``."""
    keys = {
        "SA": np.real(values),
        "LA": -np.real(values),
        "SR": np.real(values),
        "LR": -np.real(values),
        "SM": np.abs(values),
        "LM": -np.abs(values),
    }
    if which not in keys:
        raise ValueError(f"unknown which={which!r}; use one of {', '.join(keys)}")
    return np.argsort(keys[which], kind="stable")


def dense(problem: EigenProblem) -> EigenResult:
    """LAPACK on the dense matrix (``eigh`` if Hermitian, else ``eig``), charged n matvecs."""
    matrix = problem.operator.dense()
    values, vectors = eigh(matrix) if problem.hermitian else eig(matrix)
    keep = order(values, problem.which)[: problem.k]
    return EigenResult(values[keep], vectors[:, keep])


def arpack(problem: EigenProblem, *, shift_invert: bool = False) -> EigenResult:
    """Implicitly restarted Lanczos/Arnoldi (``eigsh``/``eigs``); with ``shift_invert`` the
    eigenvalues nearest ``problem.sigma`` through (A − σI)⁻¹ (one LU, one solve per step).

    The Krylov space holds ``ncv = max(2k + 1, 20)`` vectors; ``maxiter`` (restarts) is the
    matvec budget divided by ``ncv``. A run that does not converge within it raises."""
    op = problem.operator
    n = op.shape[0]
    ncv = min(n - 1, max(2 * problem.k + 1, 20))
    maxiter = max(1, problem.max_matvecs // ncv)
    start = np.random.default_rng(problem.seed).standard_normal(n)
    kwargs = dict(k=problem.k, tol=problem.tol, ncv=ncv, maxiter=maxiter, v0=start)
    linear = op.linear_operator()
    if shift_invert:
        opinv = op.shift_invert(problem.sigma)
        if problem.hermitian:
            values, vectors = eigsh(
                linear, sigma=np.real(problem.sigma), OPinv=opinv, which="LM", **kwargs
            )
        else:
            values, vectors = eigs(linear, sigma=problem.sigma, OPinv=opinv, which="LM", **kwargs)
    elif problem.hermitian:
        values, vectors = eigsh(linear, which=problem.which, **kwargs)
    else:
        values, vectors = eigs(linear, which=problem.which, **kwargs)
    keep = order(values, problem.which)
    return EigenResult(values[keep], vectors[:, keep])


def arpack_shift_invert(problem: EigenProblem) -> EigenResult:
    """ARPACK in shift-invert mode around the family's ``sigma``."""
    return arpack(problem, shift_invert=True)


def lobpcg_solver(problem: EigenProblem) -> EigenResult:
    """LOBPCG (Knyazev) from a seeded random block of k vectors, no preconditioner; Hermitian
    operators only. The history pairs each iteration's Ritz values with the matvecs so far."""
    if not problem.hermitian:
        raise ValueError("LOBPCG needs a Hermitian operator")
    op = problem.operator
    n = op.shape[0]
    counts: list[float] = []

    def product(block: np.ndarray) -> np.ndarray:
        out = op.matmat(block)
        counts.append(op.matvecs)
        return out

    linear = LinearOperator(op.shape, matvec=product, matmat=product, dtype=op.dtype)
    start = np.random.default_rng(problem.seed).standard_normal((n, problem.k))
    values, vectors, history = lobpcg(
        linear,
        start,
        tol=problem.tol,
        maxiter=max(1, problem.max_matvecs // problem.k),
        largest=problem.which == "LA",
        retLambdaHistory=True,
    )
    values = np.atleast_1d(values)
    keep = order(values, problem.which)
    curve = [
        (counts[min(i, len(counts) - 1)], np.sort(np.atleast_1d(h))) for i, h in enumerate(history)
    ]
    return EigenResult(values[keep], vectors[:, keep], curve)
