"""The spectral-bias protocol (task ``inr_spectral_bias``, Lazzari & Liu 2023).

One cell fits the same sum of sinusoids at two sampling densities, each with a fresh network from
the cell's seed, and measures it as it trains (:class:`BiasTrace`): per-frequency residuals,
gradient confusion and activation regions at steps 0, 1, 2, 4, … and every ``eval_every``. The
curves go to the record (``<density>/probe/<name>``, one ``spectral_bias_<density>.npz`` each),
the scalar summaries to its metrics.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from harness import RunContext, count_parameters, fit
from spectral_harness_inr.bias_spec import (
    BIAS_AMPLITUDE,
    BIAS_DENSITIES,
    BIAS_FREQUENCIES,
    InrSpectralBiasConfig,
)
from spectral_harness_inr.problem import InrProblem, Signal
from spectral_harness_inr.spectral_bias import (
    activation_regions,
    frequency_residuals,
    gradient_confusion,
    per_example_gradients,
    periodic_coords,
    sinusoid_target,
)
from spectral_harness_inr.task import SignalContext, require_protocol

REQUIRED_FIELDS = (
    "hidden_features",
    "hidden_layers",
    "steps",
    "eval_every",
    "sparse_points",
    "dense_points",
    "confusion_points",
    "region_points",
)
TOP = BIAS_FREQUENCIES[-1]


def probe_steps(steps: int, every: int) -> set[int]:
    """The steps measured: 0, the powers of two and three halves of them up to ``steps``
    (1, 2, 3, 4, 6, 8, 12, …: the fast early dynamics), every ``every``-th step, and the last."""
    early = {m * 2**k for k in range(steps.bit_length()) for m in (1, 3)}
    return {0, steps} | {s for s in early if s <= steps} | set(range(every, steps + 1, every))


@dataclass
class BiasTrace:
    """The measurements of one fit, one row per measured step."""

    step: list[int] = field(default_factory=list)
    mse: list[float] = field(default_factory=list)
    residual: list[np.ndarray] = field(default_factory=list)
    confusion: list[float] = field(default_factory=list)
    regions: list[int] = field(default_factory=list)

    def arrays(self) -> dict[str, np.ndarray]:
        """The trace as arrays for ``ctx.save_arrays`` (``regions`` only for ReLU networks)."""
        arrays = {
            "step": np.asarray(self.step),
            "frequency": np.asarray(BIAS_FREQUENCIES),
            "mse": np.asarray(self.mse),
            "residual": np.stack(self.residual),
            "confusion": np.asarray(self.confusion),
        }
        if self.regions:
            arrays["regions"] = np.asarray(self.regions)
        return arrays

    def fit_fraction(self, frequency_index: int, threshold: float, steps: int) -> float:
        """The first measured step whose relative residual at the frequency is below
        ``threshold``, as a fraction of ``steps``; 1.0 if none (fit at the end or never)."""
        for step, residual in zip(self.step, self.residual, strict=True):
            if residual[frequency_index] < threshold:
                return step / steps
        return 1.0

    def matched(self, level: float) -> tuple[float, float] | None:
        """(step, confusion) where the MSE first reaches ``level``: interpolated linearly in
        log-MSE between the last measurement above ``level`` and the first at or below it (the
        first measurement itself if it is already at or below); ``None`` if never reached."""
        for k, mse in enumerate(self.mse):
            if mse > level:
                continue
            if k == 0:
                return float(self.step[0]), self.confusion[0]
            above = self.mse[k - 1]
            w = math.log(above / level) / math.log(above / max(mse, 1e-300))
            step = self.step[k - 1] + w * (self.step[k] - self.step[k - 1])
            return step, self.confusion[k - 1] + w * (self.confusion[k] - self.confusion[k - 1])
        return None


def run_spectral_bias(
    cfg: InrSpectralBiasConfig, ctx: RunContext, build: Callable[[Any], Any]
) -> dict[str, float]:
    """Fit the sum of sinusoids at ``cfg.sparse_points`` and ``cfg.dense_points``; return the
    per-density summaries (``fit_fraction_f<f>_<density>``, ``residual_f<f>_<density>``,
    ``confusion_matched_<density>`` …), ``residual_f64`` (their mean at 64 cycles, primary),
    ``confusion_density_gain``, ``steps_per_s`` (measurements excluded) and ``params``."""
    require_protocol(cfg, REQUIRED_FIELDS)
    metrics: dict[str, float] = {}
    measure_s = 0.0
    sizes = dict(zip(BIAS_DENSITIES, (cfg.sparse_points, cfg.dense_points), strict=True))
    for density, points in sizes.items():
        summary, seconds, params = _fit_density(cfg, ctx, build, density, points)
        metrics.update(summary)
        measure_s += seconds
    metrics[f"residual_f{TOP}"] = float(
        np.mean([metrics[f"residual_f{TOP}_{d}"] for d in BIAS_DENSITIES])
    )
    dense, sparse = (metrics.get(f"confusion_matched_{d}") for d in ("dense", "sparse"))
    if dense is not None and sparse is not None:
        metrics["confusion_density_gain"] = dense - sparse
    train_s = ctx.seconds["train"] - measure_s
    metrics["steps_per_s"] = len(sizes) * cfg.steps / train_s if train_s > 0 else math.nan
    metrics["params"] = float(params)
    return metrics


def _fit_density(
    cfg: InrSpectralBiasConfig,
    ctx: RunContext,
    build: Callable[[Any], Any],
    density: str,
    points: int,
) -> tuple[dict[str, float], float, int]:
    """Train a fresh network on ``points`` samples; return its summaries, the seconds spent
    measuring inside training steps, and its parameter count. Probes (``probes=[…]``) see this
    network and its full-grid MSE (the last density's, after training)."""
    values = sinusoid_target(points, BIAS_FREQUENCIES, BIAS_AMPLITUDE)
    torch.manual_seed(ctx.seed)  # the same initialisation at both densities
    model = build(InrProblem(Signal(values, (points,)), cfg.hidden_features, cfg.hidden_layers))
    model = model.to(ctx.device)
    x = periodic_coords(points).to(ctx.device)
    y = torch.from_numpy(values).to(ctx.device)
    generator = torch.Generator().manual_seed(ctx.seed)
    chosen = torch.randperm(points, generator=generator)[: cfg.confusion_points].sort().values
    line = periodic_coords(cfg.region_points).to(ctx.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    schedule = probe_steps(cfg.steps, cfg.eval_every)
    trace = BiasTrace()
    cell = SignalContext(ctx, density)
    spent = [0.0]

    def measure(step: int) -> None:
        start = time.perf_counter()
        with torch.no_grad():
            prediction = model(x).float()
        residual = frequency_residuals((y - prediction).cpu().numpy(), values, BIAS_FREQUENCIES)
        confusion = gradient_confusion(per_example_gradients(model, x[chosen], y[chosen]))
        regions = activation_regions(model, line)
        trace.step.append(step)
        trace.mse.append(float(((prediction - y) ** 2).mean()))
        trace.residual.append(residual)
        trace.confusion.append(confusion)
        logged = {
            f"probe/residual_f{f}": float(r)
            for f, r in zip(BIAS_FREQUENCIES, residual, strict=True)
        }
        logged |= {"probe/mse": trace.mse[-1], "probe/confusion": confusion}
        if regions is not None:
            trace.regions.append(regions)
            logged["probe/regions"] = float(regions)
        cell.log_metrics(step, logged)
        spent[0] += time.perf_counter() - start

    def step(i: int) -> torch.Tensor:
        loss = torch.nn.functional.mse_loss(model(x).float(), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if i in schedule:
            measure(i)
        return loss.detach()

    def probe_loss() -> torch.Tensor:
        return torch.nn.functional.mse_loss(model(x).float(), y)

    def evaluate() -> dict[str, float]:
        with torch.no_grad():
            mse = float(((model(x).float() - y) ** 2).mean())
        return {"mse": mse}

    measure(0)
    spent[0] = 0.0  # step 0 is measured before training, outside the training time
    fit(
        cell,  # type: ignore[arg-type]
        model,
        step,
        evaluate,
        steps=cfg.steps,
        eval_every=cfg.eval_every,
        select="mse",
        goal="min",
        probe_loss=probe_loss,
    )
    ctx.save_arrays(f"spectral_bias_{density}", **trace.arrays())
    return _summaries(cfg, model, x, y, values, trace, density), spent[0], count_parameters(model)


def _summaries(
    cfg: InrSpectralBiasConfig,
    model: torch.nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    values: np.ndarray,
    trace: BiasTrace,
    density: str,
) -> dict[str, float]:
    """The scalar metrics of one density's fit (the restored best model's residuals, the trace's
    crossing steps and its measurements at matched loss and at the end)."""
    with torch.no_grad():
        prediction = model(x).float()
    final = frequency_residuals((y - prediction).cpu().numpy(), values, BIAS_FREQUENCIES)
    out = {f"mse_{density}": float(((prediction - y) ** 2).mean())}
    for index, frequency in enumerate(BIAS_FREQUENCIES):
        out[f"residual_f{frequency}_{density}"] = float(final[index])
        out[f"fit_fraction_f{frequency}_{density}"] = trace.fit_fraction(
            index, cfg.fit_threshold, cfg.steps
        )
    matched = trace.matched(cfg.matched_loss * float(np.mean(values.astype(np.float64) ** 2)))
    if matched is not None:
        out[f"matched_step_{density}"] = matched[0]
        out[f"confusion_matched_{density}"] = matched[1]
    out[f"confusion_{density}"] = trace.confusion[-1]
    if trace.regions:
        out[f"regions_{density}"] = float(trace.regions[-1])
    return out
