"""The curvature kernels against exact dense answers: Hessian-vector products, Lanczos, SLQ,
Hutchinson traces and the Chebyshev log-det."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.curvature import (
    chebyshev_logdet,
    density_on_grid,
    functional_hvp,
    functional_jvp,
    functional_vjp,
    hutchinson_trace,
    hvp_operator,
    lanczos,
    lanczos_top,
    slq_density,
    spectral_bounds,
)

SEEDS = st.integers(0, 2**31 - 1)


def _symmetric(n: int, seed: int, spread: float = 1.0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    q, _ = torch.linalg.qr(torch.randn(n, n, generator=g, dtype=torch.float64))
    lam = torch.linspace(-1.0, 1.0, n, dtype=torch.float64) * spread
    lam[-3:] = torch.tensor([3.0, 4.0, 5.0], dtype=torch.float64) * spread  # a clear top 3
    return (q * lam) @ q.T


def _mlp_loss(seed: int) -> tuple[torch.nn.Module, callable]:
    torch.manual_seed(seed)
    model = torch.nn.Sequential(
        torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2)
    ).double()
    x = torch.randn(7, 3, dtype=torch.float64)
    y = torch.randint(0, 2, (7,))

    def loss() -> torch.Tensor:
        return torch.nn.functional.cross_entropy(model(x), y)

    return model, loss


class _Closure(torch.nn.Module):
    """A module whose forward is a loss closure over ``model`` (for ``functional_call``)."""

    def __init__(self, model: torch.nn.Module, loss) -> None:
        super().__init__()
        self.model = model
        self.loss = loss

    def forward(self) -> torch.Tensor:
        return self.loss()


def _flat_loss(model: torch.nn.Module, loss) -> tuple[torch.Tensor, callable]:
    """The same loss as a function of a flat parameter vector (for the dense reference)."""
    names = [n for n, _ in model.named_parameters()]
    shapes = [p.shape for p in model.parameters()]
    flat = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
    wrapper = _Closure(model, loss)

    def f(theta: torch.Tensor) -> torch.Tensor:
        chunks, start = {}, 0
        for name, shape in zip(names, shapes, strict=True):
            size = math.prod(shape)
            chunks[f"model.{name}"] = theta[start : start + size].reshape(shape)
            start += size
        return torch.func.functional_call(wrapper, chunks, ())

    return flat, f


@settings(max_examples=10, deadline=None)
@given(SEEDS)
def test_hvp_operator_matches_the_dense_hessian(seed):
    model, loss = _mlp_loss(seed % 1000)
    flat, f = _flat_loss(model, loss)
    dense = torch.func.hessian(f)(flat)
    matvec, dim = hvp_operator(loss, list(model.parameters()))
    assert dim == flat.numel()
    v = torch.randn(dim, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    assert torch.allclose(matvec(v), dense @ v, atol=1e-10)
    assert torch.allclose(matvec(torch.eye(dim, dtype=torch.float64)), dense, atol=1e-10)
    assert torch.allclose(functional_hvp(f, flat, v), dense @ v, atol=1e-10)


def test_functional_jvp_and_vjp_are_the_jacobian():
    a = torch.randn(4, 3, dtype=torch.float64)

    def f(x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(a @ x)

    x = torch.randn(3, dtype=torch.float64)
    jac = torch.autograd.functional.jacobian(f, x)
    v, u = torch.randn(3, dtype=torch.float64), torch.randn(4, dtype=torch.float64)
    assert torch.allclose(functional_jvp(f, x, v), jac @ v)
    assert torch.allclose(functional_vjp(f, x, u), u @ jac)


@settings(max_examples=20, deadline=None)
@given(st.integers(8, 60), SEEDS, st.floats(0.01, 100.0))
def test_lanczos_top_k_equals_eigvalsh(n, seed, spread):
    a = _symmetric(n, seed, spread)
    exact = torch.linalg.eigvalsh(a).flip(0)[:3]
    values, vectors, matvecs = lanczos_top(lambda v: a @ v, n, 3, tol=1e-10, max_steps=n)
    assert torch.allclose(values, exact, rtol=1e-8, atol=1e-10 * spread)
    residual = vectors @ a - values[:, None] * vectors
    assert residual.norm(dim=1).max() < 1e-4 * spread
    assert matvecs <= n


def test_lanczos_top_lm_finds_the_largest_magnitude():
    a = torch.diag(torch.tensor([-10.0, 1.0, 2.0, 3.0], dtype=torch.float64))
    values, _, _ = lanczos_top(lambda v: a @ v, 4, 1, which="LM", max_steps=4)
    assert values.tolist() == pytest.approx([-10.0])


@settings(max_examples=15, deadline=None)
@given(st.integers(5, 80), SEEDS)
def test_full_reorthogonalisation_keeps_the_basis_orthonormal(n, seed):
    a = _symmetric(n, seed)
    start = torch.randn(n, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    result = lanczos(lambda v: a @ v, start, n)
    q = result.basis
    assert torch.allclose(q @ q.T, torch.eye(q.shape[0], dtype=torch.float64), atol=1e-10)
    # the tridiagonal is the projection of A on the Krylov basis
    t = torch.diag(result.alpha)
    if result.matvecs > 1:
        t = t + torch.diag(result.beta, 1) + torch.diag(result.beta, -1)
    assert torch.allclose(q @ a @ q.T, t, atol=1e-9)


def test_lanczos_stops_on_an_invariant_subspace():
    a = torch.eye(10, dtype=torch.float64) * 2.0
    result = lanczos(lambda v: a @ v, torch.ones(10, dtype=torch.float64), 10)
    assert result.matvecs == 1 and result.alpha.tolist() == pytest.approx([2.0])


@settings(max_examples=10, deadline=None)
@given(st.integers(6, 40), SEEDS, st.integers(1, 4))
def test_slq_with_full_steps_is_the_exact_quadrature_of_each_probe(n, seed, power):
    a = _symmetric(n, seed)
    result = slq_density(
        lambda v: a @ v, n, probes=3, steps=n, generator=torch.Generator().manual_seed(seed)
    )
    # Σ_j w_j θ_j^p = zᵀ A^p z / ‖z‖² for each probe; so the trace estimate is Hutchinson's
    g = torch.Generator().manual_seed(seed)
    exact = []
    for _ in range(3):
        z = torch.randint(0, 2, (n,), generator=g, dtype=torch.int8).double() * 2 - 1
        exact.append(float(z @ torch.linalg.matrix_power(a, power) @ z))
    assert result.trace_of(lambda x: x**power) == pytest.approx(sum(exact) / 3, rel=1e-8, abs=1e-8)
    assert torch.allclose(result.weights.sum(1), torch.ones(3, dtype=torch.float64))


def test_slq_density_integrates_to_one_and_locates_the_spectrum():
    lam = torch.cat([torch.zeros(150), torch.full((50,), 4.0)]).double()
    a = torch.diag(lam)
    result = slq_density(lambda v: a @ v, 200, probes=8, steps=30)
    grid = torch.linspace(-2, 6, 2001, dtype=torch.float64)
    density = density_on_grid(result, grid, sigma=0.1)
    mass = float(torch.trapezoid(density, grid))
    assert mass == pytest.approx(1.0, abs=1e-3)
    near_four = float(torch.trapezoid(density[grid > 2], grid[grid > 2]))
    assert near_four == pytest.approx(0.25, abs=1e-6)  # Rademacher probes see diagonals exactly


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 50), SEEDS)
def test_hutchinson_is_exact_on_diagonal_matrices(n, seed):
    d = torch.randn(n, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    estimate, _ = hutchinson_trace(lambda v: d * v, n, probes=3)
    assert estimate == pytest.approx(float(d.sum()), abs=1e-10)


def test_hutchinson_is_unbiased_within_its_standard_error():
    a = _symmetric(60, 3)
    estimate, err = hutchinson_trace(lambda v: a @ v, 60, probes=400)
    assert abs(estimate - float(torch.trace(a))) < 4 * err


@settings(max_examples=10, deadline=None)
@given(st.integers(10, 60), SEEDS)
def test_spectral_bounds_contain_the_spectrum(n, seed):
    a = _symmetric(n, seed)
    lam = torch.linalg.eigvalsh(a)
    lo, hi = spectral_bounds(lambda v: a @ v, n, steps=n // 2 + 5)
    assert lo <= float(lam[0]) + 1e-9 and hi >= float(lam[-1]) - 1e-9
    assert spectral_bounds(lambda v: a @ v, n, steps=n) == pytest.approx(
        (float(lam[0]), float(lam[-1]))
    )


@settings(max_examples=15, deadline=None)
@given(st.integers(2, 200), SEEDS, st.floats(1.5, 100.0))
def test_chebyshev_logdet_is_exact_up_to_the_expansion_on_diagonals(n, seed, cond):
    g = torch.Generator().manual_seed(seed)
    d = torch.exp(torch.rand(n, generator=g, dtype=torch.float64) * math.log(cond))
    estimate = chebyshev_logdet(
        lambda x: d[:, None] * x if x.ndim == 2 else d * x, n, (1.0, cond), degree=120, probes=2
    )
    assert estimate == pytest.approx(float(torch.log(d).sum()), rel=1e-6, abs=1e-6)


def test_chebyshev_logdet_matches_slogdet_on_a_dense_spd_matrix():
    n = 300
    g = torch.Generator().manual_seed(0)
    q, _ = torch.linalg.qr(torch.randn(n, n, generator=g, dtype=torch.float64))
    lam = torch.exp(torch.rand(n, generator=g, dtype=torch.float64) * math.log(50.0))
    a = (q * lam) @ q.T
    exact = float(torch.linalg.slogdet(a).logabsdet)
    _, hi = spectral_bounds(lambda v: a @ v, n)
    bounds = (0.9, hi)  # the spectrum lies in [1, 50]
    block = chebyshev_logdet(lambda x: a @ x, n, bounds, degree=60, probes=60)
    single = chebyshev_logdet(lambda x: a @ x, n, bounds, degree=60, probes=60, block=False)
    assert block == pytest.approx(exact, rel=0.02)
    assert single == pytest.approx(block, rel=1e-10)


def test_chebyshev_logdet_refuses_bounds_that_touch_zero():
    with pytest.raises(ValueError, match="0 < a < b"):
        chebyshev_logdet(lambda x: x, 3, (0.0, 1.0))
