"""Sparse Spectral Training (Zhao et al. 2024, arXiv 2405.15481), from the paper's equations.

Every re-parametrised linear holds its weight as W = U diag(s) Vᵀ, initialised by the SVD of the
dense (random) initial weight, so the model is unchanged at initialisation. Training proceeds
in rounds of ``round_steps`` optimizer steps:

* every singular value ``s`` trains at every step;
* of the singular vectors, only ``r`` pairs (u_i, v_i) train in a round, sampled without
  replacement from a multinomial ∝ s (large singular values are chosen more often: exploitation,
  every index keeps a chance: exploration);
* the sampled vectors get the *enhanced* gradient ∂L/∂u_i = (∂L/∂W) v_i and
  ∂L/∂v_i = (∂L/∂W)ᵀ u_i, i.e. the plain gradient without its factor s_i;
* at the end of a round the weight U diag(s) Vᵀ is decomposed again (re-SVD: orthonormal U, V
  and sorted s ≥ 0, the weight unchanged), a new subset is sampled and the optimizer state of
  the layer's trained tensors (s and the sampled vectors) restarts.

The unsampled vectors are buffers: per step the optimizer holds s (k) and 2 r vectors per layer.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from spectral_harness_peft.pretrain_contract import Pretrainer, PretrainProblem, forget


def _replace(model: nn.Module, name: str, module: nn.Module) -> None:
    parent, _, child = name.rpartition(".")
    setattr(model.get_submodule(parent) if parent else model, child, module)


class SparseSpectralLinear(nn.Module):
    """A linear whose weight is U diag(s) Vᵀ (k = min(d_out, d_in)), with ``s`` and the ``rank``
    sampled singular-vector pairs trainable (``u_sel`` (d_out, r), ``v_sel`` (d_in, r))."""

    def __init__(self, base: nn.Linear, rank: int, generator: torch.Generator) -> None:
        super().__init__()
        self.generator = generator
        self.bias = base.bias
        d_out, d_in = base.weight.shape
        k = min(d_out, d_in)
        if not 1 <= rank <= k:
            raise ValueError(f"SST rank must be in [1, {k}] for a {d_out}x{d_in} weight: {rank}")
        self.register_buffer("u", torch.zeros(d_out, k))
        self.register_buffer("v", torch.zeros(d_in, k))
        self.register_buffer("index", torch.zeros(rank, dtype=torch.int64))
        self.s = nn.Parameter(torch.zeros(k))
        self.u_sel = nn.Parameter(torch.zeros(d_out, rank))
        self.v_sel = nn.Parameter(torch.zeros(d_in, rank))
        self.u_sel.register_hook(self._enhance)
        self.v_sel.register_hook(self._enhance)
        self.decompose(base.weight.detach())

    def _enhance(self, grad: Tensor) -> Tensor:
        """The enhanced gradient: autograd's ∂L/∂u_i = (∂L/∂W) v_i s_i divided by s_i."""
        s = self.s.detach()[self.index]
        safe = torch.where(s.abs() > 1e-12, s, torch.full_like(s, 1e-12))
        return grad / safe

    def full_factors(self) -> tuple[Tensor, Tensor]:
        """U (d_out, k) and V (d_in, k) with the sampled columns taken from the parameters."""
        u = self.u.index_copy(1, self.index, self.u_sel)
        v = self.v.index_copy(1, self.index, self.v_sel)
        return u, v

    def weight(self) -> Tensor:
        """The dense weight U diag(s) Vᵀ."""
        u, v = self.full_factors()
        return (u * self.s) @ v.T

    def forward(self, x: Tensor) -> Tensor:
        """x Wᵀ + b."""
        return nn.functional.linear(x, self.weight(), self.bias)

    @torch.no_grad()
    def decompose(self, weight: Tensor) -> None:
        """Set U, s, V to the SVD of ``weight`` (in float64) and sample a new subset."""
        u, s, vh = torch.linalg.svd(weight.double(), full_matrices=False)
        self.u.copy_(u.float())
        self.v.copy_(vh.T.float())
        self.s.copy_(s.float())
        self.sample()

    @torch.no_grad()
    def sample(self) -> None:
        """Draw ``rank`` indices ∝ |s| without replacement and load their vectors."""
        weights = self.s.abs().double().cpu() + 1e-12
        chosen = torch.multinomial(weights, self.index.numel(), generator=self.generator)
        self.index.copy_(chosen.to(self.index.device))
        self.u_sel.copy_(self.u[:, self.index])
        self.v_sel.copy_(self.v[:, self.index])

    @torch.no_grad()
    def resvd(self) -> None:
        """End of a round: re-decompose the current weight and resample."""
        self.decompose(self.weight())

    def trained(self) -> list[Tensor]:
        """The tensors this layer trains (their optimizer state restarts every round)."""
        return [self.s, self.u_sel, self.v_sel]


def build_sst(cfg: Any, problem: PretrainProblem) -> Pretrainer:
    """SST on every linear of ``problem.linears``: rank ``cfg.rank`` sampled vector pairs,
    rounds of ``cfg.round_steps`` steps ending in a re-SVD."""
    layers = []
    for i, name in enumerate(problem.linears):
        generator = torch.Generator().manual_seed(problem.seed * 1000 + i)
        layer = SparseSpectralLinear(problem.model.get_submodule(name), cfg.rank, generator)
        _replace(problem.model, name, layer.to(problem.model.head.weight.device))
        layers.append(layer)

    def after_step(step: int, optimizer: Any) -> None:
        if step % cfg.round_steps == 0:
            for layer in layers:
                layer.resvd()
                forget(optimizer, layer.trained())

    info = {"rounds": float(problem.steps // cfg.round_steps)}
    return Pretrainer(problem.model, after_step, info)
