"""The ``inr_init`` methods: each builds a coordinate network for an :class:`InrProblem`."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from harness import spectral_centroid
from spectral_harness_inr import FourierFeaturesConfig, SirenConfig, WinnerConfig
from spectral_harness_inr.networks import FourierFeatures, Siren, relu_mlp
from spectral_harness_inr.signals import Signal

# WINNER's empirical constants (reference code, set_noise_scales): S0 = A(1 - e^{-a·SC}), S1 = b·SC
WINNER_CONSTANTS = {"audio": (3500.0, 7.0, 3.0), "image": (50.0, 5.0, 0.4)}
SIREN_FIRST_OMEGA = {"audio": 3000.0, "image": 30.0}


@dataclass(frozen=True)
class InrProblem:
    """What the ``inr_init`` slot hands to a method: the signal and the backbone's size."""

    signal: Signal
    hidden_features: int
    hidden_layers: int

    @property
    def in_features(self) -> int:
        return len(self.signal.grid)

    @property
    def out_features(self) -> int:
        return self.signal.values.shape[1]


def build_siren(cfg: SirenConfig, problem: InrProblem) -> nn.Module:
    """SIREN with its paper's initialisation."""
    first = cfg.first_omega_0 or SIREN_FIRST_OMEGA[problem.signal.modality]
    return _siren(problem, first, cfg.omega_0)


def winner_noise_scales(
    centroid: float, channels: int, modality: str, reference_quirks: bool = True
) -> tuple[float, float]:
    """WINNER's noise scales (S0, S1) from the target's spectral centroid (fraction of Nyquist).

    The reference code divides the centroid by the channel count C inside its centroid function
    and again when it sets the scales; ``reference_quirks`` keeps that (SC/C²), otherwise the
    plain centroid is used. Identical for single-channel signals.
    """
    amplitude, rate, slope = WINNER_CONSTANTS[modality]
    sc = centroid / channels**2 if reference_quirks else centroid
    return amplitude * (1.0 - math.exp(-rate * sc)), slope * sc


def build_winner(cfg: WinnerConfig, problem: InrProblem) -> nn.Module:
    """SIREN (ω0' = 30) whose first two weight matrices get N(0, (S_i/ω0)²) noise."""
    model = _siren(problem, cfg.first_omega_0, cfg.omega_0)
    values = problem.signal.values
    s0, s1 = winner_noise_scales(
        spectral_centroid(values), values.shape[1], problem.signal.modality, cfg.reference_quirks
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


def _siren(problem: InrProblem, first_omega_0: float, omega_0: float) -> Siren:
    return Siren(
        problem.in_features,
        problem.hidden_features,
        problem.hidden_layers,
        problem.out_features,
        first_omega_0=first_omega_0,
        omega_0=omega_0,
    )
