"""The run context: what a task sees of the host while it trains and evaluates one cell."""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from harness.errors import Diverged, TimeLimitExceeded

if TYPE_CHECKING:
    import pluggy
    import torch

    from harness.cell import TrainerOptions
    from harness.data.store import DataStore
    from harness.settings import Settings
    from harness.specs import MethodSpec, ProbeConfig, ProbeSpec, TaskSpec


@dataclass
class ProbeTarget:
    """What a probe measures: a cell's trained model and, where the task exposes one, its loss.

    ``loss()`` recomputes the training loss on a fixed batch from the model's *current*
    parameters (so a probe can differentiate it twice for Hessian-vector products); ``step`` is
    ``None`` after training and the training step when a ``track`` probe runs during training.
    """

    model: torch.nn.Module
    loss: Callable[[], torch.Tensor] | None
    ctx: RunContext
    step: int | None = None


@dataclass
class RunContext:
    """One executing cell: identity, resolved config, device, budget and the hooks to report to."""

    run_id: str
    task: TaskSpec
    method: MethodSpec
    seed: int
    scale: str
    config: dict[str, Any]
    settings: Settings
    device: torch.device
    data: DataStore
    pm: pluggy.PluginManager
    time_limit_s: float | None = None
    amp: bool = False
    started: float = field(default_factory=time.monotonic)
    seconds: dict[str, float] = field(default_factory=lambda: {"train": 0.0, "eval": 0.0})
    data_checksums: dict[str, str] = field(default_factory=dict)
    curves: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    curve_goals: dict[str, str] = field(default_factory=dict)
    arrays: dict[str, dict[str, Any]] = field(default_factory=dict)
    trainer: TrainerOptions | None = None
    probes: list[tuple[ProbeSpec, ProbeConfig]] = field(default_factory=list)
    model: torch.nn.Module | None = None
    probe_loss: Callable[[], torch.Tensor] | None = None
    optimizer_made: bool = False

    @property
    def name(self) -> str:
        """A readable name for the cell, e.g. ``inr_audio/winner/seed0``."""
        return f"{self.task.name}/{self.method.name}/seed{self.seed}"

    def log_metrics(self, step: int, metrics: dict[str, float]) -> None:
        """Report intermediate metrics to every logger plugin, and keep them as curves.

        The curves (each metric's values over steps) are stored with the cell's record
        (``curves.json`` beside it), so boards and the results site can plot training without W&B.
        """
        from harness.observers import notify

        for name, value in metrics.items():
            curve = self.curves.setdefault(name, {"step": [], "value": []})
            curve["step"].append(int(step))
            curve["value"].append(float(value))
        notify(self.pm, "spectral_harness_log_metrics", run=self, step=step, metrics=metrics)

    def curve_goal(self, name: str, goal: str) -> None:
        """Say whether lower (``min``) or higher (``max``) is better for the curve ``name``; it is
        kept with the curve (``spectral-harness curves`` reads it). :func:`harness.fit` says it
        for its training loss and its selection metric."""
        if goal not in ("min", "max"):
            raise ValueError(f"the goal of curve {name!r} must be 'min' or 'max', not {goal!r}")
        self.curve_goals[name] = goal

    def kept_curves(self) -> dict[str, dict[str, Any]]:
        """The curves to store with the record, each with its goal where one was said."""
        return {
            name: {**curve, "goal": self.curve_goals[name]} if name in self.curve_goals else curve
            for name, curve in self.curves.items()
        }

    def expose_model(
        self, model: torch.nn.Module, loss: Callable[[], torch.Tensor] | None = None
    ) -> None:
        """Name the model the cell trains (and a loss closure on a fixed batch) for probes.

        :func:`harness.fit` calls this for the model it trains; a task that trains without it
        calls it itself. A requested probe that needs the loss while the task exposes none is
        refused here, before the training it would otherwise waste.
        """
        self.model = model
        self.probe_loss = loss
        if loss is None:
            needing = [probe.name for probe, _ in self.probes if "loss" in probe.needs]
            if needing:
                from harness.errors import UserError

                raise UserError(
                    f"probe {needing[0]!r} needs the training loss, which task "
                    f"{self.task.name!r} does not expose (its training loop passes no "
                    "probe_loss to harness.fit); ask for a probe that needs only the model"
                )

    def track_probes(self, step: int) -> None:
        """Run the ``track`` probes on the model being trained and log their values at ``step``
        (called by :func:`harness.fit` at each evaluation)."""
        if self.model is None:
            return
        for probe, cfg in self.probes:
            if probe.track:
                values = run_probe(probe, cfg, ProbeTarget(self.model, self.probe_loss, self, step))
                self.log_metrics(step, values)

    def check_time(self) -> None:
        """Raise :class:`TimeLimitExceeded` once the run is past its wall-clock limit."""
        if self.time_limit_s is not None and self.elapsed() > self.time_limit_s:
            raise TimeLimitExceeded(f"{self.name} passed its limit of {self.time_limit_s:g} s")

    def check_finite(self, value: float, what: str = "loss", step: int | None = None) -> None:
        """Raise :class:`Diverged` if ``value`` is NaN or infinite."""
        if not math.isfinite(value):
            at = f" at step {step}" if step is not None else ""
            raise Diverged(f"{what} became {value}{at}")

    def elapsed(self) -> float:
        """Seconds since the cell started."""
        return time.monotonic() - self.started

    @contextlib.contextmanager
    def timer(self, phase: str) -> Iterator[None]:
        """Add the wall time of the block to ``phase`` (``train`` or ``eval``)."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.synchronize()
            self.seconds[phase] = self.seconds.get(phase, 0.0) + time.perf_counter() - start

    def synchronize(self) -> None:
        """Wait for queued GPU work, so timings measure the work and not its launch."""
        if self.device.type == "cuda":
            import torch

            torch.cuda.synchronize(self.device)

    def autocast(self) -> contextlib.AbstractContextManager[Any]:
        """Mixed precision on CUDA when the trainer enables it, otherwise a no-op."""
        if self.amp and self.device.type == "cuda":
            import torch

            return torch.autocast("cuda", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def save_arrays(self, name: str, **arrays: Any) -> None:
        """Keep non-scalar results (a spectrum, a density, a per-frequency curve) with the record.

        ``arrays`` (NumPy arrays, tensors or lists of numbers) are written to ``<name>.npz`` beside
        the cell's record when the cell ends, and the record names the file and its sha256.
        ``name`` is a word (letters, digits, ``_``, ``-``); saving a name again replaces it.
        """
        import re

        import numpy as np

        if not re.fullmatch(r"[A-Za-z0-9_-]+", name) or name == "curves":
            raise ValueError(f"artifact name {name!r} must be a word other than 'curves'")
        converted = {}
        for key, value in arrays.items():
            if hasattr(value, "detach"):
                value = value.detach().cpu().numpy()
            converted[key] = np.asarray(value)
        self.arrays[name] = converted

    def record_data(self, name: str, checksum: str) -> None:
        """Note the checksum of data the run used, for the record's provenance."""
        self.data_checksums[name] = checksum


def run_probe(probe: ProbeSpec, cfg: ProbeConfig, target: ProbeTarget) -> dict[str, float]:
    """Run one probe on ``target`` with its modules in eval mode, under its own RNG stream
    (seeded by the cell's seed), and restore the modules' mode, the RNG state and the
    parameters' gradients afterwards, so a probe during training leaves the training exactly as
    it would be without it. Returns the record's names (``<probe>/<metric>``)."""
    import torch

    from harness.specs import resolve

    model = target.model
    was_training = model.training
    params = list(model.parameters())
    grads = [None if p.grad is None else p.grad.clone() for p in params]
    device = target.ctx.device
    model.eval()
    try:
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            torch.manual_seed(target.ctx.seed)
            values = resolve(probe.run)(target, cfg)
    finally:
        model.train(was_training)
        for param, grad in zip(params, grads, strict=True):
            param.grad = grad
    if not isinstance(values, dict):
        raise TypeError(f"probe {probe.name!r} returned {type(values).__name__}, not a dict")
    return {probe.metric_name(name): float(value) for name, value in values.items()}
