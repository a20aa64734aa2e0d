"""The shared backbone: GINE layers with residuals, the PE added at the input and (optionally)
before every layer, a pooled readout and an MLP head (the SPE paper's ZINC model)."""

from __future__ import annotations

import torch
from torch import nn

from spectral_harness_graph_pe.data import NUM_ATOM_TYPES, NUM_BOND_TYPES, Batch
from spectral_harness_graph_pe.encoders import PositionalEncoder


class GINELayer(nn.Module):
    """``h_i ← MLP((1 + ε) h_i + Σ_{j ∈ N(i)} ReLU(h_j + e_ij))`` (Hu et al. 2020), BN, ReLU."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.bond = nn.Embedding(NUM_BOND_TYPES, hidden)
        self.eps = nn.Parameter(torch.zeros(1))
        self.mlp = nn.Sequential(
            nn.Linear(hidden, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Linear(hidden, hidden)
        )
        self.norm = nn.BatchNorm1d(hidden)

    def forward(
        self, h: torch.Tensor, edge_index: torch.Tensor, edge_attr: torch.Tensor
    ) -> torch.Tensor:
        src, dst = edge_index
        messages = torch.relu(h[src] + self.bond(edge_attr))
        aggregated = torch.zeros_like(h).index_add_(0, dst, messages)
        return torch.relu(self.norm(self.mlp((1 + self.eps) * h + aggregated)))


class GraphRegressor(nn.Module):
    """Atom embedding (+ PE) → ``layers`` residual GINE layers → mean/sum pool → 3-layer head."""

    def __init__(
        self,
        encoder: PositionalEncoder,
        hidden: int,
        layers: int,
        pe_every_layer: bool = True,
        pool: str = "mean",
    ) -> None:
        super().__init__()
        if pool not in {"mean", "sum"}:
            raise ValueError(f"pool must be mean or sum, not {pool!r}")
        self.encoder, self.pool = encoder, pool
        self.atom = nn.Embedding(NUM_ATOM_TYPES, hidden)
        pe_dim = encoder.out_dim
        self.pe_input = nn.Linear(pe_dim, hidden) if pe_dim else None
        self.pe_layers = (
            nn.ModuleList(nn.Linear(pe_dim, hidden) for _ in range(layers))
            if pe_dim and pe_every_layer
            else None
        )
        self.layers = nn.ModuleList(GINELayer(hidden) for _ in range(layers))
        self.head = nn.Sequential(
            nn.Linear(hidden, hidden),
            nn.BatchNorm1d(hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden // 2),
            nn.BatchNorm1d(hidden // 2),
            nn.ReLU(),
            nn.Linear(hidden // 2, 1),
        )

    def forward(self, batch: Batch) -> torch.Tensor:
        pe = self.encoder(batch)
        h = self.atom(batch.x)
        if pe is not None:
            h = h + self.pe_input(pe)
        for i, layer in enumerate(self.layers):
            if self.pe_layers is not None:
                h = h + self.pe_layers[i](pe)
            h = h + layer(h, batch.edge_index, batch.edge_attr)
        pooled = torch.zeros(batch.num_graphs, h.shape[1], dtype=h.dtype, device=h.device)
        pooled.index_add_(0, batch.batch, h)
        if self.pool == "mean":
            pooled = pooled / batch.sizes.clamp(min=1)[:, None].to(h.dtype)
        return self.head(pooled).squeeze(-1)
