"""The Fourier-based periodic decoder of Lee, Kim, Gwak & Choi, "Conditional Generation of
Periodic Signals with Fourier-Based Decoder" (NeurIPS 2021 DGM workshop, arXiv 2110.12365).

A shared coefficient generator g (an MLP with SiLU activations) reads the code c (latent sample
joined with the condition) plus a learned embedding e_k of each harmonic k and emits that
harmonic's sine and cosine coefficients; the signal is their Fourier series

    (a_k, b_k) = g(c + e_k),   x(t) = Σ_{k ∈ K} a_k sin(2π k t / T) + b_k cos(2π k t / T),

over a fixed grid K = {k_min, …, k_min + H − 1} of harmonics of the base period T (the training
window), so x is exactly T-periodic and band-limited to H harmonics by construction. The paper
adds an orthogonality penalty ‖ÊÊᵀ − I‖_F on the row-normalised harmonic embeddings Ê, here
``penalty()`` weighted by ``orthogonal_weight``.
"""

from __future__ import annotations

import itertools
import math

import torch
from torch import nn

from harness import UserError
from spectral_harness_seq.generator_contract import GenProblem
from spectral_harness_seq.periodic_config import FourierDecoderConfig


def mlp(sizes: list[int]) -> nn.Sequential:
    """Linear layers of ``sizes`` with SiLU between them (none after the last)."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        if i:
            layers.append(nn.SiLU())
        layers.append(nn.Linear(n_in, n_out))
    return nn.Sequential(*layers)


class FourierDecoder(nn.Module):
    """Code (B, code_dim) → a Fourier series of ``harmonics`` harmonics of period ``period``."""

    def __init__(
        self,
        code_dim: int,
        period: int,
        harmonics: int,
        min_harmonic: int,
        width: int,
        layers: int,
        orthogonal_weight: float,
    ) -> None:
        super().__init__()
        self.period = period
        self.orthogonal_weight = orthogonal_weight
        orders = torch.arange(min_harmonic, min_harmonic + harmonics)
        self.register_buffer("orders", orders, persistent=False)
        self.embedding = nn.Embedding(harmonics, code_dim)
        self.generator = mlp([code_dim, *[width] * layers, 2])

    def coefficients(self, code: torch.Tensor) -> torch.Tensor:
        """Per-harmonic (a_k, b_k): (B, harmonics, 2)."""
        return self.generator(code[:, None, :] + self.embedding.weight[None])

    def basis(self, steps: int) -> tuple[torch.Tensor, torch.Tensor]:
        """sin and cos of 2π k t / T for t < ``steps``, each (steps, harmonics).

        k t is reduced modulo T in integers first, so step t + T gives bit-identical values."""
        t = torch.arange(steps, device=self.orders.device)
        turns = (t[:, None] * self.orders[None, :]) % self.period
        angle = turns.to(self.embedding.weight.dtype) * (2 * math.pi / self.period)
        return torch.sin(angle), torch.cos(angle)

    def forward(self, code: torch.Tensor, steps: int) -> torch.Tensor:
        """Signals (B, steps) at t = 0..steps−1."""
        coefficients = self.coefficients(code)
        sin, cos = self.basis(steps)
        return coefficients[..., 0] @ sin.T + coefficients[..., 1] @ cos.T

    def penalty(self) -> torch.Tensor:
        """``orthogonal_weight`` · ‖ÊÊᵀ − I‖_F of the row-normalised harmonic embeddings."""
        rows = nn.functional.normalize(self.embedding.weight, dim=1)
        gram = rows @ rows.T
        identity = torch.eye(gram.shape[0], device=gram.device, dtype=gram.dtype)
        return self.orthogonal_weight * torch.linalg.matrix_norm(gram - identity)


def build_fourier_decoder(cfg: FourierDecoderConfig, problem: GenProblem) -> FourierDecoder:
    """The Fourier decoder over harmonics k_min..k_min+H−1 of the problem's training window;
    refuses (one line) a grid that reaches the window's Nyquist bin, where it would alias."""
    top = cfg.min_harmonic + cfg.harmonics - 1
    if 2 * top >= problem.length:
        raise UserError(
            f"method.harmonics={cfg.harmonics} with method.min_harmonic={cfg.min_harmonic} "
            f"reaches harmonic {top}, at or above the Nyquist bin {problem.length // 2} of the "
            f"{problem.length}-step window; lower method.harmonics"
        )
    return FourierDecoder(
        problem.code_dim,
        problem.length,
        cfg.harmonics,
        cfg.min_harmonic,
        cfg.width,
        cfg.layers,
        cfg.orthogonal_weight,
    )
