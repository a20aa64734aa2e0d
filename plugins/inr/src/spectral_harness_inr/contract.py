"""The ``inr_init`` slot's contract: what an INR task hands to a method and what it gets back.

Torch-free at import (the registry loads it); :func:`check` imports torch when it runs.
"""

from __future__ import annotations

from typing import Any

from harness import ContractError, SlotSpec

PROBE_POINTS = 8

SLOT_SPEC = SlotSpec(
    name="inr_init",
    summary="a coordinate network (initialisation + input encoding) that fits one signal",
    problem=(
        "spectral_harness_inr.InrProblem: `signal` (a spectral_harness_inr.Signal: `values` "
        "float32 numpy (N, C) in [-1, 1], finite; `grid` the sizes (N,) of a 1-D signal or (H, W) "
        "of a 2-D one, prod(grid) = N, each >= 2; `coords` float32 (N, d) in [-1, 1], raster "
        "order; `dims` = d = len(grid); `channels` = C), `hidden_features` and `hidden_layers` "
        "(the backbone size every method uses), `in_features` = d and `out_features` = C. A "
        "method may rely on these and nothing else (no modality name): constants tuned per kind "
        "of signal are chosen by `dims` (1: tuned on audio, 2: on images), and a method without "
        "constants for a grid's `dims` refuses in one line. Host-side numpy, no device."
    ),
    component=(
        "a torch.nn.Module with at least one trainable parameter whose forward maps a float32 "
        "tensor of coordinates (P, in_features) in [-1, 1] to a floating tensor (P, "
        "out_features) of finite values; the task moves it to the run's device, trains all its "
        "parameters with Adam on the MSE and evaluates it in eval mode on the whole grid"
    ),
    result=(
        "spectral_harness_inr.fit_signal's: psnr (primary, 20·log10(1/RMSE) on [-1, 1] data), "
        "snr (1-D signals) or psnr_01 (others), steps_per_s, params, best_step of the restored "
        "best model"
    ),
    check="spectral_harness_inr.contract:check",
)


def check(component: Any, problem: Any) -> None:
    """Probe ``component`` on ``PROBE_POINTS`` random coordinates of ``problem``'s domain.

    Raises :class:`ContractError` (one line: expected vs. actual) unless it is an ``nn.Module``
    with trainable parameters that returns a finite floating tensor of shape (P, out_features).
    Draws the probe from a local generator, so the global RNG is untouched.
    """
    import torch
    from torch import nn

    from harness import check_tensor, module_device

    if not isinstance(component, nn.Module):
        raise ContractError(
            f"build returned {type(component).__name__}, expected a torch.nn.Module"
        )
    if not any(p.requires_grad for p in component.parameters()):
        raise ContractError("the model has no trainable parameters, expected at least one")
    device = module_device(component)
    generator = torch.Generator().manual_seed(0)
    coords = torch.rand(PROBE_POINTS, problem.in_features, generator=generator) * 2.0 - 1.0
    output = component(coords.to(device))
    check_tensor(
        output,
        (PROBE_POINTS, problem.out_features),
        meaning=(
            f"(probe points, problem.out_features) for input {tuple(coords.shape)} = (probe "
            "points, problem.in_features)"
        ),
    )
