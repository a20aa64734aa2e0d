"""The LDS generators: the drawn systems have the spectra they promise, the outputs are the
system's, and the data are reproducible from the seed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spectral_harness_seq.generators import lds_data, random_system


@settings(max_examples=20, deadline=None)
@given(max_eig=st.sampled_from([0.5, 0.9, 0.99, 0.999]), seed=st.integers(0, 10_000))
def test_symmetric_systems_have_the_requested_spectral_radius(max_eig, seed):
    system = random_system("symmetric", 12, 2, 3, max_eig, np.random.default_rng(seed))
    np.testing.assert_allclose(system.a, system.a.T, atol=1e-12)
    eigenvalues = np.linalg.eigvalsh(system.a)
    assert np.abs(eigenvalues).max() == pytest.approx(max_eig, abs=1e-9)
    assert np.abs(eigenvalues).min() >= 0.1 - 1e-9
    assert system.b.shape == (12, 2) and system.c.shape == (3, 12)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_rotation_systems_are_asymmetric_with_complex_eigenvalues(seed):
    system = random_system("rotation", 10, 1, 1, 0.99, np.random.default_rng(seed), 0.3)
    eigenvalues = np.linalg.eigvals(system.a)
    assert system.spectral_radius() == pytest.approx(0.99, abs=1e-9)
    assert np.abs(eigenvalues.imag).max() > 0 and np.abs(np.angle(eigenvalues)).max() <= 0.3
    assert not np.allclose(system.a, system.a.T)


def test_outputs_are_the_systems_response():
    rng = np.random.default_rng(0)
    system = random_system("symmetric", 6, 2, 2, 0.9, rng)
    u = rng.standard_normal((1, 5, 2))
    y = system.simulate(u)
    x = np.zeros(6)
    for t in range(5):
        x = system.a @ x + system.b @ u[0, t]
        np.testing.assert_allclose(y[0, t], system.c @ x)


def test_data_are_seeded_and_scaled():
    kwargs = dict(
        state_dim=8, d_in=2, d_out=3, length=16, sizes={"train": 20, "test": 4}, max_eig=0.99
    )
    first, again = lds_data("symmetric", seed=3, **kwargs), lds_data("symmetric", seed=3, **kwargs)
    other = lds_data("symmetric", seed=4, **kwargs)
    assert first.checksum == again.checksum != other.checksum
    u, y = first.splits["train"]
    assert u.shape == (20, 16, 2) and y.shape == (20, 16, 3) and y.dtype == np.float32
    np.testing.assert_allclose(y.reshape(-1, 3).std(axis=0), 1.0, rtol=1e-4)


def test_bad_kinds_are_refused():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="unknown system kind"):
        random_system("hermitian", 4, 1, 1, 0.9, rng)
    with pytest.raises(ValueError, match="even state_dim"):
        random_system("rotation", 5, 1, 1, 0.9, rng)
