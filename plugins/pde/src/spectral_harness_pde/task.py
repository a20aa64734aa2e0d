"""The PDE protocol (LSM's recipe): relative-L2 loss summed over the batch, Adam + StepLR per
epoch, the best-validation model restored, test relative L2 and zero-shot resolution transfer."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from harness import FitResult, RunContext, count_parameters, fit
from spectral_harness_pde import (
    BurgersConfig,
    DarcyConfig,
    NavierStokesConfig,
    NeuralopBurgersConfig,
    NeuralopDarcyConfig,
    PdeTaskConfig,
)
from spectral_harness_pde import data as datasets
from spectral_harness_pde.methods import PdeProblem

EVAL_BATCH = 50
Build = Callable[[Any], Any]


def run_darcy(cfg: DarcyConfig, ctx: RunContext, build: Build) -> dict[str, float]:
    """Generated Darcy flow (cached); metrics incl. zero-shot transfer to the finer grid."""
    data = datasets.darcy(cfg, ctx.settings.cache_dir)
    ctx.record_data("generated:darcy", data.checksum)
    return fit_fields(data, cfg, ctx, build)


def run_burgers(cfg: BurgersConfig, ctx: RunContext, build: Build) -> dict[str, float]:
    """Generated Burgers space-time fields (cached); transfer to a finer spatial grid."""
    data = datasets.burgers(cfg, ctx.settings.cache_dir)
    ctx.record_data("generated:burgers", data.checksum)
    return fit_fields(data, cfg, ctx, build)


def run_darcy_neuralop(cfg: NeuralopDarcyConfig, ctx: RunContext, build: Build) -> dict[str, float]:
    """neuraloperator's Darcy samples; transfer from 16² to the same test samples at 32²."""
    data_dir = ctx.data.require(datasets.NEURALOP)
    data = datasets.neuralop_darcy(data_dir, cfg.n_train, cfg.n_val, cfg.n_test)
    ctx.record_data(datasets.NEURALOP, ctx.data.checksum(datasets.NEURALOP))
    return fit_fields(data, cfg, ctx, build)


def run_burgers_neuralop(
    cfg: NeuralopBurgersConfig, ctx: RunContext, build: Build
) -> dict[str, float]:
    """neuraloperator's Burgers samples (ν = 0.01, 16 points × 17 times)."""
    data_dir = ctx.data.require(datasets.NEURALOP)
    data = datasets.neuralop_burgers(data_dir, cfg.n_train, cfg.n_val, cfg.n_test)
    ctx.record_data(datasets.NEURALOP, ctx.data.checksum(datasets.NEURALOP))
    return fit_fields(data, cfg, ctx, build)


# ------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------


