"""The INR fitting protocol: Adam + StepLR on the full signal, PSNR of the best model.

:func:`fit_signal` is the protocol every ``inr_init`` task shares (public as
``spectral_harness_inr.fit_signal``); ``run_audio`` and ``run_image`` only load their signal.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from harness import RunContext, UserError, count_parameters, fit
from spectral_harness_inr import InrAudioConfig, InrImageConfig, InrTaskConfig
from spectral_harness_inr.problem import InrProblem, Signal
from spectral_harness_inr.signals import load_audio, load_image

EVAL_CHUNK = 1 << 16
# InrTaskConfig fields that default to None (a scale preset fills them) and the protocol needs
REQUIRED_FIELDS = ("hidden_features", "hidden_layers", "steps", "eval_every", "lr_gamma")


def run_audio(
    cfg: InrAudioConfig, ctx: RunContext, build: Callable[[Any], Any]
) -> dict[str, float]:
    """Fit an audio clip; metrics: PSNR, SNR, steps/s, parameters."""
    ctx.data.require(cfg.audio)
    signal = load_audio(ctx.data.resolve(cfg.audio), cfg.start_s, cfg.num_samples)
    return fit_signal(cfg, ctx, build, signal)


def run_image(
    cfg: InrImageConfig, ctx: RunContext, build: Callable[[Any], Any]
) -> dict[str, float]:
    """Fit an image; metrics: PSNR on [-1, 1] and on [0, 1], steps/s, parameters."""
    if cfg.image.startswith("skimage:"):
        signal = load_image(cfg.image, None, cfg.size)
        ctx.record_data(cfg.image, signal.checksum())  # not a file: the runner cannot hash it
    else:
        ctx.data.require(cfg.image)
        signal = load_image(str(ctx.data.resolve(cfg.image)), None, cfg.size)
    return fit_signal(cfg, ctx, build, signal)


def fit_signal(
    cfg: InrTaskConfig, ctx: RunContext, build: Callable[[Any], Any], signal: Signal
) -> dict[str, float]:
    """Fit ``signal`` with the component the cell's method builds; return the slot's metrics.

    The method gets ``InrProblem(signal, cfg.hidden_features, cfg.hidden_layers)``; the model is
    trained full-batch (or on ``cfg.batch_size`` random points) with Adam (``cfg.lr``) and StepLR
    (``cfg.lr_step``, ``cfg.lr_gamma``) for ``cfg.steps`` steps through :func:`harness.fit`,
    evaluated on the whole grid every ``cfg.eval_every`` steps, and the best model by PSNR is
    restored. Metrics: ``psnr`` (20·log10(1/RMSE) on [-1, 1]), ``mse``, ``snr`` for 1-D signals
    or ``psnr_01`` for the others, ``steps_per_s``, ``params`` and ``best_step``. ``cfg`` is the
    task's :class:`InrTaskConfig` with its scale preset applied; a protocol field still ``None``
    is a one-line error naming it.
    """
    _require_protocol(cfg)
    problem = InrProblem(signal, cfg.hidden_features, cfg.hidden_layers)
    model = build(problem).to(ctx.device)
    coords = torch.from_numpy(signal.coords).to(ctx.device)
    target = torch.from_numpy(signal.values).to(ctx.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    scheduler = torch.optim.lr_scheduler.StepLR(
        optimizer, step_size=cfg.lr_step, gamma=cfg.lr_gamma
    )
    n = coords.shape[0]
    batch = cfg.batch_size if cfg.batch_size and cfg.batch_size < n else None

    def step(_: int) -> torch.Tensor:
        if batch is None:
            x, y = coords, target
        else:
            index = torch.randint(0, n, (batch,), device=ctx.device)
            x, y = coords[index], target[index]
        with ctx.autocast():
            loss = torch.nn.functional.mse_loss(model(x).float(), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
        return loss.detach()

    def evaluate() -> dict[str, float]:
        return _metrics(model, coords, target, signal.dims)

    result = fit(
        ctx,
        model,
        step,
        evaluate,
        steps=cfg.steps,
        eval_every=cfg.eval_every,
        select="psnr",
        goal="max",
    )
    return {
        **result.metrics,
        "steps_per_s": result.steps_per_second,
        "params": float(count_parameters(model)),
        "best_step": float(result.best_step),
    }


def _require_protocol(cfg: InrTaskConfig) -> None:
    unset = [name for name in REQUIRED_FIELDS if getattr(cfg, name) is None]
    if unset:
        raise UserError(
            f"task {cfg.name!r} left {', '.join(unset)} unset: give each a value in every scale "
            "preset or a default in its config"
        )


@torch.no_grad()
def _metrics(
    model: torch.nn.Module, coords: torch.Tensor, target: torch.Tensor, dims: int
) -> dict[str, float]:
    """Full-signal error of the model, evaluated in chunks (the whole signal, not a minibatch)."""
    was_training = model.training
    model.eval()
    squared = 0.0
    for start in range(0, coords.shape[0], EVAL_CHUNK):
        prediction = model(coords[start : start + EVAL_CHUNK]).float()
        squared += float(((prediction - target[start : start + EVAL_CHUNK]) ** 2).double().sum())
    model.train(was_training)
    mse = squared / target.numel()
    psnr = -10.0 * math.log10(mse) if mse > 0 else math.inf
    metrics = {"psnr": psnr, "mse": mse}
    if dims == 1:  # a signal over time: SNR, as for audio; over a plane: the image PSNR on [0, 1]
        energy = float((target.double() ** 2).sum())
        metrics["snr"] = 10.0 * math.log10(energy / squared) if squared > 0 else math.inf
    else:
        metrics["psnr_01"] = psnr + 20.0 * math.log10(2.0)
    return metrics
