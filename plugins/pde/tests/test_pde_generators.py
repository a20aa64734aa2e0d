"""Solver checks for the PDE data generators: Darcy grid convergence and maximum principle,
Navier–Stokes exact decay / energy / spectrum sanity, Burgers conservation, content caching."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from spectral_harness_pde import BurgersConfig, DarcyConfig
from spectral_harness_pde import data as pde_data
from spectral_harness_pde import generators as gen

# ------------------------------------------------------------------------------------------------
# Darcy
# ------------------------------------------------------------------------------------------------


def test_darcy_grid_convergence_two_resolutions_agree():
    """The same coefficient solved on 129 and on 65 nodes agrees to < 2 % rel-L2 (notes F4a)."""
    rng = np.random.default_rng(3)
    a = gen.darcy_coefficient(gen.darcy_grf(rng, 129))
    fine = gen.darcy_solve(a)
    coarse = gen.darcy_solve(a[::2, ::2])
    rel = np.linalg.norm(fine[::2, ::2] - coarse) / np.linalg.norm(coarse)
    assert rel < 0.02


def test_darcy_constant_coefficient_matches_series_solution():
    """a ≡ 1: the FD solution matches the torsion-function Fourier series to O(h²)."""
    s = 65
    u = gen.darcy_solve(np.ones((s, s)))
    x = np.linspace(0, 1, s)
    exact = np.zeros((s, s))
    for m in range(1, 80, 2):
        for n in range(1, 80, 2):
            c = 16 / (math.pi**2 * m * n * math.pi**2 * (m * m + n * n))
            exact += c * np.outer(np.sin(m * math.pi * x), np.sin(n * math.pi * x))
    assert np.abs(u - exact).max() < 1e-3 * exact.max() * 10
    assert abs(u.max() - 0.07367) < 2e-4  # max of the unit-square torsion function


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), low=st.sampled_from([3.0, 4.0]))
def test_darcy_maximum_principle(seed, low):
    """f ≥ 0 with u = 0 on the boundary ⇒ u ≥ 0, strictly positive inside; f ≤ 0 ⇒ u ≤ 0; and
    the discrete operator is an M-matrix (symmetric, non-positive off-diagonals, diagonally
    dominant), which is what guarantees the discrete maximum principle."""
    rng = np.random.default_rng(seed)
    a = gen.darcy_coefficient(gen.darcy_grf(rng, 17), 12.0, low)
    assert set(np.unique(a)) <= {12.0, low}
    u = gen.darcy_solve(a)
    assert np.all(u[1:-1, 1:-1] > 0)
    assert np.all(u[[0, -1], :] == 0) and np.all(u[:, [0, -1]] == 0)
    assert np.all(gen.darcy_solve(a, -1.0) <= 0)
    matrix = gen.darcy_matrix(a).toarray()
    off = matrix - np.diag(np.diag(matrix))
    assert np.allclose(matrix, matrix.T)
    assert np.all(off <= 0)
    assert np.all(np.diag(matrix) + off.sum(axis=1) >= -1e-9)


def test_darcy_grf_has_zero_mean_mode():
    field = gen.darcy_grf(np.random.default_rng(0), 33)
    assert abs(field.mean()) < 1e-12
    assert field.std() > 0


# ------------------------------------------------------------------------------------------------
# Navier–Stokes
# ------------------------------------------------------------------------------------------------


def _grid(s: int) -> torch.Tensor:
    return torch.arange(s, dtype=torch.float64) / s


def test_ns_single_mode_decays_exactly():
    """A Laplacian eigenfunction is a steady Euler flow (u·∇w = 0), so without forcing it decays
    as exp(−4π²ν|k|²t); the integrating factor makes that exact."""
    s, visc, t = 32, 1e-2, 1.0
    x = _grid(s)
    w0 = (torch.sin(2 * math.pi * x)[:, None] * torch.cos(4 * math.pi * x)[None, :])[None]
    w = gen.NavierStokes2d(s, visc, None).solve(w0, t, 0.01, t)
    expected = w0 * math.exp(-visc * 4 * math.pi**2 * 5 * t)
    assert torch.allclose(w[:, -1], expected, atol=1e-12)


def test_ns_energy_decays_without_forcing_and_is_conserved_inviscid():
    gen_ = torch.Generator().manual_seed(0)
    s = 32
    w0 = gen.ns_initial_vorticity(gen_, 2, s)
    # band-limit the start to the 2/3 range so the Galerkin truncation is exact
    mask = gen._dealias_mask(s)
    w0 = torch.fft.irfft2(torch.fft.rfft2(w0) * mask, s=(s, s))
    e0 = gen.energy_spectrum(w0).sum()
    viscous = gen.NavierStokes2d(s, 1e-3, None).solve(w0, 2.0, 0.01, 0.5)
    energies = [gen.energy_spectrum(w).sum() for w in viscous.unbind(1)]
    assert all(b < a for a, b in zip([e0, *energies], energies, strict=False))
    inviscid = gen.NavierStokes2d(s, 0.0, None).solve(w0, 1.0, 0.005, 1.0)
    assert abs(float(gen.energy_spectrum(inviscid[:, -1]).sum() / e0) - 1) < 1e-3
    # no energy leaks beyond the dealiasing cut-off
    w_hat = torch.fft.rfft2(inviscid[:, -1])
    assert float((w_hat * (1 - mask)).abs().max()) < 1e-8 * float(w_hat.abs().max())


def test_ns_initial_spectrum_slope():
    """w0 ~ (−Δ+49)^{−2.5}: vorticity spectrum ∝ k^{−5}·k (shell), energy ∝ k^{−6} at large k."""
    s = 64
    w0 = gen.ns_initial_vorticity(torch.Generator().manual_seed(1), 64, s)
    spectrum = gen.energy_spectrum(w0)
    k = torch.arange(spectrum.numel(), dtype=torch.float64)
    band = (k >= 8) & (k <= 24)
    slope = np.polyfit(np.log(k[band]), np.log(spectrum[band]), 1)[0]
    assert -7.0 < slope < -5.0


def test_ns_forced_run_stays_bounded():
    data = gen.generate_navier_stokes(2, 32, 16, 1e-3, 3.0, 0.01, seed=0)
    assert data["w"].shape == (2, 3, 16, 16)
    assert np.isfinite(data["w"]).all() and np.abs(data["w"]).max() < 10


# ------------------------------------------------------------------------------------------------
# Burgers
# ------------------------------------------------------------------------------------------------


def test_burgers_conserves_mean_and_dissipates_energy():
    u0 = gen.burgers_initial(torch.Generator().manual_seed(0), 4, 128)
    u = gen.Burgers1d(128, 0.01).solve(u0 + 0.3, 1.0, 11, 1e-3)
    means = u.mean(dim=-1)
    assert torch.allclose(means, means[:, :1].expand_as(means), atol=1e-10)
    energy = (u - means[..., None]).square().mean(dim=-1)
    assert torch.all(energy[:, 1:] < energy[:, :-1])


def test_burgers_time_step_convergence():
    u0 = gen.burgers_initial(torch.Generator().manual_seed(2), 3, 128)
    solver = gen.Burgers1d(128, 0.01)
    a = solver.solve(u0, 0.25, 3, 1e-3)
    b = solver.solve(u0, 0.25, 3, 2.5e-4)
    assert float((a - b).abs().max()) < 1e-6


# ------------------------------------------------------------------------------------------------
# Content cache
# ------------------------------------------------------------------------------------------------


def test_generated_sets_are_cached_by_content(tmp_path, monkeypatch):
    cfg = DarcyConfig(
        n_train=3, n_val=1, n_test=2, solve_resolution=17, resolution=9, transfer_resolution=17
    )
    calls = []
    original = gen.generate_darcy
    monkeypatch.setattr(gen, "generate_darcy", lambda *a, **k: calls.append(1) or original(*a, **k))
    first = pde_data.darcy(cfg, tmp_path)
    second = pde_data.darcy(cfg, tmp_path)
    assert len(calls) == 1
    assert first.checksum == second.checksum
    np.testing.assert_array_equal(first.y_test, second.y_test)
    assert first.x_train.shape == (3, 1, 9, 9) and first.x_transfer.shape == (2, 1, 17, 17)
    # the transfer grid holds the same test samples: its stride-2 subsample is the test set
    np.testing.assert_array_equal(first.y_transfer[:, :, ::2, ::2], first.y_test)
    other = pde_data.darcy(DarcyConfig(**{**cfg.__dict__, "data_seed": 1}), tmp_path)
    assert len(calls) == 2 and other.checksum != first.checksum


def test_burgers_fields_broadcast_initial_condition(tmp_path):
    cfg = BurgersConfig(
        n_train=2,
        n_val=1,
        n_test=1,
        solve_resolution=32,
        resolution=8,
        transfer_resolution=16,
        snapshots=5,
        visc=0.01,
        dt=2e-3,
    )
    data = pde_data.burgers(cfg, tmp_path)
    assert data.x_train.shape == data.y_train.shape == (2, 1, 5, 8)
    np.testing.assert_array_equal(data.x_train[:, :, 3], data.y_train[:, :, 0])
    assert data.periodic == (False, True)
    np.testing.assert_allclose(data.y_transfer[..., ::2], data.y_test)


@pytest.mark.parametrize("name", ["darcy_train_16", "burgers_test_16"])
def test_neuralop_files_load(data_dir, name):
    arrays = pde_data._npz(data_dir, name)
    assert set(arrays) >= {"x", "y"}
