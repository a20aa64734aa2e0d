"""The sequential-digits robustness task: train on clean pixel sequences, test on clean and on
noisy ones (Gaussian noise of σ ∈ ``NOISE_LEVELS``; one high-frequency sinusoid per image of
amplitude ``SINE_AMPLITUDE``), fixed seeds, accuracy per level.

The slot's model maps (B, 64, 1) → (B, 64, 10); its per-step outputs averaged over time are the
class scores. Cross-entropy, the trainer's optimizer on random minibatches through the host's
``fit``; the model with the best clean validation accuracy is restored and scored.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from harness import RunContext, count_parameters, fit, make_optimizer
from spectral_harness_seq import (
    NOISE_LEVELS,
    SINE_AMPLITUDE,
    SINE_MIN_FREQ,
    DigitsNoiseConfig,
    noise_metric,
)
from spectral_harness_seq.contract import SeqProblem
from spectral_harness_seq.digits import accuracy, add_noise, add_sine, digit_sequences, logits

CLASSES = 10
Build = Callable[[Any], Any]


def run_digits_noise(cfg: DigitsNoiseConfig, ctx: RunContext, build: Build) -> dict[str, float]:
    """Train on clean digit sequences; report clean and noisy test accuracy and the drop."""
    data = digit_sequences(cfg.n_val, cfg.n_test, cfg.data_seed)
    ctx.record_data("sklearn:load_digits", data.checksum)
    device = ctx.device
    tensors = {
        split: (torch.as_tensor(x, device=device), torch.as_tensor(y, device=device))
        for split, (x, y) in data.splits.items()
    }
    x_train, y_train = tensors["train"]
    model = build(SeqProblem(1, CLASSES, x_train.shape[1])).to(device)
    optimizer = make_optimizer(ctx, model.parameters(), lr=cfg.lr)
    probe_rows = torch.arange(min(cfg.batch_size, x_train.shape[0]), device=device)

    def batch_loss(rows: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.cross_entropy(logits(model, x_train[rows]), y_train[rows])

    def step(_: int) -> torch.Tensor:
        rows = torch.randint(x_train.shape[0], (cfg.batch_size,), device=device)

        def closure() -> torch.Tensor:
            optimizer.zero_grad(set_to_none=True)
            loss = batch_loss(rows)
            loss.backward()
            return loss

        return optimizer.step(closure).detach()

    def evaluate() -> dict[str, float]:
        return {"val_accuracy": accuracy(model, *tensors["val"])}

    result = fit(
        ctx,
        model,
        step,
        evaluate,
        steps=cfg.steps,
        eval_every=cfg.eval_every,
        select="val_accuracy",
        goal="max",
        log_every=cfg.eval_every,
        probe_loss=lambda: batch_loss(probe_rows),
    )
    x_test, y_test = tensors["test"]
    with ctx.timer("eval"):
        clean = accuracy(model, x_test, y_test)
        noisy = {
            sigma: accuracy(model, add_noise(x_test, sigma, cfg.noise_seed + i), y_test)
            for i, sigma in enumerate(NOISE_LEVELS)
        }
        sine_seed = cfg.noise_seed + len(NOISE_LEVELS)
        sine = accuracy(model, add_sine(x_test, SINE_AMPLITUDE, SINE_MIN_FREQ, sine_seed), y_test)
    train_s = ctx.seconds["train"]
    worst = NOISE_LEVELS[-1]
    return {
        "accuracy": clean,
        **{noise_metric(sigma): value for sigma, value in noisy.items()},
        "accuracy_drop": clean - noisy[worst],
        "accuracy_sine": sine,
        "sine_drop": clean - sine,
        "val_accuracy": result.metrics["val_accuracy"],
        "params": float(count_parameters(model)),
        "steps_per_s": cfg.steps / train_s if train_s > 0 else math.nan,
        "best_step": float(result.best_step),
    }
