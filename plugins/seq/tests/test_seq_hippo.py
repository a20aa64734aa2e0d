"""HiPPO-LegS and its diagonal approximations (S4-PTD's linear-algebra check): diagonalising
HiPPO directly is hopeless (κ astronomically large), dropping the low-rank term (S4D) changes
the transfer function at high frequencies, and a small perturbation (PTD) keeps κ moderate and
the transfer function within O(ε)."""

from __future__ import annotations

import numpy as np
import pytest

from spectral_harness_seq.hippo import (
    condition_number,
    dense_transfer,
    diagonalise,
    hippo_legs,
    normal_part,
    ptd,
)

N = 64
FREQUENCIES = 1j * np.logspace(-2, 4, 200)


@pytest.fixture(scope="module")
def system():
    a, b = hippo_legs(N)
    c = np.random.default_rng(0).standard_normal(N) / np.sqrt(N)
    return a, b, c, dense_transfer(a, b, c, FREQUENCIES)


def test_hippo_legs_entries():
    a, b = hippo_legs(4)
    assert a[2, 0] == pytest.approx(-np.sqrt(5) * np.sqrt(1)) and a[0, 2] == 0
    np.testing.assert_allclose(np.diag(a), [-1, -2, -3, -4])
    np.testing.assert_allclose(b, np.sqrt([1, 3, 5, 7]))


def test_the_normal_part_is_normal_and_unitarily_diagonalisable():
    a_n = normal_part(N)
    np.testing.assert_allclose(a_n @ a_n.T, a_n.T @ a_n, atol=1e-8)
    result = diagonalise(a_n)
    assert result.condition == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose(result.eigenvalues.real, -0.5, atol=1e-8)


def test_naive_diagonalisation_is_astronomically_ill_conditioned(system):
    a, *_ = system
    assert diagonalise(a).condition > 1e15
    assert condition_number(np.eye(3)) == pytest.approx(1.0)


def test_ptd_beats_s4d_on_the_transfer_function_with_a_moderate_condition(system):
    a, b, c, exact = system
    s4d_error = np.abs(diagonalise(normal_part(N)).transfer(b, c, FREQUENCIES) - exact)
    result = ptd(a, 1e-2, 20, np.random.default_rng(0))
    ptd_error = np.abs(result.transfer(b, c, FREQUENCIES) - exact)
    assert s4d_error.max() > 0.1 and ptd_error.max() < 1e-2 * s4d_error.max()
    high = np.abs(FREQUENCIES) > 1e3
    assert ptd_error[high].max() < 1e-4 * s4d_error[high].max()
    assert result.condition < 1e-10 * diagonalise(a).condition
    assert (result.eigenvalues.real < 0).all() and result.perturbation == 1e-2


def test_the_ptd_error_shrinks_with_epsilon(system):
    a, b, c, exact = system
    errors = [
        np.abs(ptd(a, eps, 5, np.random.default_rng(1)).transfer(b, c, FREQUENCIES) - exact).max()
        for eps in (1e-1, 1e-3)
    ]
    assert errors[1] < errors[0]
    with pytest.raises(ValueError, match="epsilon > 0"):
        ptd(a, 0.0, 5, np.random.default_rng(0))
