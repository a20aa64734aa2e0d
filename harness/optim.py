"""Optimizers chosen by the trainer (``trainer.optimizer``), sharpness-aware minimisation among
them, for tasks that build their optimizer through the host."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import torch

if TYPE_CHECKING:
    from harness.context import RunContext


class SAM(torch.optim.Optimizer):
    """Sharpness-aware minimisation around a base optimizer (Foret et al., ICLR 2021).

    Each step ascends to ``w + ε`` and descends with the gradient found there:
    ``ε = ρ g / ‖g‖`` (``normalized``, the paper's SAM) or ``ε = ρ g`` (unnormalised SAM, whose
    edge of stability Agarwala & Dauphin 2023 derive), with ``g`` the gradient at ``w``; the base
    optimizer then steps from ``w`` with the gradient at ``w + ε``. ``step`` needs a closure
    that zeroes the gradients, computes the loss, calls ``backward()`` and returns the loss; it
    is called twice per step, and the loss at ``w`` is returned.
    """

    def __init__(
        self,
        params: Iterable[Any],
        base: Callable[..., torch.optim.Optimizer],
        *,
        rho: float,
        normalized: bool = True,
        **base_kwargs: Any,
    ) -> None:
        if not rho > 0:
            raise ValueError(f"SAM's rho must be positive, not {rho!r}")
        super().__init__(params, {"rho": rho, "normalized": normalized, **base_kwargs})
        self.base = base(self.param_groups, **base_kwargs)
        # One list of groups for both, so a scheduler's learning rate reaches the base optimizer.
        self.param_groups: list[dict[str, Any]] = self.base.param_groups

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One SAM step (see the class); ``closure`` is required."""
        if closure is None:
            raise ValueError("SAM.step needs a closure that recomputes the loss and its gradient")
        with torch.enable_grad():
            loss = closure()
        shifts: list[tuple[torch.Tensor, torch.Tensor]] = []
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            scale = group["rho"]
            if group["normalized"]:
                norm = torch.linalg.vector_norm(
                    torch.stack([torch.linalg.vector_norm(p.grad) for p in params])
                )
                scale = group["rho"] / (norm + 1e-12)
            for p in params:
                shift = p.grad * scale
                p.add_(shift)
                shifts.append((p, shift))
        with torch.enable_grad():
            closure()
        for p, shift in shifts:
            p.sub_(shift)
        self.base.step()
        return loss


def make_optimizer(
    ctx: RunContext, params: Iterable[Any], *, lr: float, **adam_kwargs: Any
) -> torch.optim.Optimizer:
    """The optimizer ``trainer.optimizer`` asks for, over ``params``: the task's Adam
    (``adam_kwargs`` are its options) by default, plain SGD (``trainer.momentum``), or SAM
    around SGD or Adam (``trainer.sam_rho``, ``trainer.sam_normalized``, ``trainer.sam_base``).

    Step it with a closure (``optimizer.step(closure)``), which works for every choice. A task
    that builds its optimizer here lets users study optimizers on it without editing it; the
    cell's record names the optimizer that ran (``record.trainer``).
    """
    trainer = ctx.trainer
    choice = trainer.optimizer if trainer is not None else "adam"
    ctx.optimizer_made = True
    if choice == "adam":
        return torch.optim.Adam(params, lr=lr, **adam_kwargs)
    assert trainer is not None
    weight_decay = adam_kwargs.get("weight_decay", 0.0)
    if choice == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=trainer.momentum, weight_decay=weight_decay)
    if trainer.sam_base == "adam":
        base: Callable[..., torch.optim.Optimizer] = torch.optim.Adam
        base_kwargs = {"lr": lr, **adam_kwargs}
    else:
        base = torch.optim.SGD
        base_kwargs = {"lr": lr, "momentum": trainer.momentum, "weight_decay": weight_decay}
    return SAM(params, base, rho=trainer.sam_rho, normalized=trainer.sam_normalized, **base_kwargs)
