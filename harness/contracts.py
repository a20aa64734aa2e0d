"""Helpers for slot contract probes (``SlotSpec.check``): one wording for every slot's errors.

Imported by a family's ``check`` function when it runs, so importing torch here is fine.
"""

from __future__ import annotations

import itertools
from typing import Any

import torch

from harness.errors import ContractError


def check_tensor(
    value: Any, expected: tuple[int, ...], *, what: str = "output", meaning: str = ""
) -> torch.Tensor:
    """``value`` if it is a finite floating tensor of shape ``expected``, else one-line
    :class:`ContractError` naming ``what``, the expected and the actual value.

    ``meaning`` says what the expected shape is made of, e.g. ``"(probe points, out_features)"``.
    """
    if not isinstance(value, torch.Tensor):
        raise ContractError(
            f"{what} is a {type(value).__name__}, expected a tensor of shape {expected}"
        )
    if tuple(value.shape) != expected:
        explained = f" = {meaning}" if meaning else ""
        raise ContractError(f"{what} shape {tuple(value.shape)}, expected {expected}{explained}")
    if not value.is_floating_point():
        raise ContractError(f"{what} dtype {value.dtype}, expected a floating dtype")
    finite = torch.isfinite(value)
    if not bool(finite.all()):
        bad = int((~finite).sum())
        raise ContractError(
            f"{what} has {bad} non-finite values out of {value.numel()}, expected all finite"
        )
    return value


def module_device(module: torch.nn.Module) -> torch.device:
    """The device of the module's first parameter or buffer (CPU when it has neither), where a
    probe input must live."""
    first = next(itertools.chain(module.parameters(), module.buffers()), None)
    return first.device if first is not None else torch.device("cpu")
