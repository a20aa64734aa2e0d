"""The ``pretrainer`` slot's task: pretrain a tiny character-level GPT from scratch on the
standard library's help text and report validation perplexity.

The corpus (:func:`tiny_gpt.load_corpus`) is split once: the first ``1 − val_fraction`` of the
characters train, the rest validate. The model is initialised from the run's seed, the method
re-parametrises its block linears, and every parameter that requires a gradient trains with one
optimizer (``harness.make_optimizer``: Adam unless ``trainer.optimizer`` says otherwise) at
``lr`` with a linear warm-up over ``warmup`` of the steps and a cosine decay to zero, on random
windows of ``context`` + 1 characters. The model after the last step is evaluated once on
consecutive, non-overlapping validation windows: perplexity = exp(mean NLL per character).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from harness import ContentCache, RunContext, fit, make_optimizer
from spectral_harness_peft.pretrain_contract import Pretrainer, PretrainProblem
from spectral_harness_peft.tiny_gpt import (
    GptShape,
    TinyGpt,
    block_linears,
    corpus_text,
    encode,
    nll,
    perplexity,
)

Build = Callable[[Any], Any]


def cached_corpus(ctx: RunContext) -> tuple[torch.Tensor, str]:
    """The encoded corpus (ids, alphabet), cached by the text's sha256, which the record keeps
    (``data``: ``corpus:<source>``)."""
    import hashlib

    text, source = corpus_text()
    digest = hashlib.sha256(text.encode()).hexdigest()
    ctx.record_data(f"corpus:{source}", digest)
    cache = ContentCache(ctx.settings.cache_dir, "peft_tiny_gpt_corpus")

    def create() -> dict[str, Any]:
        ids, alphabet = encode(text)
        return {"ids": ids, "alphabet": alphabet}

    entry = cache.get_or_create({"sha256": digest, "encoding": "sorted-alphabet chars"}, create)
    return entry["ids"], entry["alphabet"]


def windows(ids: torch.Tensor, length: int, count: int) -> torch.Tensor:
    """The first ``count`` consecutive non-overlapping windows of ``length`` ids (count, length)."""
    count = min(count, ids.numel() // length)
    return ids[: count * length].view(count, length)


def warmup_cosine(steps: int, warmup: float) -> Callable[[int], float]:
    """Learning-rate factor at step i: linear from 1/w to 1 over w = ⌈warmup·steps⌉ steps,
    then a cosine to 0 at ``steps``."""
    w = max(1, math.ceil(warmup * steps))

    def factor(i: int) -> float:
        if i < w:
            return (i + 1) / w
        return 0.5 * (1 + math.cos(math.pi * (i - w) / max(1, steps - w)))

    return factor


def run_pretrain(cfg: Any, ctx: RunContext, build: Build) -> dict[str, float]:
    """Pretrain with the method's parametrisation for ``cfg.steps`` steps; validation perplexity."""
    ids, alphabet = cached_corpus(ctx)
    split = int(ids.numel() * (1 - cfg.val_fraction))
    train_ids, val_ids = ids[:split], ids[split:]
    device = ctx.device
    shape = GptShape(len(alphabet), cfg.width, cfg.layers, cfg.heads, 4 * cfg.width, cfg.context)
    torch.manual_seed(ctx.seed)
    model = TinyGpt(shape).to(device)
    generator = torch.Generator().manual_seed(ctx.seed)
    starts = torch.randint(
        0, split - cfg.context - 1, (cfg.steps, cfg.batch_size), generator=generator
    )
    offsets = torch.arange(cfg.context + 1)
    fixed = train_ids[starts[0, :, None] + offsets].to(device)
    probe = fixed[:2, :-1]
    with torch.no_grad():
        probe_output = model(probe)
    problem = PretrainProblem(
        model, tuple(block_linears(model)), probe, probe_output, ctx.seed, cfg.steps
    )
    component: Pretrainer = build(problem)
    model = component.model.to(device)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = make_optimizer(ctx, params, lr=cfg.lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, warmup_cosine(cfg.steps, cfg.warmup))
    val = windows(val_ids, cfg.context + 1, cfg.val_windows).to(device)

    def step(i: int) -> torch.Tensor:
        model.train()
        batch = train_ids[starts[i - 1, :, None] + offsets].to(device)

        def closure() -> torch.Tensor:
            optimizer.zero_grad(set_to_none=True)
            loss = nll(model, batch)
            loss.backward()
            return loss

        loss = optimizer.step(closure).detach()
        schedule.step()
        if component.after_step is not None:
            component.after_step(i, optimizer)
        return loss

    def evaluate() -> dict[str, float]:
        return {"val_perplexity": perplexity(model, val, cfg.batch_size * 4)}

    result = fit(
        ctx,
        model,
        step,
        evaluate,
        steps=cfg.steps,
        eval_every=cfg.steps,
        select="val_perplexity",
        goal="min",
        log_every=max(1, cfg.steps // 20),
        probe_loss=lambda: nll(model, fixed),
    )
    ppl = result.metrics["val_perplexity"]
    return {
        "val_perplexity": ppl,
        "val_bits_per_char": math.log2(ppl),
        "trainable_params": float(sum(p.numel() for p in params)),
        "train_seconds": ctx.seconds["train"],
        "val_tokens": float(val.shape[0] * (val.shape[1] - 1)),
        **{f"info_{k}": float(v) for k, v in component.info.items()},
    }
