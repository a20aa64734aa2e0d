"""The one plugin manager: host plugins, then every ``spectral_harness`` entry point.

Built-in method families are not special: they are entry points of this distribution, loaded the
same way as a third-party package's. ``HARNESS_BLOCK_PLUGINS=a,b`` blocks plugins by name.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pluggy

from harness import hookspecs
from harness.errors import UserError
from harness.specs import DatasetSpec, MethodSpec, SlotSpec, TaskSpec

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
    _warn_unknown_blocked(blocked_plugin_names())
    for plugin in extra_plugins:
        pm.register(plugin)
    pm.check_pending()
    return pm


def _warn_unknown_blocked(blocked: set[str]) -> None:
    """A name in ``HARNESS_BLOCK_PLUGINS`` that no plugin has is most likely a typo: say so."""
    from importlib.metadata import entry_points

    known = set(HOST_PLUGINS) | {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)}
    for name in sorted(blocked - known):
        print(
            f"warning: {BLOCK_ENV} names {name!r}, which is no installed plugin; "
            f"plugins: {', '.join(sorted(known))}",
            file=sys.stderr,
        )


@dataclass
class Registry:
    """Everything the plugins registered.

    Tasks and datasets are indexed by name. Methods are indexed by ``(slot, name)``: a name is
    unique within a slot, so a baseline such as ``none`` can exist in every slot, and
    ``method=none`` means the one that fits the task's slot.
    """

    pm: pluggy.PluginManager
    slots: dict[str, SlotSpec] = field(default_factory=dict)
    tasks: dict[str, TaskSpec] = field(default_factory=dict)
    methods: dict[tuple[str, str], MethodSpec] = field(default_factory=dict)
    datasets: dict[str, DatasetSpec] = field(default_factory=dict)
    owners: dict[tuple[str, object], str] = field(default_factory=dict)

    @classmethod
    def from_plugin_manager(cls, pm: pluggy.PluginManager) -> Registry:
        """Collect the registration hooks of every plugin, refusing duplicate names and tasks or
        methods of a slot that no plugin defines."""
        registry = cls(pm=pm)
        for kind, hook, table in (
            ("slot", "spectral_harness_register_slots", registry.slots),
            ("task", "spectral_harness_register_tasks", registry.tasks),
            ("method", "spectral_harness_register_methods", registry.methods),
            ("dataset", "spectral_harness_register_datasets", registry.datasets),
        ):
            for impl in getattr(pm.hook, hook).get_hookimpls():
                for spec in impl.function() or []:
                    key = (spec.slot, spec.name) if kind == "method" else spec.name
                    if kind in ("task", "method") and spec.slot not in registry.slots:
                        raise UserError(
                            f"{kind} {spec.name!r} of plugin {impl.plugin_name!r} names slot "
                            f"{spec.slot!r}, which no plugin defines; defined slots: "
                            f"{', '.join(sorted(registry.slots)) or 'none'}"
                        )
                    if key in table:
                        first = registry.owners[(kind, key)]
                        where = f" in slot {spec.slot!r}" if kind == "method" else ""
                        raise UserError(
                            f"{kind} {spec.name!r}{where} is registered by both {first!r} and "
                            f"{impl.plugin_name!r}; block one with {BLOCK_ENV}={impl.plugin_name}"
                        )
                    table[key] = spec
                    registry.owners[(kind, key)] = impl.plugin_name
        return registry

    def method_names(self) -> list[str]:
        """Every method name, once (a name may exist in several slots)."""
        return sorted({name for _, name in self.methods})

    def task(self, name: str) -> TaskSpec:
        """The task called ``name``, or a one-line error listing the known tasks."""
        if name not in self.tasks:
            raise UserError(
                f"unknown task {name!r}; available tasks: {', '.join(sorted(self.tasks))} "
                "(see `spectral-harness tasks`)"
            )
        return self.tasks[name]

    def method(self, name: str, slot: str | None = None, needed_by: str = "the task") -> MethodSpec:
        """The method ``name`` (of ``slot``, when several slots have one of that name)."""
        candidates = [s for (sl, n), s in self.methods.items() if n == name]
        if not candidates:
            raise UserError(
                f"unknown method {name!r}; available methods: {', '.join(self.method_names())} "
                "(see `spectral-harness methods`; a plugin package must be pip-installed)"
            )
        fitting = [s for s in candidates if slot is None or s.slot == slot]
        if not fitting:
            others = ", ".join(sorted(s.slot for s in candidates))
            fit = ", ".join(self.methods_for_slot(slot)) or "none installed"  # type: ignore[arg-type]
            raise UserError(
                f"method {name!r} fills slot {others}, but {needed_by} needs slot {slot!r}; "
                f"methods that fit: {fit}"
            )
        if len(fitting) > 1:
            slots = ", ".join(sorted(s.slot for s in fitting))
            raise UserError(f"method {name!r} exists in slots {slots}; say which task it is for")
        return fitting[0]

    def methods_for_slot(self, slot: str) -> list[str]:
        """Names of the methods that fit ``slot``."""
        return sorted(name for (sl, name) in self.methods if sl == slot)

    def check_pair(self, task_name: str, method_name: str) -> tuple[TaskSpec, MethodSpec]:
        """Both specs, or a one-line error when the method does not fit the task's slot."""
        task = self.task(task_name)
        return task, self.method(method_name, task.slot, needed_by=f"task {task.name!r}")


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
