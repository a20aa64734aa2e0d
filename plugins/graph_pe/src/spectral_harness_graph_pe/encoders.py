"""The ``graph_pe`` methods: each builds a :class:`PositionalEncoder` for a :class:`GraphPEProblem`.

An encoder maps a :class:`~spectral_harness_graph_pe.data.Batch` to a ``(num_nodes, out_dim)`` node
encoding (or ``None`` for ``none``), which the backbone adds to its node embeddings. Its
``features`` say what the task must precompute (eigenpairs, random-walk probabilities).

Written from the papers' equations:

* SPE (Huang et al. 2024): ``SPE(V, λ) = ρ(V diag(φ_1(λ)) Vᵀ, …, V diag(φ_m(λ)) Vᵀ)``, φ_ℓ
  elementwise on eigenvalues, ρ a GIN acting on the first node index with the second index as a
  batch dimension, then a masked sum over the second index.
* SignNet (Lim et al. 2022): ``ρ([φ(v_i, λ_i) + φ(−v_i, λ_i)]_{i=1..k})``, φ a GIN over the graph.
* LapPE (Dwivedi et al.): the first k non-trivial eigenvectors, random signs while training.
* RWSE (Dwivedi et al. 2022): ``[(D⁻¹A)^t_ii]_{t=1..K}``.

These are ``variant=ours``; :mod:`spectral_harness_graph_pe.reference` holds
``variant=reference``, the official ZINC architectures. Unlike the SPE reference code, no
BatchNorm sees padded entries: the PE networks normalize over
valid entries only (or, with ``norm=layer``, per entry) and zero the padding after every layer.
"""

from __future__ import annotations

import torch
from torch import nn

from spectral_harness_graph_pe import LapPEConfig, NoPEConfig, RWSEConfig, SignNetConfig, SPEConfig
from spectral_harness_graph_pe.contract import GraphPEProblem
from spectral_harness_graph_pe.data import Batch, Features
from spectral_harness_graph_pe.layers import MaskedBatchNorm, gin_aggregation


class PositionalEncoder(nn.Module):
    """Base class: ``forward(batch)`` → ``(num_nodes, out_dim)`` or ``None``."""

    out_dim: int = 0
    features: Features = Features()

    def forward(self, batch: Batch) -> torch.Tensor | None:  # pragma: no cover - interface
        raise NotImplementedError


class NoPE(PositionalEncoder):
    def forward(self, batch: Batch) -> None:
        return None


class LapPE(PositionalEncoder):
    """Linear map of the first ``k`` non-trivial eigenvectors (columns 1..k of V)."""

    def __init__(self, k: int, out_dim: int, sign_flip: bool = True) -> None:
        super().__init__()
        self.k, self.out_dim, self.sign_flip = k, out_dim, sign_flip
        self.features = Features(eig=True)
        self.linear = nn.Linear(k, out_dim)

    def raw(self, batch: Batch) -> torch.Tensor:
        """The eigenvector features themselves (padded columns are zero)."""
        vectors = batch.eigvecs[:, 1 : self.k + 1]
        if vectors.shape[1] < self.k:  # d ≤ k: pad with zero columns
            vectors = nn.functional.pad(vectors, (0, self.k - vectors.shape[1]))
        return vectors

    def forward(self, batch: Batch) -> torch.Tensor:
        vectors = self.raw(batch)
        if self.training and self.sign_flip:
            signs = torch.randint(0, 2, (batch.num_graphs, self.k), device=vectors.device)
            vectors = vectors * (2 * signs - 1).to(vectors.dtype)[batch.batch]
        return self.linear(vectors)


class RWSE(PositionalEncoder):
    """BatchNorm of the raw return probabilities, then a linear map."""

    def __init__(self, steps: int, out_dim: int) -> None:
        super().__init__()
        self.out_dim = out_dim
        self.features = Features(rw_steps=steps)
        self.norm = nn.BatchNorm1d(steps)
        self.linear = nn.Linear(steps, out_dim)

    def forward(self, batch: Batch) -> torch.Tensor:
        return self.linear(self.norm(batch.rw))


