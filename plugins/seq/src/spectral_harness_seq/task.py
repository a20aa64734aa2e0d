"""The LDS tasks: learn to map an input sequence to a known linear system's outputs.

One system per task config (drawn from ``data_seed``), fixed train / validation / test sequences,
mean-squared error on targets scaled to unit variance (so the normalised MSE is 1 for predicting
zero and 0 for the system itself). The trainer's optimizer (Adam unless ``trainer.optimizer``
says otherwise) on random minibatches through the host's ``fit``; the model with the best
validation error is restored and scored on the test sequences. Probes see the model and the
loss on the first ``batch_size`` training sequences.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from harness import RunContext, count_parameters, fit, make_optimizer
from spectral_harness_seq import LdsConfig, LdsRotationConfig
from spectral_harness_seq.contract import SeqProblem
from spectral_harness_seq.generators import SequenceData, lds_data

EVAL_BATCH = 64
Build = Callable[[Any], Any]


def run_lds_symmetric(cfg: LdsConfig, ctx: RunContext, build: Build) -> dict[str, float]:
    """A symmetric LDS (max |eig| = ``cfg.max_eig``)."""
    return fit_sequences(_data("symmetric", cfg), cfg, ctx, build)


def run_lds_marginal(cfg: LdsConfig, ctx: RunContext, build: Build) -> dict[str, float]:
    """A marginally stable symmetric LDS (max |eig| = 0.99 or 0.999)."""
    return fit_sequences(_data("symmetric", cfg), cfg, ctx, build)


def run_lds_rotation(cfg: LdsRotationConfig, ctx: RunContext, build: Build) -> dict[str, float]:
    """An asymmetric LDS of 2×2 rotation blocks."""
    return fit_sequences(_data("rotation", cfg, max_angle=cfg.max_angle), cfg, ctx, build)


def _data(kind: str, cfg: LdsConfig, max_angle: float = 0.0) -> SequenceData:
    return lds_data(
        kind,
        state_dim=cfg.state_dim,
        d_in=cfg.d_in,
        d_out=cfg.d_out,
        length=cfg.length,
        sizes={"train": cfg.n_train, "val": cfg.n_val, "test": cfg.n_test},
        max_eig=cfg.max_eig,
        seed=cfg.data_seed,
        max_angle=max_angle,
    )


@torch.no_grad()
def squared_error_by_step(model: torch.nn.Module, u: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean squared error per time step over sequences and channels (L,), in eval mode."""
    was_training = model.training
    model.eval()
    total = torch.zeros(u.shape[1], device=u.device)
    for start in range(0, u.shape[0], EVAL_BATCH):
        rows = slice(start, start + EVAL_BATCH)
        total += ((model(u[rows]) - y[rows]) ** 2).sum(dim=(0, 2))
    model.train(was_training)
    return total / (u.shape[0] * u.shape[2])


def fit_sequences(
    data: SequenceData, cfg: LdsConfig, ctx: RunContext, build: Build
) -> dict[str, float]:
    """Train the slot's model on ``data`` and report its normalised test MSE and costs."""
    ctx.record_data(f"generated:{ctx.task.name}", data.checksum)
    device = ctx.device
    tensors = {
        split: (torch.as_tensor(u, device=device), torch.as_tensor(y, device=device))
        for split, (u, y) in data.splits.items()
    }
    u_train, y_train = tensors["train"]
    model = build(SeqProblem(cfg.d_in, cfg.d_out, cfg.length)).to(device)
    optimizer = make_optimizer(ctx, model.parameters(), lr=cfg.lr)
    probe_rows = torch.arange(min(cfg.batch_size, u_train.shape[0]), device=device)

    def batch_loss(rows: torch.Tensor) -> torch.Tensor:
        return torch.mean((model(u_train[rows]) - y_train[rows]) ** 2)

    def step(_: int) -> torch.Tensor:
        rows = torch.randint(u_train.shape[0], (cfg.batch_size,), device=device)

        def closure() -> torch.Tensor:
            optimizer.zero_grad(set_to_none=True)
            loss = batch_loss(rows)
            loss.backward()
            return loss

        return optimizer.step(closure).detach()

    def evaluate() -> dict[str, float]:
        return {"val_nmse": float(squared_error_by_step(model, *tensors["val"]).mean())}

    result = fit(
        ctx,
        model,
        step,
        evaluate,
        steps=cfg.steps,
        eval_every=cfg.eval_every,
        select="val_nmse",
        goal="min",
        log_every=cfg.eval_every,
        probe_loss=lambda: batch_loss(probe_rows),
    )
    with ctx.timer("eval"):
        by_step = squared_error_by_step(model, *tensors["test"]).cpu()
    ctx.save_arrays("test_error", squared_error_by_step=by_step.numpy())
    train_s = ctx.seconds["train"]
    half = cfg.length // 2
    return {
        "nmse": float(by_step.mean()),
        "nmse_late": float(by_step[half:].mean()),
        "val_nmse": result.metrics["val_nmse"],
        "params": float(count_parameters(model)),
        "steps_per_s": cfg.steps / train_s if train_s > 0 else math.nan,
        "best_step": float(result.best_step),
        "spectral_radius": data.spectral_radius,
    }
