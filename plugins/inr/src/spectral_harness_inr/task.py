"""The INR fitting protocol: Adam + StepLR on the full signal, PSNR of the best model.

:func:`fit_signal` is the protocol every ``inr_init`` task shares (public as
``spectral_harness_inr.fit_signal``); ``run_audio`` and ``run_image`` only load their signal;
``run_audio_clips`` and ``run_image_set`` fit each signal of a set in turn (:func:`fit_signals`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from harness import RunContext, UserError, count_parameters, fit
from spectral_harness_inr import (
    InrAudioClipsConfig,
    InrAudioConfig,
    InrImageConfig,
    InrImageSetConfig,
    InrTaskConfig,
)
from spectral_harness_inr.datasets import CLIP_SETS, IMAGE_SETS, signal_name
from spectral_harness_inr.problem import InrProblem, Signal
from spectral_harness_inr.signals import load_audio, load_image

EVAL_CHUNK = 1 << 16
# the fixed batch of the loss that probes see: every point of a signal up to this size, else an
# evenly strided subset of about this many
PROBE_BATCH = 1 << 14
# InrTaskConfig fields that default to None (a scale preset fills them) and the protocol needs
REQUIRED_FIELDS = ("hidden_features", "hidden_layers", "steps", "eval_every", "lr_gamma")


def run_audio(
    cfg: InrAudioConfig, ctx: RunContext, build: Callable[[Any], Any]
) -> dict[str, float]:
    """Fit an audio clip; metrics: PSNR, SNR, steps/s, parameters."""
    ctx.data.require(cfg.audio)
    signal = load_audio(ctx.data.resolve(cfg.audio), cfg.start_s, cfg.num_samples, cfg.normalize)
    return fit_signal(cfg, ctx, build, signal)


def run_audio_clips(
    cfg: InrAudioClipsConfig, ctx: RunContext, build: Callable[[Any], Any]
) -> dict[str, float]:
    """Fit each clip of ``cfg.clips`` (the loudest ``cfg.num_samples`` of its first 150,000
    samples, whole-file peak normalised); metrics: per-clip ``psnr_<clip>`` and the means."""
    signals = {}
    for path in CLIP_SETS[cfg.clips]:
        ctx.data.require(path)
        signals[signal_name(path)] = load_audio(
            ctx.data.resolve(path), None, cfg.num_samples, cfg.normalize
        )
    return fit_signals(cfg, ctx, build, signals)


def run_image_set(
    cfg: InrImageSetConfig, ctx: RunContext, build: Callable[[Any], Any]
) -> dict[str, float]:
    """Fit each image of ``cfg.images`` at ``cfg.size``²; metrics: per-image ``psnr_<image>``
    and the means."""
    signals = {}
    for spec in IMAGE_SETS[cfg.images]:
        if spec.startswith("skimage:"):
            signal = load_image(spec, None, cfg.size)
            ctx.record_data(spec, signal.checksum())
        else:
            ctx.data.require(spec)
            signal = load_image(str(ctx.data.resolve(spec)), None, cfg.size)
        signals[signal_name(spec)] = signal
    return fit_signals(cfg, ctx, build, signals)


class SignalContext:
    """The cell's context for one signal of a set: its logged curves carry the signal's name
    (``tetris/eval/psnr``), everything else is the cell's."""

    def __init__(self, ctx: RunContext, name: str) -> None:
        self._ctx, self._name = ctx, name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._ctx, attribute)

    def log_metrics(self, step: int, metrics: dict[str, float]) -> None:
        """Log ``metrics`` under the signal's name."""
        self._ctx.log_metrics(step, {f"{self._name}/{k}": v for k, v in metrics.items()})


def fit_signals(
    cfg: InrTaskConfig, ctx: RunContext, build: Callable[[Any], Any], signals: dict[str, Signal]
) -> dict[str, float]:
    """Fit each signal of ``signals`` (name → signal) with a fresh model from ``build``, by
    :func:`fit_signal`'s protocol; return ``psnr_<name>`` per signal and, under the single-signal
    names (``psnr``, ``mse``, ``snr``/``psnr_01``, ``best_step``, ``params``), their means
    over the set; ``steps_per_s`` over all of the cell's training."""
    per_signal = {
        name: fit_signal(cfg, SignalContext(ctx, name), build, signal)  # type: ignore[arg-type]
        for name, signal in signals.items()
    }
    metrics: dict[str, float] = {}
    for key in ("psnr", "mse", "snr", "psnr_01", "best_step", "params"):
        values = [m[key] for m in per_signal.values() if key in m]
        if values:
            metrics[key] = sum(values) / len(values)
    for name, m in per_signal.items():
        metrics[f"psnr_{name}"] = m["psnr"]
    train_s = ctx.seconds["train"]
    total_steps = len(per_signal) * cfg.steps
    metrics["steps_per_s"] = total_steps / train_s if train_s > 0 else math.nan
    return metrics


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
    restored. Probes (``probes=[…]``) get the model and its MSE on a fixed batch (the whole
    signal up to ``PROBE_BATCH`` points, else an evenly strided subset); in a set task, the last
    signal's. Metrics: ``psnr`` (20·log10(1/RMSE) on [-1, 1]), ``mse``, ``snr`` for 1-D signals
    or ``psnr_01`` for the others, ``steps_per_s``, ``params`` and ``best_step``. ``cfg`` is the
    task's :class:`InrTaskConfig` with its scale preset applied; a protocol field still ``None``
    is a one-line error naming it. Subnormal floats are flushed to zero on CPU (Gaussian and
    Gabor activations underflow into them, and subnormal arithmetic is several times slower);
    values below 1.2e-38 change no fit.
    """
    require_protocol(cfg)
    torch.set_flush_denormal(True)
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

    stride = -(-n // PROBE_BATCH)  # ceil
    probe_x, probe_y = coords[::stride], target[::stride]

    def probe_loss() -> torch.Tensor:
        return torch.nn.functional.mse_loss(model(probe_x).float(), probe_y)

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
        probe_loss=probe_loss,
    )
    return {
        **result.metrics,
        "steps_per_s": result.steps_per_second,
        "params": float(count_parameters(model)),
        "best_step": float(result.best_step),
    }


def require_protocol(cfg: Any, fields: tuple[str, ...] = REQUIRED_FIELDS) -> None:
    """Refuse, in one line, a task config that left any of ``fields`` unset (``None``)."""
    unset = [name for name in fields if getattr(cfg, name) is None]
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
