"""A cell and its resolution: (task, method, seed, configs, trainer options) looked up once.

:func:`identify` looks the task and the method up, fills the scale presets, checks every config
field against its declared range, hashes the semantic config and takes the code identity of both
plugins: one :class:`ResolvedCell` that pre-flight, the job, the launchers and the runner share,
so no layer looks the pair up again. It is torch-free, so the pre-flight of a sweep resolves every
cell cheaply. The record's name (:meth:`ResolvedCell.run_id`) also depends on the device kind the
cell runs on, which only the process that knows where the cell runs can say.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from harness.config import apply_scale
from harness.errors import UserError
from harness.identity import code_hash, code_identity_of, legacy_code_identity_of
from harness.specs import (
    MethodConfig,
    MethodSpec,
    ProbeConfig,
    ProbeSpec,
    TaskConfig,
    TaskSpec,
    param,
    resolve,
    validate_config,
)
from harness.storage import stable_hash

if TYPE_CHECKING:
    from harness.plugins import Registry

MAX_SEED = 2**63 - 1


@dataclass
class TrainerOptions:
    """How to execute a cell (Hydra group ``trainer``; typed, so ``time_limit_s=abc`` is refused).

    Only the options that change a cell's numbers (the resolved device kind, ``amp`` and the
    optimizer options) enter its identity; the others are recorded but do not make a record
    stale.
    """

    def optimizer_identity(self) -> dict[str, Any]:
        """The optimizer options that change a cell's numbers; empty for the default (the
        task's own Adam), so the names of records made before these options existed hold."""
        if self.optimizer == "adam":
            return {}
        options: dict[str, Any] = {"optimizer": self.optimizer, "momentum": self.momentum}
        if self.optimizer == "sam":
            options |= {"rho": self.sam_rho, "normalized": self.sam_normalized}
            options["base"] = self.sam_base
        return options

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
    optimizer: str = param(
        "adam",
        choices=("adam", "sgd", "sam"),
        doc="for tasks that build their optimizer with harness.make_optimizer",
    )
    momentum: float = param(0.0, ge=0, lt=1, doc="SGD momentum (optimizer=sgd, or sam on sgd)")
    sam_rho: float = param(0.05, gt=0, doc="SAM's ascent radius ρ")
    sam_normalized: bool = param(True, doc="SAM's ascent ρ g/|g| (true) or ρ g (false)")
    sam_base: str = param("sgd", choices=("sgd", "adam"), doc="the optimizer SAM steps with")


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
    probes: Mapping[str, ProbeConfig] = field(default_factory=dict)


@dataclass(frozen=True)
class ResolvedCell:
    """A cell resolved once: its specs, its configs with the scale presets filled, the config
    hash, and the code identity of the plugins that own its task and its method."""

    cell: Cell
    task: TaskSpec
    method: MethodSpec
    task_cfg: TaskConfig
    method_cfg: MethodConfig
    config: dict[str, Any]
    config_hash: str
    code: dict[str, dict[str, str]]
    probes: tuple[tuple[ProbeSpec, ProbeConfig], ...] = ()
    legacy_code: dict[str, dict[str, str]] | None = None

    def run_id(self, device_kind: str) -> str:
        """The name of the cell's record when it runs on ``device_kind`` (``cpu`` or ``cuda``).

        It hashes the config (the probes asked for included), the seed, the code identity, the
        device kind, ``amp`` and a non-default optimizer, so a cell run with other code, on a GPU
        instead of a CPU, in bf16 or with SAM is a different record and never resumes from this
        one. Paths and thread counts are not part of it.
        """
        return self._run_id(self.code_digest, device_kind)

    def legacy_run_id(self, device_kind: str) -> str | None:
        """The name the cell's record had before code identity was an import closure (its
        plugins' whole packages hashed); resume still finds a record stored under it."""
        if self.legacy_code_digest is None:
            return None
        return self._run_id(self.legacy_code_digest, device_kind)

    @functools.cached_property
    def code_digest(self) -> str:
        """The hash of the cell's code identity (:func:`harness.identity.code_hash`)."""
        return code_hash(self.code)

    @functools.cached_property
    def legacy_code_digest(self) -> str | None:
        """The hash of the cell's legacy code identity, if it has one."""
        return None if self.legacy_code is None else code_hash(self.legacy_code)

    def _run_id(self, code: str | None, device_kind: str) -> str:
        identity = {
            "config": self.config_hash,
            "seed": self.cell.seed,
            "code": code,
            "device_kind": device_kind,
            "amp": self.cell.trainer.amp,
        }
        optimizer = self.cell.trainer.optimizer_identity()
        if optimizer:
            identity["optimizer"] = optimizer
        return stable_hash(identity)

    def trainer_record(self, device_kind: str) -> dict[str, Any]:
        """Every trainer option and the device kind, as the cell's record stores them."""
        return {**dataclasses.asdict(self.cell.trainer), "device_kind": device_kind}


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
    probes: Mapping[str, ProbeConfig] | Sequence[str] = (),
) -> Cell:
    """A cell with the plugins' default configs plus overrides, for code that runs without Hydra
    (tests, benchmarks, notebooks)."""
    task_spec, method_spec = registry.check_pair(task, method)
    if not isinstance(probes, Mapping):
        probes = {name: registry.probe(name).config() for name in probes}
    return Cell(
        task=task,
        method=method,
        seed=seed,
        scale=scale,
        task_cfg=task_spec.config(name=task, **(task_overrides or {})),
        method_cfg=method_spec.config(name=method, **(method_overrides or {})),
        trainer=trainer or TrainerOptions(),
        probes=dict(probes),
    )


