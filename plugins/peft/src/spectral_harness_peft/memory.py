"""Training memory, counted rather than sampled: on a shared CPU the process's resident size says
little about one cell, so the peak is accounted from what training holds.

``train_memory_mb`` = every parameter + (gradient + two Adam moments) per trainable parameter
+ the largest set of tensors autograd saved for one backward pass (unique storages, parameters
excluded since they are counted already).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import nn


class SavedTensorMeter:
    """Counts the bytes of distinct tensor storages saved for backward during a block; keeps the
    peak over blocks."""

    def __init__(self, model: nn.Module) -> None:
        self.skip = {p.untyped_storage().data_ptr() for p in model.parameters()}
        self.peak = 0

    @contextlib.contextmanager
    def measure(self) -> Iterator[None]:
        """Count what the forward passes inside the block save for backward."""
        seen: set[int] = set()
        total = [0]

        def pack(tensor: torch.Tensor) -> torch.Tensor:
            storage = tensor.untyped_storage()
            ptr = storage.data_ptr()
            if ptr not in seen and ptr not in self.skip:
                seen.add(ptr)
                total[0] += storage.nbytes()
            return tensor

        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            yield
        self.peak = max(self.peak, total[0])


def train_memory_mb(model: nn.Module, trainable: int, saved_peak: int) -> float:
    """Parameters, Adam state and gradients of ``trainable`` parameters, and saved activations,
    in MiB (float32)."""
    params = sum(p.numel() * p.element_size() for p in model.parameters())
    return (params + 3 * 4 * trainable + saved_peak) / 2**20
