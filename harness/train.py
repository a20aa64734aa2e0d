"""The shared training loop: budget, progress bar, NaN and time checks, best-model restore."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tqdm.auto import tqdm

if TYPE_CHECKING:
    import torch

    from harness.context import RunContext


@dataclass(frozen=True)
class FitResult:
    """Metrics of the restored best model and how the loop got there."""

    metrics: dict[str, float]
    best_step: int
    steps: int
    steps_per_second: float


def fit(
    ctx: RunContext,
    model: torch.nn.Module,
    step: Callable[[int], torch.Tensor],
    evaluate: Callable[[], dict[str, float]],
    *,
    steps: int,
    eval_every: int,
    select: str,
    goal: str,
    log_every: int = 10,
    probe_loss: Callable[[], torch.Tensor] | None = None,
) -> FitResult:
    """Run ``steps`` optimisation steps, evaluating every ``eval_every`` steps and at the end.

    ``step(i)`` performs one update and returns the (detached) loss. The model with the best
    ``select`` metric is kept as a deep copy of its weights and restored at the end, then evaluated
    once more, so the returned metrics are those of the model actually returned, not a log entry.
    The loss is checked for NaN/inf every ``log_every`` steps (and on every evaluation).

    ``model`` is the model probes measure (``probes=[…]``); ``probe_loss`` (optional) recomputes
    the training loss on a fixed batch from the model's current parameters, for probes that need
    it (Hessian spectra). ``track`` probes run after each evaluation.
    """
    ctx.expose_model(model, probe_loss)
    _check_optimizer_source(ctx)
    better = (lambda a, b: a > b) if goal == "max" else (lambda a, b: a < b)
    ctx.curve_goal("train/loss", "min")
    ctx.curve_goal(f"eval/{select}", goal)
    best_value: float | None = None
    best_state: dict[str, torch.Tensor] | None = None
    best_step = 0
    bar = tqdm(
        total=steps, desc=ctx.name, disable=not ctx.settings.progress, leave=False, mininterval=1
    )
    with bar:
        for i in range(1, steps + 1):
            ctx.check_time()
            with ctx.timer("train"):
                loss = step(i)
            bar.update(1)
            if i % log_every == 0 or i == steps:
                value = float(loss)
                ctx.check_finite(value, "training loss", i)
                ctx.log_metrics(i, {"train/loss": value})
                bar.set_postfix(loss=f"{value:.3g}", refresh=False)
            if i % eval_every == 0 or i == steps:
                with ctx.timer("eval"):
                    metrics = evaluate()
                ctx.check_finite(metrics[select], select, i)
                ctx.log_metrics(i, {f"eval/{k}": v for k, v in metrics.items()})
                if best_value is None or better(metrics[select], best_value):
                    best_value, best_step = metrics[select], i
                    best_state = copy.deepcopy(model.state_dict())
                ctx.track_probes(i)
    if best_state is not None:
        model.load_state_dict(best_state)
    with ctx.timer("eval"):
        final = evaluate()
    train_s = ctx.seconds["train"]
    return FitResult(
        metrics=final,
        best_step=best_step,
        steps=steps,
        steps_per_second=steps / train_s if train_s > 0 else float("nan"),
    )


def _check_optimizer_source(ctx: RunContext) -> None:
    """``trainer.optimizer`` other than Adam reaches only tasks that build their optimizer with
    :func:`harness.make_optimizer`; refuse a cell that would record an optimizer it never used."""
    trainer = ctx.trainer
    if trainer is not None and trainer.optimizer != "adam" and not ctx.optimizer_made:
        from harness.errors import UserError

        raise UserError(
            f"trainer.optimizer={trainer.optimizer} does not reach task {ctx.task.name!r}: it "
            "builds its own optimizer instead of harness.make_optimizer; leave "
            "trainer.optimizer at adam for it"
        )


def count_parameters(module: torch.nn.Module, trainable_only: bool = True) -> int:
    """Real scalars in ``module``'s parameters, a model's size as boards report it: only those
    that train (``requires_grad``) unless ``trainable_only`` is false; a complex parameter counts
    as two reals, like a complex weight stored as (…, 2) reals."""
    return sum(
        p.numel() * (2 if p.is_complex() else 1)
        for p in module.parameters()
        if p.requires_grad or not trainable_only
    )
