"""Sine networks and Fourier-feature encodings shared by the INR methods."""

from __future__ import annotations

import math

import torch
from torch import nn


class SineLayer(nn.Module):
    """``sin(ω0 · (W x + b))`` with SIREN's uniform initialisation.

    First layer: W ~ U(-1/d_in, 1/d_in). Hidden layers: W ~ U(-√(6/d_in)/ω0, √(6/d_in)/ω0).
    Biases keep PyTorch's default, as in the reference implementation.
    """

    def __init__(self, in_features: int, out_features: int, omega_0: float, is_first: bool) -> None:
        super().__init__()
        self.omega_0 = omega_0
        self.linear = nn.Linear(in_features, out_features)
        bound = 1.0 / in_features if is_first else math.sqrt(6.0 / in_features) / omega_0
        with torch.no_grad():
            self.linear.weight.uniform_(-bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sin(self.omega_0 * self.linear(x))


class Siren(nn.Module):
    """A sine MLP: one first layer (ω0'), ``hidden_layers`` hidden sine layers (ω0), linear head."""

    def __init__(
        self,
        in_features: int,
        hidden_features: int,
        hidden_layers: int,
        out_features: int,
        first_omega_0: float,
        omega_0: float,
    ) -> None:
        super().__init__()
        layers = [SineLayer(in_features, hidden_features, first_omega_0, is_first=True)]
        layers += [
            SineLayer(hidden_features, hidden_features, omega_0, is_first=False)
            for _ in range(hidden_layers)
        ]
        self.sine_layers = nn.ModuleList(layers)
        self.head = nn.Linear(hidden_features, out_features)
        bound = math.sqrt(6.0 / hidden_features) / omega_0
        with torch.no_grad():
            self.head.weight.uniform_(-bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.sine_layers:
            x = layer(x)
        return self.head(x)


class FourierFeatures(nn.Module):
    """γ(x) = [cos 2πBx, sin 2πBx] with a fixed Gaussian B (``num_features`` × d_in)."""

    def __init__(self, in_features: int, num_features: int, sigma: float) -> None:
        super().__init__()
        self.register_buffer("B", torch.randn(num_features, in_features) * sigma)

    @property
    def out_features(self) -> int:
        return 2 * self.B.shape[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        projected = 2.0 * math.pi * x @ self.B.T
        return torch.cat([torch.cos(projected), torch.sin(projected)], dim=-1)


def relu_mlp(
    in_features: int, hidden_features: int, hidden_layers: int, out_features: int
) -> nn.Sequential:
    """A ReLU MLP with the same depth convention as :class:`Siren` (PyTorch default init)."""
    layers: list[nn.Module] = [nn.Linear(in_features, hidden_features), nn.ReLU()]
    for _ in range(hidden_layers):
        layers += [nn.Linear(hidden_features, hidden_features), nn.ReLU()]
    layers.append(nn.Linear(hidden_features, out_features))
    return nn.Sequential(*layers)