class StackedGIN(nn.Module):
    """GIN layers on ``h`` of shape ``(n, S, c)``: message passing over the graph's nodes (first
    index), the middle index ``S`` a batch dimension; ``mask`` ``(n, S)`` zeroes padded entries.

    Layer: ``h ← MLP((1 + ε) h_i + Σ_{j ∈ N(i)} h_j)``, MLP = Linear → Norm → ReLU → Linear,
    ReLU between layers. Permutation equivariant in the first index. ``norm``: ``batch`` (masked
    BatchNorm, as the reference code minus the padding: keeps how large an entry is relative to
    the others) or ``layer`` (LayerNorm per entry: rescales every entry to the same size).
    """

    def __init__(
        self, in_dim: int, hidden: int, layers: int, out_dim: int, norm: str = "batch"
    ) -> None:
        super().__init__()
        if norm not in {"batch", "layer"}:
            raise ValueError(f"norm must be batch or layer, not {norm!r}")
        dims = [in_dim] + [hidden] * (layers - 1) + [out_dim]
        self.inner = nn.ModuleList(nn.Linear(dims[i], hidden) for i in range(layers))
        self.norms = nn.ModuleList(
            MaskedBatchNorm(hidden) if norm == "batch" else nn.LayerNorm(hidden)
            for _ in range(layers)
        )
        self.outer = nn.ModuleList(nn.Linear(hidden, dims[i + 1]) for i in range(layers))
        self.aggregations = nn.ModuleList(gin_aggregation(random_eps=False) for _ in range(layers))

    def forward(
        self, h: torch.Tensor, edge_index: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        keep = mask[..., None].to(h.dtype)
        h = h * keep
        for i, (aggregate, inner, norm, outer) in enumerate(
            zip(self.aggregations, self.inner, self.norms, self.outer, strict=True)
        ):
            h = inner(aggregate(h, edge_index))
            h = norm(h, mask) if isinstance(norm, MaskedBatchNorm) else norm(h)
            h = outer(torch.relu(h))
            if i < len(self.inner) - 1:
                h = torch.relu(h)
            h = h * keep
        return h


def elementwise_mlp(out_dim: int, hidden: int, layers: int) -> nn.Sequential:
    """``ℝ → ℝ^out_dim`` MLP applied to each eigenvalue independently (ReLU: Lipschitz)."""
    modules: list[nn.Module] = []
    width = 1
    for _ in range(layers - 1):
        modules += [nn.Linear(width, hidden), nn.ReLU()]
        width = hidden
    modules.append(nn.Linear(width, out_dim))
    return nn.Sequential(*modules)


class SignNet(PositionalEncoder):
    """``ρ(concat_i [φ(v_i, λ_i) + φ(−v_i, λ_i)])`` over the first ``k`` eigenpairs."""

    def __init__(
        self,
        k: int,
        hidden: int,
        layers: int,
        out_dim: int,
        out_norm: bool = True,
        norm: str = "batch",
    ) -> None:
        super().__init__()
        self.k, self.out_dim = k, out_dim
        self.features = Features(eig=True)
        self.phi = StackedGIN(2, hidden, layers, hidden, norm)
        self.rho = nn.Sequential(
            nn.Linear(k * hidden, hidden), nn.ReLU(), nn.Linear(hidden, out_dim)
        )
        self.norm = nn.BatchNorm1d(out_dim) if out_norm else nn.Identity()

    def forward(self, batch: Batch) -> torch.Tensor:
        vectors = batch.eigvecs[:, : self.k]
        values = batch.eigvals[:, : self.k][batch.batch]
        mask = batch.eig_mask[:, : self.k][batch.batch]
        positive = torch.stack([vectors, values], dim=-1)
        negative = torch.stack([-vectors, values], dim=-1)
        h = self.phi(positive, batch.edge_index, mask) + self.phi(negative, batch.edge_index, mask)
        if h.shape[1] < self.k:  # d < k: zero columns
            h = nn.functional.pad(h, (0, 0, 0, self.k - h.shape[1]))
        return self.norm(self.rho(h.reshape(h.shape[0], -1)))


class SPE(PositionalEncoder):
    """Stable and Expressive Positional Encoding.

    ``W_ℓ = V diag(φ_ℓ(λ)) Vᵀ`` for ℓ = 1..m is built per graph in a padded dense batch
    ``(B, n_max, n_max, m)``; row ``i`` of graph ``g`` becomes node ``i``'s ``(n_max, m)`` input to
    ρ, whose GIN passes messages along the first index; the valid part of the second index is
    summed. Invariant to the choice of eigenbasis (φ_ℓ is elementwise, so equal eigenvalues get
    equal weights) and to eigenvector signs, equivariant to node permutations.
    """

    def __init__(
        self,
        k: int,
        channels: int,
        phi_layers: int,
        phi_hidden: int,
        rho_layers: int,
        rho_hidden: int,
        out_dim: int,
        out_norm: bool = True,
        norm: str = "batch",
    ) -> None:
        super().__init__()
        self.k, self.out_dim = k, out_dim
        self.features = Features(eig=True)
        self.phi = elementwise_mlp(channels, phi_hidden, phi_layers)
        self.rho = StackedGIN(channels, rho_hidden, rho_layers, out_dim, norm)
        # the sum over the second index grows with the graph's size: normalize per channel
        self.norm = nn.BatchNorm1d(out_dim) if out_norm else nn.Identity()

    def projections(self, batch: Batch) -> torch.Tensor:
        """``(n, n_max, m)``: row ``local[i]`` of ``V diag(φ_ℓ(λ)) Vᵀ`` of node ``i``'s graph."""
        values = batch.eigvals[:, : self.k]
        mask = batch.eig_mask[:, : self.k].to(values.dtype)
        return spectral_projections(batch, self.k, self.phi(values[..., None]) * mask[..., None])

    def forward(self, batch: Batch) -> torch.Tensor:
        h = self.rho(self.projections(batch), batch.edge_index, pair_mask(batch))
        return self.norm(h.sum(dim=1))


def pair_mask(batch: Batch) -> torch.Tensor:
    """``(n, n_max)``: True where column ``j`` is a node of row node ``i``'s graph."""
    columns = torch.arange(batch.max_nodes, device=batch.x.device)
    return columns[None, :] < batch.sizes[batch.batch][:, None]


def spectral_projections(batch: Batch, k: int, weights: torch.Tensor) -> torch.Tensor:
    """``(n, n_max, m)``: for each node ``i``, row ``local[i]`` of ``V diag(w_ℓ) Vᵀ`` of its graph
    for every channel ℓ, from ``weights`` ``(B, k, m)`` (one per eigenpair and channel), built in a
    padded dense batch ``(B, n_max, n_max, m)``; columns past the graph's size are 0."""
    vectors = batch.eigvecs[:, :k]
    dense = vectors.new_zeros(batch.num_graphs, batch.max_nodes, vectors.shape[1])
    dense[batch.batch, batch.local] = vectors
    full = torch.einsum("bik,bkm,bjk->bijm", dense, weights[:, : vectors.shape[1]], dense)
    return full[batch.batch, batch.local]


def build_none(cfg: NoPEConfig, problem: GraphPEProblem) -> PositionalEncoder:
    """No positional encoding."""
    return NoPE()


def build_lappe(cfg: LapPEConfig, problem: GraphPEProblem) -> PositionalEncoder:
    """LapPE with ``k`` (None: d − 1) non-trivial eigenvectors."""
    k = cfg.k or max(problem.pe_dims - 1, 1)
    _check_k(k + 1, problem, "lappe (k + trivial)")
    return LapPE(k, problem.pe_out, cfg.sign_flip)


def build_rwse(cfg: RWSEConfig, problem: GraphPEProblem) -> PositionalEncoder:
    """RWSE with ``steps`` random-walk lengths."""
    return RWSE(cfg.steps, problem.pe_out)


def build_signnet(cfg: SignNetConfig, problem: GraphPEProblem) -> PositionalEncoder:
    """SignNet over the first ``k`` (None: d) eigenpairs, as the reference code builds it
    (``variant=reference``) or ours."""
    k = cfg.k or problem.pe_dims
    _check_k(k, problem, "signnet")
    if cfg.variant == "reference":
        from spectral_harness_graph_pe.reference import ReferenceSignNet

        layers = cfg.layers or problem.pe_layers
        return ReferenceSignNet(
            k,
            cfg.hidden or problem.pe_hidden,
            layers,
            cfg.rho_layers or layers,
            problem.pe_out,
        )
    return SignNet(
        k,
        cfg.hidden or problem.pe_hidden,
        cfg.layers or problem.pe_layers,
        problem.pe_out,
        cfg.out_norm,
        cfg.norm,
    )


def build_spe(cfg: SPEConfig, problem: GraphPEProblem) -> PositionalEncoder:
    """SPE over the first ``k`` (None: d) eigenpairs, as the reference code builds it
    (``variant=reference``) or ours."""
    k = cfg.k or problem.pe_dims
    _check_k(k, problem, "spe")
    if cfg.variant == "reference":
        from spectral_harness_graph_pe.reference import ReferenceSPE

        return ReferenceSPE(
            k,
            cfg.channels or problem.spe_channels,
            cfg.phi_layers,
            cfg.phi_hidden,
            cfg.rho_layers or problem.pe_layers,
            cfg.rho_hidden or problem.pe_hidden,
            problem.pe_out,
        )
    return SPE(
        k,
        cfg.channels or problem.spe_channels,
        cfg.phi_layers,
        cfg.phi_hidden,
        cfg.rho_layers or problem.pe_layers,
        cfg.rho_hidden or problem.pe_hidden,
        problem.pe_out,
        cfg.out_norm,
        cfg.norm,
    )


def _check_k(k: int, problem: GraphPEProblem, who: str) -> None:
    if k > problem.pe_dims:
        raise ValueError(
            f"{who} needs {k} eigenpairs but the task provides pe_dims={problem.pe_dims}; "
            f"raise task.pe_dims or lower method.k"
        )
