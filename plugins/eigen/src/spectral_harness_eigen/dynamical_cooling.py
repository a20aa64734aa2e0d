"""Dynamical cooling (Motlagh, Shokrian Zini, Arrazola, Wiebe, arXiv 2404.05810): our classical
simulation of one well-defined version.

The paper's algorithm section was not reachable offline (only its abstract); we implement the
abstract's and the research notes' description literally, and name every choice the paper may
make differently:

* transform: H is scaled to x ∈ [−1, 1] with Gershgorin bounds (no gap knowledge) and mapped by
  the QSP-admissible odd polynomial S_μ = p(x − μ) ≈ sign(x − μ) of :mod:`.sign_polynomial`; the
  transformed Hamiltonian Δ·S_μ has two flat bands ±Δ (states below / above μ) separated by the
  gap 2Δ, so transitions inside a band conserve the transformed energy and jumps across cost 2Δ;
* perturbation: V_k = Σ c_j P_j, a fresh seeded random combination (Σ c_j² = 1) of the one-qubit
  Paulis X, Y, Z on every qubit and the nearest-neighbour XX, YY, ZZ (a random symmetric
  tridiagonal matrix when the dimension is not a power of two), scaled by ``strength`` λ;
* dynamics: one cooling step evolves the state unitarily under Δ·S_μ + λ·V_k for a dwell time
  t, exactly (eigendecomposition; dimension ≤ 2^10);
* μ schedule: μ_k = E_k + κ·σ_k from the current energy E_k and energy spread σ_k (``offset``
  κ), so μ falls as the energy falls;
* dwell time (our addition): t_k is the one of t_max·j/m (j = 1..m, m = ``dwells``) that gives the
  lowest energy, or 0 (the step is skipped) when none lowers it. A unitary that fixes the ground
  state cannot raise the ground-state overlap, so some state-dependent choice is needed; this one
  makes the energy non-increasing and the ground state a fixed point. On a quantum computer it
  costs m energy estimates per step.

Cost: the classical simulation reads the dense matrix once (n matvecs); the quantum cost (QSP
degree × steps × dwell) is reported as ``info_sign_degree``, ``info_accepted`` and
``info_evaluations``, not as matvecs.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from spectral_harness_eigen.contract import EigenProblem
from spectral_harness_eigen.sign_polynomial import SignPolynomial
from spectral_harness_eigen.trajectory import TrajectoryResult, energy, start_and_steps

_PAULI = {
    "X": sp.csr_matrix(np.array([[0.0, 1.0], [1.0, 0.0]])),
    "Y": sp.csr_matrix(np.array([[0.0, -1.0j], [1.0j, 0.0]])),
    "Z": sp.csr_matrix(np.diag([1.0, -1.0])),
}


def pauli_terms(qubits: int) -> list[sp.csr_matrix]:
    """X, Y, Z on every qubit and XX, YY, ZZ on every neighbouring pair (sparse, 2^q × 2^q)."""

    def placed(ops: dict[int, sp.csr_matrix]) -> sp.csr_matrix:
        out = sp.identity(1, format="csr")
        for i in range(qubits):
            out = sp.kron(out, ops.get(i, sp.identity(2, format="csr")), format="csr")
        return out

    single = [placed({i: _PAULI[p]}) for i in range(qubits) for p in "XYZ"]
    pairs = [placed({i: _PAULI[p], i + 1: _PAULI[p]}) for i in range(qubits - 1) for p in "XYZ"]
    return single + pairs


def random_perturbation(
    n: int, terms: list[sp.csr_matrix] | None, rng: np.random.Generator
) -> np.ndarray:
    """A random Hermitian V (dense): Σ c_j P_j over ``terms`` with Σ c_j² = 1, or, without
    terms, a symmetric tridiagonal matrix with unit-norm Gaussian entries."""
    if terms:
        c = rng.standard_normal(len(terms))
        c /= np.linalg.norm(c)
        return sum(
            (cj * t for cj, t in zip(c, terms, strict=True)), sp.csr_matrix((n, n))
        ).toarray()
    c = rng.standard_normal(2 * n - 1)
    c /= np.linalg.norm(c)
    return np.diag(c[:n]) + np.diag(c[n:], 1) + np.diag(c[n:], -1)


def step_generator(
    sign_values: np.ndarray, gap: float, strength: float, perturbation: np.ndarray
) -> np.ndarray:
    """Δ·S_μ + λ·V in the eigenbasis of H, where S_μ is diagonal (``sign_values``)."""
    return gap * np.diag(sign_values) + strength * perturbation


def evolve(generator: np.ndarray, coefficients: np.ndarray, times: np.ndarray) -> np.ndarray:
    """exp(−i t G) ψ for every t in ``times``: an (n, len(times)) array of states."""
    w, r = np.linalg.eigh(generator)
    phases = np.exp(-1j * np.outer(w, times))
    return r @ (phases * (r.conj().T @ coefficients)[:, None])


class DynamicalCooling:
    """K cooling steps of sign-transformed, perturbed unitary dynamics (module docstring)."""

    def __init__(
        self,
        polynomial: SignPolynomial,
        gap: float,
        strength: float,
        offset: float,
        dwell: float,
        dwells: int,
    ) -> None:
        self.polynomial = polynomial
        self.gap = gap
        self.strength = strength
        self.offset = offset
        self.times = dwell * np.arange(1, dwells + 1) / dwells

    def __call__(self, problem: EigenProblem) -> TrajectoryResult:
        """Cool the problem's start state for its number of steps (k = 1, SA, Hermitian)."""
        if not problem.hermitian or problem.which != "SA" or problem.k != 1:
            raise ValueError(
                "dynamical cooling prepares the ground state only (k=1, SA, Hermitian)"
            )
        op = problem.operator
        low, high = op.bounds()
        half, mid = (high - low) / 2.0, (high + low) / 2.0
        values, basis = np.linalg.eigh(op.dense())
        scaled = (values - mid) / half
        start, steps = start_and_steps(problem)
        n = op.shape[0]
        qubits = int(np.log2(n))
        terms = pauli_terms(qubits) if 2**qubits == n else None
        rng = np.random.default_rng([problem.seed, 2404_05810])
        a = basis.conj().T @ start
        states = [start]
        history = [(op.matvecs, np.array([energy(values, a)]))]
        accepted = 0
        for _ in range(steps):
            e = energy(values, a)
            spread = np.sqrt(max(energy(values**2, a) - e * e, 0.0))
            mu = float(np.clip((e + self.offset * spread - mid) / half, -1.0, 1.0))
            v = basis.conj().T @ random_perturbation(n, terms, rng) @ basis
            generator = step_generator(self.polynomial(scaled, mu), self.gap, self.strength, v)
            candidates = evolve(generator, a, self.times)
            energies = values @ np.abs(candidates) ** 2
            best = int(np.argmin(energies))
            if energies[best] < e - 1e-12 * max(1.0, abs(e)):
                a = candidates[:, best]
                a = a / np.linalg.norm(a)
                accepted += 1
            states.append(basis @ a)
            history.append((op.matvecs, np.array([energy(values, a)])))
        info = {
            "steps": float(steps),
            "accepted": float(accepted),
            "evaluations": float(steps * len(self.times)),
            "sign_degree": float(self.polynomial.degree),
            "sign_tail": self.polynomial.tail,
        }
        final = states[-1]
        return TrajectoryResult(
            np.array([energy(values, a)]), final[:, None], history, info, np.array(states)
        )
