"""The one plugin manager: host plugins, then every ``spectral_harness`` entry point.

Built-in method families are not special: they are entry points of this distribution, loaded the
same way as a third-party package's. ``HARNESS_BLOCK_PLUGINS=a,b`` blocks plugins by name.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pluggy

from harness import hookspecs
from harness.errors import UserError
from harness.specs import DatasetSpec, MethodSpec, TaskSpec

ENTRY_POINT_GROUP = "spectral_harness"
BLOCK_ENV = "HARNESS_BLOCK_PLUGINS"
HOST_PLUGINS = ("harness.loggers.console", "harness.loggers.wandb")


def blocked_plugin_names() -> set[str]:
    """Plugin names listed in ``HARNESS_BLOCK_PLUGINS`` (comma separated)."""
    return {name.strip() for name in os.environ.get(BLOCK_ENV, "").split(",") if name.strip()}


def build_plugin_manager(extra_plugins: Iterable[Any] = ()) -> pluggy.PluginManager:
    """A plugin manager with the hook specs, the host plugins, entry points and ``extra_plugins``.

    Raises :class:`pluggy.PluginValidationError` when a plugin implements a hook that does not
    exist (a misspelt hook fails loudly instead of being ignored).
    """
    import importlib

    pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
    pm.add_hookspecs(hookspecs)
    for name in blocked_plugin_names():
        pm.set_blocked(name)
    for module_name in HOST_PLUGINS:
        if not pm.is_blocked(module_name):
            pm.register(importlib.import_module(module_name), name=module_name)
    pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    for plugin in extra_plugins:
        pm.register(plugin)
    pm.check_pending()
    return pm


@dataclass
class Registry:
    """Everything the plugins registered, indexed by name."""

    pm: pluggy.PluginManager
    tasks: dict[str, TaskSpec] = field(default_factory=dict)
    methods: dict[str, MethodSpec] = field(default_factory=dict)
    datasets: dict[str, DatasetSpec] = field(default_factory=dict)
    owners: dict[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    def from_plugin_manager(cls, pm: pluggy.PluginManager) -> Registry:
        """Collect the registration hooks of every plugin, refusing duplicate names."""
        registry = cls(pm=pm)
        for kind, hook, table in (
            ("task", "spectral_harness_register_tasks", registry.tasks),
            ("method", "spectral_harness_register_methods", registry.methods),
            ("dataset", "spectral_harness_register_datasets", registry.datasets),
        ):
            for impl in getattr(pm.hook, hook).get_hookimpls():
                for spec in impl.function() or []:
                    if spec.name in table:
                        first = registry.owners[(kind, spec.name)]
                        raise UserError(
                            f"{kind} {spec.name!r} is registered by both {first!r} and "
                            f"{impl.plugin_name!r}; block one with {BLOCK_ENV}={impl.plugin_name}"
                        )
                    table[spec.name] = spec
                    registry.owners[(kind, spec.name)] = impl.plugin_name
        return registry

    def task(self, name: str) -> TaskSpec:
        """The task called ``name``, or a one-line error listing the known tasks."""
        if name not in self.tasks:
            raise UserError(
                f"unknown task {name!r}; available tasks: {', '.join(sorted(self.tasks))} "
                "(see `spectral-harness tasks`)"
            )
        return self.tasks[name]

    def method(self, name: str) -> MethodSpec:
        """The method called ``name``, or a one-line error listing the known methods."""
        if name not in self.methods:
            raise UserError(
                f"unknown method {name!r}; available methods: {', '.join(sorted(self.methods))} "
                "(see `spectral-harness methods`; a plugin package must be pip-installed)"
            )
        return self.methods[name]

    def methods_for_slot(self, slot: str) -> list[str]:
        """Names of the methods that fit ``slot``."""
        return sorted(name for name, spec in self.methods.items() if spec.slot == slot)

    def check_pair(self, task_name: str, method_name: str) -> tuple[TaskSpec, MethodSpec]:
        """Both specs, or a one-line error when the method does not fit the task's slot."""
        task, method = self.task(task_name), self.method(method_name)
        if method.slot != task.slot:
            fitting = ", ".join(self.methods_for_slot(task.slot)) or "none installed"
            raise UserError(
                f"method {method.name!r} fills slot {method.slot!r}, but task {task.name!r} "
                f"needs slot {task.slot!r}; methods that fit: {fitting}"
            )
        return task, method


@cache
def get_registry() -> Registry:
    """The process-wide registry (built once, on first use)."""
    return Registry.from_plugin_manager(build_plugin_manager())


def plugin_table(pm: pluggy.PluginManager) -> list[dict[str, object]]:
    """One row per registered plugin: name, distribution and version, hooks it implements."""
    dists = {id(plugin): dist for plugin, dist in pm.list_plugin_distinfo()}
    rows = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:  # blocked
            continue
        dist = dists.get(id(plugin))
        rows.append(
            {
                "name": name,
                "distribution": dist.project_name if dist else None,
                "version": dist.version if dist else None,
                "hooks": sorted(caller.name for caller in pm.get_hookcallers(plugin) or []),
            }
        )
    return rows
