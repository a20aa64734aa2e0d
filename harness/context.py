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

    @property
    def name(self) -> str:
        """A readable name for the cell, e.g. ``inr_audio/winner/seed0``."""
        return f"{self.task.name}/{self.method.name}/seed{self.seed}"

    def log_metrics(self, step: int, metrics: dict[str, float]) -> None:
        """Report intermediate metrics to every logger plugin."""
        from harness.observers import notify

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

    def record_data(self, name: str, checksum: str) -> None:
        """Note the checksum of data the run used, for the record's provenance."""
        self.data_checksums[name] = checksum
