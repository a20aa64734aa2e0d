"""Networks of the ``ms_model`` slot: GrAFF-MS's GINE+SignNet encoder and NEIMS's MLP."""

from __future__ import annotations

import torch
from torch import nn
from torch_geometric.nn import GraphNorm
from torch_geometric.utils import softmax as graph_softmax


def _mlp_block(i: int, o: int, dropout: float) -> list[nn.Module]:
    return [nn.Linear(i, o), nn.SiLU(), nn.Dropout(dropout), nn.LayerNorm(o)]


class SignNet(nn.Module):
    """Sign-invariant eigenvector encoder: ρ(Σ_i φ(v_i, λ_i) + φ(-v_i, λ_i))."""

    def __init__(self, phi_dim: int, out_dim: int, dropout: float) -> None:
        super().__init__()
        self.phi = nn.Sequential(
            *_mlp_block(2, phi_dim, dropout), *_mlp_block(phi_dim, phi_dim, dropout)
        )
        self.rho = nn.Sequential(
            nn.Linear(phi_dim, out_dim), nn.SiLU(), nn.Linear(out_dim, out_dim)
        )

    def forward(self, vecs: torch.Tensor, vals: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``vecs``/``vals``/``mask``: ``(N, k)`` per node (eigenvalues broadcast to the nodes)."""
        plus = self.phi(torch.stack([vecs, vals], dim=-1))
        minus = self.phi(torch.stack([-vecs, vals], dim=-1))
        return self.rho(((plus + minus) * mask[..., None]).sum(dim=1))


class GineEdgeLayer(nn.Module):
    """GINE node update with a trainable ε, followed by an edge update from both endpoints."""

    def __init__(self, dim: int, dropout: float) -> None:
        super().__init__()
        self.node_in = nn.Linear(dim, dim)
        self.edge_in = nn.Linear(dim, dim)
        self.eps = nn.Parameter(torch.zeros(1))
        self.node_mlp = nn.Sequential(nn.Linear(dim, dim), nn.SiLU(), nn.Linear(dim, dim))
        self.node_norm = GraphNorm(dim)
        self.edge_mlp = nn.Linear(3 * dim, dim)
        self.edge_norm = GraphNorm(dim)
        self.dropout = nn.Dropout(dropout)

    def forward(
        self,
        x: torch.Tensor,
        e: torch.Tensor,
        edge_index: torch.Tensor,
        batch: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        src, dst = edge_index
        h = self.node_in(x)
        message = torch.nn.functional.silu(h[src] + self.edge_in(e))
        aggregated = torch.zeros_like(h).index_add_(0, dst, message)
        h = self.node_mlp((1.0 + self.eps) * h + aggregated)
        x = self.node_norm(x + torch.nn.functional.silu(h), batch)
        update = self.dropout(
            torch.nn.functional.silu(self.edge_mlp(torch.cat([e, x[src], x[dst]], -1)))
        )
        e = self.edge_norm(e + update, batch[src])
        return x, e


class GraffNet(nn.Module):
    """Molecule graph + covariates → logits over the formula vocabulary and over isotopes."""

    def __init__(
        self,
        atom_dim: int,
        bond_dim: int,
        cov_dim: int,
        vocab_size: int,
        hidden: int,
        layers: int,
        phi_dim: int,
        decoder: int,
        dropout: float,
        num_isotopes: int = 3,
    ) -> None:
        super().__init__()
        self.atom = nn.Sequential(nn.Linear(atom_dim, hidden), nn.SiLU(), nn.Linear(hidden, hidden))
        self.bond = nn.Sequential(nn.Linear(bond_dim, hidden), nn.SiLU(), nn.Linear(hidden, hidden))
        self.signnet = SignNet(phi_dim, hidden, dropout)
        self.layers = nn.ModuleList(GineEdgeLayer(hidden, dropout) for _ in range(layers))
        self.out = nn.Linear(hidden, hidden)
        self.attention = nn.Linear(hidden, 1)
        self.covariates = nn.Sequential(
            nn.Linear(cov_dim, hidden), nn.SiLU(), nn.Linear(hidden, hidden)
        )
        self.decoder_in = nn.Linear(hidden, decoder)
        self.res = nn.ModuleList(nn.Linear(decoder, decoder) for _ in range(2))
        self.res_norm = nn.ModuleList(nn.LayerNorm(decoder) for _ in range(2))
        self.dropout = nn.Dropout(dropout)
        self.formula_head = nn.Linear(decoder, vocab_size)
        self.isotope_head = nn.Linear(decoder, num_isotopes)

    def forward(self, g: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        batch = g["batch"]
        x = self.atom(g["x"]) + self.signnet(g["eigvecs"], g["eigvals"], g["eig_mask"])
        e = self.bond(g["edge_attr"])
        for layer in self.layers:
            x, e = layer(x, e, g["edge_index"], batch)
        x = self.out(x)
        alpha = graph_softmax(self.attention(x), batch, num_nodes=x.shape[0])
        num_graphs = g["cov"].shape[0]
        z = torch.zeros(num_graphs, x.shape[1], device=x.device, dtype=x.dtype)
        z = z.index_add_(0, batch, alpha * x) + self.covariates(g["cov"])
        h = self.decoder_in(z)
        for lin, norm in zip(self.res, self.res_norm, strict=True):
            h = norm(h + self.dropout(torch.nn.functional.silu(lin(h))))
        return self.formula_head(h), self.isotope_head(h)


class NeimsNet(nn.Module):
    """NEIMS: fingerprint + covariates → bottleneck residual MLP → forward and reverse heads.

    The reverse head predicts intensities indexed by distance from the precursor bin; a sigmoid
    gate mixes the two; bins above the precursor are zeroed.
    """

    def __init__(self, in_dim: int, width: int, blocks: int, bins: int, dropout: float) -> None:
        super().__init__()
        self.inp = nn.Linear(in_dim, width)
        bottleneck = max(width // 2, 16)
        self.blocks = nn.ModuleList(
            nn.Sequential(
                nn.BatchNorm1d(width),
                nn.ReLU(),
                nn.Dropout(dropout),
                nn.Linear(width, bottleneck),
                nn.BatchNorm1d(bottleneck),
                nn.ReLU(),
                nn.Dropout(dropout),
                nn.Linear(bottleneck, width),
            )
            for _ in range(blocks)
        )
        self.forward_head = nn.Linear(width, bins)
        self.reverse_head = nn.Linear(width, bins)
        self.gate = nn.Linear(width, bins)
        self.bins = bins

    def forward(self, features: torch.Tensor, precursor_bin: torch.Tensor) -> torch.Tensor:
        h = self.inp(features)
        for block in self.blocks:
            h = h + block(h)
        h = torch.relu(h)
        forward = self.forward_head(h)
        reverse_raw = self.reverse_head(h)
        index = precursor_bin[:, None] - torch.arange(self.bins, device=h.device)[None, :]
        inside = index >= 0
        reverse = torch.gather(reverse_raw, 1, index.clamp_min(0)) * inside
        gate = torch.sigmoid(self.gate(h))
        return torch.relu(gate * forward + (1.0 - gate) * reverse) * inside
