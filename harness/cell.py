"""A cell and its identity: (task, method, seed, configs, trainer options) resolved once.

:func:`identify` fills the scale presets, checks every config field against its declared range
and hashes the semantic config; it is torch-free, so the pre-flight of a sweep runs it for every
cell cheaply. :func:`fingerprint` adds what else decides a record's numbers (the plugins' code
identity and the trainer options that change results) and names the record (``run_id``).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from harness.config import apply_scale
from harness.errors import UserError
from harness.identity import code_hash, code_identity
from harness.specs import MethodConfig, MethodSpec, TaskConfig, TaskSpec, param, validate_config
from harness.storage import stable_hash

if TYPE_CHECKING:
    from harness.plugins import Registry

MAX_SEED = 2**63 - 1


@dataclass
class TrainerOptions:
    """How to execute a cell (Hydra group ``trainer``; typed, so ``time_limit_s=abc`` is refused).

    Only the options that change a cell's numbers (the resolved device kind and ``amp``) enter
    its identity; the others are recorded but do not make a record stale.
    """

    device: str = param("auto", doc="auto | cpu | cuda[:N]; auto picks CUDA when present")
    time_limit_s: float | None = param(
        3600.0, gt=0, doc="wall-clock limit of a cell, setup included"
    )
    timeout_grace_s: float = param(
        60.0, ge=0, doc="after the limit, how long a cell may take to stop before it is killed"
    )
    amp: bool = param(False, doc="bf16 autocast on CUDA where the task supports it")
    num_threads: int | None = param(None, ge=1, doc="torch CPU threads per cell")
    isolate: bool = param(True, doc="run each cell in a child process (false: in-process, debug)")


@dataclass(frozen=True)
class Cell:
    """One (task, method, seed, config) combination, as the user asked for it."""

    task: str
    method: str
    seed: int
    scale: str
    task_cfg: TaskConfig
    method_cfg: MethodConfig
    trainer: TrainerOptions = field(default_factory=TrainerOptions)


@dataclass(frozen=True)
class CellIdentity:
    """A cell resolved once: its specs, the configs with presets filled, and the config hash."""

    task: TaskSpec
    method: MethodSpec
    task_cfg: TaskConfig
    method_cfg: MethodConfig
    config: dict[str, Any]
    config_hash: str


@dataclass(frozen=True)
class Fingerprint:
    """What decides a record's numbers besides its config, and the ``run_id`` they name."""

    code: dict[str, dict[str, str]]
    trainer: dict[str, Any]
    run_id: str


def check_seed(value: Any) -> int:
    """The seed as an int, or a one-line error (``seed=1.5`` is refused, not truncated)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEED:
        raise UserError(f"seed must be an integer in [0, 2**63), not {value!r} (e.g. seed=0,1,2)")
    return value


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
    """Resolve the scale presets, refuse out-of-range values and hash the semantic config."""
    task, method = registry.check_pair(cell.task, cell.method)
    check_seed(cell.seed)
    validate_config(cell.trainer, "trainer")
    task_cfg = apply_scale(task, cell.task_cfg, cell.scale)
    method_cfg = apply_scale(method, cell.method_cfg, cell.scale)
    validate_config(task_cfg, "task")
    validate_config(method_cfg, "method")
    config = {
        "task": dataclasses.asdict(task_cfg),
        "method": dataclasses.asdict(method_cfg),
        "scale": cell.scale,
    }
    return CellIdentity(task, method, task_cfg, method_cfg, config, stable_hash(config))


def dataset_entries(ident: CellIdentity, registry: Registry) -> list[str]:
    """The dataset entries the cell reads (``TaskSpec.datasets``), or a one-line error when one
    belongs to a dataset that another family registers and that family is not loaded."""
    if ident.task.datasets is None:
        return []
    entries = ident.task.datasets(ident.task_cfg)
    for entry in entries:
        dataset = entry.split("/", 1)[0]
        owner = ident.task.borrowed_datasets.get(dataset)
        if owner is not None and dataset not in registry.datasets:
            raise UserError(
                f"task {ident.task.name!r} reads dataset {dataset!r}, which the plugin "
                f"distribution {owner} registers and which is not loaded: pip install {owner}, "
                f"or take its plugin out of HARNESS_BLOCK_PLUGINS"
            )
    return entries


def fingerprint(
    cell: Cell, ident: CellIdentity, registry: Registry, device_kind: str | None = None
) -> Fingerprint:
    """Code identity and result-changing trainer options of a cell, and its ``run_id``.

    ``run_id`` hashes the config, the seed, the code identity of the task's and the method's
    plugins, the device kind and ``amp``, so a cell run with other code, on a GPU instead of a CPU
    or in bf16 is a different record and never resumes from this one. Paths and thread counts
    are not part of it. ``device_kind`` is given by a launcher whose jobs run where this process
    is not (a GPU job submitted from a machine without one); otherwise it is resolved here.
    """
    code = code_identity(registry, ident.task.name, ident.method.name)
    device_kind = device_kind or resolve_device_kind(cell.trainer.device)
    trainer = {**dataclasses.asdict(cell.trainer), "device_kind": device_kind}
    run_id = stable_hash(
        {
            "config": ident.config_hash,
            "seed": cell.seed,
            "code": code_hash(code),
            "device_kind": device_kind,
            "amp": cell.trainer.amp,
        }
    )
    return Fingerprint(code=code, trainer=trainer, run_id=run_id)


def check_device(requested: str) -> None:
    """Refuse an unknown device, or CUDA on a machine without one, in one line.

    Imports torch only when CUDA is requested, so the up-front check of a sweep stays cheap.
    """
    if requested in ("auto", "cpu"):
        return
    if not requested.startswith("cuda"):
        raise UserError(f"unknown trainer.device={requested!r}; use auto, cpu or cuda")
    if not _cuda_available():
        raise UserError(
            "trainer.device=cuda but no CUDA device is visible; use trainer.device=auto"
        )


def resolve_device_kind(requested: str) -> str:
    """``cpu`` or ``cuda``: what ``requested`` runs on here (``auto`` picks CUDA when present)."""
    check_device(requested)
    if requested == "auto":
        return "cuda" if _cuda_available() else "cpu"
    return "cuda" if requested.startswith("cuda") else "cpu"


def _cuda_available() -> bool:
    # Ask NVML, not the CUDA runtime: a process that initialised CUDA cannot fork a cell that
    # uses it, and the launching process forks every cell.
    os.environ.setdefault("PYTORCH_NVML_BASED_CUDA_CHECK", "1")
    import torch

    return torch.cuda.is_available()
