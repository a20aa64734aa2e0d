"""Every matrix family's known spectrum: closed forms, limiting laws and exact identities."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import eig, eigvalsh
from scipy.sparse.csgraph import connected_components

from harness import laplacian
from spectral_harness_eigen import families, matrices
from spectral_harness_eigen.families import matched_error


def test_goe_fills_the_semicircle():
    values = eigvalsh(matrices.goe(1000, np.random.default_rng(0)))
    ks = np.abs(np.arange(1, 1001) / 1000 - matrices.semicircle_cdf(values)).max()
    assert ks < 0.02
    assert abs(values[-1] - 2.0) < 0.1 and abs(values[0] + 2.0) < 0.1


@pytest.mark.parametrize("ratio", [0.1, 0.25, 0.5])
def test_wishart_fills_the_marchenko_pastur_support(ratio):
    values = eigvalsh(matrices.wishart(800, ratio, np.random.default_rng(1)))
    low, high = matrices.marchenko_pastur_edges(ratio)
    assert abs(values[0] - low) < 0.05 and abs(values[-1] - high) < 0.1


@settings(max_examples=20, deadline=None)
@given(n=st.integers(4, 40), asymmetry=st.floats(0.0, 0.5), periodic=st.booleans())
def test_hatano_nelson_matches_its_closed_form(n, asymmetry, periodic):
    matrix = matrices.hatano_nelson(n, 1.0, asymmetry, periodic).toarray()
    exact = matrices.hatano_nelson_spectrum(n, 1.0, asymmetry, periodic)
    assert matched_error(eig(matrix, right=False), exact) < 1e-8


def test_open_aubry_andre_is_similar_to_the_hermitian_chain():
    # small n keeps e^{g n} moderate, so LAPACK on the non-normal matrix is still accurate
    matrix = matrices.aubry_andre(21, 1.0, 0.3, 1.5, 0.2, periodic=False).toarray()
    exact = matrices.aubry_andre_open_reference(21, 1.0, 1.5, 0.2)
    assert matched_error(eig(matrix, right=False), exact) < 1e-7


@pytest.mark.parametrize(("potential", "real"), [(5.0, True), (1.5, False)])
def test_periodic_aubry_andre_spectrum_is_real_iff_lyapunov_exceeds_asymmetry(potential, real):
    matrix = matrices.aubry_andre(233, 1.0, 0.5, potential, 0.0, periodic=True).toarray()
    imag = np.abs(eig(matrix, right=False).imag).max()
    margin = matrices.aubry_andre_lyapunov(1.0, potential) - 0.5
    assert (margin > 0) == real
    assert (imag < 1e-8) == real


def test_aubry_andre_refuses_a_non_fibonacci_ring():
    with pytest.raises(ValueError, match="Fibonacci"):
        matrices.aubry_andre(100, 1.0, 0.5, 1.0, 0.0, periodic=True)


@pytest.mark.parametrize("n", [4, 16, 40])
def test_hippo_eigenvalues_are_minus_one_to_minus_n(n):
    a = matrices.hippo_legs(n)
    assert np.allclose(np.triu(a, 1), 0)
    assert matched_error(np.diag(a) + 0j, matrices.hippo_spectrum(n)) == 0.0
    # non-normal: A Aᵀ ≠ Aᵀ A
    assert np.abs(a @ a.T - a.T @ a).max() > 1.0


def test_stu_hankel_is_positive_definite_with_fast_decay():
    values = eigvalsh(matrices.stu_hankel(256))[::-1]
    assert values[-1] > -1e-14 * values[0]
    assert np.all(np.diff(values[:12]) < 0)
    assert values[12] / values[0] < 1e-8  # exponential decay (Hazan et al.)


@settings(max_examples=15, deadline=None)
@given(side=st.integers(2, 9))
def test_grid_laplacian_matches_its_closed_form(side):
    values = eigvalsh(matrices.grid_laplacian(side).toarray())
    assert np.allclose(values, matrices.grid_laplacian_spectrum(side), atol=1e-10)


@settings(max_examples=15, deadline=None)
@given(qubits=st.integers(2, 6), field=st.floats(0.2, 3.0))
def test_tfim_ground_energy_matches_free_fermions(qubits, field):
    values = eigvalsh(matrices.tfim(qubits, 1.0, field).toarray())
    assert abs(values[0] - matrices.tfim_ground_energy(qubits, 1.0, field)) < 1e-9


@pytest.mark.parametrize("majoranas", [8, 10, 12, 14])
def test_syk_trace_identity_and_degeneracy_pattern(majoranas):
    from math import comb

    h = matrices.syk(majoranas, np.random.default_rng(3))
    couplings = np.random.default_rng(3).standard_normal(comb(majoranas, 4))
    couplings *= np.sqrt(6.0 / majoranas**3)
    assert np.isclose(
        matrices.syk_coupling_variance_sum(majoranas, h), np.sum(couplings**2) / 16, rtol=1e-10
    )
    values = eigvalsh(h)
    assert abs(values.sum()) < 1e-10  # traceless
    paired = np.allclose(values[::2], values[1::2], atol=1e-9)
    assert paired == (majoranas % 8 != 0)  # N mod 8 = 0: GOE class, no degeneracy


@pytest.mark.parametrize("order", [0, 1, 3])
def test_bessel_collocation_recovers_squared_bessel_zeros_after_filtering(order):
    coarse = eig(matrices.bessel_collocation(41, order), right=False)
    fine = eig(matrices.bessel_collocation(83, order), right=False)
    kept = np.sort(matrices.resolved_modes(coarse, fine).real)
    exact = matrices.bessel_spectrum(order, len(kept)).real
    assert len(kept) >= 5
    assert np.allclose(kept, exact, rtol=1e-6)
    # without the filter the top of the coarse spectrum is far off (unresolved modes)
    raw = np.sort(coarse.real)
    assert abs(raw[-1] - matrices.bessel_spectrum(order, len(raw)).real[-1]) > 1.0


def test_bessel_collocation_refuses_an_even_grid():
    with pytest.raises(ValueError, match="odd"):
        matrices.bessel_collocation(40, 0)


@settings(max_examples=20, deadline=None)
@given(edges=st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), min_size=0, max_size=30))
def test_laplacian_nullity_equals_number_of_components(edges):
    n = 12
    edge_index = np.array(edges, dtype=np.int64).T.reshape(2, -1)
    adjacency = sp.csr_matrix((np.ones(edge_index.shape[1]), edge_index), shape=(n, n))
    components = connected_components(adjacency, directed=False)[0]
    combinatorial = eigvalsh(laplacian(edge_index, n, "comb"))
    assert np.sum(np.abs(combinatorial) < 1e-9) == components
    normalised = eigvalsh(laplacian(edge_index, n, "sym"))  # isolated nodes keep L_ii = 1
    assert normalised[0] >= -1e-12 and normalised[-1] <= 2.0 + 1e-12


@pytest.mark.parametrize(("kappa", "coupling"), [(-1, 0.5), (-2, np.sqrt(3.0)), (-1, 0.3)])
def test_dirac_collocation_recovers_the_sommerfeld_energies_after_filtering(kappa, coupling):
    coarse = eig(matrices.dirac_collocation(65, kappa, coupling, 2.0), right=False)
    fine = eig(matrices.dirac_collocation(131, kappa, coupling, 2.0), right=False)
    kept = np.sort(matrices.resolved_modes(coarse, fine).real)
    bound = kept[np.abs(kept) < 1.0]
    exact = matrices.dirac_coulomb_spectrum(kappa, coupling, len(bound)).real
    assert len(bound) >= 3
    assert np.allclose(bound, exact, rtol=1e-6)
    # the unfiltered spectrum is mostly unresolved continuum: far more modes than bound states
    assert len(coarse) > 10 * len(bound)


def test_sommerfeld_formula_reduces_to_closed_forms():
    # κ = −2, ζ = √3: γ = 1, E = (1 + 3/(n_r + 1)²)^(−1/2) = 1/2, √(4/7), √3/2, …
    values = matrices.dirac_coulomb_spectrum(-2, np.sqrt(3.0), 3).real
    assert np.allclose(values, [0.5, np.sqrt(4 / 7), np.sqrt(3) / 2])
    # weak coupling: the Bohr levels 1 − ζ²/(2n²) (κ = −1: n = n_r + 1)
    weak = matrices.dirac_coulomb_spectrum(-1, 1e-3, 3).real
    assert np.allclose(1 - weak, 1e-6 / (2 * np.arange(1, 4) ** 2), rtol=1e-3)


def test_positive_kappa_has_a_stable_spurious_mode_the_drift_filter_keeps():
    # a known failure of naive Dirac discretisations: for κ > 0 a mode at the κ = −κ ground
    # energy appears and converges, so the drift test cannot tell it from a bound state
    family = families.dirac(65, 1, 0.5, 2.0, 3)
    assert family.facts["spurious_modes"] == 1.0
    assert families.dirac(65, -1, 0.5, 2.0, 3).facts["spurious_modes"] == 0.0


def test_dirac_refuses_a_zero_kappa_or_a_supercritical_coupling():
    with pytest.raises(ValueError, match="non-zero"):
        matrices.dirac_collocation(33, 0, 0.5, 2.0)
    with pytest.raises(ValueError, match="γ"):
        matrices.dirac_collocation(33, -1, 1.2, 2.0)


@pytest.mark.slow
def test_network_hessian_products_match_the_dense_hessian():
    from spectral_harness_eigen import hessian

    loss, theta = hessian.trained_loss(64, 4, 6, 3, 20, 0)
    matrix = hessian.dense_hessian(loss, theta)
    products = hessian.hvp(loss, theta)
    block = np.random.default_rng(0).standard_normal((len(theta), 3))
    assert np.allclose(products(block), matrix @ block, atol=1e-12)
    assert np.allclose(products(block[:, 0]), matrix @ block[:, 0], atol=1e-12)
    # a finite difference of the gradient agrees with the dense Hessian (an independent check)
    import torch

    point = torch.as_tensor(theta)
    step = 1e-6 * block[:, 0]

    def gradient(p: np.ndarray) -> np.ndarray:
        t = torch.as_tensor(p).requires_grad_(True)
        return torch.autograd.grad(loss(t), t)[0].numpy()

    difference = (gradient(point.numpy() + step) - gradient(point.numpy() - step)) / 2e-6
    assert np.allclose(difference, matrix @ block[:, 0], atol=1e-6)
