"""Train-step time of a ``pde_model`` network: the ``pde_step_time`` task and the timing loop
that ``benchmarks/t1_speed.py`` shares with it."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from harness import RunContext, count_parameters
from spectral_harness_t1 import OperatorProblem, StepTimeConfig


def relative_l2(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Per-sample ‖ŷ − y‖₂ / ‖y‖₂ (the pde tasks' loss, summed over the batch when training)."""
    diff = (prediction - target).flatten(1).norm(dim=1)
    return diff / target.flatten(1).norm(dim=1).clamp(min=1e-12)


def random_batch(
    batch: int, resolution: int, seed: int, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    """A (batch, 3, n, n) input (a Gaussian field, then the (y, x) node coordinates in [0, 1])
    and a (batch, 1, n, n) Gaussian target, from a local generator seeded with ``seed``."""
    generator = torch.Generator().manual_seed(seed)
    fields = torch.randn(batch, 1, resolution, resolution, generator=generator)
    target = torch.randn(batch, 1, resolution, resolution, generator=generator)
    axis = torch.linspace(0, 1, resolution)
    coords = torch.stack(torch.meshgrid(axis, axis, indexing="ij")).expand(batch, 2, -1, -1)
    return torch.cat([fields, coords], dim=1).to(device), target.to(device)


def train_step_seconds(
    model: torch.nn.Module,
    inputs: torch.Tensor,
    target: torch.Tensor,
    steps: int,
    warmup: int,
    synchronize: Callable[[], None] = lambda: None,
) -> np.ndarray:
    """Seconds of each of ``steps`` train steps (forward, summed relative-L2 loss, backward,
    Adam) after ``warmup`` untimed ones, ``synchronize`` called before each clock read."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    seconds = []
    for i in range(warmup + steps):
        synchronize()
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = relative_l2(model(inputs), target).sum()
        loss.backward()
        optimizer.step()
        synchronize()
        if i >= warmup:
            seconds.append(time.perf_counter() - start)
    return np.asarray(seconds)


def step_time_problem(cfg: StepTimeConfig) -> OperatorProblem:
    """The problem every method of a ``pde_step_time`` cell is built for."""
    n = cfg.resolution
    return OperatorProblem(3, 1, (n, n), (False, False), cfg.width, cfg.modes)


def run_step_time(cfg: StepTimeConfig, ctx: RunContext, build: Callable[[Any], Any]) -> dict:
    """Build the method at ``resolution``², time its train steps; the per-step times are kept
    with the record (``step_times.npz``)."""
    model = build(step_time_problem(cfg)).to(ctx.device)
    inputs, target = random_batch(cfg.batch_size, cfg.resolution, ctx.seed, ctx.device)
    with ctx.timer("train"):
        seconds = train_step_seconds(
            model, inputs, target, cfg.steps, cfg.warmup, synchronize=ctx.synchronize
        )
    ctx.save_arrays("step_times", seconds=seconds)
    median_ms = float(np.median(seconds)) * 1e3
    return {
        "step_ms": median_ms,
        "log2_step_ms": math.log2(median_ms),
        "params": float(count_parameters(model)),
    }
