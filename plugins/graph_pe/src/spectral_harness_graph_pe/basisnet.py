"""BasisNet (Lim et al. 2022, "Sign and Basis Invariant Networks for Spectral Graph
Representation Learning", arXiv 2202.13013, Section 3.2), written from the paper's equation

    BasisNet(V, λ) = ρ(φ_{d_1}(V_1 V_1ᵀ, λ_1), …, φ_{d_l}(V_l V_lᵀ, λ_l)),

where V_i holds an orthonormal basis of the i-th eigenspace (multiplicity d_i) among the first
``k`` eigenpairs. The projector V_i V_iᵀ does not depend on the basis chosen inside the
eigenspace (nor on signs), so every output is basis invariant by construction.

What is implemented, exactly (and why):

* **Eigenspaces.** Sorted eigenvalues are chained into one eigenspace while consecutive gaps are at
  most ``tol``. The first ``k`` eigenpairs are used and pair ``k`` (0-based) is looked at: an
  eigenspace that continues past the cut is dropped, because a partial eigenspace's projector is
  not basis invariant. This is why ``k`` ≤ d − 1 (the default is d − 1).
* **φ_d, a reduced 2-IGN.** The paper's φ_d is an invariant graph network (2-IGN, Maron et al.)
  on the n × n projector P, one per multiplicity d. A full 2-IGN stacks 2→2 layers built from 15
  linear basis operations; on a shared 2-core CPU that is too slow for ZINC, so φ_d here is one
  2→2 layer restricted to the basis operations "identity", "diagonal broadcast to rows",
  "diagonal broadcast to columns" and "diagonal indicator", followed by an entrywise BatchNorm MLP
  on ``[P_ij, P_ii, P_jj, 1{i=j}, λ]`` (λ: the eigenspace's mean eigenvalue), then the 2→1 layer
  ``[h_ii, mean_j h_ij, mean_j h_ji]`` (diagonal, row and column pooling over the graph's nodes)
  and a Linear. Every step is equivariant to node permutations (P ↦ Π P Πᵀ) and the input is P
  alone, so basis and sign invariance are exact. There is one φ_d per multiplicity
  d = 1 … ``max_mult``; larger eigenspaces share φ_{max_mult} (the reference code hard-codes
  multiplicities 1–5 for 8 eigenpairs).
* **ρ.** The i-th eigenspace's node features go to slot i (eigenspaces in eigenvalue order; empty
  slots are 0); ρ is a BatchNorm MLP on the concatenation of the ``k`` slots, like SignNet's ρ.

The padded dense batch is ``(B, k, n_max, n_max)`` projectors; only valid eigenspaces of each
multiplicity are passed through their φ_d.
"""

from __future__ import annotations

import torch
from torch import nn

from spectral_harness_graph_pe import BasisNetConfig
from spectral_harness_graph_pe.contract import GraphPEProblem
from spectral_harness_graph_pe.data import Batch, Features
from spectral_harness_graph_pe.encoders import PositionalEncoder
from spectral_harness_graph_pe.layers import BatchNormMLP

ENTRY_FEATURES = 5  # P_ij, P_ii, P_jj, 1{i = j}, λ


