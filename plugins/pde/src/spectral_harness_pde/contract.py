"""The ``pde_model`` slot's contract: what a PDE task hands to a method and what it gets back.

Torch-free at import (the registry loads it); :func:`check` imports torch when it runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness import ContractError, SlotSpec

PROBE_BATCH = 2


@dataclass(frozen=True)
class PdeProblem:
    """What the ``pde_model`` slot hands to a method (the slot's contract).

    The network maps (B, ``in_channels``, H, W) → (B, ``out_channels``, H, W); ``grid`` is the
    training grid (H, W), ``periodic`` says which axes wrap around, ``width``/``modes`` are the
    task's common model size (a method's config may override them). The input's last two
    channels are the (y, x) coordinates in [0, 1].
    """

    in_channels: int
    out_channels: int
    grid: tuple[int, int]
    periodic: tuple[bool, bool]
    width: int
    modes: int


SLOT_SPEC = SlotSpec(
    name="pde_model",
    summary="a neural operator mapping an input field to the solution field on a 2-D grid",
    problem=(
        "spectral_harness_pde.contract.PdeProblem: `in_channels` (input field channels + 2 "
        "coordinate "
        "channels), `out_channels`, `grid` = (H, W) of the training fields, `periodic` = which "
        "of the (H, W) axes wrap around, `width` and `modes` (the task's common model size; a "
        "method's config may override them). Plain ints and bools, no tensors."
    ),
    component=(
        "a torch.nn.Module with at least one trainable parameter whose forward maps a float32 "
        "tensor (B, in_channels, H, W) — normalised input fields, then the (y, x) coordinates "
        "in [0, 1] as the last two channels — to a floating tensor (B, out_channels, H, W) of "
        "finite values; the task moves it to the run's device and trains it with Adam. It must "
        "also accept other grids of the same domain (zero-shot transfer to a finer grid) and, "
        "for Navier-Stokes, its own output frame fed back as input (autoregressive rollout)"
    ),
    result=(
        "rel_l2 (primary, test relative L2; Navier-Stokes: the whole rollout), transfer_rel_l2 "
        "where the task has a finer test grid, val_rel_l2, params, samples_per_s, "
        "infer_samples_per_s, best_epoch"
    ),
    check="spectral_harness_pde.contract:check",
)


def check(component: Any, problem: Any) -> None:
    """Probe ``component`` on a batch of ``PROBE_BATCH`` random fields on ``problem.grid``.

    Raises :class:`ContractError` (one line: expected vs. actual) unless it is an ``nn.Module``
    with trainable parameters that returns a finite floating tensor of shape
    (B, out_channels, H, W). Draws the probe from a local generator: the global RNG is untouched.
    """
    import torch
    from torch import nn

    from harness import check_tensor, module_device
    from spectral_harness_pde.task import grid_channels

    if not isinstance(component, nn.Module):
        raise ContractError(
            f"build returned {type(component).__name__}, expected a torch.nn.Module"
        )
    if not any(p.requires_grad for p in component.parameters()):
        raise ContractError("the model has no trainable parameters, expected at least one")
    device = module_device(component)
    height, width = problem.grid
    generator = torch.Generator().manual_seed(0)
    fields = torch.randn(PROBE_BATCH, problem.in_channels - 2, height, width, generator=generator)
    coords = grid_channels(PROBE_BATCH, (height, width), problem.periodic, fields.device)
    probe = torch.cat([fields, coords], dim=1)
    output = component(probe.to(device))
    check_tensor(
        output,
        (PROBE_BATCH, problem.out_channels, height, width),
        meaning=(
            f"(batch, problem.out_channels, *problem.grid) for input {tuple(probe.shape)} = "
            "(batch, problem.in_channels, *problem.grid)"
        ),
    )
