"""Each solver's defining property on small problems, the operator's accounting, and the slot's
probe refusing broken solvers in one line."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from harness import ContractError
from spectral_harness_eigen import families, matrices, solvers
from spectral_harness_eigen.consensus import ConsensusSolver, communication_graph
from spectral_harness_eigen.contract import EigenProblem, EigenResult, check
from spectral_harness_eigen.cooling import SignFilterCooling, step_filter_coefficients
from spectral_harness_eigen.operators import CountedOperator


def _problem(matrix, k=3, which="SA", hermitian=True, sigma=-1.0, budget=100_000):
    return EigenProblem(CountedOperator(matrix), k, which, hermitian, 1e-10, budget, sigma, 0)


GRID = matrices.grid_laplacian(10)
GOE = matrices.goe(120, np.random.default_rng(0))  # simple spectrum (the grid has doubles)
GOE_EXACT = np.linalg.eigvalsh(GOE)


@pytest.mark.parametrize(
    "solver", [solvers.dense, solvers.arpack, solvers.arpack_shift_invert, solvers.lobpcg_solver]
)
@pytest.mark.parametrize("which", ["SA", "LA"])
def test_hermitian_solvers_find_the_wanted_end(solver, which):
    problem = _problem(GOE, which=which, sigma=-3.0 if which == "SA" else 3.0)
    result = solver(problem)
    want = GOE_EXACT[:3] if which == "SA" else GOE_EXACT[::-1][:3]
    assert np.allclose(result.values, want, atol=1e-7)
    residual = GOE @ result.vectors - result.vectors * result.values
    assert np.abs(residual).max() < 1e-4


def test_single_vector_lanczos_misses_a_double_eigenvalue_that_dense_finds():
    # the grid's second level is double: ARPACK's Krylov space sees one copy (a known limit)
    want = matrices.grid_laplacian_spectrum(10)[:3]
    assert np.allclose(solvers.dense(_problem(GRID)).values, want)
    assert not np.allclose(solvers.arpack(_problem(GRID)).values, want)


@pytest.mark.parametrize("solver", [solvers.dense, solvers.arpack, solvers.arpack_shift_invert])
def test_general_solvers_find_the_rightmost_hatano_nelson_eigenvalues(solver):
    family = families.hatano_nelson(60, 0.4, periodic=True)
    problem = _problem(family.matrix, k=5, which="LR", hermitian=False, sigma=family.sigma)
    result = solver(problem)
    want = family.reference[solvers.order(family.reference, "LR")[:5]]
    assert families.matched_error(result.values, want) < 1e-6


def test_the_operator_counts_products_solves_and_dense_forms():
    op = CountedOperator(GRID)
    op.matmat(np.ones(100))
    op.matmat(np.ones((100, 4)))
    op.dense()
    op.shift_invert(-1.0) @ np.ones(100)
    assert (op.matvecs, op.solves, op.factorizations) == (105, 1, 1)


def test_lobpcg_refuses_a_non_hermitian_operator():
    with pytest.raises(ValueError, match="Hermitian"):
        solvers.lobpcg_solver(_problem(GRID, hermitian=False))


def test_consensus_without_faults_converges_to_the_ground_state():
    result = ConsensusSolver(8, "ring", 0.0, 0, 8)(_problem(matrices.grid_laplacian(6), k=1))
    exact = matrices.grid_laplacian_spectrum(6)[0]
    assert abs(result.values[0] - exact) < 1e-6 * exact + 1e-9
    assert result.info["agent_spread"] < 1e-6
    # one matvec per round: the history's matvecs grow by one
    assert np.allclose(np.diff([m for m, _ in result.history]), 1.0)


def test_consensus_faults_leave_an_error_floor():
    matrix = matrices.grid_laplacian(6)
    exact = matrices.grid_laplacian_spectrum(6)[0]
    clean = ConsensusSolver(8, "ring", 0.0, 0, 8)(_problem(matrix, k=1, budget=3000))
    faulty = ConsensusSolver(8, "ring", 0.3, 3, 2)(_problem(matrix, k=1, budget=3000))
    assert abs(faulty.values[0] - exact) > abs(clean.values[0] - exact)


def test_communication_graphs_are_symmetric_and_connected():
    from scipy.sparse.csgraph import connected_components

    for topology in ("ring", "random"):
        graph = communication_graph(12, topology, np.random.default_rng(0))
        assert (graph == graph.T).all() and not graph.diagonal().any()
        assert connected_components(graph.astype(float), directed=False)[0] == 1


def test_cooling_lowers_the_energy_to_the_ground_state():
    family = families.tfim(6, 1.0)
    result = SignFilterCooling(60, 40.0)(_problem(family.matrix, k=1))
    energies = np.array([e[0] for _, e in result.history])
    assert np.all(np.diff(energies) <= 1e-9)  # every cooling step lowers the energy
    assert abs(result.values[0] - family.reference[0]) < 1e-7
    overlap = np.linalg.norm(family.ground.T @ result.vectors[:, 0]) ** 2
    assert overlap > 0.999


def test_the_step_filter_is_a_smoothed_projector():
    coeffs = step_filter_coefficients(0.0, 20.0, 80)
    x = np.array([-0.9, -0.3, 0.3, 0.9])
    values = np.polynomial.chebyshev.chebval(x, coeffs)
    assert np.allclose(values, [1, 1, 0, 0], atol=1e-3)


def test_the_probe_accepts_every_solver_and_refuses_broken_ones():
    problem = _problem(GRID)
    for solver in (solvers.dense, solvers.arpack, solvers.lobpcg_solver):
        check(solver, problem)
    with pytest.raises(ContractError, match="expected 3 eigenvalues"):
        check(lambda p: EigenResult(np.zeros(2), np.zeros((24, 3))), problem)
    with pytest.raises(ContractError, match="expected vectors of shape"):
        check(lambda p: EigenResult(np.zeros(3), np.zeros((3, 24))), problem)
    with pytest.raises(ContractError, match="finite"):
        check(lambda p: EigenResult(np.full(3, np.nan), np.zeros((24, 3))), problem)
    with pytest.raises(ContractError, match="callable"):
        check(42, problem)
    ground = replace(problem, k=1)
    check(ConsensusSolver(4, "ring", 0.0, 0, 4), ground)
    check(SignFilterCooling(30, 20.0), ground)


def test_a_matvec_only_operator_charges_its_dense_form_and_has_no_free_bounds():
    op = CountedOperator.from_products(lambda block: GOE @ block, GOE.shape[0])
    assert np.allclose(op.dense(), GOE) and op.matvecs == GOE.shape[0]
    op.shift_invert(3.0) @ np.ones(GOE.shape[0])
    assert (op.matvecs, op.solves, op.factorizations) == (2 * GOE.shape[0], 1, 1)
    with pytest.raises(ValueError, match="matvec-only"):
        op.bounds()


@pytest.mark.parametrize("solver", [solvers.arpack, solvers.lobpcg_solver])
def test_solvers_on_products_only_match_the_dense_answer(solver):
    op = CountedOperator.from_products(lambda block: GOE @ block, GOE.shape[0])
    result = solver(EigenProblem(op, 3, "LA", True, 1e-10, 100_000, 3.0, 0))
    assert np.allclose(result.values, GOE_EXACT[::-1][:3], atol=1e-7)
    if solver is solvers.arpack:
        assert op.matvecs < GOE.shape[0]  # Lanczos: cheaper than forming the matrix