def identify(cell: Cell, registry: Registry) -> ResolvedCell:
    """Resolve ``cell``: look its task and method up (a method must fit the task's slot), fill
    the scale presets, refuse out-of-range values and hash the semantic config."""
    task, method = registry.check_pair(cell.task, cell.method)
    return resolve_cell(cell, task, method, registry)


def resolve_cell(
    cell: Cell, task: TaskSpec, method: MethodSpec, registry: Registry
) -> ResolvedCell:
    """:func:`identify` for a caller that has looked the cell's pair up already (``task`` and
    ``method`` are the specs ``registry.check_pair(cell.task, cell.method)`` returns)."""
    check_seed(cell.seed)
    validate_config(cell.trainer, "trainer")
    task_cfg = apply_scale(task, cell.task_cfg, cell.scale)
    method_cfg = apply_scale(method, cell.method_cfg, cell.scale)
    validate_config(task_cfg, "task")
    validate_config(method_cfg, "method")
    _check_config(task, task_cfg, "task")
    _check_config(method, method_cfg, "method")
    config: dict[str, Any] = {
        "task": dataclasses.asdict(task_cfg),
        "method": dataclasses.asdict(method_cfg),
        "scale": cell.scale,
    }
    probes = resolve_probes(cell.probes, registry)
    if probes:  # absent when none is asked for, so older records keep their config hash
        config["probes"] = {spec.name: dataclasses.asdict(cfg) for spec, cfg in probes}
    return ResolvedCell(
        cell=cell,
        task=task,
        method=method,
        task_cfg=task_cfg,
        method_cfg=method_cfg,
        config=config,
        config_hash=stable_hash(config),
        code=code_identity_of(registry, task, method),
        probes=probes,
        legacy_code=legacy_code_identity_of(registry, task, method),
    )


def check_programs(task: TaskSpec) -> None:
    """Refuse, in one line, a task that runs a program that is not on ``PATH``."""
    for program, install in task.programs.items():
        if shutil.which(program) is None:
            raise UserError(
                f"task {task.name!r} runs the program {program!r}, which is not on PATH; "
                f"install it ({install}) or choose another task"
            )


def _check_config(spec: TaskSpec | MethodSpec, cfg: Any, kind: str) -> None:
    """The plugin's own check of a whole config (``check_config``), its refusal one line."""
    if spec.check_config is None:
        return
    try:
        check = resolve(spec.check_config)
    except Exception as exc:
        raise UserError(
            f"{kind} {spec.name!r} has check_config={spec.check_config!r}, which cannot be used: "
            f"{type(exc).__name__}: {exc}; fix the plugin or choose another {kind}"
        ) from None
    try:
        check(cfg)
    except (ValueError, TypeError) as exc:  # a plugin that raised the wrong error type
        raise UserError(f"invalid {kind} config for {spec.name!r}: {exc}") from None


def resolve_probes(
    requested: Mapping[str, ProbeConfig], registry: Registry
) -> tuple[tuple[ProbeSpec, ProbeConfig], ...]:
    """The asked-for probes with their checked options, in the order asked; an unknown probe or
    an option of the wrong probe type or out of range is one line."""
    resolved = []
    for name, cfg in requested.items():
        spec = registry.probe(name)
        if not isinstance(cfg, spec.config):
            raise UserError(
                f"probe {name!r} takes options of type {spec.config.__name__}, not "
                f"{type(cfg).__name__}"
            )
        validate_config(cfg, f"probe_options.{name}")
        resolved.append((spec, cfg))
    return tuple(resolved)


def dataset_entries(resolved: ResolvedCell, registry: Registry) -> list[str]:
    """The dataset entries the cell reads (``TaskSpec.datasets``), or a one-line error when one
    belongs to a dataset that another family registers and that family is not loaded."""
    task = resolved.task
    if task.datasets is None:
        return []
    entries = task.datasets(resolved.task_cfg)
    for entry in entries:
        dataset = entry.split("/", 1)[0]
        owner = task.borrowed_datasets.get(dataset)
        if owner is not None and dataset not in registry.datasets:
            raise UserError(
                f"task {task.name!r} reads dataset {dataset!r}, which the plugin "
                f"distribution {owner} registers and which is not loaded: pip install {owner}, "
                f"or take its plugin out of HARNESS_BLOCK_PLUGINS"
            )
    return entries


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
