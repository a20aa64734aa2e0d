"""The run context: what a task sees of the host while it trains and evaluates one cell."""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from harness.errors import Diverged, TimeLimitExceeded

if TYPE_CHECKING:
    import pluggy
    import torch

    from harness.data.store import DataStore
    from harness.settings import Settings
    from harness.specs import MethodSpec, TaskSpec


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
    arrays: dict[str, dict[str, Any]] = field(default_factory=dict)

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
