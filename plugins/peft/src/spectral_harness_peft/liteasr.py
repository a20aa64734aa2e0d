"""LiteASR (Kamahori et al. 2025): low-rank compression of a linear layer from the principal
components of its calibration *outputs*, and the no-op ``dense`` reference.

For a linear y = x Wᵀ + b with calibration outputs Y (tokens × d_out), mean μ and the top-k
eigenvectors V_k (d_out × k) of the centred outputs' covariance (Y − μ)ᵀ(Y − μ), every output is
replaced by its projection on the principal subspace around μ:

    y ≈ μ + (y − μ) V_k V_kᵀ = (x Wᵀ V_k) V_kᵀ + b′,    b′ = μ + (b − μ) V_k V_kᵀ,

two matrices of k(d_in + d_out) weights instead of d_in·d_out. k is the smallest multiple of
``step`` (16) whose share of the eigenvalue sum (the "energy") exceeds θ (full rank when none
does; θ = 1 keeps every component); θ_attn for square layers (Whisper's q, k, v, out) and θ_mlp
for the FFN's non-square ones. A layer whose factors would cost more than ``max_cost`` times
its dense weight keeps its dense weight (the reference skips k > 0.5·d for attention and
k > 0.8·d for the MLP, the break-even points ``max_cost = 1`` gives on Whisper's shapes).
With k = d_out (full rank) V_k V_kᵀ = I and the layer is reproduced exactly (a test).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

BITS = 16.0  # the factors are kept at the asset's precision (float16)


class LowRankLinear(nn.Module):
    """y = (x A) B + bias with A (d_in × k), B (k × d_out); ``rank`` = k, ``macs`` per token,
    ``bits_per_weight`` per weight of the dense layer it replaces."""

    def __init__(self, first: Tensor, second: Tensor, bias: Tensor) -> None:
        super().__init__()
        self.first = nn.Parameter(first, requires_grad=False)
        self.second = nn.Parameter(second, requires_grad=False)
        self.bias = nn.Parameter(bias, requires_grad=False)
        d_in, k = first.shape
        d_out = second.shape[1]
        self.rank = float(k)
        self.macs = k * (d_in + d_out)
        self.bits_per_weight = BITS * self.macs / (d_in * d_out)

    def forward(self, x: Tensor) -> Tensor:
        """Apply the two factors and the bias."""
        return (x @ self.first) @ self.second + self.bias


class DenseLinear(nn.Module):
    """A linear layer kept as it is, with the compressor slot's attributes."""

    def __init__(self, linear: nn.Linear) -> None:
        super().__init__()
        self.linear = linear
        self.rank = float(min(linear.in_features, linear.out_features))
        self.macs = linear.in_features * linear.out_features
        self.bits_per_weight = BITS

    def forward(self, x: Tensor) -> Tensor:
        """The original layer."""
        return self.linear(x)


def energy_rank(eigenvalues: Tensor, theta: float, step: int = 16) -> int:
    """The smallest multiple of ``step`` whose leading ``eigenvalues`` (descending) hold more
    than ``theta`` of their sum; their count when no multiple does."""
    total = float(eigenvalues.sum())
    if total <= 0:
        return min(step, len(eigenvalues))
    cumulative = torch.cumsum(eigenvalues.double(), 0) / total
    for k in range(step, len(eigenvalues), step):
        if float(cumulative[k - 1]) > theta:
            return k
    return len(eigenvalues)


def output_pca(linear: nn.Linear, inputs: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Mean μ, eigenvalues (descending) and eigenvectors (columns) of the layer's outputs on
    ``inputs`` (float64 covariance of the centred outputs)."""
    with torch.no_grad():
        outputs = linear(inputs).double()
    mean = outputs.mean(0)
    centred = outputs - mean
    values, vectors = torch.linalg.eigh(centred.T @ centred)
    return mean, values.flip(0).clamp_min(0), vectors.flip(1)


def liteasr_compress(
    linear: nn.Linear, inputs: Tensor, theta: float, step: int = 16, max_cost: float = 1.0
) -> nn.Module:
    """LiteASR's low-rank replacement of ``linear`` from its calibration ``inputs`` (tokens ×
    d_in) at energy threshold ``theta``; the dense layer where the factors cost more."""
    mean, values, vectors = output_pca(linear, inputs)
    k = energy_rank(values, theta, step)
    d_out, d_in = linear.weight.shape
    if k * (d_in + d_out) > max_cost * d_in * d_out:
        return DenseLinear(linear)
    basis = vectors[:, :k]
    weight = linear.weight.detach().double()
    bias = linear.bias.detach().double() if linear.bias is not None else torch.zeros(d_out)
    first = weight.T @ basis
    new_bias = mean + ((bias.double() - mean) @ basis) @ basis.T
    return LowRankLinear(first.float(), basis.T.float().contiguous(), new_bias.float())


def build_liteasr(cfg: Any, problem: Any):
    """A compressor: ``compress(linear, inputs)`` → LiteASR's layer at θ_attn (square layers)
    or θ_mlp (the others)."""
    theta_mlp = cfg.theta if cfg.theta_mlp is None else cfg.theta_mlp

    def compress(linear: nn.Linear, inputs: Tensor) -> nn.Module:
        square = linear.in_features == linear.out_features
        theta = cfg.theta if square else theta_mlp
        return liteasr_compress(linear, inputs, theta, cfg.step, cfg.max_cost)

    return compress


def build_dense(cfg: Any, problem: Any):
    """A compressor that keeps every layer as it is (the uncompressed reference)."""

    def compress(linear: nn.Linear, inputs: Tensor) -> nn.Module:
        return DenseLinear(linear)

    return compress
