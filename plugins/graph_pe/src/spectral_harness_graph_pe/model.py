"""The shared backbones: residual GINE layers (PyG ``GINEConv``) over atom embeddings plus the
positional encoding, a pooled readout (PyG ``global_mean_pool``/``global_add_pool``) and an MLP
head. ``task.backbone`` picks one for every method of a run:

* ``reference``: the SPE repository's ``GINEBaseModel`` + ``Model`` (``src/model.py``,
  ``src/gine.py``). ``Linear(PE)`` is added to the atom embedding once; inside every GINE layer a
  3-layer BatchNorm MLP of the PE is added to that layer's input only (not kept in the residual
  stream), then ``MLP((1 + ε) h_i + Σ_j ReLU(h_j + e_ij))`` with a 3-layer BatchNorm MLP and
  nothing after it, plus the residual; the head is a 3-layer BatchNorm MLP.
* ``ours``: ``Linear(PE)`` added into the residual stream at the input and before every layer,
  the GINE MLP Linear → BN → ReLU → Linear followed by BN → ReLU, the head 3 layers halving the
  width.
"""

from __future__ import annotations

import torch
from torch import nn
from torch_geometric.nn import global_add_pool, global_mean_pool

from spectral_harness_graph_pe.data import NUM_ATOM_TYPES, NUM_BOND_TYPES, Batch
from spectral_harness_graph_pe.encoders import PositionalEncoder
from spectral_harness_graph_pe.layers import BatchNormMLP, gine_aggregation

BACKBONES = ("reference", "ours")
MLP_LAYERS = 3  # the reference config's n_mlp_layers


def pool(h: torch.Tensor, batch: Batch, how: str) -> torch.Tensor:
    """``(num_graphs, c)``: mean or sum of each graph's node states."""
    readout = global_mean_pool if how == "mean" else global_add_pool
    return readout(h, batch.batch, size=batch.num_graphs)


class GINELayer(nn.Module):
    """Ours: ``h_i ← ReLU(BN(MLP((1 + ε) h_i + Σ_{j ∈ N(i)} ReLU(h_j + e_ij))))``, MLP = Linear →
    BN → ReLU → Linear, ε starting at 0."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.bond = nn.Embedding(NUM_BOND_TYPES, hidden)
        self.aggregate = gine_aggregation(random_eps=False)
        self.mlp = nn.Sequential(
            nn.Linear(hidden, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Linear(hidden, hidden)
        )
        self.norm = nn.BatchNorm1d(hidden)

    def forward(
        self, h: torch.Tensor, edge_index: torch.Tensor, edge_attr: torch.Tensor
    ) -> torch.Tensor:
        return torch.relu(self.norm(self.mlp(self.aggregate(h, edge_index, self.bond(edge_attr)))))


class GraphRegressor(nn.Module):
    """Ours: atom embedding (+ PE) → ``layers`` residual GINE layers (PE added into the residual
    stream before each, ``pe_every_layer``) → mean/sum pool → 3-layer head."""

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
        return self.head(pool(h, batch, self.pool)).squeeze(-1)


class ReferenceGINELayer(nn.Module):
    """The reference ``GINELayer``: ``x = h + MLP_PE(PE)`` (when there is a PE), then
    ``MLP((1 + ε) x_i + Σ_j ReLU(x_j + e_ij))``, both MLPs 3-layer BatchNorm MLPs, ε ~ N(0, 1)."""

    def __init__(self, hidden: int, pe_dim: int, pe_every_layer: bool) -> None:
        super().__init__()
        self.bond = nn.Embedding(NUM_BOND_TYPES, hidden)
        self.pe = (
            BatchNormMLP(pe_dim, hidden, hidden, MLP_LAYERS) if pe_dim and pe_every_layer else None
        )
        self.aggregate = gine_aggregation()
        self.mlp = BatchNormMLP(hidden, hidden, hidden, MLP_LAYERS)

    def forward(
        self,
        h: torch.Tensor,
        edge_index: torch.Tensor,
        edge_attr: torch.Tensor,
        pe: torch.Tensor | None,
    ) -> torch.Tensor:
        if self.pe is not None:
            h = h + self.pe(pe)
        return self.mlp(self.aggregate(h, edge_index, self.bond(edge_attr)))


class ReferenceGraphRegressor(nn.Module):
    """The reference model: atom embedding + ``Linear(PE)`` → ``layers`` reference GINE layers,
    each with its residual ``h ← layer(h, PE) + h`` → mean/sum pool → 3-layer BatchNorm MLP head."""

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
        self.layers = nn.ModuleList(
            ReferenceGINELayer(hidden, pe_dim, pe_every_layer) for _ in range(layers)
        )
        self.head = BatchNormMLP(hidden, hidden, 1, MLP_LAYERS)

    def forward(self, batch: Batch) -> torch.Tensor:
        pe = self.encoder(batch)
        h = self.atom(batch.x)
        if pe is not None:
            h = h + self.pe_input(pe)
        for layer in self.layers:
            h = h + layer(h, batch.edge_index, batch.edge_attr, pe)
        return self.head(pool(h, batch, self.pool)).squeeze(-1)


def build_backbone(
    name: str,
    encoder: PositionalEncoder,
    hidden: int,
    layers: int,
    pe_every_layer: bool = True,
    pool: str = "mean",
) -> nn.Module:
    """The ``name`` backbone (``reference`` or ``ours``) around ``encoder``."""
    if name not in BACKBONES:
        raise ValueError(f"backbone must be one of {BACKBONES}, not {name!r}")
    cls = ReferenceGraphRegressor if name == "reference" else GraphRegressor
    return cls(encoder, hidden, layers, pe_every_layer, pool)
