"""The non-spectral baselines: a GRU and a small causal (decoder-only) Transformer."""

from __future__ import annotations

import math

import torch
from torch import nn


class GRUModel(nn.Module):
    """Linear embedding → ``layers``-layer GRU of ``width`` units → linear read-out."""

    def __init__(self, d_in: int, d_out: int, width: int = 64, layers: int = 1) -> None:
        super().__init__()
        self.embed = nn.Linear(d_in, width)
        self.gru = nn.GRU(width, width, num_layers=layers, batch_first=True)
        self.head = nn.Linear(width, d_out)

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        """(B, L, d_in) → (B, L, d_out); a recurrence, so causal by construction."""
        hidden, _ = self.gru(self.embed(u))
        return self.head(hidden)


class CausalTransformer(nn.Module):
    """Pre-norm Transformer encoder with a causal mask and learned positions (≤ ``max_length``)."""

    def __init__(
        self,
        d_in: int,
        d_out: int,
        max_length: int,
        width: int = 64,
        layers: int = 2,
        heads: int = 4,
    ) -> None:
        super().__init__()
        self.embed = nn.Linear(d_in, width)
        self.position = nn.Parameter(torch.randn(max_length, width) / math.sqrt(width))
        layer = nn.TransformerEncoderLayer(
            width, heads, dim_feedforward=2 * width, dropout=0.0, batch_first=True, norm_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, d_out)

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        """(B, L, d_in) → (B, L, d_out); position t attends to positions ≤ t only."""
        length = u.shape[1]
        mask = nn.Transformer.generate_square_subsequent_mask(length, device=u.device)
        h = self.embed(u) + self.position[:length]
        h = self.encoder(h, mask=mask, is_causal=True)
        return self.head(self.norm(h))
