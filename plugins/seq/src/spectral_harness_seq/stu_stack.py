"""A deep STU model: the stacked architecture of the STU paper's experiments.

    h = W_in u;   h ← h + GLU(W_l GELU(STU_l(LayerNorm(h))))   (l = 1..layers);
    y = W_out LayerNorm(h)

Each :class:`~.stu.STU` layer (``width → width``) keeps its Hankel filters fixed (unless
``learn_filters``); the GLU and the residual give the nonlinearity that the synthetic tasks need
(a product of a value and a marker, a selection of tokens), which one linear STU layer cannot
compute. The paper's reference stacks STU layers the same way with a pre-layer BatchNorm;
LayerNorm normalises each step on its own, so the stack stays causal (batch statistics over the
sequence would let a step read the future during training).
"""

from __future__ import annotations

import torch
from torch import nn

from spectral_harness_seq.stu import STU


class StuStack(nn.Module):
    """(B, L, d_in) → (B, L, d_out) through ``layers`` residual STU blocks of ``width``."""

    def __init__(
        self,
        d_in: int,
        d_out: int,
        max_length: int,
        width: int = 32,
        layers: int = 2,
        num_filters: int = 24,
        ar_input: int = 3,
        learn_filters: bool = False,
    ) -> None:
        super().__init__()
        self.encoder = nn.Linear(d_in, width)
        self.norms = nn.ModuleList(nn.LayerNorm(width) for _ in range(layers))
        self.stus = nn.ModuleList(
            STU(
                width,
                width,
                max_length,
                num_filters=num_filters,
                ar_input=ar_input,
                learn_filters=learn_filters,
            )
            for _ in range(layers)
        )
        self.mixers = nn.ModuleList(nn.Linear(width, 2 * width) for _ in range(layers))
        self.final_norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, d_out)

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        """Per-step outputs (B, L, d_out); causal, like every STU layer."""
        h = self.encoder(u)
        for norm, stu, mixer in zip(self.norms, self.stus, self.mixers, strict=True):
            mixed = mixer(nn.functional.gelu(stu(norm(h))))
            h = h + nn.functional.glu(mixed, dim=-1)
        return self.head(self.final_norm(h))
