"""The ``inr_init`` methods: each builds a coordinate network for an :class:`InrProblem`."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from harness import UserError, spectral_centroid
from spectral_harness_inr import (
    FinerConfig,
    FourierFeaturesConfig,
    GaussConfig,
    ReluConfig,
    ReluPosencConfig,
    SirenConfig,
    SirenRffConfig,
    WinnerConfig,
    WireConfig,
)
from spectral_harness_inr.networks import (
    FinerLayer,
    FourierFeatures,
    GaussLayer,
    PositionalEncoding,
    RandomFourierFeatures,
    Siren,
    Wire,
    nyquist_octaves,
    relu_mlp,
)
from spectral_harness_inr.problem import InrProblem

# The papers' constants, by the signal's dimensionality: tuned on audio (1-D) and images (2-D).
# WINNER's reference code (set_noise_scales): S0 = A(1 - e^{-a·SC}), S1 = b·SC, as (A, a, b).
WINNER_CONSTANTS = {1: (3500.0, 7.0, 3.0), 2: (50.0, 5.0, 0.4)}
SIREN_FIRST_OMEGA = {1: 3000.0, 2: 30.0}


def constants_for(table: dict[int, Any], dims: int, what: str, fix: str = "") -> Any:
    """``table[dims]``, or a one-line refusal naming ``what`` has no value for ``dims``-D signals
    (rather than a constant tuned on another kind of signal)."""
    if dims not in table:
        known = " and ".join(f"{d}-D" for d in sorted(table))
        raise UserError(f"{what}: known for {known} signals only, not {dims}-D ones{fix}")
    return table[dims]


def build_siren(cfg: SirenConfig, problem: InrProblem) -> nn.Module:
    """SIREN with its paper's initialisation (ω0' = 3000 for 1-D signals, 30 for 2-D ones)."""
    first = cfg.first_omega_0 or constants_for(
        SIREN_FIRST_OMEGA,
        problem.signal.dims,
        "siren's first-layer ω0'",
        "; set method.first_omega_0",
    )
    return _siren(problem, first, cfg.omega_0)


def winner_noise_scales(
    centroid: float, channels: int, dims: int, reference_quirks: bool = True
) -> tuple[float, float]:
    """WINNER's noise scales (S0, S1) from the target's spectral centroid (fraction of Nyquist).

    The reference code divides the centroid by the channel count C inside its centroid function
    and again when it sets the scales; ``reference_quirks`` keeps that (SC/C²), otherwise the
    plain centroid is used. Identical for single-channel signals. ``dims``: the grid's
    dimensionality, which picks the constants (A, a, b).
    """
    amplitude, rate, slope = constants_for(
        WINNER_CONSTANTS, dims, "winner's noise constants (A, a, b)"
    )
    sc = centroid / channels**2 if reference_quirks else centroid
    return amplitude * (1.0 - math.exp(-rate * sc)), slope * sc


def build_winner(cfg: WinnerConfig, problem: InrProblem) -> nn.Module:
    """SIREN (ω0' = 30) whose first two weight matrices get N(0, (S_i/ω0)²) noise."""
    model = _siren(problem, cfg.first_omega_0, cfg.omega_0)
    signal = problem.signal
    s0, s1 = winner_noise_scales(
        spectral_centroid(signal.values), signal.channels, signal.dims, cfg.reference_quirks
    )
    first, second = model.sine_layers[0].linear, model.sine_layers[1].linear
    with torch.no_grad():
        first.weight.add_(torch.randn_like(first.weight) * (s0 / cfg.omega_0))
        second.weight.add_(torch.randn_like(second.weight) * (s1 / cfg.omega_0))
    return model


def build_fourier_features(cfg: FourierFeaturesConfig, problem: InrProblem) -> nn.Module:
    """Gaussian Fourier features followed by a ReLU MLP or a SIREN of the task's size."""
    nyquist = (min(problem.signal.grid) - 1) / 4.0  # cycles per unit on a [-1, 1] grid
    encoding = FourierFeatures(problem.in_features, cfg.num_features, cfg.sigma_nyquist * nyquist)
    if cfg.backbone == "relu":
        body: nn.Module = relu_mlp(
            encoding.out_features,
            problem.hidden_features,
            problem.hidden_layers,
            problem.out_features,
        )
    elif cfg.backbone == "siren":
        body = Siren(
            encoding.out_features,
            problem.hidden_features,
            problem.hidden_layers,
            problem.out_features,
            first_omega_0=30.0,
            omega_0=30.0,
        )
    else:
        raise ValueError(f"fourier_features backbone must be relu or siren, not {cfg.backbone!r}")
    return nn.Sequential(encoding, body)


def build_finer(cfg: FinerConfig, problem: InrProblem) -> nn.Module:
    """FINER (Liu et al. 2024): ``sin(ω0 (|z| + 1) z)`` layers with SIREN's initialisation."""
    layers: list[nn.Module] = [
        FinerLayer(
            problem.in_features,
            problem.hidden_features,
            cfg.first_omega_0,
            is_first=True,
            first_bias_scale=cfg.first_bias_scale,
        )
    ]
    layers += [
        FinerLayer(problem.hidden_features, problem.hidden_features, cfg.omega_0, is_first=False)
        for _ in range(problem.hidden_layers)
    ]
    return nn.Sequential(*layers, _sine_head(problem, cfg.omega_0))


def build_wire(cfg: WireConfig, problem: InrProblem) -> nn.Module:
    """WIRE (Saragadam et al. 2023): complex Gabor wavelet layers, real part of the output."""
    return Wire(
        problem.in_features,
        problem.hidden_features,
        problem.hidden_layers,
        problem.out_features,
        cfg.omega_0,
        cfg.sigma_0,
    )


def build_gauss(cfg: GaussConfig, problem: InrProblem) -> nn.Module:
    """Gaussian-activation MLP (Ramasinghe & Lucey 2022), PyTorch's default initialisation."""
    layers: list[nn.Module] = [GaussLayer(problem.in_features, problem.hidden_features, cfg.scale)]
    layers += [
        GaussLayer(problem.hidden_features, problem.hidden_features, cfg.scale)
        for _ in range(problem.hidden_layers)
    ]
    return nn.Sequential(*layers, nn.Linear(problem.hidden_features, problem.out_features))


def build_relu(cfg: ReluConfig, problem: InrProblem) -> nn.Module:
    """A ReLU MLP on the raw coordinates, PyTorch's default initialisation."""
    return relu_mlp(
        problem.in_features, problem.hidden_features, problem.hidden_layers, problem.out_features
    )


def build_relu_posenc(cfg: ReluPosencConfig, problem: InrProblem) -> nn.Module:
    """ReLU MLP after NeRF's positional encoding, with as many octaves as the grid resolves."""
    octaves = cfg.num_frequencies or nyquist_octaves(problem.signal.grid)
    encoding = PositionalEncoding(problem.in_features, octaves)
    body = relu_mlp(
        encoding.out_features,
        problem.hidden_features,
        problem.hidden_layers,
        problem.out_features,
    )
    return nn.Sequential(encoding, body)


def build_siren_rff(cfg: SirenRffConfig, problem: InrProblem) -> nn.Module:
    """SIREN after Gaussian random Fourier features (σ = 30, hidden/2 features), the WINNER
    paper's SIREN-RFF baseline."""
    encoding = RandomFourierFeatures(
        problem.in_features, cfg.num_features or max(1, problem.hidden_features // 2), cfg.sigma
    )
    body = Siren(
        encoding.out_features,
        problem.hidden_features,
        problem.hidden_layers,
        problem.out_features,
        first_omega_0=cfg.first_omega_0,
        omega_0=cfg.omega_0,
    )
    return nn.Sequential(encoding, body)


def _sine_head(problem: InrProblem, omega_0: float) -> nn.Linear:
    head = nn.Linear(problem.hidden_features, problem.out_features)
    bound = math.sqrt(6.0 / problem.hidden_features) / omega_0
    with torch.no_grad():
        head.weight.uniform_(-bound, bound)
    return head


def _siren(problem: InrProblem, first_omega_0: float, omega_0: float) -> Siren:
    return Siren(
        problem.in_features,
        problem.hidden_features,
        problem.hidden_layers,
        problem.out_features,
        first_omega_0=first_omega_0,
        omega_0=omega_0,
    )
