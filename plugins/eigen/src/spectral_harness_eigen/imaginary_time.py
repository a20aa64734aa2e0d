"""Imaginary-time evolution, the classical reference for cooling: ψ ← e^{−τH}ψ / ‖e^{−τH}ψ‖ per
step, exactly (eigendecomposition; the dense matrix is read once, n matvecs), from the same
start state and for the same number of steps as the cooling methods."""

from __future__ import annotations

import numpy as np

from spectral_harness_eigen.contract import EigenProblem
from spectral_harness_eigen.trajectory import TrajectoryResult, energy, start_and_steps


class ImaginaryTime:
    """Normalised imaginary-time steps of length ``step`` τ."""

    def __init__(self, step: float) -> None:
        self.step = step

    def __call__(self, problem: EigenProblem) -> TrajectoryResult:
        """Evolve the problem's start state for its number of steps (k = 1, SA, Hermitian)."""
        if not problem.hermitian or problem.which != "SA" or problem.k != 1:
            raise ValueError("imaginary time prepares the ground state only (k=1, SA, Hermitian)")
        op = problem.operator
        values, basis = np.linalg.eigh(op.dense())
        start, steps = start_and_steps(problem)
        a = basis.conj().T @ start
        damping = np.exp(-self.step * (values - values.min()))  # shifted: no overflow
        states, history = [start], [(op.matvecs, np.array([energy(values, a)]))]
        for _ in range(steps):
            a = damping * a
            a = a / np.linalg.norm(a)
            states.append(basis @ a)
            history.append((op.matvecs, np.array([energy(values, a)])))
        final = states[-1]
        info = {"steps": float(steps), "total_time": steps * self.step}
        return TrajectoryResult(
            np.array([energy(values, a)]), final[:, None], history, info, np.array(states)
        )
