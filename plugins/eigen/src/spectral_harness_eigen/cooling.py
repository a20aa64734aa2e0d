"""Sign-filter cooling: our classical stand-in for ground-state preparation by dynamical cooling
(arXiv 2404.05810).

The paper applies a QSP polynomial approximation of sign(H − μ) to split the spectrum at μ and
drives energy-lowering transitions without a bath. We simulate the filter, not the paper's
unitary dynamics: each cooling step applies the degree-``degree`` Chebyshev approximation of the
smoothed step θ(μ − E) = (1 − erf(β(E − μ)))/2 (the projector that sign(H − μ) defines) to the
state and renormalises (a post-selected application), with the threshold μ lowered to the
current energy minus the filter's width. No prior gap knowledge is used: the spectrum's range
comes from Gershgorin bounds. It stops when the energy moved less than ``tol`` (relative) in a
step, or at the matvec budget. Each step costs ``degree`` + 1 matvecs.
"""

from __future__ import annotations

import numpy as np
from numpy.polynomial import chebyshev
from scipy.special import erf

from spectral_harness_eigen.contract import EigenProblem, EigenResult


def step_filter_coefficients(threshold: float, sharpness: float, degree: int) -> np.ndarray:
    """Chebyshev coefficients on [−1, 1] of (1 − erf(sharpness (x − threshold)))/2."""
    return chebyshev.chebinterpolate(
        lambda x: 0.5 * (1.0 - erf(sharpness * (x - threshold))), degree
    )


def apply_chebyshev(problem: EigenProblem, coeffs: np.ndarray, bounds, state: np.ndarray):
    """Σ_j c_j T_j(Ĥ) state with Ĥ = (2H − (a + b))/(b − a), by the three-term recurrence."""
    low, high = bounds
    half, mid = (high - low) / 2.0, (high + low) / 2.0

    def scaled(v: np.ndarray) -> np.ndarray:
        return (problem.operator.matmat(v) - mid * v) / half

    previous, current = state, scaled(state)
    out = coeffs[0] * previous + coeffs[1] * current
    for c in coeffs[2:]:
        previous, current = current, 2.0 * scaled(current) - previous
        out = out + c * current
    return out


class SignFilterCooling:
    """Cooling steps with a Chebyshev sign filter (see the module docstring)."""

    def __init__(self, degree: int, sharpness: float) -> None:
        self.degree = degree
        self.sharpness = sharpness

    def __call__(self, problem: EigenProblem) -> EigenResult:
        """Prepare the lowest eigenstate (k = 1, which = SA) of a Hermitian operator."""
        if not problem.hermitian or problem.which != "SA" or problem.k != 1:
            raise ValueError("cooling prepares the ground state only (k=1, SA, Hermitian)")
        op = problem.operator
        bounds = op.bounds()
        half, mid = (bounds[1] - bounds[0]) / 2.0, (bounds[1] + bounds[0]) / 2.0
        state = np.random.default_rng(problem.seed).standard_normal(op.shape[0]).astype(op.dtype)
        state /= np.linalg.norm(state)
        energy = float(np.real(np.vdot(state, op.matmat(state))))
        history: list[tuple[float, np.ndarray]] = [(op.matvecs, np.array([energy]))]
        width = 1.0 / self.sharpness
        steps = 0
        while op.matvecs + self.degree + 1 <= problem.max_matvecs:
            threshold = (energy - mid) / half - width
            coeffs = step_filter_coefficients(threshold, self.sharpness, self.degree)
            state = apply_chebyshev(problem, coeffs, bounds, state)
            state /= np.linalg.norm(state)
            new = float(np.real(np.vdot(state, op.matmat(state))))
            steps += 1
            history.append((op.matvecs, np.array([new])))
            converged = abs(new - energy) <= problem.tol * max(abs(new), 1e-12)
            energy = new
            if converged:
                break
        return EigenResult(np.array([energy]), state[:, None], history, {"steps": float(steps)})
