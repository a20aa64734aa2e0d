"""Plain (non-Fourier) decoders the Fourier decoder paper compares against, for the
``sequence_generator`` slot; widths default to about the Fourier decoder's parameter count.

* ``mlp_decoder``: the paper's Neural-Process-style decoder, an MLP (SiLU) of the code joined
  with the time t / T (T the training window): x(t) = MLP([c, t / T]).
* ``gru_decoder``: a GRU whose initial state is a linear map of the code and whose input at
  every step is the code; a linear read-out of the state gives x(t). Unlike the paper's GRU
  baseline it does not feed its own outputs back (no teacher forcing, so training and sampling
  see the same inputs).
* ``transformer_decoder``: a causal pre-norm Transformer over steps whose token at step t is a
  linear map of the code plus a sinusoidal encoding of t (defined for any t, so extrapolation is
  well posed); a linear read-out gives x(t).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from spectral_harness_seq.fourier_decoder import mlp
from spectral_harness_seq.generator_contract import GenProblem
from spectral_harness_seq.periodic_config import (
    GruDecoderConfig,
    MlpDecoderConfig,
    TransformerDecoderConfig,
)


class MlpDecoder(nn.Module):
    """x(t) = MLP([code, t / period]) for each step t."""

    def __init__(self, code_dim: int, period: int, width: int, layers: int) -> None:
        super().__init__()
        self.period = period
        self.net = mlp([code_dim + 1, *[width] * layers, 1])

    def forward(self, code: torch.Tensor, steps: int) -> torch.Tensor:
        """Signals (B, steps)."""
        t = torch.arange(steps, device=code.device, dtype=code.dtype) / self.period
        grid = torch.cat(
            [code[:, None, :].expand(-1, steps, -1), t[None, :, None].expand(len(code), -1, 1)],
            dim=-1,
        )
        return self.net(grid)[..., 0]


class GruDecoder(nn.Module):
    """A GRU driven by the code at every step, started from a linear map of the code."""

    def __init__(self, code_dim: int, width: int, layers: int) -> None:
        super().__init__()
        self.layers = layers
        self.start = nn.Linear(code_dim, width * layers)
        self.gru = nn.GRU(code_dim, width, num_layers=layers, batch_first=True)
        self.readout = nn.Linear(width, 1)

    def forward(self, code: torch.Tensor, steps: int) -> torch.Tensor:
        """Signals (B, steps)."""
        h0 = torch.tanh(self.start(code)).reshape(len(code), self.layers, -1).transpose(0, 1)
        states, _ = self.gru(code[:, None, :].expand(-1, steps, -1), h0.contiguous())
        return self.readout(states)[..., 0]


def sinusoidal_encoding(steps: int, width: int, device: torch.device) -> torch.Tensor:
    """The Transformer's fixed position encoding (steps, width), defined for every step."""
    position = torch.arange(steps, device=device, dtype=torch.float32)[:, None]
    rates = torch.exp(
        torch.arange(0, width, 2, device=device, dtype=torch.float32) * (-math.log(1e4) / width)
    )
    encoding = torch.zeros(steps, width, device=device)
    encoding[:, 0::2] = torch.sin(position * rates)
    encoding[:, 1::2] = torch.cos(position * rates[: width // 2])
    return encoding


class TransformerDecoder(nn.Module):
    """Causal pre-norm Transformer over tokens code-embedding + position-encoding(t)."""

    def __init__(self, code_dim: int, width: int, layers: int, heads: int, ff_mult: int) -> None:
        super().__init__()
        self.width = width
        self.embed = nn.Linear(code_dim, width)
        block = nn.TransformerEncoderLayer(
            width, heads, ff_mult * width, dropout=0.0, batch_first=True, norm_first=True
        )
        self.blocks = nn.TransformerEncoder(block, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(width)
        self.readout = nn.Linear(width, 1)

    def forward(self, code: torch.Tensor, steps: int) -> torch.Tensor:
        """Signals (B, steps)."""
        tokens = self.embed(code)[:, None, :] + sinusoidal_encoding(
            steps, self.width, code.device
        ).to(code.dtype)
        mask = nn.Transformer.generate_square_subsequent_mask(steps, device=code.device)
        hidden = self.blocks(tokens, mask=mask, is_causal=True)
        return self.readout(self.norm(hidden))[..., 0]


def build_mlp_decoder(cfg: MlpDecoderConfig, problem: GenProblem) -> MlpDecoder:
    """The NP-style MLP decoder over (code, t / window)."""
    return MlpDecoder(problem.code_dim, problem.length, cfg.width, cfg.layers)


def build_gru_decoder(cfg: GruDecoderConfig, problem: GenProblem) -> GruDecoder:
    """The code-driven GRU decoder."""
    return GruDecoder(problem.code_dim, cfg.width, cfg.layers)


def build_transformer_decoder(
    cfg: TransformerDecoderConfig, problem: GenProblem
) -> TransformerDecoder:
    """The causal Transformer decoder."""
    return TransformerDecoder(problem.code_dim, cfg.width, cfg.layers, cfg.heads, cfg.ff_mult)
