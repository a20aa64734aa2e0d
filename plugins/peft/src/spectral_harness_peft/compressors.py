"""Compressor methods: round-to-nearest (RTN) weight quantisation and the training-free
compensations built on it from a layer's calibration inputs X (tokens × d_in).

* ``rtn``: per-output-channel asymmetric b-bit RTN;
* ``rtn_svd``: RTN + the rank-r truncated SVD of ΔW = W − Q(W) (EoRA's baseline);
* ``eora`` (Liu et al. 2024): RTN + the rank-r B A minimising ‖(ΔW − B A) Xᵀ‖_F: with the input
  covariance C = XᵀX/n = Q Λ Qᵀ and S = Q Λ^{1/2}, SVD(ΔW S) = U Σ Vᵀ, B = U_r Σ_r,
  A = V_rᵀ S⁻¹ (at full rank B A = ΔW: the uncompressed layer exactly);
* ``resq`` (Saxena et al. 2024): in the PCA basis of the inputs (eigenvectors of C, descending),
  each subspace turned by an independent random orthogonal matrix, the top ``fraction`` of
  high-variance input directions is quantised at ``high_bits`` and the rest at b bits; the same
  basis R (orthogonal) is applied to the activations: y = Q(W R) Q_a(Rᵀ x) + b.

Overheads are counted in ``bits_per_weight``: a 16-bit scale and zero point per quantisation
group (row × column group) and 16-bit low-rank factors.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn

GROUP_OVERHEAD_BITS = 32  # a 16-bit scale and a 16-bit zero point


def quantize_rows(weight: Tensor, bits: int) -> Tensor:
    """Per-row asymmetric round-to-nearest at ``bits`` bits (fake-quantised: same shape and
    dtype); a constant row is kept exactly."""
    low = weight.amin(dim=-1, keepdim=True)
    high = weight.amax(dim=-1, keepdim=True)
    scale = (high - low) / (2**bits - 1)
    scale = torch.where(scale > 0, scale, torch.ones_like(scale))
    zero = torch.round(-low / scale)
    q = torch.clamp(torch.round(weight / scale) + zero, 0, 2**bits - 1)
    return (q - zero) * scale


class CompressedLinear(nn.Module):
    """y = Q_a(x R) Wᵀ + (Q_a(x R) Aᵀ) Bᵀ + bias, with an optional input rotation R (d_in, d_in),
    optional low-rank factors B (d_out, r), A (r, d_in) and optional per-token activation
    quantisation at ``act_bits`` (the first ``act_high`` rotated channels at ``high_bits``)."""

    def __init__(
        self,
        weight: Tensor,
        bias: Tensor | None,
        bits_per_weight: float,
        *,
        rotation: Tensor | None = None,
        low_rank: tuple[Tensor, Tensor] | None = None,
        act_bits: int | None = None,
        act_high: int = 0,
        high_bits: int = 8,
    ) -> None:
        super().__init__()
        self.register_buffer("weight", weight.float())
        self.register_buffer("bias", None if bias is None else bias.detach().float())
        self.register_buffer("rotation", None if rotation is None else rotation.float())
        b, a = low_rank if low_rank is not None else (None, None)
        self.register_buffer("b", None if b is None else b.float())
        self.register_buffer("a", None if a is None else a.float())
        self.bits_per_weight = float(bits_per_weight)
        self.rank = 0 if a is None else int(a.shape[0])
        self.act_bits = act_bits
        self.act_high = act_high
        self.high_bits = high_bits

    def forward(self, x: Tensor) -> Tensor:
        """The compressed layer's output."""
        if self.rotation is not None:
            x = x @ self.rotation
        if self.act_bits is not None and self.act_high > 0:
            x = torch.cat(
                [
                    quantize_rows(x[..., : self.act_high], self.high_bits),
                    quantize_rows(x[..., self.act_high :], self.act_bits),
                ],
                dim=-1,
            )
        elif self.act_bits is not None:
            x = quantize_rows(x, self.act_bits)
        y = nn.functional.linear(x, self.weight, self.bias)
        if self.a is not None:
            y = y + (x @ self.a.T) @ self.b.T
        return y


def _rtn_bits(bits: int, d_in: int, groups: int = 1) -> float:
    return bits + groups * GROUP_OVERHEAD_BITS / d_in


def _low_rank_bits(rank: int, d_out: int, d_in: int) -> float:
    return 16.0 * rank * (d_out + d_in) / (d_out * d_in)


def covariance(inputs: Tensor) -> Tensor:
    """C = XᵀX / n in float64."""
    x = inputs.reshape(-1, inputs.shape[-1]).double()
    return x.T @ x / x.shape[0]


def svd_compensation(delta: Tensor, rank: int) -> tuple[Tensor, Tensor]:
    """B (d_out, r), A (r, d_in) from the truncated SVD of ``delta``."""
    u, s, vh = torch.linalg.svd(delta.double(), full_matrices=False)
    return u[:, :rank] * s[:rank], vh[:rank]


