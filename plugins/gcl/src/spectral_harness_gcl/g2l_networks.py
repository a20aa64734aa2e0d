"""The local–global (G2L) framework's networks and its Jensen–Shannon objective.

* :class:`G2LEncoder`: ``GCNConv`` layers of equal width, each followed by a PReLU (GCL-SPAN's
  ``GConv``); returns the node embeddings of the last layer and, with ``batch``, the per-layer
  ``global_add_pool`` outputs concatenated (the graph summary at graph level);
* :class:`ResidualMLP`: the graph-level heads, a 3-layer ReLU MLP plus a linear shortcut;
* :class:`SummaryDiscriminator`: DGI's node-level summary σ(mean of the node embeddings) and
  bilinear score hᵢᵀ W s;
* :func:`jsd_loss`: the negated Jensen–Shannon MI estimator over a score matrix whose entries
  are positive or negative pairs;
* :func:`g2l_loss`: both directions (summary of view 1 against the nodes of view 2, and back).
"""

from __future__ import annotations

import itertools
import math

import torch
import torch.nn.functional as F
from torch import nn
from torch_geometric.nn import GCNConv, global_add_pool

LOG_2 = math.log(2.0)


class G2LEncoder(nn.Module):
    """``layers`` GCNConv layers ``in → hidden → … → hidden``, each followed by its PReLU."""

    def __init__(self, in_dim: int, hidden: int, layers: int) -> None:
        super().__init__()
        dims = [in_dim] + [hidden] * layers
        self.convs = nn.ModuleList(GCNConv(a, b) for a, b in itertools.pairwise(dims))
        self.acts = nn.ModuleList(nn.PReLU(hidden) for _ in range(layers))
        self.hidden = hidden
        self.pooled_dim = hidden * layers

    def forward(
        self,
        x: torch.Tensor,
        edge_index: torch.Tensor,
        batch: torch.Tensor | None = None,
        num_graphs: int | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(node embeddings of the last layer, per-layer sum pools concatenated or None).

        ``edge_index``: (2, E), both directions present; ``batch``: node → graph (graph level).
        ``x`` may be a sparse COO matrix (bag-of-words features)."""
        pooled = []
        for conv, act in zip(self.convs, self.acts, strict=True):
            x = act(conv(x, edge_index))
            if batch is not None:
                pooled.append(global_add_pool(x, batch, size=num_graphs))
        return x, (torch.cat(pooled, dim=1) if batch is not None else None)


class ResidualMLP(nn.Module):
    """MLP(x) + Linear(x), the MLP three ReLU layers of width ``out_dim``."""

    def __init__(self, in_dim: int, out_dim: int) -> None:
        super().__init__()
        self.mlp = nn.Sequential(
            nn.Linear(in_dim, out_dim),
            nn.ReLU(),
            nn.Linear(out_dim, out_dim),
            nn.ReLU(),
            nn.Linear(out_dim, out_dim),
            nn.ReLU(),
        )
        self.shortcut = nn.Linear(in_dim, out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Project embeddings into the discriminator's space."""
        return self.mlp(x) + self.shortcut(x)


class SummaryDiscriminator(nn.Module):
    """DGI's readout and discriminator: s = σ(mean of the node embeddings), score hᵢᵀ W s
    (computed as h · (W s + b), the reference's linear projection of the summary)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.weight = nn.Linear(dim, dim)
        bound = 1.0 / math.sqrt(dim)
        nn.init.uniform_(self.weight.weight, -bound, bound)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        """The (1, dim) projected summary W σ(mean(h)) + b of node embeddings ``h``; its dot
        product with a node embedding is the bilinear score."""
        return self.weight(torch.sigmoid(h.mean(dim=0, keepdim=True)))


def jsd_loss(scores: torch.Tensor, positive: torch.Tensor) -> torch.Tensor:
    """−(Jensen–Shannon MI estimate) of a score matrix (MVGRL / DGI / InfoGraph):
    E_pos[softplus(−s)] + E_neg[softplus(s)] − 2 log 2, each mean over its own pairs.

    ``positive``: bool mask of the same shape, True for positive pairs, False for negative
    ones; both kinds must be present. 0 when every score is 0; lower when positives score high
    and negatives low (its infimum −2 log 2)."""
    if positive.shape != scores.shape:
        raise ValueError(f"mask shape {tuple(positive.shape)} != scores {tuple(scores.shape)}")
    pos, neg = scores[positive], scores[~positive]
    if pos.numel() == 0 or neg.numel() == 0:
        raise ValueError("jsd_loss needs both positive and negative pairs")
    return F.softplus(-pos).mean() + F.softplus(neg).mean() - 2 * LOG_2


def g2l_loss(
    summaries: tuple[torch.Tensor, torch.Tensor],
    nodes: tuple[torch.Tensor, torch.Tensor],
    positive: tuple[torch.Tensor, torch.Tensor],
) -> torch.Tensor:
    """The mean of both directions' :func:`jsd_loss`: view 1's summaries (M, d) against view
    2's candidate nodes (N₂, d) with mask ``positive[1]`` (M, N₂), and view 2's against view
    1's with ``positive[0]``. Scores are dot products."""
    one = jsd_loss(summaries[0] @ nodes[1].T, positive[1])
    two = jsd_loss(summaries[1] @ nodes[0].T, positive[0])
    return 0.5 * (one + two)
