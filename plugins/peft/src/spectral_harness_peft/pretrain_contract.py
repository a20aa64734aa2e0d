"""The ``pretrainer`` slot: how the linears of a randomly initialised model are parametrised and
updated while it is pretrained from scratch (full rank, low rank, sparse spectral).

Torch-free at import: the check imports torch when the host runs it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness import ContractError, SlotSpec

INIT_TOLERANCE = 1e-4


@dataclass(frozen=True)
class PretrainProblem:
    """What a pretrainer gets: the randomly initialised ``model`` (``tiny_gpt.TinyGpt``;
    ``model(ids)`` → logits), the names of the ``linears`` it may re-parametrise, a ``probe``
    batch of ids with the dense model's ``probe_output`` on it, the run's ``seed`` and
    ``steps`` (the optimisation steps the task will run)."""

    model: Any
    linears: tuple[str, ...]
    probe: Any
    probe_output: Any
    seed: int
    steps: int


@dataclass
class Pretrainer:
    """What a pretrainer returns: the (re-parametrised) ``model``, whose every parameter that
    requires a gradient the task trains with one optimizer; ``after_step(step, optimizer)``
    (or ``None``), called after every optimizer step for the method's own schedule (merges,
    re-decompositions, resampling, optimizer-state resets); ``info`` (the method's own facts,
    reported as ``info_<name>``)."""

    model: Any
    after_step: Callable[[int, Any], None] | None = None
    info: dict[str, float] = field(default_factory=dict)


PRETRAINER_SLOT = SlotSpec(
    name="pretrainer",
    summary="parametrise and update the linears of a model pretrained from scratch (full rank, "
    "low rank, sparse spectral)",
    problem="spectral_harness_peft.pretrain_contract.PretrainProblem: `model` (random TinyGpt, "
    "model(ids) -> logits), `linears`, `probe` ids, `probe_output`, `seed`, `steps`",
    component="spectral_harness_peft.pretrain_contract.Pretrainer: `model` (same signature and "
    "output at initialisation), `after_step(step, optimizer)` or None, `info`",
    result="val_perplexity (primary), trainable_params, train_seconds",
    check="spectral_harness_peft.pretrain_contract:check_pretrainer",
)


def forget(optimizer: Any, params: list[Any]) -> None:
    """Drop the optimizer state (Adam moments) of ``params``, in the optimizer and in the base
    optimizer a SAM wrapper keeps; the state restarts from zero at the next step."""
    for opt in (optimizer, getattr(optimizer, "base", None)):
        if opt is not None:
            for p in params:
                opt.state.pop(p, None)


def check_pretrainer(component: Any, problem: PretrainProblem) -> None:
    """Refuse a pretrainer that changes the model's output at initialisation, leaves it without
    trainable parameters, or whose ``after_step`` is not callable."""
    import torch

    if not isinstance(component, Pretrainer):
        raise ContractError(f"build returned {type(component).__name__}, expected Pretrainer")
    output = component.model(problem.probe)
    expected = problem.probe_output
    if tuple(output.shape) != tuple(expected.shape):
        raise ContractError(f"expected output shape {tuple(expected.shape)}, got {output.shape}")
    error = float((output - expected).abs().max() / expected.abs().max())
    if not error <= INIT_TOLERANCE:
        raise ContractError(
            f"expected the re-parametrised model to equal the dense one at initialisation "
            f"(relative error <= {INIT_TOLERANCE:g}), got {error:.3g}"
        )
    if not any(p.requires_grad for p in component.model.parameters()):
        raise ContractError("expected trainable parameters, got none")
    if component.after_step is not None and not callable(component.after_step):
        raise ContractError("expected after_step to be callable or None")
    if not all(torch.isfinite(p).all() for p in component.model.parameters()):
        raise ContractError("expected finite parameters, got NaN or inf")


def check_gpt_config(cfg: Any) -> None:
    """Refuse a model whose width the attention heads do not divide."""
    from harness import UserError

    if cfg.width % cfg.heads:
        raise UserError(f"task.width={cfg.width} must be a multiple of task.heads={cfg.heads}")
