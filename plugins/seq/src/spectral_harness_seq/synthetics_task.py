"""The long-range synthetic tasks: train the slot's model on generated sequences, score it at
the scored steps only.

Train / validation / test sequences are drawn once per task config from ``data_seed`` (one
stream per split), so every method and seed sees the same data; the run's seed changes the
model's initialisation and the minibatches. Token inputs reach the model one-hot (vocabulary
channels), the adding problem's as (value, marker). The loss is the cross-entropy (or squared
error) at the scored steps (:attr:`~.synthetics.Synthetic.mask`) only; the model with the best
validation metric is restored and scored on the test sequences. Probes see the model and the
loss on the first ``batch_size`` training sequences.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from harness import RunContext, count_parameters, fit, make_optimizer
from spectral_harness_seq.contract import SeqProblem
from spectral_harness_seq.synthetics import (
    Synthetic,
    adding,
    associative_recall,
    induction_heads,
    selective_copy,
)
from spectral_harness_seq.synthetics_config import (
    AddingConfig,
    InductionConfig,
    RecallConfig,
    SelectiveCopyConfig,
    SyntheticConfig,
)

EVAL_BATCH = 256
SPLITS = ("train", "val", "test")
Build = Callable[[Any], Any]
Generator = Callable[[int, np.random.Generator], Synthetic]


def run_selective_copy(cfg: SelectiveCopyConfig, ctx: RunContext, build: Build) -> dict[str, float]:
    """Selective copying after a delay; accuracy per copied symbol."""
    return fit_synthetic(
        lambda n, rng: selective_copy(n, cfg.length, cfg.n_symbols, cfg.copy_len, rng),
        cfg,
        ctx,
        build,
    )


def run_adding(cfg: AddingConfig, ctx: RunContext, build: Build) -> dict[str, float]:
    """The adding problem; MSE of the sum."""
    return fit_synthetic(lambda n, rng: adding(n, cfg.length, rng), cfg, ctx, build)


def run_induction_heads(cfg: InductionConfig, ctx: RunContext, build: Build) -> dict[str, float]:
    """Induction heads; accuracy at the last step."""
    return fit_synthetic(
        lambda n, rng: induction_heads(n, cfg.length, cfg.vocab, rng), cfg, ctx, build
    )


def run_associative_recall(cfg: RecallConfig, ctx: RunContext, build: Build) -> dict[str, float]:
    """Associative recall; accuracy at the last step."""
    return fit_synthetic(
        lambda n, rng: associative_recall(n, cfg.length, cfg.n_keys, rng), cfg, ctx, build
    )


def generate_splits(generate: Generator, cfg: SyntheticConfig) -> dict[str, Synthetic]:
    """The train / validation / test sequences, each split from its own stream of
    ``data_seed``."""
    sizes = {"train": cfg.n_train, "val": cfg.n_val, "test": cfg.n_test}
    return {
        split: generate(sizes[split], np.random.default_rng([cfg.data_seed, i]))
        for i, split in enumerate(SPLITS)
    }


class Scorer:
    """One split on the device: model inputs, loss and metrics at the scored steps."""

    def __init__(self, data: Synthetic, device: torch.device) -> None:
        self.data = data
        self.inputs = torch.as_tensor(data.inputs, device=device)
        self.targets = torch.as_tensor(data.targets, device=device)
        self.mask = torch.as_tensor(data.mask, device=device)

    def encode(self, rows: torch.Tensor | slice) -> torch.Tensor:
        """Model inputs (B, L, channels) for ``rows``: one-hot tokens or the value channels."""
        x = self.inputs[rows]
        return F.one_hot(x, self.data.vocab).float() if x.ndim == 2 else x

    def loss(self, model: torch.nn.Module, rows: torch.Tensor | slice) -> torch.Tensor:
        """Mean cross-entropy (or squared error) over the scored steps of ``rows``."""
        out, targets = self._scored(model, rows)
        if self.data.regression:
            return F.mse_loss(out[:, 0], targets)
        return F.cross_entropy(out, targets)

    def _scored(
        self, model: torch.nn.Module, rows: torch.Tensor | slice
    ) -> tuple[torch.Tensor, torch.Tensor]:
        mask = self.mask[rows]
        return model(self.encode(rows))[mask], self.targets[rows][mask]

    @torch.no_grad()
    def evaluate(self, model: torch.nn.Module) -> dict[str, float]:
        """``mse`` or ``accuracy`` and ``loss`` over the split, in eval mode, plus the accuracy
        per scored step (``by_step``, for copying: per copied symbol)."""
        was_training = model.training
        model.eval()
        errors, correct, losses = [], [], []
        for start in range(0, self.inputs.shape[0], EVAL_BATCH):
            rows = slice(start, start + EVAL_BATCH)
            out, targets = self._scored(model, rows)
            count = int(self.mask[rows][0].sum())
            if self.data.regression:
                errors.append((out[:, 0] - targets) ** 2)
            else:
                losses.append(F.cross_entropy(out, targets, reduction="none"))
                correct.append((out.argmax(-1) == targets).float().view(-1, count))
        model.train(was_training)
        if self.data.regression:
            return {"mse": float(torch.cat(errors).mean())}
        hits = torch.cat(correct)
        return {
            "accuracy": float(hits.mean()),
            "loss": float(torch.cat(losses).mean()),
            "by_step": hits.mean(0).cpu().numpy(),
        }


def fit_synthetic(
    generate: Generator, cfg: SyntheticConfig, ctx: RunContext, build: Build
) -> dict[str, float]:
    """Train the slot's model on generated sequences; report the test metric, chance and costs."""
    data = generate_splits(generate, cfg)
    ctx.record_data(f"generated:{ctx.task.name}", "".join(d.checksum()[:16] for d in data.values()))
    device = ctx.device
    train, val, test = (Scorer(data[split], device) for split in SPLITS)
    reference = data["train"]
    model = build(SeqProblem(reference.in_channels, reference.classes, cfg.length)).to(device)
    optimizer = make_optimizer(ctx, model.parameters(), lr=cfg.lr)
    probe_rows = torch.arange(min(cfg.batch_size, cfg.n_train), device=device)
    metric = "mse" if reference.regression else "accuracy"

    def step(_: int) -> torch.Tensor:
        rows = torch.randint(cfg.n_train, (cfg.batch_size,), device=device)

        def closure() -> torch.Tensor:
            optimizer.zero_grad(set_to_none=True)
            loss = train.loss(model, rows)
            loss.backward()
            return loss

        return optimizer.step(closure).detach()

    def evaluate() -> dict[str, float]:
        return {f"val_{metric}": val.evaluate(model)[metric]}

    result = fit(
        ctx,
        model,
        step,
        evaluate,
        steps=cfg.steps,
        eval_every=cfg.eval_every,
        select=f"val_{metric}",
        goal="min" if reference.regression else "max",
        log_every=cfg.eval_every,
        probe_loss=lambda: train.loss(model, probe_rows),
    )
    with ctx.timer("eval"):
        scores = test.evaluate(model)
    if "by_step" in scores:
        ctx.save_arrays("test_accuracy", accuracy_by_scored_step=scores.pop("by_step"))
    train_s = ctx.seconds["train"]
    return {
        **scores,
        f"val_{metric}": result.metrics[f"val_{metric}"],
        "chance": reference.chance,
        "params": float(count_parameters(model)),
        "steps_per_s": cfg.steps / train_s if train_s > 0 else math.nan,
        "best_step": float(result.best_step),
    }
