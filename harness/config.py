"""Config plumbing: plugin dataclasses into Hydra's ConfigStore, scale presets, config hashes."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any, TypeVar

from harness.errors import UserError
from harness.plugins import Registry
from harness.specs import TaskConfig, TaskSpec

SCALES = ("smoke", "cpu", "full")
C = TypeVar("C", bound=TaskConfig)


def register_configs(registry: Registry) -> None:
    """Store every task's and method's config dataclass in Hydra's ConfigStore.

    This is what makes ``task=<name>`` and ``method=<name>`` work for a pip-installed plugin
    without any YAML file copied into the harness.
    """
    from hydra.core.config_store import ConfigStore

    store = ConfigStore.instance()
    for task in registry.tasks.values():
        store.store(group="task", name=task.name, node=task.config(name=task.name))
    for method in registry.methods.values():
        store.store(group="method", name=method.name, node=method.config(name=method.name))


def apply_scale(task: TaskSpec, cfg: C, scale: str) -> C:
    """Fill the fields of ``cfg`` left at ``None`` from the task's ``scale`` preset.

    Values the user set explicitly are kept; the preset only supplies what is unset.
    """
    if scale not in task.scales:
        raise UserError(
            f"unknown scale {scale!r} for task {task.name!r}; choose one of "
            f"{', '.join(task.scales)} (e.g. scale=smoke)"
        )
    preset = task.scales[scale]
    fields = {f.name for f in dataclasses.fields(cfg)}
    unknown = sorted(set(preset) - fields)
    if unknown:
        raise ValueError(
            f"scale preset {scale!r} of task {task.name!r} sets unknown fields {unknown}"
        )
    filled = {k: v for k, v in preset.items() if getattr(cfg, k) is None}
    return dataclasses.replace(cfg, **filled)


def stable_hash(payload: Any, length: int = 16) -> str:
    """A short sha256 of a JSON-serialisable payload, independent of key order."""
    text = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:length]
