"""Encoders and contrastive losses, built on torch-geometric layers.

* :class:`GIN`: GraphCL's graph encoder, ``GINConv`` layers (ε = 0, 2-layer MLP, ReLU, batch
  norm) whose per-layer ``global_add_pool`` outputs are concatenated;
* :class:`GCN`: GRACE's encoder, ``GCNConv`` layers (Glorot weights, the bias added after
  propagation, D̃^{-1/2}(A+I)D̃^{-1/2} normalisation) each followed by the activation;
* :class:`Projection`: the two-layer head only the contrastive loss sees;
* :func:`nt_xent`: GraphCL's NT-Xent on graph embeddings (negatives: the other view's graphs);
* :func:`grace_loss`: GRACE's InfoNCE with inter- and intra-view negatives, symmetrised.
"""

from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F
from torch import nn
from torch_geometric.nn import GCNConv, GINConv, global_add_pool

ACTIVATIONS = ("relu", "prelu")


class GIN(nn.Module):
    """GIN with sum pooling; the graph embedding concatenates every layer's pooled output."""

    def __init__(self, in_dim: int, hidden: int, layers: int) -> None:
        super().__init__()
        self.convs = nn.ModuleList(
            GINConv(
                nn.Sequential(
                    nn.Linear(in_dim if i == 0 else hidden, hidden),
                    nn.ReLU(),
                    nn.Linear(hidden, hidden),
                )
            )
            for i in range(layers)
        )
        self.norms = nn.ModuleList(nn.BatchNorm1d(hidden) for _ in range(layers))
        self.out_dim = hidden * layers

    def forward(
        self, x: torch.Tensor, edge_index: torch.Tensor, batch: torch.Tensor, num_graphs: int
    ) -> torch.Tensor:
        """``edge_index``: (2, E), both directions present; ``batch``: node → graph."""
        pooled = []
        for conv, norm in zip(self.convs, self.norms, strict=True):
            x = norm(F.relu(conv(x, edge_index)))
            pooled.append(global_add_pool(x, batch, size=num_graphs))
        return torch.cat(pooled, dim=1)


class GCN(nn.Module):
    """GRACE's encoder: GCNConv(in → 2·out) → act → … → GCNConv(→ out) → act.

    ``activation``: ``relu`` (GRACE's Cora configuration) or ``prelu`` (its CiteSeer one, one
    learnable slope per layer). ``x`` may be a sparse COO matrix (bag-of-words features).
    """

    def __init__(self, in_dim: int, out_dim: int, layers: int = 2, activation: str = "relu"):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, not {activation!r}")
        dims = [in_dim] + [2 * out_dim] * (layers - 1) + [out_dim]
        self.convs = nn.ModuleList(GCNConv(a, b) for a, b in itertools.pairwise(dims))
        self.acts = nn.ModuleList(
            nn.PReLU(b) if activation == "prelu" else nn.ReLU() for b in dims[1:]
        )

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        """Node embeddings of the graph ``edge_index`` (2, E), both directions present."""
        for conv, act in zip(self.convs, self.acts, strict=True):
            x = act(conv(x, edge_index))
        return x


class Projection(nn.Module):
    """Two-layer projection head used only by the contrastive loss."""

    def __init__(self, dim: int, hidden: int, activation: type[nn.Module] = nn.ReLU) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim, hidden), activation(), nn.Linear(hidden, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Project embeddings into the loss's space."""
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

    ``nodes``: contrast only these nodes (anchors and negatives), GRACE's minibatch mode. The
    three N×N similarity matrices (between views, within each) are computed once and shared by
    both directions.
    """
    if nodes is not None:
        h1, h2 = h1[nodes], h2[nodes]
    z1, z2 = F.normalize(h1, dim=1), F.normalize(h2, dim=1)
    between = z1 @ z2.T / tau
    eye = torch.eye(z1.shape[0], dtype=torch.bool, device=z1.device)
    within_1 = (z1 @ z1.T / tau).masked_fill(eye, float("-inf"))
    within_2 = (z2 @ z2.T / tau).masked_fill(eye, float("-inf"))
    positive = between.diagonal()
    one = torch.logaddexp(between.logsumexp(dim=1), within_1.logsumexp(dim=1)) - positive
    two = torch.logaddexp(between.logsumexp(dim=0), within_2.logsumexp(dim=1)) - positive
    return 0.5 * (one + two).mean()
