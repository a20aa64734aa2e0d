"""The ``adapter`` slot's task: fine-tune the pretrained MiniLM sentence encoder (mean pooling +
a linear head) on VADER-labelled sentiment sentences whose sentiment words are unseen in training.

The assets (encoder and lexicon) are resolved from their installed packages and their versions
and checksums go into the record. The method adapts the encoder; the task trains the method's
parameter groups together with the head (``harness.make_optimizer``: Adam unless
``trainer.optimizer`` says otherwise) for ``epochs`` passes over the training set and
reports test accuracy with the method's costs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from harness import RunContext, fit, make_optimizer
from spectral_harness_peft.assets import record_asset, resolve_asset
from spectral_harness_peft.bert import linear_names, load_bert
from spectral_harness_peft.contract import Adapted, AdaptProblem
from spectral_harness_peft.memory import SavedTensorMeter, train_memory_mb
from spectral_harness_peft.text import make_sentences, tokenize

Build = Callable[[Any], Any]


class Classifier(nn.Module):
    """Adapted encoder → sentence embedding → linear head."""

    def __init__(self, encoder: nn.Module, head: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = head

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Class logits (B, classes)."""
        return self.head(self.encoder(ids, mask))


def sentiment_data(cfg: Any, ctx: RunContext) -> tuple[tuple[torch.Tensor, ...], ...]:
    """Resolve the assets (recorded in ``ctx``) and return train and test ``(ids, mask,
    labels)`` (the data is fixed by ``cfg.data_seed``, not by the run's seed)."""
    minilm, vader = resolve_asset("minilm"), resolve_asset("vader")
    record_asset(ctx, minilm)
    record_asset(ctx, vader)
    out = []
    for split, n in (("train", cfg.n_train), ("test", cfg.n_test)):
        sentences = make_sentences(vader, split, n, cfg.data_seed)
        ids, mask = tokenize(minilm, sentences.text, cfg.max_len)
        out.append((ids, mask, torch.tensor(sentences.labels)))
    return tuple(out)


def run_sentiment(cfg: Any, ctx: RunContext, build: Build) -> dict[str, float]:
    """Adapt, train ``cfg.epochs`` epochs with batch ``cfg.batch_size``, evaluate on the test set
    (unseen sentiment words)."""
    train, test = sentiment_data(cfg, ctx)
    device = ctx.device
    encoder = load_bert(resolve_asset("minilm")).to(device)
    probe = (train[0][:4].to(device), train[1][:4].to(device))
    with torch.no_grad():
        probe_output = encoder(*probe)
    steps = cfg.epochs * math.ceil(cfg.n_train / cfg.batch_size)
    problem = AdaptProblem(
        encoder, tuple(linear_names(encoder)), probe, probe_output, ctx.seed, steps
    )
    adapted: Adapted = build(problem)
    head = nn.Linear(encoder.shape.hidden, 2).to(device)
    model = Classifier(adapted.encoder, head).to(device)
    groups = [*adapted.groups, {"params": list(head.parameters()), "lr": cfg.head_lr}]
    optimizer = make_optimizer(ctx, groups, lr=cfg.head_lr)
    trainable = sum(p.numel() for g in adapted.groups for p in g["params"])
    head_params = sum(p.numel() for p in head.parameters())
    meter = SavedTensorMeter(model)
    order = _batches(cfg.n_train, cfg.batch_size, cfg.epochs, ctx.seed)

    def step(i: int) -> torch.Tensor:
        model.train()
        ids, mask, labels = (t[order[i - 1]].to(device) for t in train)

        def closure() -> torch.Tensor:
            optimizer.zero_grad(set_to_none=True)
            with meter.measure():
                loss = nn.functional.cross_entropy(model(ids, mask), labels)
            loss.backward()
            return loss

        return optimizer.step(closure).detach()

    fixed = tuple(t[: cfg.batch_size].to(device) for t in train)

    def probe_loss() -> torch.Tensor:
        return nn.functional.cross_entropy(model(fixed[0], fixed[1]), fixed[2])

    def evaluate() -> dict[str, float]:
        return {"accuracy": accuracy(model, test, cfg.batch_size * 4, device)}

    result = fit(
        ctx,
        model,
        step,
        evaluate,
        steps=steps,
        eval_every=steps,
        select="accuracy",
        goal="max",
        probe_loss=probe_loss,
    )
    return {
        "accuracy": result.metrics["accuracy"],
        "trainable_params": float(trainable),
        "head_params": float(head_params),
        "train_seconds": ctx.seconds["train"],
        "train_memory_mb": train_memory_mb(model, trainable + head_params, meter.peak),
        **{f"info_{k}": float(v) for k, v in adapted.info.items()},
    }


def _batches(n: int, batch: int, epochs: int, seed: int) -> list[torch.Tensor]:
    """Row indices of every step: a fresh permutation per epoch (seeded), the last batch short."""
    generator = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(epochs):
        perm = torch.randperm(n, generator=generator)
        out.extend(perm[i : i + batch] for i in range(0, n, batch))
    return out


@torch.no_grad()
def accuracy(model: nn.Module, data: tuple[torch.Tensor, ...], batch: int, device: Any) -> float:
    """Fraction of correctly classified rows of ``(ids, mask, labels)``."""
    model.eval()
    ids, mask, labels = data
    correct = 0
    for i in range(0, len(labels), batch):
        logits = model(ids[i : i + batch].to(device), mask[i : i + batch].to(device))
        correct += int((logits.argmax(-1).cpu() == labels[i : i + batch]).sum())
    return correct / len(labels)
