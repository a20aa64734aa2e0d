"""The WINNER paper's baselines, each with its own paper's activation and initialisation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from spectral_harness_inr import (
    FinerConfig,
    GaussConfig,
    InrProblem,
    ReluPosencConfig,
    Signal,
    SirenRffConfig,
    WireConfig,
)
from spectral_harness_inr.methods import (
    build_finer,
    build_gauss,
    build_relu_posenc,
    build_siren_rff,
    build_wire,
)
from spectral_harness_inr.networks import FinerLayer, nyquist_octaves


def _problem(n: int = 1024, hidden: int = 32) -> InrProblem:
    t = np.linspace(-1, 1, n, dtype=np.float32)
    return InrProblem(Signal((0.5 * np.sin(20 * t))[:, None], (n,)), hidden, 1)


def test_finer_is_a_variable_periodic_sine_without_gradient_through_its_scale():
    torch.manual_seed(0)
    layer = FinerLayer(3, 5, omega_0=30.0, is_first=False)
    x = torch.randn(4, 3, requires_grad=True)
    with torch.no_grad():
        z = layer.linear(x)
        scale = z.abs() + 1
    torch.testing.assert_close(layer(x), torch.sin(30.0 * scale * z))
    (grad,) = torch.autograd.grad(layer(x).sum(), x)
    # |z| + 1 is held fixed: d/dx = ω0 s cos(ω0 s z) W, without the d|z|/dz term
    expected = (30.0 * scale * torch.cos(30.0 * scale * z)) @ layer.linear.weight
    torch.testing.assert_close(grad, expected)


def test_finer_uses_sirens_bounds_and_its_first_bias_range():
    torch.manual_seed(0)
    model = build_finer(FinerConfig(first_bias_scale=20.0), _problem())
    first, hidden = model[0].linear, model[1].linear
    assert first.weight.abs().max() <= 1.0  # U(-1/d_in, 1/d_in) with d_in = 1
    assert hidden.weight.abs().max() <= math.sqrt(6 / 32) / 30
    assert first.bias.abs().max() > 5.0 and first.bias.abs().max() <= 20.0


def test_wire_is_a_complex_gabor_network_with_a_real_output():
    torch.manual_seed(0)
    model = build_wire(WireConfig(omega_0=10.0, sigma_0=10.0), _problem(hidden=32))
    x = torch.rand(5, 1) * 2 - 1
    # the same network in complex arithmetic: exp(i ω0 z − |s0 z|²) after every layer
    h = model.first(x).to(torch.complex64)
    h = torch.exp(1j * 10.0 * h - (10.0 * h).abs() ** 2)
    for layer in [*model.hidden, model.head]:
        w = torch.complex(layer.weight_real, layer.weight_imag)
        b = torch.complex(layer.bias_real, layer.bias_imag)
        h = h @ w.T + b
        if layer is not model.head:
            h = torch.exp(1j * 10.0 * h - (10.0 * h).abs() ** 2)
    out = model(x)
    assert out.dtype == torch.float32 and out.shape == (5, 1)
    torch.testing.assert_close(out, h.real, rtol=1e-4, atol=1e-5)
    assert model.first.out_features == int(32 / math.sqrt(2))  # complex units count twice


def test_gauss_is_a_gaussian_of_the_scaled_preactivation():
    torch.manual_seed(0)
    model = build_gauss(GaussConfig(scale=30.0), _problem())
    x = torch.rand(5, 1)
    torch.testing.assert_close(model[0](x), torch.exp(-((30.0 * model[0].linear(x)) ** 2)))


def test_relu_posenc_encodes_as_many_octaves_as_the_grid_resolves():
    assert nyquist_octaves((1024,)) == 8  # floor(log2(1024 / 4))
    assert nyquist_octaves((150_000,)) == 15
    assert nyquist_octaves((512, 256)) == 6
    model = build_relu_posenc(ReluPosencConfig(), _problem(1024))
    encoding = model[0]
    assert encoding.out_features == 1 + 2 * 8
    x = torch.tensor([[0.25]])
    features = encoding(x)[0]
    assert features[0] == pytest.approx(0.25)
    assert torch.allclose(
        features[1:9], torch.sin(math.pi * 2.0 ** torch.arange(8) * 0.25), atol=1e-6
    )
    fixed = build_relu_posenc(ReluPosencConfig(num_frequencies=3), _problem(1024))
    assert fixed[0].out_features == 7


def test_siren_rff_draws_sigma_30_features_without_two_pi():
    torch.manual_seed(0)
    model = build_siren_rff(SirenRffConfig(), _problem(hidden=400))
    B = model[0].B
    assert B.shape == (1, 200)  # hidden // 2 features
    assert B.std().item() == pytest.approx(30.0, rel=0.15)
    x = torch.tensor([[0.1]])
    torch.testing.assert_close(model[0](x), torch.cat([torch.cos(x @ B), torch.sin(x @ B)], -1))
