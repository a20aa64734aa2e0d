"""Building blocks shared by the backbones and the PE networks: message passing from PyG
(``GINConv``/``GINEConv`` with an identity ``nn``, so the update MLP can see a padding mask),
the masked BatchNorm and the reference code's BatchNorm MLP.

PyG's ``GINConv(nn.Identity(), train_eps=True, node_dim=0)`` computes ``(1 + ε) h_i + Σ_j h_j``
along the first index of a tensor of any rank, which is what SPE's ρ and SignNet's φ need (the
second index is a batch dimension there); ``GINEConv`` adds ``ReLU(h_j + e_ij)`` messages.
"""

from __future__ import annotations

from itertools import pairwise

import torch
from torch import nn
from torch_geometric.nn import GINConv, GINEConv


class MaskedBatchNorm(nn.BatchNorm1d):
    """BatchNorm over the valid entries of ``h`` ``(..., c)`` only: padded entries (``mask``
    False) neither enter the statistics nor get normalized (they come out as zeros). The SPE
    reference code's BatchNorm counts the padding, so its statistics depend on the batch's
    largest graph; this one does not. In eval mode it is a per-channel affine map, so
    equivariance and invariance are kept. ``mask=None``: every entry is valid.

    Kept instead of a library kernel because it is faster: the valid rows are gathered with
    ``index_select`` and normalized by the fused BatchNorm kernel, about twice as fast as
    boolean indexing with a hand-written mean and variance
    (``benchmarks/masked_batchnorm_bench.py``); PyG has no masked BatchNorm for dense padding.
    """

    def forward(self, h: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:  # type: ignore[override]
        flat = h.reshape(-1, h.shape[-1])
        if mask is None:
            return super().forward(flat).view_as(h)
        valid = mask.reshape(-1).nonzero().squeeze(1)
        normalized = super().forward(flat.index_select(0, valid))
        return torch.zeros_like(flat).index_copy(0, valid, normalized).view_as(h)


class BatchNormMLP(nn.Module):
    """The reference code's ``MLP`` with ``use_bn``: ``layers − 1`` blocks of Linear → BatchNorm
    → ReLU, then a Linear (``layers`` = 1: one Linear). Acts on the last index of a tensor of any
    rank; BatchNorm statistics run over every other index, restricted to ``mask`` if given."""

    def __init__(self, in_dim: int, hidden: int, out_dim: int, layers: int) -> None:
        super().__init__()
        widths = [in_dim] + [hidden] * (layers - 1)
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in pairwise(widths))
        self.norms = nn.ModuleList(MaskedBatchNorm(hidden) for _ in range(layers - 1))
        self.out = nn.Linear(widths[-1], out_dim)

    def forward(self, h: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        for linear, norm in zip(self.linears, self.norms, strict=True):
            h = torch.relu(norm(linear(h), mask))
        return self.out(h)


def gin_aggregation(random_eps: bool = True) -> GINConv:
    """``(1 + ε) h_i + Σ_{j ∈ N(i)} h_j`` over the first index (PyG), ε trainable, initialised
    from N(0, 1) as in the reference code (``random_eps``) or at 0."""
    conv = GINConv(nn.Identity(), train_eps=True, node_dim=0)
    if random_eps:
        nn.init.normal_(conv.eps)
    return conv


def gine_aggregation(random_eps: bool = True) -> GINEConv:
    """``(1 + ε) h_i + Σ_{j ∈ N(i)} ReLU(h_j + e_ij)`` (PyG ``GINEConv``, Hu et al. 2020), ε
    trainable, initialised from N(0, 1) as in the reference code (``random_eps``) or at 0."""
    conv = GINEConv(nn.Identity(), train_eps=True)
    if random_eps:
        nn.init.normal_(conv.eps)
    return conv
