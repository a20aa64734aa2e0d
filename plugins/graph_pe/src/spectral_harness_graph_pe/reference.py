"""``variant=reference``: SPE and SignNet as the official ZINC configurations build them
(Graph-COM/SPE ``SPE_gine_gin_mlp_pe37`` and ``signNet_gine_pe37_mask``;
``src/stable_expressive_pe.py``, ``src/sign_inv_pe.py``, ``src/gin.py``, ``src/mlp.py``), written
from those definitions:

* SPE: m *independent* eigenvalue maps φ_ℓ: ℝ → ℝ, each a BatchNorm MLP (``phi_layers`` layers
  of ``phi_hidden``); ρ a GIN whose every layer is ``(1 + ε) h + Σ h_j`` followed by a
  ``mlp_layers``-layer BatchNorm MLP, no activation or norm between layers; the valid part of the
  second index summed; no norm on the output.
* SignNet: φ takes the eigenvector alone (no eigenvalue), a GIN of BatchNorm MLPs with a BatchNorm
  between layers, run on v and −v; the two are added and **summed over the eigen-index** (valid
  eigenpairs only); ρ a BatchNorm MLP of ``rho_layers`` layers.

One deviation is kept on purpose: every BatchNorm takes its statistics over the valid entries only
(the reference counts padded eigenvalues and padded node pairs, so its statistics depend on the
batch's largest graph). Padded entries never reach valid ones through message passing (it acts on
the node index, the padding lives in the other index), so this changes training statistics only.
"""

from __future__ import annotations

import torch
from torch import nn

from spectral_harness_graph_pe.data import Batch, Features
from spectral_harness_graph_pe.encoders import PositionalEncoder, pair_mask, spectral_projections
from spectral_harness_graph_pe.layers import BatchNormMLP, MaskedBatchNorm, gin_aggregation

MLP_LAYERS = 3  # the reference configs' n_mlp_layers: every GIN/GINE update MLP


class ReferenceGIN(nn.Module):
    """GIN layers over the first index of ``h`` ``(n, S, c)``: ``h ← MLP((1 + ε) h + Σ_j h_j)``
    with a ``MLP_LAYERS``-layer BatchNorm MLP, optionally a BatchNorm between layers (SignNet's
    ``batch_norm: true``), nothing else between layers. ``mask`` ``(n, S)`` marks valid entries."""

    def __init__(
        self, in_dim: int, hidden: int, out_dim: int, layers: int, between_norm: bool = False
    ) -> None:
        super().__init__()
        dims = [in_dim] + [hidden] * (layers - 1) + [out_dim]
        self.aggregations = nn.ModuleList(gin_aggregation() for _ in range(layers))
        self.mlps = nn.ModuleList(
            BatchNormMLP(dims[i], hidden, dims[i + 1], MLP_LAYERS) for i in range(layers)
        )
        self.norms = nn.ModuleList(
            MaskedBatchNorm(hidden) for _ in range(layers - 1 if between_norm else 0)
        )

    def forward(
        self, h: torch.Tensor, edge_index: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        keep = mask[..., None].to(h.dtype)
        h = h * keep
        for i, (aggregate, mlp) in enumerate(zip(self.aggregations, self.mlps, strict=True)):
            h = mlp(aggregate(h, edge_index), mask)
            if i < len(self.norms):
                h = self.norms[i](h, mask)
            h = h * keep
        return h


class ReferenceSPE(PositionalEncoder):
    """SPE as the reference ZINC model builds it (module docstring). Basis invariant and
    permutation equivariant exactly like :class:`~spectral_harness_graph_pe.encoders.SPE`:
    each φ_ℓ acts on eigenvalues one at a time."""

    def __init__(
        self,
        k: int,
        channels: int,
        phi_layers: int,
        phi_hidden: int,
        rho_layers: int,
        rho_hidden: int,
        out_dim: int,
    ) -> None:
        super().__init__()
        self.k, self.out_dim = k, out_dim
        self.features = Features(eig=True)
        self.phi = nn.ModuleList(
            BatchNormMLP(1, phi_hidden, 1, phi_layers) for _ in range(channels)
        )
        self.rho = ReferenceGIN(channels, rho_hidden, out_dim, rho_layers)

    def weights(self, batch: Batch) -> torch.Tensor:
        """``(B, k, m)``: φ_ℓ(λ_i) for the valid eigenvalues, 0 for padded ones."""
        values = batch.eigvals[:, : self.k, None]
        valid = batch.eig_mask[:, : self.k]
        weights = torch.cat([phi(values, valid) for phi in self.phi], dim=-1)
        return weights * valid[..., None].to(weights.dtype)

    def forward(self, batch: Batch) -> torch.Tensor:
        mask = pair_mask(batch)
        h = self.rho(
            spectral_projections(batch, self.k, self.weights(batch)), batch.edge_index, mask
        )
        return h.sum(dim=1)


class ReferenceSignNet(PositionalEncoder):
    """SignNet as the reference ZINC model builds it: ``ρ(Σ_i [φ(v_i) + φ(−v_i)])`` over the
    valid eigenpairs among the first ``k``. Sign invariant and permutation equivariant."""

    def __init__(self, k: int, hidden: int, layers: int, rho_layers: int, out_dim: int) -> None:
        super().__init__()
        self.k, self.out_dim = k, out_dim
        self.features = Features(eig=True)
        self.phi = ReferenceGIN(1, hidden, hidden, layers, between_norm=True)
        self.rho = BatchNormMLP(hidden, hidden, out_dim, rho_layers)

    def forward(self, batch: Batch) -> torch.Tensor:
        vectors = batch.eigvecs[:, : self.k, None]  # (n, k, 1): the eigen-index is a batch index
        mask = batch.eig_mask[:, : self.k][batch.batch]
        h = self.phi(vectors, batch.edge_index, mask) + self.phi(-vectors, batch.edge_index, mask)
        return self.rho(h.sum(dim=1))
