"""Dynamical cooling's defining properties (the sign polynomial's stated error, unitary steps,
the ground state as a fixed point, a non-increasing energy), its two classical references, the
cooling bench's per-step scoring, and one-line refusals of bad configs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import expm

from harness.testing import assert_refused
from spectral_harness_eigen import families
from spectral_harness_eigen.contract import check
from spectral_harness_eigen.cooling_task import trajectory_metrics
from spectral_harness_eigen.dynamical_cooling import (
    DynamicalCooling,
    evolve,
    pauli_terms,
    random_perturbation,
    step_generator,
)
from spectral_harness_eigen.imaginary_time import ImaginaryTime
from spectral_harness_eigen.krylov import lanczos_from_start
from spectral_harness_eigen.operators import CountedOperator
from spectral_harness_eigen.sign_polynomial import SignPolynomial
from spectral_harness_eigen.trajectory import CoolingProblem, random_product_state

QUBITS = 4
CHAIN = families.tfim(QUBITS, 1.0)


def _problem(start=None, steps=12, seed=0):
    op = CountedOperator(CHAIN.matrix)
    if start is None:
        start = random_product_state(QUBITS, np.random.default_rng(seed))
    return CoolingProblem(op, 1, "SA", True, 1e-10, 10**6, -10.0, seed, start, steps)


def _cooling(**kw):
    options = dict(gap=1.0, strength=1.0, offset=-0.5, dwell=6.0, dwells=12) | kw
    return DynamicalCooling(SignPolynomial(201, 30.0), **options)


def _fidelities(states):
    return np.linalg.norm(np.asarray(states) @ CHAIN.ground.conj(), axis=1) ** 2


@settings(max_examples=60, deadline=None)
@given(
    degree=st.integers(15, 301),
    sharpness=st.floats(2.0, 40.0),
    mu=st.floats(-1.0, 1.0),
    x=st.floats(-1.0, 1.0),
    width=st.floats(0.01, 0.5),
)
def test_sign_polynomial_is_within_its_stated_error_away_from_mu(degree, sharpness, mu, x, width):
    poly = SignPolynomial(degree, sharpness)
    value = float(poly(np.array([x]), mu)[0])
    assert abs(value) <= 1.0 + 1e-12  # QSP-admissible: bounded by 1 on the whole interval
    if abs(x - mu) >= width:
        assert abs(value - np.sign(x - mu)) <= poly.error(width) + 1e-12


def test_sign_polynomial_is_odd_about_mu_and_sharp_when_the_degree_suffices():
    poly = SignPolynomial(601, 40.0)  # the method's default
    x = np.linspace(-1.0, 1.0, 101)
    assert np.allclose(poly(x, 0.2), -poly(0.4 - x, 0.2), atol=1e-12)
    assert poly.tail < 1e-7
    assert poly.error(0.1) < 1e-6  # erfc(4) ≈ 1.5e-8 plus the tail
    assert SignPolynomial(301, 40.0).error(0.1) > 1e-3  # too low a degree: the tail dominates


def test_each_cooling_step_is_unitary():
    rng = np.random.default_rng(1)
    values, _ = np.linalg.eigh(CHAIN.matrix.toarray())
    scaled = values / np.abs(values).max()
    v = random_perturbation(2**QUBITS, pauli_terms(QUBITS), rng)
    generator = step_generator(SignPolynomial(101, 20.0)(scaled, -0.3), 1.5, 0.7, v)
    assert np.allclose(generator, generator.conj().T)
    u = expm(-1j * 2.3 * generator)
    assert np.allclose(u.conj().T @ u, np.eye(2**QUBITS), atol=1e-10)
    psi = rng.standard_normal(2**QUBITS) + 1j * rng.standard_normal(2**QUBITS)
    assert np.allclose(evolve(generator, psi, np.array([2.3]))[:, 0], u @ psi, atol=1e-10)


def test_random_perturbation_is_hermitian_and_unit_weighted():
    v = random_perturbation(2**QUBITS, pauli_terms(QUBITS), np.random.default_rng(0))
    assert np.allclose(v, v.conj().T)
    assert np.isclose(np.trace(v @ v).real / 2**QUBITS, 1.0)  # Paulis are trace-orthonormal
    tri = random_perturbation(24, None, np.random.default_rng(0))
    assert np.allclose(tri, tri.T)
    assert np.isclose(np.sum(np.diag(tri) ** 2) + np.sum(np.diag(tri, 1) ** 2), 1.0)


def test_the_ground_state_is_a_fixed_point():
    ground = CHAIN.ground[:, 0].astype(complex)
    result = _cooling()(_problem(start=ground))
    assert result.info["accepted"] == 0
    assert np.allclose(_fidelities(result.states), 1.0)


def test_energy_never_rises_and_cooling_lowers_it_on_a_small_chain():
    result = _cooling()(_problem(steps=15))
    energies = np.array([e[0] for _, e in result.history])
    assert np.all(np.diff(energies) <= 1e-12)
    assert energies[-1] < energies[0] - 0.5
    assert result.info["accepted"] > 0
    assert np.allclose(np.linalg.norm(result.states, axis=1), 1.0)


def test_without_the_dwell_choice_a_fixed_unitary_cannot_raise_the_fidelity():
    # why the method picks its dwell time: a unitary that fixes the ground state keeps its overlap
    rng = np.random.default_rng(2)
    values, basis = np.linalg.eigh(CHAIN.matrix.toarray())
    scaled = (values - values.mean()) / np.abs(values).max()
    v = basis.conj().T @ random_perturbation(2**QUBITS, pauli_terms(QUBITS), rng) @ basis
    v[0, :] = v[:, 0] = 0.0  # a perturbation that leaves the ground state alone
    generator = step_generator(SignPolynomial(101, 20.0)(scaled, -0.5), 1.0, 1.0, v)
    a = basis.conj().T @ random_product_state(QUBITS, rng)
    after = evolve(generator, a, np.linspace(0.5, 5.0, 10))
    assert np.allclose(np.abs(after[0]) ** 2, abs(a[0]) ** 2)


def test_imaginary_time_converges_and_never_raises_the_energy():
    result = ImaginaryTime(0.5)(_problem(steps=60))
    energies = np.array([e[0] for _, e in result.history])
    assert np.all(np.diff(energies) <= 1e-12)
    assert _fidelities(result.states)[-1] > 0.999


def test_lanczos_uses_one_matvec_per_step_and_reaches_the_ground_state():
    problem = _problem(steps=10)
    result = lanczos_from_start(problem)
    assert problem.operator.matvecs == 10  # the start's energy and 9 new directions
    energies = np.array([e[0] for _, e in result.history])
    assert np.all(np.diff(energies) <= 1e-10)  # Ritz values of nested spaces fall
    full = lanczos_from_start(_problem(steps=20))
    assert np.isclose(full.values[0], CHAIN.reference[0], atol=1e-8)


@pytest.mark.parametrize("solver", [_cooling(), ImaginaryTime(0.2), lanczos_from_start])
def test_the_slot_probe_accepts_the_step_solvers(solver):
    check(solver, _problem())  # the probe replaces the operator: a 24-dim start is drawn


def test_trajectory_metrics_flag_falls_and_rises():
    m = trajectory_metrics(np.array([0.0, -1.0, -0.5]), np.array([0.1, 0.95, 0.9]))
    assert m == {
        "fidelity_drop": pytest.approx(0.05),
        "energy_rise": pytest.approx(0.5),
        "initial_fidelity": 0.1,
        "steps_to_090": 1.0,
    }
    assert trajectory_metrics(np.zeros(3), np.array([0.1, 0.2, 0.3]))["steps_to_090"] == 3.0


@pytest.mark.parametrize(
    ("task", "method"),
    [
        ({}, {"degree": 2}),
        ({}, {"gap": 0.0}),
        ({}, {"dwells": 0}),
        ({"qubits": 11}, {}),
        ({"steps": 0}, {}),
    ],
)
def test_bad_configs_are_refused_in_one_line(task, method):
    message = assert_refused(
        "tfim_cooling", "dynamical_cooling", task_overrides=task, method_overrides=method
    )
    assert "\n" not in message