def eigen_compensation(
    delta: Tensor, inputs: Tensor, rank: int, floor: float = 1e-10
) -> tuple[Tensor, Tensor]:
    """EoRA's B (d_out, r), A (r, d_in): the rank-r B A minimising ‖(ΔW − B A) Xᵀ‖_F, via the
    eigendecomposition of the input covariance (eigenvalues floored at ``floor`` × the largest,
    so S is invertible)."""
    lam, q = torch.linalg.eigh(covariance(inputs))
    lam = lam.clamp_min(floor * float(lam.max()))
    root = lam.sqrt()
    u, s, vh = torch.linalg.svd(delta.double() @ (q * root), full_matrices=False)
    b = u[:, :rank] * s[:rank]
    a = (vh[:rank] / root) @ q.T
    return b, a


def random_orthogonal(n: int, generator: torch.Generator) -> Tensor:
    """A Haar-random orthogonal matrix (n, n) in float64 (QR of a Gaussian, signs fixed)."""
    g = torch.randn(n, n, generator=generator, dtype=torch.float64)
    q, r = torch.linalg.qr(g)
    return q * torch.sign(torch.diagonal(r))


def resq_basis(inputs: Tensor, high: int, generator: torch.Generator) -> Tensor:
    """R = [U_high H₁, U_low H₂]: the inputs' principal directions (descending variance), split
    after ``high`` columns, each block turned by an independent random orthogonal matrix."""
    _, q = torch.linalg.eigh(covariance(inputs))
    u = q.flip(-1)
    top, rest = u[:, :high], u[:, high:]
    return torch.cat(
        [
            top @ random_orthogonal(high, generator),
            rest @ random_orthogonal(rest.shape[1], generator),
        ],
        dim=1,
    )


class Compressor:
    """A per-layer compressor configured by the method's and the task's settings."""

    def __init__(self, kind: str, bits: int, rank: int, act_bits: int | None, **options: Any):
        self.kind = kind
        self.bits = bits
        self.rank = rank
        self.act_bits = act_bits
        self.options = options

    def __call__(self, linear: nn.Linear, inputs: Tensor) -> CompressedLinear:
        """Compress ``linear`` using its calibration ``inputs`` (tokens, d_in)."""
        weight = linear.weight.detach().double()
        d_out, d_in = weight.shape
        if self.kind == "resq":
            return self._resq(linear, weight, inputs)
        quantized = quantize_rows(weight, self.bits)
        bits = _rtn_bits(self.bits, d_in)
        low_rank = None
        rank = min(self.rank, d_out, d_in)
        if self.kind == "rtn_svd":
            low_rank = svd_compensation(weight - quantized, rank)
        elif self.kind == "eora":
            low_rank = eigen_compensation(weight - quantized, inputs, rank)
        if low_rank is not None:
            bits += _low_rank_bits(rank, d_out, d_in)
        return CompressedLinear(
            quantized, linear.bias, bits, low_rank=low_rank, act_bits=self.act_bits
        )

    def _resq(self, linear: nn.Linear, weight: Tensor, inputs: Tensor) -> CompressedLinear:
        d_in = weight.shape[1]
        high = min(max(1, math.ceil(self.options["fraction"] * d_in)), d_in - 1)
        high_bits = self.options["high_bits"]
        generator = torch.Generator().manual_seed(self.options["seed"])
        rotation = resq_basis(inputs, high, generator)
        rotated = weight @ rotation
        quantized = torch.cat(
            [
                quantize_rows(rotated[:, :high], high_bits),
                quantize_rows(rotated[:, high:], self.bits),
            ],
            dim=1,
        )
        bits = (high * high_bits + (d_in - high) * self.bits) / d_in
        bits += 2 * GROUP_OVERHEAD_BITS / d_in
        return CompressedLinear(
            quantized,
            linear.bias,
            bits,
            rotation=rotation,
            act_bits=self.act_bits,
            act_high=high,
            high_bits=high_bits,
        )


def build_rtn(cfg: Any, problem: Any) -> Compressor:
    """Plain RTN at the task's bits (no compensation)."""
    return Compressor("rtn", problem.bits, 0, problem.act_bits)


def build_rtn_svd(cfg: Any, problem: Any) -> Compressor:
    """RTN + truncated SVD of the quantisation error at the task's rank."""
    return Compressor("rtn_svd", problem.bits, problem.rank, problem.act_bits)


def build_eora(cfg: Any, problem: Any) -> Compressor:
    """RTN + EoRA's eigenspace-projected low-rank compensation at the task's rank."""
    return Compressor("eora", problem.bits, problem.rank, problem.act_bits)


def build_resq(cfg: Any, problem: Any) -> Compressor:
    """ResQ: PCA-basis mixed precision (top ``cfg.fraction`` at ``cfg.high_bits``) with random
    rotations inside each subspace, seeded by ``cfg.rotation_seed``."""
    return Compressor(
        "resq",
        problem.bits,
        0,
        problem.act_bits,
        fraction=cfg.fraction,
        high_bits=cfg.high_bits,
        seed=cfg.rotation_seed,
    )
