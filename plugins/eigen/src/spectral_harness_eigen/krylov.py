"""Plain Lanczos from the cooling methods' start state: one matvec per step (the three-term
recurrence with full reorthogonalisation) and, after every step, the lowest Ritz pair of the
Krylov space built so far; the classical reference that uses the operator only through
products."""

from __future__ import annotations

import numpy as np
from scipy.linalg import eigh_tridiagonal

from spectral_harness_eigen.contract import EigenProblem
from spectral_harness_eigen.trajectory import TrajectoryResult, start_and_steps


def lanczos_from_start(problem: EigenProblem) -> TrajectoryResult:
    """Lowest Ritz pair after each of the problem's steps; once the Krylov space is invariant the
    remaining steps repeat the exact answer without further matvecs."""
    if not problem.hermitian or problem.which != "SA" or problem.k != 1:
        raise ValueError("this Lanczos prepares the ground state only (k=1, SA, Hermitian)")
    op = problem.operator
    start, steps = start_and_steps(problem)
    basis, alphas, betas = [start], [], []
    product = op.matmat(start)
    states, values = [start], [float(np.real(np.vdot(start, product)))]
    history = [(op.matvecs, np.array(values[:1]))]
    invariant = False
    for step in range(steps):
        if not invariant:
            if step > 0:
                product = op.matmat(basis[-1])
            alphas.append(float(np.real(np.vdot(basis[-1], product))))
            w = product - alphas[-1] * basis[-1] - (betas[-1] * basis[-2] if betas else 0.0)
            q = np.array(basis).T
            for _ in range(2):  # full reorthogonalisation; twice is enough
                w = w - q @ (q.conj().T @ w)
            norm = float(np.linalg.norm(w))
            invariant = norm <= 1e-10 * max(1.0, abs(alphas[-1])) or len(basis) == op.shape[0]
            theta, y = eigh_tridiagonal(
                np.array(alphas), np.array(betas), select="i", select_range=(0, 0)
            )
            vector = q @ y[:, 0]
            states.append(vector / np.linalg.norm(vector))
            values.append(float(theta[0]))
            if not invariant:
                betas.append(norm)
                basis.append(w / norm)
        else:
            states.append(states[-1])
            values.append(values[-1])
        history.append((op.matvecs, np.array([values[-1]])))
    info = {"steps": float(steps), "krylov_dimension": float(len(basis))}
    return TrajectoryResult(
        np.array([values[-1]]), states[-1][:, None], history, info, np.array(states)
    )
