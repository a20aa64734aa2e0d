"""What the step-by-step ground-state preparers share: a problem that fixes the start state and
the number of steps, a result that keeps the state after every step, and the random product
state they all start from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spectral_harness_eigen.contract import EigenProblem, EigenResult

DEFAULT_STEPS = 50


@dataclass(frozen=True)
class CoolingProblem(EigenProblem):
    """An :class:`EigenProblem` with the ``start`` state every preparer begins from and the
    number of ``steps`` each may take (cooling steps, imaginary-time steps, Lanczos steps)."""

    start: Any = None
    steps: int = DEFAULT_STEPS


@dataclass
class TrajectoryResult(EigenResult):
    """An :class:`EigenResult` that also keeps ``states``: (steps + 1, n), the start state and
    the state after each step (unit vectors)."""

    states: Any = field(default_factory=lambda: np.zeros((0, 0)))


def random_product_state(qubits: int, rng: np.random.Generator) -> np.ndarray:
    """⊗ of ``qubits`` independent Haar-random single-qubit states (a 2^qubits unit vector)."""
    state = np.ones(1, dtype=complex)
    for _ in range(qubits):
        qubit = rng.standard_normal(2) + 1j * rng.standard_normal(2)
        state = np.kron(state, qubit / np.linalg.norm(qubit))
    return state


def start_and_steps(problem: EigenProblem) -> tuple[np.ndarray, int]:
    """The problem's start state and step count; a plain :class:`EigenProblem` (or a start of
    the wrong size, as in the slot's probe) gets a seeded random unit vector and the default."""
    n = problem.operator.shape[0]
    start = getattr(problem, "start", None)
    if start is None or np.shape(start) != (n,):
        rng = np.random.default_rng(problem.seed)
        start = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    start = np.asarray(start, dtype=complex)
    return start / np.linalg.norm(start), int(getattr(problem, "steps", DEFAULT_STEPS))


def energy(values: np.ndarray, coefficients: np.ndarray) -> float:
    """⟨ψ|H|ψ⟩ for ψ given by its ``coefficients`` in the eigenbasis of H (eigen``values``)."""
    return float(np.sum(values * np.abs(coefficients) ** 2))
