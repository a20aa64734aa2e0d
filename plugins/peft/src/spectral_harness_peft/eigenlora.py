"""EigenLoRAx (Kaushik et al. 2025, arXiv 2502.04700): recycle a bank of LoRA adapters trained on
related tasks into a principal subspace per layer, and adapt to a new task by training only the
coefficients ("loadings") on that fixed subspace.

For each adapted layer, the N source adapters' factors are stacked as columns, A's rows
(d_in each) and B's columns (d_out each): S_A (d_in, N r), S_B (d_out, N r). Each stack is
centred (its mean column subtracted, as the reference's PCA does) and its top-K left singular
vectors are the principal components C_A (d_in, K), C_B (d_out, K), optionally extended by
``gs_components`` random directions orthonormalised against them (Gram–Schmidt; the paper's
low-resource augmentation). The new task's LoRA of rank r is

    A = (C_A L_A)ᵀ (r, d_in),   B = C_B L_B (d_out, r),   ΔW = (α/r) B A,

with only L_A, L_B (K, r each) trainable: 2 K r parameters per layer instead of LoRA's
r (d_in + d_out). The reference initialises both loadings at random (or from a source adapter),
which changes the model at the start; here L_B = 0 (and L_A random, its rows as long as a
LoRA A's rows on average), so the adapted encoder equals the pretrained one at initialisation,
as for LoRA. ``basis="random"`` replaces the principal components by a random orthonormal basis of
the same size: the control that tells whether the recycled subspace carries the information.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn

from spectral_harness_peft.contract import Adapted, AdaptProblem


def principal_subspace(columns: Tensor, k: int) -> Tensor:
    """The top-``k`` principal components (d, k), orthonormal, of the column vectors
    ``columns`` (d, n) after subtracting their mean column."""
    centred = columns.double() - columns.double().mean(dim=1, keepdim=True)
    u, _, _ = torch.linalg.svd(centred, full_matrices=False)
    return u[:, :k].float()


def extend_orthonormal(basis: Tensor, extra: int, generator: torch.Generator) -> Tensor:
    """``basis`` (d, k) with ``extra`` random Gaussian directions appended, each orthonormalised
    against all before it (Gram–Schmidt by QR): (d, k + extra)."""
    if extra == 0:
        return basis
    draw = torch.randn(basis.shape[0], extra, generator=generator, dtype=torch.float64)
    b = basis.double()
    draw = draw - b @ (b.T @ draw)
    q, _ = torch.linalg.qr(draw)
    q = q - b @ (b.T @ q)  # a second pass for numerical orthogonality
    q, _ = torch.linalg.qr(q)
    return torch.cat([b, q], dim=1).float()


def random_basis(d: int, k: int, generator: torch.Generator) -> Tensor:
    """A random orthonormal basis (d, k) (QR of a Gaussian matrix)."""
    q, _ = torch.linalg.qr(torch.randn(d, k, generator=generator, dtype=torch.float64))
    return q.float()


class EigenLinear(nn.Module):
    """A frozen linear plus (α/r) B A, with A = (C_A L_A)ᵀ and B = C_B L_B on fixed components;
    trainable: ``load_a``, ``load_b`` (K, r) each, ``load_b`` = 0 at start."""

    def __init__(
        self,
        base: nn.Linear,
        comp_a: Tensor,
        comp_b: Tensor,
        rank: int,
        alpha: float,
        generator: torch.Generator,
    ) -> None:
        super().__init__()
        self.base = base
        self.scaling = alpha / rank
        self.register_buffer("comp_a", comp_a.to(base.weight.device))
        self.register_buffer("comp_b", comp_b.to(base.weight.device))
        k_a, k_b = comp_a.shape[1], comp_b.shape[1]
        bound = 1 / math.sqrt(k_a)  # rows of A with LoRA's expected norm sqrt(1/3)
        draw = torch.rand(k_a, rank, generator=generator) * 2 * bound - bound
        self.load_a = nn.Parameter(draw.to(base.weight.device))
        self.load_b = nn.Parameter(torch.zeros(k_b, rank, device=base.weight.device))

    def delta_weight(self) -> Tensor:
        """ΔW = (α/r) B A (d_out, d_in)."""
        return self.scaling * (self.comp_b @ self.load_b) @ (self.comp_a @ self.load_a).T

    def forward(self, x: Tensor) -> Tensor:
        """base(x) + (α/r) ((x C_A L_A) (C_B L_B)ᵀ)."""
        low = x @ self.comp_a @ self.load_a
        return self.base(x) + self.scaling * low @ (self.comp_b @ self.load_b).T


def layer_basis(
    stacks: dict[str, Tensor], cfg: Any, generator: torch.Generator
) -> tuple[Tensor, Tensor]:
    """The components (C_A, C_B) of one layer from its source stacks ``{"a": (d_in, N r),
    "b": (d_out, N r)}`` as ``cfg`` says (``basis``, ``components``, ``gs_components``)."""
    out = []
    for side in ("a", "b"):
        stack = stacks[side]
        if cfg.basis == "pca":
            comp = principal_subspace(stack, cfg.components)
        else:
            comp = random_basis(stack.shape[0], cfg.components, generator)
        out.append(extend_orthonormal(comp, cfg.gs_components, generator))
    return out[0], out[1]


def build_eigenlora(cfg: Any, problem: AdaptProblem) -> Adapted:
    """EigenLoRAx on every layer of the problem's source-adapter bank (``problem.sources``:
    layer name → stacks); refuses a problem without a bank, or more components than the bank's
    centred stacks span."""
    sources = getattr(problem, "sources", None)
    if not sources:
        raise ValueError(
            "eigenlora needs a bank of source LoRA adapters: run it on task=sentiment_lora_bank"
        )
    columns = min(s.shape[1] for stacks in sources.values() for s in stacks.values())
    if cfg.components > columns - 1:
        raise ValueError(
            f"eigenlora: components={cfg.components} exceeds the {columns - 1} principal "
            f"directions the bank's {columns} centred columns span"
        )
    for p in problem.encoder.parameters():
        p.requires_grad_(False)
    generator = torch.Generator().manual_seed(problem.seed)
    for name in sorted(sources):
        comp_a, comp_b = layer_basis(sources[name], cfg, generator)
        base = problem.encoder.get_submodule(name)
        layer = EigenLinear(base, comp_a, comp_b, cfg.rank, cfg.alpha, generator)
        parent, _, child = name.rpartition(".")
        setattr(problem.encoder.get_submodule(parent), child, layer)
    params = [p for p in problem.encoder.parameters() if p.requires_grad]
    info = {"components": float(cfg.components + cfg.gs_components), "layers": float(len(sources))}
    return Adapted(problem.encoder, [{"params": params, "lr": cfg.lr}], info)
