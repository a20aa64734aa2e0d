"""Config plumbing: plugin dataclasses into Hydra's ConfigStore, scale presets, config hashes."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, TypeVar

from harness.errors import UserError
from harness.specs import MethodConfig, MethodSpec, TaskConfig, TaskSpec

if TYPE_CHECKING:
    from harness.plugins import Registry

SCALES = ("smoke", "cpu", "full")
C = TypeVar("C", bound=TaskConfig | MethodConfig)


def register_configs(registry: Registry) -> None:
    """Store every task's and method's config dataclass in Hydra's ConfigStore.

    This is what makes ``task=<name>`` and ``method=<name>`` work for a pip-installed plugin
    without any YAML file copied into the harness.
    """
    from hydra.core.config_store import ConfigStore

    from harness.cell import TrainerOptions

    store = ConfigStore.instance()
    # The trainer group's YAML files extend this schema, so its options are typed and checked.
    store.store(group="trainer", name="schema", node=TrainerOptions)
    # Every probe's options, typed, so `probe_options.<probe>.<field>=…` is checked like a task's.
    store.store(
        group="probe_options",
        name="all",
        node={name: spec.config() for name, spec in sorted(registry.probes.items())},
    )
    for task in registry.tasks.values():
        store.store(group="task", name=task.name, node=task.config(name=task.name))
    for name in registry.method_names():
        specs = [spec for (_, n), spec in registry.methods.items() if n == name]
        if len(specs) == 1:
            store.store(group="method", name=name, node=specs[0].config(name=name))
        else:
            # One name in several slots: the node holds every field (unset); the runner builds
            # the config of the spec that fits the task's slot (see `method_config`).
            fields = {f.name for spec in specs for f in dataclasses.fields(spec.config)}
            store.store(group="method", name=name, node={f: None for f in fields} | {"name": name})


def method_config(spec: MethodSpec, node: Any) -> MethodConfig:
    """The method's config dataclass from a composed ``method`` node.

    A node of a name shared by several slots is a plain mapping whose unset fields are ``None``:
    they keep the dataclass defaults, and a field the chosen method lacks is a user error.
    """
    if isinstance(node, spec.config):
        return node
    fields = {f.name for f in dataclasses.fields(spec.config)}
    given = {k: v for k, v in dict(node).items() if v is not None and k != "name"}
    unknown = sorted(set(given) - fields)
    if unknown:
        raise UserError(
            f"method {spec.name!r} of slot {spec.slot!r} has no option {unknown[0]!r}; "
            f"its options: {', '.join(sorted(fields - {'name'})) or 'none'}"
        )
    return spec.config(name=spec.name, **given)


def apply_scale(spec: TaskSpec | MethodSpec, cfg: C, scale: str) -> C:
    """Fill the fields of ``cfg`` left at ``None`` from the task's or method's ``scale`` preset.

    Values the user set explicitly are kept; the preset only supplies what is unset. A method
    without presets keeps its config as it is.
    """
    kind = "task" if isinstance(spec, TaskSpec) else "method"
    if kind == "method" and not spec.scales:
        return cfg
    if scale not in spec.scales:
        raise UserError(
            f"unknown scale {scale!r} for {kind} {spec.name!r}; choose one of "
            f"{', '.join(spec.scales)} (e.g. scale=smoke)"
        )
    preset = spec.scales[scale]
    fields = {f.name for f in dataclasses.fields(cfg)}
    unknown = sorted(set(preset) - fields)
    if unknown:
        raise ValueError(f"scale preset {scale!r} of {spec.name!r} sets unknown fields {unknown}")
    filled = {k: v for k, v in preset.items() if getattr(cfg, k) is None}
    return dataclasses.replace(cfg, **filled)
