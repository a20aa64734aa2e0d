"""Run one cell: seed → device → data → method → train → evaluate → record.

Whatever happens inside the task, exactly one record is written per executed cell: ``ok``,
``failed`` (with the traceback tail), ``diverged`` (NaN/inf) or ``timeout``. A cell whose stored
record is ``ok`` is skipped unless forced, which makes any interrupted sweep resumable.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import math
import random
import signal
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from harness.config import apply_scale, stable_hash
from harness.context import RunContext
from harness.data.store import DataStore
from harness.errors import Diverged, TimeLimitExceeded, UserError
from harness.plugins import Registry
from harness.provenance import device_info, git_sha, versions
from harness.records import RecordStore, RunRecord
from harness.settings import Settings
from harness.specs import MethodConfig, TaskConfig, resolve

log = logging.getLogger(__name__)
TRACEBACK_TAIL_LINES = 25
HARD_LIMIT_GRACE_S = 60.0


@dataclass(frozen=True)
class TrainerOptions:
    """How to execute a cell, as opposed to what it computes (not part of the run id)."""

    device: str = "auto"
    time_limit_s: float | None = None
    amp: bool = False
    num_threads: int | None = None


@dataclass(frozen=True)
class Cell:
    """One (task, method, seed, config) combination."""

    task: str
    method: str
    seed: int
    scale: str
    task_cfg: TaskConfig
    method_cfg: MethodConfig
    trainer: TrainerOptions = TrainerOptions()


@dataclass(frozen=True)
class CellIdentity:
    """The resolved configs and the hashes that name a cell's record."""

    task_cfg: TaskConfig
    method_cfg: MethodConfig
    config: dict[str, Any]
    config_hash: str
    run_id: str


def make_cell(
    registry: Registry,
    task: str,
    method: str,
    *,
    seed: int = 0,
    scale: str = "smoke",
    task_overrides: dict[str, Any] | None = None,
    method_overrides: dict[str, Any] | None = None,
    trainer: TrainerOptions | None = None,
) -> Cell:
    """A cell with the plugins' default configs plus overrides, for code that runs without Hydra
    (tests, benchmarks, notebooks)."""
    task_spec, method_spec = registry.check_pair(task, method)
    return Cell(
        task=task,
        method=method,
        seed=seed,
        scale=scale,
        task_cfg=task_spec.config(name=task, **(task_overrides or {})),
        method_cfg=method_spec.config(name=method, **(method_overrides or {})),
        trainer=trainer or TrainerOptions(),
    )


def identify(cell: Cell, registry: Registry) -> CellIdentity:
    """Resolve the scale preset and hash the semantic config (device and paths excluded)."""
    task, method = registry.check_pair(cell.task, cell.method)
    task_cfg = apply_scale(task, cell.task_cfg, cell.scale)
    method_cfg = apply_scale(method, cell.method_cfg, cell.scale)
    config = {
        "task": dataclasses.asdict(task_cfg),
        "method": dataclasses.asdict(method_cfg),
        "scale": cell.scale,
    }
    config_hash = stable_hash(config)
    run_id = stable_hash({"config": config_hash, "seed": cell.seed})
    return CellIdentity(task_cfg, method_cfg, config, config_hash, run_id)