def relative_l2(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Per-sample ‖ŷ − y‖₂ / ‖y‖₂ over all but the batch axis: shape (B,)."""
    diff = (prediction - target).flatten(1).norm(dim=1)
    return diff / target.flatten(1).norm(dim=1).clamp(min=1e-12)


def grid_channels(
    batch: int, shape: tuple[int, int], periodic: tuple[bool, bool], device: torch.device
) -> torch.Tensor:
    """(batch, 2, H, W) coordinates in [0, 1]: node grids include both ends, periodic grids
    are i/n, so a finer grid of the same domain gets consistent coordinates."""
    axes = [
        torch.arange(n, device=device) / n if wrap else torch.linspace(0, 1, n, device=device)
        for n, wrap in zip(shape, periodic, strict=True)
    ]
    gy, gx = torch.meshgrid(*axes, indexing="ij")
    return torch.stack([gy, gx]).expand(batch, 2, *shape)


class Normalizer:
    """Per-channel scalar mean/std from the training set (resolution independent, unlike the
    reference's per-pixel ``UnitGaussianNormalizer``, so it also serves the transfer grid)."""

    def __init__(self, train: np.ndarray, device: torch.device) -> None:
        axes = (0, 2, 3)
        self.mean = torch.as_tensor(train.mean(axis=axes), device=device)[None, :, None, None]
        self.std = torch.as_tensor(train.std(axis=axes) + 1e-6, device=device)[None, :, None, None]

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std

    def decode(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.std + self.mean


def _problem(cfg: PdeTaskConfig, cin: int, cout: int, shape, periodic) -> PdeProblem:
    return PdeProblem(
        in_channels=cin + 2,
        out_channels=cout,
        grid=(int(shape[0]), int(shape[1])),
        periodic=periodic,
        width=cfg.width,
        modes=cfg.modes,
    )


class EpochOptimizer:
    """Adam whose StepLR schedule advances once per epoch of ``per_epoch`` steps."""

    def __init__(self, model: torch.nn.Module, cfg: PdeTaskConfig, per_epoch: int) -> None:
        self.optimizer = torch.optim.Adam(
            model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay
        )
        self.scheduler = torch.optim.lr_scheduler.StepLR(
            self.optimizer, step_size=cfg.lr_step, gamma=cfg.lr_gamma
        )
        self.per_epoch = per_epoch

    def update(self, step: int, loss: torch.Tensor) -> None:
        """One optimiser step on ``loss`` at 1-based ``step``; the schedule's at an epoch's end."""
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        if step % self.per_epoch == 0:
            self.scheduler.step()


@torch.no_grad()
def chunked_error(
    model: torch.nn.Module, count: int, chunk_error: Callable[[slice], torch.Tensor]
) -> float:
    """Mean over ``count`` samples of the per-sample errors ``chunk_error(rows)`` returns,
    ``EVAL_BATCH`` rows at a time, with ``model`` in eval mode (its mode is restored after)."""
    was_training = model.training
    model.eval()
    total = 0.0
    for start in range(0, count, EVAL_BATCH):
        total += float(chunk_error(slice(start, start + EVAL_BATCH)).sum())
    model.train(was_training)
    return total / count


def fit_epochs(
    ctx: RunContext,
    model: torch.nn.Module,
    step: Callable[[int], torch.Tensor],
    val_error: Callable[[], float],
    cfg: PdeTaskConfig,
    per_epoch: int,
) -> FitResult:
    """``cfg.epochs`` epochs of ``per_epoch`` steps, the validation relative L2 every
    ``cfg.eval_every`` epochs, the best model restored."""
    return fit(
        ctx,
        model,
        step,
        lambda: {"val_rel_l2": val_error()},
        steps=cfg.epochs * per_epoch,
        eval_every=cfg.eval_every * per_epoch,
        select="val_rel_l2",
        goal="min",
        log_every=per_epoch,
    )


def timed_error(ctx: RunContext, error: Callable[[], float]) -> tuple[float, float]:
    """``error()`` and the seconds it took, the device synchronised on both sides."""
    ctx.synchronize()
    start = time.perf_counter()
    value = error()
    ctx.synchronize()
    return value, time.perf_counter() - start


def cost_metrics(
    ctx: RunContext,
    model: torch.nn.Module,
    result: FitResult,
    per_epoch: int,
    samples_trained: int,
    samples_tested: int,
    test_s: float,
) -> dict[str, float]:
    """Parameters, training and inference throughput, and the epoch of the restored model."""
    train_s = ctx.seconds["train"]
    return {
        "params": float(count_parameters(model)),
        "samples_per_s": samples_trained / train_s if train_s > 0 else math.nan,
        "infer_samples_per_s": samples_tested / test_s if test_s > 0 else math.nan,
        "best_epoch": float(result.best_step // per_epoch),
    }


class EpochSampler:
    """Minibatch indices: a fresh permutation of the training set each epoch."""

    def __init__(self, n: int, batch: int, device: torch.device) -> None:
        self.n, self.batch, self.device = n, batch, device
        self.per_epoch = math.ceil(n / batch)
        self.order = torch.randperm(n, device=device)

    def indices(self, step: int) -> torch.Tensor:
        """Indices of 1-based ``step``; a new permutation starts every ``per_epoch`` steps."""
        position = (step - 1) % self.per_epoch
        if position == 0 and step > 1:
            self.order = torch.randperm(self.n, device=self.device)
        return self.order[position * self.batch : (position + 1) * self.batch]


# ------------------------------------------------------------------------------------------------
# field → field tasks (Darcy, Burgers)
# ------------------------------------------------------------------------------------------------


def fit_fields(
    data: datasets.FieldData, cfg: PdeTaskConfig, ctx: RunContext, build: Build
) -> dict[str, float]:
    """Train a field-to-field operator and measure test / transfer relative L2."""
    device = ctx.device
    x_norm = Normalizer(data.x_train, device)
    y_norm = Normalizer(data.y_train, device)
    periodic = data.periodic

    def prepare(x: np.ndarray) -> torch.Tensor:
        t = x_norm.encode(torch.as_tensor(x, device=device))
        grid = grid_channels(t.shape[0], tuple(t.shape[-2:]), periodic, device)
        return torch.cat([t, grid], dim=1)

    x_train, y_train = prepare(data.x_train), torch.as_tensor(data.y_train, device=device)
    x_val, y_val = prepare(data.x_val), torch.as_tensor(data.y_val, device=device)
    problem = _problem(
        cfg, data.x_train.shape[1], data.y_train.shape[1], data.x_train.shape[2:], periodic
    )
    model = build(problem).to(device)
    sampler = EpochSampler(x_train.shape[0], cfg.batch_size, device)
    optimizer = EpochOptimizer(model, cfg, sampler.per_epoch)

    def predict(x: torch.Tensor) -> torch.Tensor:
        with ctx.autocast():
            return y_norm.decode(model(x).float())

    def step(i: int) -> torch.Tensor:
        index = sampler.indices(i)
        loss = relative_l2(predict(x_train[index]), y_train[index]).sum()
        optimizer.update(i, loss)
        return loss.detach() / index.numel()

    def error(x: torch.Tensor, y: torch.Tensor) -> float:
        return chunked_error(model, x.shape[0], lambda rows: relative_l2(predict(x[rows]), y[rows]))

    per_epoch = sampler.per_epoch
    result = fit_epochs(ctx, model, step, lambda: error(x_val, y_val), cfg, per_epoch)
    with ctx.timer("eval"):
        x_test = prepare(data.x_test)
        y_test = torch.as_tensor(data.y_test, device=device)
        test, test_s = timed_error(ctx, lambda: error(x_test, y_test))
        metrics = {"rel_l2": test, "val_rel_l2": result.metrics["val_rel_l2"]}
        if data.x_transfer is not None:
            metrics["transfer_rel_l2"] = error(
                prepare(data.x_transfer), torch.as_tensor(data.y_transfer, device=device)
            )
    return {
        **metrics,
        **cost_metrics(
            ctx, model, result, per_epoch, cfg.epochs * x_train.shape[0], x_test.shape[0], test_s
        ),
    }


# ------------------------------------------------------------------------------------------------
# Navier–Stokes: autoregressive rollout
# ------------------------------------------------------------------------------------------------


def run_navier_stokes(cfg: NavierStokesConfig, ctx: RunContext, build: Build) -> dict[str, float]:
    """``t_in`` frames → next frame, rolled out ``t_out`` times; the loss sums the per-step
    relative L2 over the rollout (LSM's recipe), the metric is the whole rollout's relative L2."""
    w, checksum = datasets.navier_stokes(cfg, ctx.settings.cache_dir, str(ctx.device))
    ctx.record_data("generated:navier_stokes", checksum)
    device = ctx.device
    frames = torch.as_tensor(w, device=device)
    n_fit = cfg.n_train + cfg.n_val
    splits = {
        "train": frames[: cfg.n_train],
        "val": frames[cfg.n_train : n_fit],
        "test": frames[n_fit : n_fit + cfg.n_test],
    }
    shape = tuple(frames.shape[-2:])
    periodic = (True, True)
    model = build(_problem(cfg, cfg.t_in, 1, shape, periodic)).to(device)
    sampler = EpochSampler(cfg.n_train, cfg.batch_size, device)
    optimizer = EpochOptimizer(model, cfg, sampler.per_epoch)

    def rollout(history: torch.Tensor) -> torch.Tensor:
        grid = grid_channels(history.shape[0], shape, periodic, device)
        outputs = []
        x = history
        for _ in range(cfg.t_out):
            with ctx.autocast():
                frame = model(torch.cat([x, grid], dim=1)).float()
            outputs.append(frame)
            x = torch.cat([x[:, 1:], frame], dim=1)
        return torch.cat(outputs, dim=1)

    t_in, t_end = cfg.t_in, cfg.t_in + cfg.t_out

    def step(i: int) -> torch.Tensor:
        batch = splits["train"][sampler.indices(i)]
        prediction = rollout(batch[:, :t_in])
        target = batch[:, t_in:t_end]
        loss = sum(
            relative_l2(prediction[:, t : t + 1], target[:, t : t + 1]).sum()
            for t in range(cfg.t_out)
        )
        optimizer.update(i, loss)
        return loss.detach() / batch.shape[0]

    def error(split: str) -> float:
        data = splits[split]
        return chunked_error(
            model,
            data.shape[0],
            lambda rows: relative_l2(rollout(data[rows, :t_in]), data[rows, t_in:t_end]),
        )

    per_epoch = sampler.per_epoch
    result = fit_epochs(ctx, model, step, lambda: error("val"), cfg, per_epoch)
    with ctx.timer("eval"):
        test, test_s = timed_error(ctx, lambda: error("test"))
    return {
        "rel_l2": test,
        "val_rel_l2": result.metrics["val_rel_l2"],
        **cost_metrics(ctx, model, result, per_epoch, cfg.epochs * cfg.n_train, cfg.n_test, test_s),
    }
