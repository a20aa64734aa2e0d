"""The ``pretrainer`` slot's baselines: full-rank training, LoRA from scratch and ReLoRA*.

* ``full_rank``: every weight trains (the reference the low-rank methods try to approach);
* ``lora_pretrain``: W = W₀ + (α/r) B A with the random initial W₀ frozen, A random, B = 0
  (Hu et al. 2021, used for pretraining as the SST paper's LoRA baseline);
* ``relora``: ReLoRA* as the SST paper defines it (its section 3.3): LoRA whose product is merged
  into W₀ every ``merge_every`` steps, after which A is redrawn, B zeroed and their optimizer
  state reset (Lialin et al. 2023 without the full-rank warm start; our learning-rate schedule
  is the task's one cosine, not ReLoRA's jagged restarts).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn

from spectral_harness_peft.pretrain_contract import Pretrainer, PretrainProblem, forget


def _replace(model: nn.Module, name: str, module: nn.Module) -> None:
    parent, _, child = name.rpartition(".")
    setattr(model.get_submodule(parent) if parent else model, child, module)


class ScratchLora(nn.Module):
    """A frozen weight W₀ plus (α/r) B A; A (r, d_in) ~ U(±1/√d_in) (LoRA's Kaiming-uniform
    bound), B (d_out, r) = 0; the bias trains."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float, generator: torch.Generator):
        super().__init__()
        self.generator = generator
        self.register_buffer("w0", base.weight.detach().clone())
        self.bias = base.bias
        self.scaling = alpha / rank
        d_out, d_in = base.weight.shape
        self.a = nn.Parameter(torch.zeros(rank, d_in, device=base.weight.device))
        self.b = nn.Parameter(torch.zeros(d_out, rank, device=base.weight.device))
        self.reset()

    @torch.no_grad()
    def reset(self) -> None:
        """Redraw A, zero B (the product, hence the output, is unchanged)."""
        bound = 1 / math.sqrt(self.a.shape[1])
        draw = torch.rand(self.a.shape, generator=self.generator) * 2 * bound - bound
        self.a.copy_(draw.to(self.a.device))
        self.b.zero_()

    @torch.no_grad()
    def merge(self) -> None:
        """W₀ ← W₀ + (α/r) B A, then :meth:`reset`: the weight is unchanged."""
        self.w0.add_(self.scaling * self.b @ self.a)
        self.reset()

    def weight(self) -> Tensor:
        """The effective weight W₀ + (α/r) B A."""
        return self.w0 + self.scaling * self.b @ self.a

    def forward(self, x: Tensor) -> Tensor:
        """x W₀ᵀ + (α/r) (x Aᵀ) Bᵀ + b."""
        out = nn.functional.linear(x, self.w0, self.bias)
        return out + self.scaling * (x @ self.a.T) @ self.b.T


def build_full_rank(cfg: Any, problem: PretrainProblem) -> Pretrainer:
    """Train every weight as it is."""
    return Pretrainer(problem.model)


def _inject(cfg: Any, problem: PretrainProblem) -> list[ScratchLora]:
    layers = []
    for i, name in enumerate(problem.linears):
        generator = torch.Generator().manual_seed(problem.seed * 1000 + i)
        layer = ScratchLora(problem.model.get_submodule(name), cfg.rank, cfg.alpha, generator)
        _replace(problem.model, name, layer)
        layers.append(layer)
    return layers


def build_lora_pretrain(cfg: Any, problem: PretrainProblem) -> Pretrainer:
    """LoRA of rank ``cfg.rank`` on every linear of ``problem.linears``, W₀ frozen throughout."""
    _inject(cfg, problem)
    return Pretrainer(problem.model)


def build_relora(cfg: Any, problem: PretrainProblem) -> Pretrainer:
    """ReLoRA*: LoRA merged into W₀ and restarted every ``cfg.merge_every`` steps."""
    layers = _inject(cfg, problem)

    def after_step(step: int, optimizer: Any) -> None:
        if step % cfg.merge_every == 0:
            for layer in layers:
                layer.merge()
                forget(optimizer, [layer.a, layer.b])

    return Pretrainer(
        problem.model, after_step, {"merges": float(problem.steps // cfg.merge_every)}
    )
