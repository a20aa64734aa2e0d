"""Encoders and contrastive losses, in plain torch (no torch_geometric dependency).

* :class:`GIN`: GraphCL's graph encoder, GIN layers (ε = 0, 2-layer MLP, ReLU, batch norm) whose
  per-layer sum-pooled outputs are concatenated;
* :class:`GCN`: GRACE's 2-layer GCN on the renormalised adjacency D̃^{-1/2}(A+I)D̃^{-1/2};
* :func:`nt_xent`: GraphCL's NT-Xent on graph embeddings (negatives: the other view's graphs);
* :func:`grace_loss`: GRACE's InfoNCE with inter- and intra-view negatives, symmetrised.
"""

from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F
from torch import nn


class GIN(nn.Module):
    """GIN with sum pooling; the graph embedding concatenates every layer's pooled output."""

    def __init__(self, in_dim: int, hidden: int, layers: int) -> None:
        super().__init__()
        self.mlps = nn.ModuleList()
        self.norms = nn.ModuleList()
        for i in range(layers):
            self.mlps.append(
                nn.Sequential(
                    nn.Linear(in_dim if i == 0 else hidden, hidden),
                    nn.ReLU(),
                    nn.Linear(hidden, hidden),
                )
            )
            self.norms.append(nn.BatchNorm1d(hidden))
        self.out_dim = hidden * layers

    def forward(
        self, x: torch.Tensor, edges: torch.Tensor, batch: torch.Tensor, num_graphs: int
    ) -> torch.Tensor:
        """``edges``: (2, E) directed (both directions present); ``batch``: node → graph."""
        pooled = []
        for mlp, norm in zip(self.mlps, self.norms, strict=True):
            aggregated = x.index_add(0, edges[1], x[edges[0]])
            x = norm(F.relu(mlp(aggregated)))
            pooled.append(x.new_zeros(num_graphs, x.shape[1]).index_add(0, batch, x))
        return torch.cat(pooled, dim=1)


def normalized_adjacency(edges: torch.Tensor, num_nodes: int) -> torch.Tensor:
    """Sparse D̃^{-1/2}(A+I)D̃^{-1/2} from a directed (both directions) edge index."""
    loops = torch.arange(num_nodes, device=edges.device)
    rows = torch.cat([edges[0], loops])
    cols = torch.cat([edges[1], loops])
    degree = torch.zeros(num_nodes, device=edges.device).index_add(
        0, rows, torch.ones_like(rows, dtype=torch.float32)
    )
    inv_sqrt = degree.rsqrt()
    values = inv_sqrt[rows] * inv_sqrt[cols]
    return torch.sparse_coo_tensor(
        torch.stack([rows, cols]), values, (num_nodes, num_nodes), check_invariants=False
    ).coalesce()


class GCN(nn.Module):
    """GRACE's encoder: GCN(in → 2·out) → act → GCN(2·out → out) → act.

    ``x`` may be a sparse (bag-of-words) matrix; feature masking is then applied to the first
    weight matrix (X·diag(m)·W = X·(m ∘ W)) and node masking to the first layer's rows, which
    gives the same result as masking a dense X at a fraction of the cost.
    """

    def __init__(self, in_dim: int, out_dim: int, layers: int = 2) -> None:
        super().__init__()
        dims = [in_dim] + [2 * out_dim] * (layers - 1) + [out_dim]
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in itertools.pairwise(dims))

    def forward(
        self,
        x: torch.Tensor,
        adjacency: torch.Tensor,
        column_mask: torch.Tensor | None = None,
        row_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        first = self.linears[0]
        weight = first.weight.T
        if column_mask is not None:
            weight = weight * column_mask[:, None]
        h = torch.sparse.mm(x, weight) if x.is_sparse else x @ weight
        if row_mask is not None:
            h = h * row_mask[:, None]
        x = F.relu(torch.sparse.mm(adjacency, h + first.bias))
        for linear in self.linears[1:]:
            x = F.relu(torch.sparse.mm(adjacency, linear(x)))
        return x


class Projection(nn.Module):
    """Two-layer projection head used only by the contrastive loss."""

    def __init__(self, dim: int, hidden: int, activation: type[nn.Module] = nn.ReLU) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim, hidden), activation(), nn.Linear(hidden, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def nt_xent(z1: torch.Tensor, z2: torch.Tensor, tau: float) -> torch.Tensor:
    """Symmetrised NT-Xent: graph i of view 1 against every graph of view 2, and back."""
    z1, z2 = F.normalize(z1, dim=1), F.normalize(z2, dim=1)
    logits = z1 @ z2.T / tau
    target = torch.arange(z1.shape[0], device=z1.device)
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))


def grace_loss(
    h1: torch.Tensor, h2: torch.Tensor, tau: float, nodes: torch.Tensor | None = None
) -> torch.Tensor:
    """GRACE: −log e^{s(u_i,v_i)/τ} / (Σ_k e^{s(u_i,v_k)/τ} + Σ_{k≠i} e^{s(u_i,u_k)/τ}), both ways.

    ``nodes``: contrast only these nodes (anchors and negatives), GRACE's minibatch mode; the
    O(N²) similarity matrices are the cost on CPU.
    """
    if nodes is not None:
        h1, h2 = h1[nodes], h2[nodes]
    z1, z2 = F.normalize(h1, dim=1), F.normalize(h2, dim=1)

    def one_way(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        between = a @ b.T / tau
        within = a @ a.T / tau
        within = within.masked_fill(torch.eye(a.shape[0], dtype=torch.bool, device=a.device), -1e9)
        denominator = torch.logsumexp(torch.cat([between, within], dim=1), dim=1)
        return denominator - between.diagonal()

    return 0.5 * (one_way(z1, z2) + one_way(z2, z1)).mean()
