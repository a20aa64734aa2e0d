"""The true- against shuffled-label Jacobian check: subspace overlap, its chance level, and the
unrolled Jacobian against a run whose Jacobian is known in closed form."""

from __future__ import annotations

import pytest
import torch

from spectral_harness_diag.jacobian_labels import (
    chance_overlap,
    subspace_overlap,
    unrolled_jacobian,
)


def _orthonormal(dim: int, k: int, seed: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.linalg.qr(torch.randn(dim, k, generator=gen, dtype=torch.float64))[0]


def test_overlap_is_one_for_a_subspace_and_zero_for_its_complement():
    basis = _orthonormal(12, 12, 0)
    big, small, other = basis[:, :6], basis[:, :3], basis[:, 6:]
    assert subspace_overlap(big, big) == pytest.approx(1.0)
    assert subspace_overlap(small, big) == pytest.approx(1.0)
    assert subspace_overlap(big, other) == pytest.approx(0.0, abs=1e-12)
    assert subspace_overlap(big, basis[:, :0]) == 0.0


def test_chance_overlap_is_the_mean_over_random_subspaces():
    dim, ka, kb = 40, 6, 15
    draws = [
        subspace_overlap(_orthonormal(dim, ka, 2 * i), _orthonormal(dim, kb, 2 * i + 1))
        for i in range(400)
    ]
    assert sum(draws) / len(draws) == pytest.approx(chance_overlap(ka, kb, dim), rel=0.05)


def test_unrolled_jacobian_of_gradient_descent_on_a_quadratic_is_the_matrix_power():
    gen = torch.Generator().manual_seed(3)
    root = torch.randn(5, 5, generator=gen, dtype=torch.float64)
    a = root @ root.T / 5
    lr, steps = 0.1, 7

    def run(theta: torch.Tensor) -> torch.Tensor:
        for _ in range(steps):
            theta = theta - lr * (a @ theta)
        return theta

    theta0 = torch.randn(5, generator=gen, dtype=torch.float64)
    expected = torch.linalg.matrix_power(torch.eye(5, dtype=torch.float64) - lr * a, steps)
    assert torch.allclose(unrolled_jacobian(run, theta0, chunk=2), expected, atol=1e-12)
