"""The ``sr_discriminator`` slot's contract: what an SR task hands to a method and what it gets
back.

Torch-free at import (the registry loads it); :func:`check` imports torch when it runs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from harness import ContractError, SlotSpec

PROBE_IMAGES = 2


@dataclass(frozen=True)
class DiscProblem:
    """What the ``sr_discriminator`` slot hands to a method: the input size and the size of the
    patch Transformer (spatial and spectral discriminators share it, as in the paper)."""

    image_size: int
    patch: int
    embed_dim: int
    depths: tuple[int, ...]
    heads: tuple[int, ...]
    mlp_ratio: float = 4.0
    channels: int = 3
    spectrum_bins: int = 32
    mlp_hidden: int = 128


SLOT_SPEC = SlotSpec(
    name="sr_discriminator",
    summary="GAN discriminators for x4 super-resolution",
    problem=(
        "spectral_harness_sr.contract.DiscProblem (frozen dataclass): image_size S (int, the side "
        "of the "
        "square RGB inputs: task.hr_crop for sr_x4, task.image_size for sr_disc_probe), "
        "channels (3), and the patch-Transformer size every Transformer discriminator shares: "
        "patch (divides S), embed_dim, depths and heads (tuples, one per stage), mlp_ratio; "
        "spectrum_bins and mlp_hidden for a reduced-spectrum MLP. Host-side, no device."
    ),
    component=(
        "a torch.nn.Module with len(component) = number of members, component.weights: "
        "{member: float >= 0} over exactly the members, summing to 1 (the split of the GAN "
        "loss), forward(x) for float32 images x of shape (B, channels, S, S) in [0, 1]: "
        "{member: (B,) floating finite logits}, and combined(x): the (B,) ensemble logit "
        "(real > 0). A component with members has trainable parameters; the task moves it to "
        "the run's device and trains them with Adam. The `none` baseline is the empty "
        "component: no members, weights {}, forward(x) = {} and combined(x) = zeros (B,), so "
        "the generator keeps its pixel loss only and the probe's detection accuracy is 0.5."
    ),
    result=(
        "sr_x4: Y-channel PSNR (primary, psnr_y) and SSIM of the fine-tuned generator on "
        "Set5/Set14/BSD100, band magnitude RMSEs, spectral-profile distance, d_params; "
        "sr_disc_probe: held-out detection accuracy of band-attenuated patches (primary, "
        "acc_mean over the low and high band), d_params"
    ),
    check="spectral_harness_sr.contract:check",
)


def check(component: Any, problem: Any) -> None:
    """Probe ``component`` on ``PROBE_IMAGES`` random images of ``problem``'s size.

    Raises :class:`ContractError` (one line: expected vs. actual) unless it is an ``nn.Module``
    with the members, weights, per-member logits and ensemble logit of the slot's contract (the
    empty ``none`` component included). Draws the probe from a local generator, so the global
    RNG is untouched.
    """
    import torch
    from torch import nn

    from harness import module_device

    if not isinstance(component, nn.Module):
        raise ContractError(
            f"build returned {type(component).__name__}, expected a torch.nn.Module"
        )
    members = _member_count(component)
    weights = _weights(component, members)
    if not callable(getattr(component, "combined", None)):
        raise ContractError(
            f"{type(component).__name__} has no combined(x) method, expected one returning the "
            "ensemble logit"
        )
    if members and not any(p.requires_grad for p in component.parameters()):
        raise ContractError(
            f"the {members} discriminators have no trainable parameters, expected at least one"
        )
    size = (PROBE_IMAGES, problem.channels, problem.image_size, problem.image_size)
    generator = torch.Generator().manual_seed(0)
    images = torch.rand(size, generator=generator).to(module_device(component))
    where = (
        f"for input {size} = (probe images, problem.channels, problem.image_size, "
        "problem.image_size)"
    )
    logits = component(images)
    if not isinstance(logits, Mapping):
        raise ContractError(
            f"forward returned a {type(logits).__name__}, expected a mapping of member name to "
            f"logits {where}"
        )
    if set(logits) != set(weights) or len(logits) != members:
        raise ContractError(
            f"forward returned logits of {sorted(logits)}, expected one per member "
            f"{sorted(weights)} (len(component) = {members})"
        )
    for name, value in logits.items():
        _logits(value, f"member {name!r} logits", where)
    combined = _logits(component.combined(images), "combined logits", where)
    if not members and bool(combined.any()):
        raise ContractError(
            "combined logits of a component without members are not all zero, expected zeros "
            "(no discriminator makes no decision)"
        )


def _member_count(component: Any) -> int:
    """``len(component)``, or a ContractError when the component has no length."""
    try:
        return len(component)
    except TypeError:
        raise ContractError(
            f"len() of the {type(component).__name__} failed, expected the number of "
            "discriminators (0 for none)"
        ) from None


def _weights(component: Any, members: int) -> dict[str, float]:
    """The component's loss weights, checked: finite, >= 0, summing to 1 (empty: no members)."""
    weights = getattr(component, "weights", None)
    if not isinstance(weights, Mapping):
        raise ContractError(
            f"component.weights is a {type(weights).__name__}, expected a mapping of member "
            "name to GAN loss weight"
        )
    values = {str(k): v for k, v in weights.items()}
    if any(isinstance(v, bool) or not isinstance(v, int | float) for v in values.values()):
        raise ContractError(f"component.weights = {values}, expected real numbers")
    if any(not math.isfinite(v) or v < 0 for v in values.values()):
        raise ContractError(f"component.weights = {values}, expected finite values >= 0")
    total = sum(values.values())
    if members and not math.isclose(total, 1.0, abs_tol=1e-6):
        raise ContractError(
            f"component.weights {values} sum to {total:g} over {members} members, expected 1"
        )
    return values


def _logits(value: Any, what: str, where: str) -> Any:
    """``value`` if it is a finite floating tensor of shape (probe images,), else ContractError."""
    from harness import check_tensor

    return check_tensor(value, (PROBE_IMAGES,), what=what, meaning=f"(probe images,) {where}")
