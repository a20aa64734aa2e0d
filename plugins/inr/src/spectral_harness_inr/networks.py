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


class FinerLayer(nn.Module):
    """FINER's variable-periodic activation ``sin(ω0 · (|z| + 1) · z)``, ``z = W x + b``.

    Weights take SIREN's uniform initialisation (first layer U(-1/d_in, 1/d_in), others
    U(-√(6/d_in)/ω0, √(6/d_in)/ω0)); ``first_bias_scale`` k draws the first layer's bias from
    U(-k, k) (FINER's wider bias range; ``None`` keeps PyTorch's default). The scale |z| + 1 is
    not differentiated through, as in the FINER reference.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        omega_0: float,
        is_first: bool,
        first_bias_scale: float | None = None,
    ) -> None:
        super().__init__()
        self.omega_0 = omega_0
        self.linear = nn.Linear(in_features, out_features)
        bound = 1.0 / in_features if is_first else math.sqrt(6.0 / in_features) / omega_0
        with torch.no_grad():
            self.linear.weight.uniform_(-bound, bound)
            if is_first and first_bias_scale is not None:
                self.linear.bias.uniform_(-first_bias_scale, first_bias_scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.linear(x)
        return torch.sin(self.omega_0 * (z.detach().abs() + 1.0) * z)


class GaussLayer(nn.Module):
    """``exp(-(s · (W x + b))²)``, the Gaussian activation (PyTorch's default initialisation)."""

    def __init__(self, in_features: int, out_features: int, scale: float) -> None:
        super().__init__()
        self.scale = scale
        self.linear = nn.Linear(in_features, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.exp(-((self.scale * self.linear(x)) ** 2))


class ComplexLinear(nn.Module):
    """``z = W x + b`` with complex W, b, on complex inputs held as (real, imaginary) pairs.

    Real arithmetic on the two parts (complex64 kernels are an order of magnitude slower on
    CPU); each part of W and b is drawn as PyTorch's default ``Linear`` draws a real weight,
    U(-1/√d_in, 1/√d_in), which is how ``nn.Linear(dtype=torch.cfloat)`` initialises them.
    """

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        bound = 1.0 / math.sqrt(in_features)

        def draw(*shape: int) -> nn.Parameter:
            return nn.Parameter(torch.empty(*shape).uniform_(-bound, bound))

        self.weight_real, self.weight_imag = (
            draw(out_features, in_features),
            draw(out_features, in_features),
        )
        self.bias_real, self.bias_imag = draw(out_features), draw(out_features)

    def forward(self, x: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        real, imag = x
        f = nn.functional.linear
        return (
            f(real, self.weight_real, self.bias_real) - f(imag, self.weight_imag),
            f(imag, self.weight_real, self.bias_imag) + f(real, self.weight_imag),
        )


def gabor(
    real: torch.Tensor, imag: torch.Tensor, omega_0: float, sigma_0: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """WIRE's complex Gabor wavelet ``exp(i ω0 z − |s0 z|²)`` of ``z = real + i·imag``, as
    (real, imaginary) parts: ``exp(−ω0·imag − s0²|z|²) · (cos ω0·real, sin ω0·real)``."""
    magnitude = torch.exp(-omega_0 * imag - sigma_0**2 * (real**2 + imag**2))
    return magnitude * torch.cos(omega_0 * real), magnitude * torch.sin(omega_0 * real)


class Wire(nn.Module):
    """WIRE: a real first layer, complex layers after it, each followed by the complex Gabor
    wavelet (:func:`gabor`), a complex linear head, and the real part as the output.

    ``hidden_features`` is divided by √2 (a complex unit holds two reals), as in the reference,
    so the parameter count stays close to a real network of the same width.
    """

    def __init__(
        self,
        in_features: int,
        hidden_features: int,
        hidden_layers: int,
        out_features: int,
        omega_0: float,
        sigma_0: float,
    ) -> None:
        super().__init__()
        self.omega_0, self.sigma_0 = omega_0, sigma_0
        width = max(1, int(hidden_features / math.sqrt(2.0)))
        self.first = nn.Linear(in_features, width)
        self.hidden = nn.ModuleList(ComplexLinear(width, width) for _ in range(hidden_layers))
        self.head = ComplexLinear(width, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.first(x)
        h = gabor(z, torch.zeros_like(z), self.omega_0, self.sigma_0)
        for layer in self.hidden:
            h = gabor(*layer(h), self.omega_0, self.sigma_0)
        return self.head(h)[0]


class PositionalEncoding(nn.Module):
    """NeRF's encoding ``[x, sin(2^k π x), cos(2^k π x)]`` for k < ``num_frequencies``."""

    def __init__(self, in_features: int, num_frequencies: int) -> None:
        super().__init__()
        self.register_buffer("scales", math.pi * 2.0 ** torch.arange(num_frequencies))
        self.out_features = in_features * (1 + 2 * num_frequencies)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        projected = (x[..., None] * self.scales).flatten(-2)
        return torch.cat([x, torch.sin(projected), torch.cos(projected)], dim=-1)


def nyquist_octaves(grid: tuple[int, ...]) -> int:
    """SIREN's rule for the number of positional-encoding octaves on a grid:
    ``floor(log2(n / 4))`` for the shortest side n (at least 1)."""
    return max(1, math.floor(math.log2(min(grid) / 4.0)))


class RandomFourierFeatures(nn.Module):
    """``[cos(x B), sin(x B)]`` with a fixed B ~ N(0, σ²) (d_in × ``num_features``), no 2π: the
    encoding the WINNER reference puts before SIREN (σ = 30)."""

    def __init__(self, in_features: int, num_features: int, sigma: float) -> None:
        super().__init__()
        self.register_buffer("B", torch.randn(in_features, num_features) * sigma)
        self.out_features = 2 * num_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        projected = x @ self.B
        return torch.cat([torch.cos(projected), torch.sin(projected)], dim=-1)