def eigenspaces(
    values: torch.Tensor, valid: torch.Tensor, k: int, tol: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Group the first ``k`` eigenpairs of each graph into eigenspaces.

    ``values``/``valid`` ``(B, d)`` (sorted eigenvalues, real-pair mask). Returns the membership
    ``(B, k, k)`` (pair i belongs to eigenspace slot g; 0 for padded pairs and for an eigenspace
    that continues past pair ``k − 1``) and the multiplicity of every slot ``(B, k)`` (0: empty).
    """
    head = values[:, :k]
    gaps = head[:, 1:] - head[:, :-1]
    starts = torch.ones_like(head, dtype=torch.bool)
    starts[:, 1:] = gaps > tol
    slot = starts.long().cumsum(1) - 1  # (B, k): eigenspace ordinal of each pair
    keep = valid[:, :k].clone()
    if values.shape[1] > k:  # the next pair tells whether the last eigenspace is cut
        cut = valid[:, k] & (values[:, k] - head[:, -1] <= tol)
        keep &= ~(cut[:, None] & (slot == slot[:, -1:]))
    membership = nn.functional.one_hot(slot, k).to(values.dtype) * keep[..., None]
    return membership, membership.sum(1).round().long()


class EigenspaceNet(nn.Module):
    """φ_d: the reduced 2-IGN on one eigenspace's projector (module docstring)."""

    def __init__(self, hidden: int, layers: int) -> None:
        super().__init__()
        self.entries = BatchNormMLP(ENTRY_FEATURES, hidden, hidden, layers)
        self.pool = nn.Linear(3 * hidden, hidden)

    def forward(
        self, projector: torch.Tensor, value: torch.Tensor, sizes: torch.Tensor
    ) -> torch.Tensor:
        """``projector`` ``(N, n, n)`` (zero outside each graph's ``sizes``), ``value`` ``(N,)``
        → ``(N, n, hidden)`` node features (zero on padded nodes)."""
        count, n = projector.shape[0], projector.shape[1]
        nodes = torch.arange(n, device=projector.device)[None, :] < sizes[:, None]  # (N, n)
        pairs = nodes[:, :, None] & nodes[:, None, :]
        diag = torch.diagonal(projector, dim1=1, dim2=2)
        eye = torch.eye(n, dtype=projector.dtype, device=projector.device).expand(count, n, n)
        features = torch.stack(
            [
                projector,
                diag[:, :, None].expand(count, n, n),
                diag[:, None, :].expand(count, n, n),
                eye,
                value[:, None, None].expand(count, n, n),
            ],
            dim=-1,
        )
        h = torch.relu(self.entries(features, pairs)) * pairs[..., None].to(projector.dtype)
        scale = sizes.to(projector.dtype)[:, None, None]
        pooled = torch.cat(
            [torch.diagonal(h, dim1=1, dim2=2).transpose(1, 2), h.sum(2) / scale, h.sum(1) / scale],
            dim=-1,
        )
        return self.pool(pooled) * nodes[..., None].to(projector.dtype)


class BasisNet(PositionalEncoder):
    """``ρ([φ_{d_i}(V_i V_iᵀ, λ_i)]_i)`` over the eigenspaces among the first ``k`` eigenpairs
    (module docstring). Basis and sign invariant, permutation equivariant."""

    def __init__(
        self,
        k: int,
        max_mult: int,
        hidden: int,
        layers: int,
        rho_layers: int,
        out_dim: int,
        tol: float,
    ) -> None:
        super().__init__()
        self.k, self.max_mult, self.hidden, self.tol, self.out_dim = (
            k,
            max_mult,
            hidden,
            tol,
            out_dim,
        )
        self.features = Features(eig=True)
        self.phi = nn.ModuleList(EigenspaceNet(hidden, layers) for _ in range(max_mult))
        self.rho = BatchNormMLP(k * hidden, hidden, out_dim, rho_layers)

    def forward(self, batch: Batch) -> torch.Tensor:
        k = self.k
        values, valid = batch.eigvals, batch.eig_mask
        membership, mult = eigenspaces(values, valid, k, self.tol)
        vectors = batch.eigvecs[:, :k]
        dense = vectors.new_zeros(batch.num_graphs, batch.max_nodes, k)
        dense[batch.batch, batch.local] = vectors
        projectors = torch.einsum("bik,bkg,bjk->bgij", dense, membership, dense)
        means = (membership * values[:, :k, None]).sum(1) / mult.clamp(min=1).to(values.dtype)
        slots = dense.new_zeros(batch.num_graphs, k, batch.max_nodes, self.hidden)
        for d, phi in enumerate(self.phi, start=1):
            chosen = mult == d if d < self.max_mult else mult >= d
            graph, slot = chosen.nonzero(as_tuple=True)
            if graph.numel():
                slots[graph, slot] = phi(
                    projectors[graph, slot], means[graph, slot], batch.sizes[graph]
                )
        nodes = slots[batch.batch, :, batch.local]  # (n, k, hidden)
        return self.rho(nodes.reshape(nodes.shape[0], -1))


def build_basisnet(cfg: BasisNetConfig, problem: GraphPEProblem) -> PositionalEncoder:
    """BasisNet over the eigenspaces among the first ``k`` (None: d − 1) eigenpairs; pair ``k``
    decides whether the last eigenspace is cut, so ``k`` ≤ d − 1."""
    k = cfg.k or problem.pe_dims - 1
    if not 1 <= k < problem.pe_dims:
        raise ValueError(
            f"basisnet needs k + 1 = {k + 1} eigenpairs (pair k decides whether the last "
            f"eigenspace is cut) but the task provides pe_dims={problem.pe_dims}; raise "
            "task.pe_dims or lower method.k"
        )
    return BasisNet(
        k,
        cfg.max_mult,
        cfg.hidden or problem.pe_hidden,
        cfg.layers or problem.pe_layers,
        cfg.rho_layers,
        problem.pe_out,
        cfg.tol,
    )