def run_cell(
    cell: Cell, registry: Registry, settings: Settings, *, force: bool = False
) -> RunRecord:
    """Execute ``cell`` (or return its stored ``ok`` record) and return its record."""
    task, method = registry.check_pair(cell.task, cell.method)
    ident = identify(cell, registry)
    store = RecordStore(settings.runs_dir)
    previous = store.load(task.name, method.name, ident.run_id)
    if previous is not None and previous.status == "ok" and not force:
        log.info(
            "skip %s/%s/seed%d: already ok (%s)", task.name, method.name, cell.seed, ident.run_id
        )
        return previous

    if cell.trainer.num_threads:
        import torch

        torch.set_num_threads(cell.trainer.num_threads)
    seed_everything(cell.seed)
    ctx = RunContext(
        run_id=ident.run_id,
        task=task,
        method=method,
        seed=cell.seed,
        scale=cell.scale,
        config=ident.config,
        settings=settings,
        device=select_device(cell.trainer.device),
        data=DataStore(
            settings.data_dir, settings.cache_dir, registry.datasets, settings.allow_download
        ),
        pm=registry.pm,
        time_limit_s=cell.trainer.time_limit_s,
        amp=cell.trainer.amp,
    )
    started_at = _now()
    registry.pm.hook.spectral_harness_run_start(run=ctx)

    def build(problem: Any) -> Any:
        return resolve(method.build)(ident.method_cfg, problem)

    status, metrics, error = "ok", {}, None
    _reset_peak_memory(ctx)
    try:
        with hard_time_limit(cell.trainer.time_limit_s):
            metrics = {
                k: float(v) for k, v in resolve(task.run)(ident.task_cfg, ctx, build).items()
            }
        primary = metrics.get(task.primary)
        if primary is None:
            raise KeyError(f"task {task.name!r} did not report its primary metric {task.primary!r}")
        ctx.check_finite(primary, task.primary)
    except Diverged as exc:
        status, error = "diverged", _error(exc)
    except TimeLimitExceeded as exc:
        status, error = "timeout", _error(exc)
    except Exception as exc:
        status, error = "failed", _error(exc)

    record = RunRecord(
        run_id=ident.run_id,
        task=task.name,
        method=method.name,
        slot=task.slot,
        seed=cell.seed,
        scale=cell.scale,
        status=status,
        config_hash=ident.config_hash,
        metrics=metrics
        if status == "ok"
        else {k: v for k, v in metrics.items() if math.isfinite(v)},
        primary_metric=task.primary,
        goal=task.metric(task.primary).goal,
        train_seconds=round(ctx.seconds.get("train", 0.0), 4),
        eval_seconds=round(ctx.seconds.get("eval", 0.0), 4),
        wall_seconds=round(ctx.elapsed(), 4),
        peak_memory_mb=_peak_memory_mb(ctx),
        device=device_info(ctx.device),
        versions=versions(registry.pm),
        git_sha=git_sha(),
        data=dict(ctx.data_checksums),
        config=ident.config,
        started_at=started_at,
        ended_at=_now(),
        attempt=(previous.attempt + 1) if previous is not None else 1,
        error=error,
    )
    store.save(record)
    registry.pm.hook.spectral_harness_run_end(run=ctx, record=record)
    return record


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and torch's generators (CPU and every GPU)."""
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def check_device(requested: str) -> None:
    """Refuse an unknown device, or CUDA on a machine without one, in one line.

    Imports torch only when CUDA is requested, so the up-front check of a sweep stays cheap.
    """
    if requested in ("auto", "cpu"):
        return
    if not requested.startswith("cuda"):
        raise UserError(f"unknown trainer.device={requested!r}; use auto, cpu or cuda")
    import torch

    if not torch.cuda.is_available():
        raise UserError(
            "trainer.device=cuda but no CUDA device is visible; use trainer.device=auto"
        )


def select_device(requested: str) -> Any:
    """The torch device for ``requested``: ``auto`` picks CUDA when present."""
    import torch

    check_device(requested)
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(requested)


@contextlib.contextmanager
def hard_time_limit(limit_s: float | None) -> Iterator[None]:
    """Interrupt code that never reaches a cooperative time check (SIGALRM, main thread only).

    Tasks check the limit between steps (:meth:`RunContext.check_time`); this alarm, set a grace
    period later, catches a hang inside a single step or in data loading.
    """
    usable = (
        limit_s is not None
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise TimeLimitExceeded(f"hard wall-clock limit of {limit_s:g} s (+ grace) reached")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, float(limit_s) + HARD_LIMIT_GRACE_S)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _error(exc: BaseException) -> dict[str, str]:
    tail = traceback.format_exception(type(exc), exc, exc.__traceback__)
    lines = "".join(tail).splitlines()[-TRACEBACK_TAIL_LINES:]
    return {"type": type(exc).__name__, "message": str(exc), "traceback": "\n".join(lines)}


def _reset_peak_memory(ctx: RunContext) -> None:
    if ctx.device.type == "cuda":
        import torch

        torch.cuda.reset_peak_memory_stats(ctx.device)


def _peak_memory_mb(ctx: RunContext) -> float | None:
    """Peak GPU memory of the run on CUDA; on CPU the process's peak resident set size."""
    if ctx.device.type == "cuda":
        import torch

        return round(torch.cuda.max_memory_allocated(ctx.device) / 2**20, 1)
    try:
        import resource

        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    except (ImportError, OSError):
        return None


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


__all__ = [
    "Cell",
    "TrainerOptions",
    "check_device",
    "identify",
    "make_cell",
    "run_cell",
    "seed_everything",
    "select_device",
]
