"""The one plugin manager: host plugins, then every ``spectral_harness`` entry point.

Built-in families are not special: each is its own distribution (``plugins/<family>/``) with an
entry point in the same group, loaded the same way as a third-party package's.
``HARNESS_BLOCK_PLUGINS=a,b`` blocks plugins by name.

A broken plugin costs only itself: one that fails to import, implements a misspelt hook, raises
in a registration hook, registers something malformed or names a slot no plugin defines is left
out with one warning line (:mod:`harness.plugin_loading`), and every other plugin keeps working.
When two plugins register the same name, the first loaded wins: host plugins first, then entry
points in the order of their names.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypedDict

from harness.errors import UserError
from harness.plugin_loading import (
    BLOCK_ENV,
    ENTRY_POINT_GROUP,
    PluginHost,
    PluginStatus,
    describe,
    load_entry_point,
    warn,
)
from harness.specs import (
    Claim,
    DatasetSpec,
    LazyRef,
    MethodConfig,
    MethodSpec,
    MetricSpec,
    ProbeSpec,
    SlotSpec,
    TaskConfig,
    TaskSpec,
    resolve,
)

HOST_PLUGINS = ("harness.loggers.console", "harness.loggers.wandb")
# kind, its registration hook and the spec type it returns, in the order the registry reads them
REGISTRATION_HOOKS = (
    ("slot", "spectral_harness_register_slots", SlotSpec),
    ("task", "spectral_harness_register_tasks", TaskSpec),
    ("method", "spectral_harness_register_methods", MethodSpec),
    ("dataset", "spectral_harness_register_datasets", DatasetSpec),
    ("claim", "spectral_harness_register_claims", Claim),
    ("probe", "spectral_harness_register_probes", ProbeSpec),
)


def blocked_plugin_names() -> set[str]:
    """Plugin names listed in ``HARNESS_BLOCK_PLUGINS`` (comma separated)."""
    return {name.strip() for name in os.environ.get(BLOCK_ENV, "").split(",") if name.strip()}


def build_plugin_manager(extra_plugins: Iterable[Any] = ()) -> PluginHost:
    """A plugin manager with the hook specs, the host plugins, entry points and ``extra_plugins``.

    An entry point that fails to load is left out with one warning line. ``extra_plugins``
    (objects handed over in-process, e.g. by tests) are the caller's own code: a misspelt hook
    there raises :class:`pluggy.PluginValidationError`.
    """
    import importlib
    from importlib.metadata import entry_points

    host = PluginHost()
    for name in blocked_plugin_names():
        host.set_blocked(name)
    for module_name in HOST_PLUGINS:
        if host.is_blocked(module_name):
            host.statuses[module_name] = PluginStatus(module_name, "blocked")
        else:
            host.add(importlib.import_module(module_name), name=module_name)
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name):
        load_entry_point(host, ep)
    _warn_unknown_blocked(blocked_plugin_names(), set(host.statuses))
    for plugin in extra_plugins:
        host.add(plugin)
    return host


def _warn_unknown_blocked(blocked: set[str], known: set[str]) -> None:
    """A name in ``HARNESS_BLOCK_PLUGINS`` that no plugin has is most likely a typo: say so."""
    for name in sorted(blocked - known):
        warn(
            f"{BLOCK_ENV} names {name!r}, which is no installed plugin; "
            f"plugins: {', '.join(sorted(known))}"
        )


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``" (did you mean 'x'?)"`` for the known names closest to a mistyped ``name``, or ``""``."""
    import difflib

    close = difflib.get_close_matches(name, list(known), n=2, cutoff=0.6)
    return f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""


@dataclass
class Registry:
    """Everything the plugins registered.

    Tasks and datasets are indexed by name. Methods are indexed by ``(slot, name)``: a name is
    unique within a slot, so a baseline such as ``none`` can exist in every slot, and
    ``method=none`` means the one that fits the task's slot.
    """

    pm: PluginHost
    slots: dict[str, SlotSpec] = field(default_factory=dict)
    tasks: dict[str, TaskSpec] = field(default_factory=dict)
    methods: dict[tuple[str, str], MethodSpec] = field(default_factory=dict)
    datasets: dict[str, DatasetSpec] = field(default_factory=dict)
    claims: dict[str, Claim] = field(default_factory=dict)
    probes: dict[str, ProbeSpec] = field(default_factory=dict)
    owners: dict[tuple[str, object], str] = field(default_factory=dict)

    @classmethod
    def from_plugin_manager(cls, pm: PluginHost) -> Registry:
        """Collect the registration hooks of every plugin.

        A plugin whose registration fails (a hook raises or returns something that is not a list
        of specs, a config that cannot be made with its defaults, a task or method of a slot no
        plugin defines) is left out entirely, with one warning line. A name registered twice
        keeps its first registration, with one warning line that names both plugins.
        """
        contributions = _registrations(pm)
        _drop_plugins_of_undefined_slots(pm, contributions)
        registry = cls(pm=pm)
        for kind, _, _ in REGISTRATION_HOOKS:
            for plugin_name, specs in contributions.items():
                for spec in specs[kind]:
                    registry._add(kind, spec, plugin_name)
        registry._drop_claims_of_undeclared_metrics()
        return registry

    def _drop_claims_of_undeclared_metrics(self) -> None:
        """A claim about a metric its (installed) task does not declare, or a comparison on a
        metric without a better direction, can never be judged: leave it out with one warning
        line that says why."""
        for claim_id, claim in list(self.claims.items()):
            task = self.tasks.get(claim.task)
            if task is None:
                continue
            if not task.declares(claim.metric):
                declared = ", ".join(spec.name for spec in task.metrics)
                problem = (
                    f"is about metric {claim.metric!r}, which task {claim.task!r} does not "
                    f"declare (it declares {declared})"
                )
            elif claim.baseline and task.metric(claim.metric).goal is None:
                problem = (
                    f"compares methods on {claim.metric!r}, a diagnostic without a better "
                    "direction; compare on a score or a cost, or state a value (at_least, "
                    "at_most, within)"
                )
            else:
                continue
            del self.claims[claim_id]
            owner = self.owners[("claim", claim_id)]
            warn(f"plugin {owner!r}: claim {claim_id!r} {problem}; the claim is left out")

    def _add(self, kind: str, spec: Any, plugin_name: str) -> None:
        table: dict[Any, Any] = getattr(self, f"{kind}s")
        key = _key(kind, spec)
        if key in table:
            first = self.owners[(kind, key)]
            where = f" of slot {spec.slot!r}" if kind == "method" else ""
            both = f"plugins {first!r} and {plugin_name!r}"
            by = f"twice by plugin {first!r}" if first == plugin_name else f"by {both}"
            name = spec.id if kind == "claim" else spec.name
            warn(
                f"{kind} {name!r}{where} is registered {by}; the first is used (plugins load "
                f"in the order of their names): rename the other {kind} in {plugin_name!r}"
            )
            return
        table[key] = spec
        self.owners[(kind, key)] = plugin_name

    def plugin_of(self, kind: str, spec: Any) -> str:
        """The plugin that registered ``spec`` (a slot, task, method, dataset or claim)."""
        return self.owners[(kind, _key(kind, spec))]

    def method_names(self) -> list[str]:
        """Every method name, once (a name may exist in several slots)."""
        return sorted({name for _, name in self.methods})

    def task(self, name: str) -> TaskSpec:
        """The task called ``name``, or a one-line error listing the known tasks."""
        if name not in self.tasks:
            raise UserError(
                f"unknown task {name!r}{did_you_mean(name, self.tasks)}; available tasks: "
                f"{', '.join(sorted(self.tasks))} (see `spectral-harness tasks`)"
            )
        return self.tasks[name]

    def method(self, name: str, slot: str | None = None, needed_by: str = "the task") -> MethodSpec:
        """The method ``name`` (of ``slot``, when several slots have one of that name)."""
        candidates = [s for (sl, n), s in self.methods.items() if n == name]
        if not candidates:
            raise UserError(
                f"unknown method {name!r}{did_you_mean(name, self.method_names())}; available "
                f"methods: {', '.join(self.method_names())} (see `spectral-harness methods`; a "
                "plugin package must be pip-installed)"
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

    def tasks_for_slot(self, slot: str) -> list[str]:
        """Names of the tasks of ``slot``."""
        return sorted(name for name, task in self.tasks.items() if task.slot == slot)

    def probe(self, name: str) -> ProbeSpec:
        """The probe called ``name``, or a one-line error listing the installed probes."""
        if name not in self.probes:
            known = ", ".join(sorted(self.probes)) or "none installed"
            raise UserError(
                f"unknown probe {name!r}{did_you_mean(name, self.probes)}; available probes: "
                f"{known} (see `spectral-harness probes`)"
            )
        return self.probes[name]

    def metric_spec(self, task: str, name: str) -> MetricSpec | None:
        """How a record of ``task`` reporting metric ``name`` declares it: by the task, or by
        the probe whose ``<probe>/`` prefix it carries (``None``: undeclared)."""
        spec = self.tasks.get(task)
        if spec is not None and spec.declares(name):
            return spec.metric(name)
        probe = self.probes.get(name.partition("/")[0])
        return probe.declared(name) if probe is not None else None

    def check_pair(self, task_name: str, method_name: str) -> tuple[TaskSpec, MethodSpec]:
        """Both specs, or a one-line error when the method does not fit the task's slot."""
        task = self.task(task_name)
        return task, self.method(method_name, task.slot, needed_by=f"task {task.name!r}")


def _key(kind: str, spec: Any) -> Any:
    """How the registry indexes ``spec``: methods by (slot, name), claims by id, the rest by
    name."""
    if kind == "method":
        return (spec.slot, spec.name)
    return spec.id if kind == "claim" else spec.name


def _registrations(pm: PluginHost) -> dict[str, dict[str, list[Any]]]:
    """``{plugin: {kind: specs}}`` for every plugin whose registration hooks all succeed."""
    found: dict[str, dict[str, list[Any]]] = {}
    for plugin_name, plugin in list(pm.list_name_plugin()):
        if plugin is None:  # blocked
            continue
        specs: dict[str, list[Any]] = {}
        for kind, hook, spec_type in REGISTRATION_HOOKS:
            try:
                specs[kind] = _registered_by(pm, plugin, hook, spec_type)
            except Exception as exc:  # a plugin's bug costs only that plugin
                pm.fail(plugin_name, f"{describe(exc)} (in {hook})")
                break
        else:
            found[plugin_name] = specs
    return found


def _registered_by(pm: PluginHost, plugin: Any, hook: str, spec_type: type) -> list[Any]:
    """What ``plugin``'s implementation of ``hook`` returns, checked to be a list of specs whose
    configs can be made with their defaults (Hydra's ConfigStore makes them all at start-up)."""
    specs: list[Any] = []
    for impl in getattr(pm.hook, hook).get_hookimpls():
        if impl.plugin is not plugin:
            continue
        returned = impl.function()
        if returned is None:
            continue
        if not isinstance(returned, (list, tuple)) or not all(
            isinstance(spec, spec_type) for spec in returned
        ):
            raise TypeError(f"{hook} must return a list of {spec_type.__name__}, not {returned!r}")
        for spec in returned:
            if isinstance(spec, (TaskSpec, MethodSpec)):
                _check_default_config(spec)
        specs.extend(returned)
    return specs


def _check_default_config(spec: TaskSpec | MethodSpec) -> None:
    """The spec's config is a dataclass of the right base (Hydra's ConfigStore stores it as a
    structured config) and can be made with its defaults."""
    base = TaskConfig if isinstance(spec, TaskSpec) else MethodConfig
    config = spec.config
    if not (dataclasses.is_dataclass(config) and issubclass(config, base)):
        raise TypeError(
            f"the config {config!r} of {spec.name!r} must be a dataclass subclass of "
            f"harness.{base.__name__}"
        )
    try:
        config(name=spec.name)
    except Exception as exc:
        raise TypeError(
            f"the config {config.__name__} of {spec.name!r} cannot be made with its "
            f"defaults ({describe(exc)}); give every field a default"
        ) from None


def _drop_plugins_of_undefined_slots(
    pm: PluginHost, contributions: dict[str, dict[str, list[Any]]]
) -> None:
    """Leave out plugins whose tasks or methods name a slot no plugin defines (repeated, since
    leaving out a plugin also removes the slots it defined)."""
    while True:
        defined = {slot.name for specs in contributions.values() for slot in specs["slot"]}
        undefined = {
            plugin_name: spec
            for plugin_name, specs in contributions.items()
            for spec in [*specs["task"], *specs["method"]]
            if spec.slot not in defined
        }
        if not undefined:
            return
        for plugin_name, spec in undefined.items():
            del contributions[plugin_name]
            kind = "task" if isinstance(spec, TaskSpec) else "method"
            pm.fail(
                plugin_name,
                f"{kind} {spec.name!r} names slot {spec.slot!r}, which no plugin defines "
                f"(defined slots: {', '.join(sorted(defined)) or 'none'}); "
                "install the plugin that defines it or fix the slot name",
            )


@cache
def get_registry() -> Registry:
    """The process-wide registry (built once, on first use)."""
    return Registry.from_plugin_manager(build_plugin_manager())


class PluginRow(TypedDict):
    """One row of :func:`plugin_table` (``spectral-harness plugins [--json]``)."""

    name: str
    distribution: str | None
    version: str | None
    state: str
    hooks: list[str]
    error: str | None


def plugin_table(pm: PluginHost) -> list[PluginRow]:
    """One row per plugin: name, distribution and version, state, hooks it implements, and why
    it failed."""
    rows: list[PluginRow] = []
    for name, status in pm.statuses.items():
        plugin = pm.get_plugin(name)
        callers = pm.get_hookcallers(plugin) if plugin is not None else None
        dist = status.distribution
        rows.append(
            {
                "name": name,
                "distribution": dist.project_name if dist else None,
                "version": dist.version if dist else None,
                "state": status.state,
                "hooks": sorted(caller.name for caller in callers or []),
                "error": status.error or None,
            }
        )
    return rows


def check_code_references(
    registry: Registry, task: TaskSpec, method: MethodSpec, probes: Iterable[ProbeSpec] = ()
) -> None:
    """Import every ``"module:function"`` a cell of ``task`` × ``method`` will call (the task's
    ``run``, the method's ``build``, the slot's ``check``, each asked-for probe's ``run``);
    refuse in one line if one is missing, does not import or is not callable."""
    slot = registry.slots[task.slot]
    references: list[tuple[str, Any, str, LazyRef | None]] = [
        ("task", task, "run", task.run),
        ("method", method, "build", method.build),
        ("slot", slot, "check", slot.check),
        *(("probe", probe, "run", probe.run) for probe in probes),
    ]
    for kind, spec, role, ref in references:
        if ref is None or callable(ref):
            continue
        try:
            target = resolve(ref)
            problem = "" if callable(target) else f"it is a {type(target).__name__}, not callable"
        except Exception as exc:
            problem = describe(exc)
        if problem:
            plugin = registry.plugin_of(kind, spec)
            status = registry.pm.statuses.get(plugin)
            where = f" ({status.origin()})" if status else ""
            raise UserError(
                f"plugin {plugin!r}{where}: {kind} {spec.name!r} has {role}={ref!r}, which cannot "
                f"be used: {problem}; fix the reference or the plugin's dependencies, or choose "
                f"another {kind if kind in ('task', 'probe') else 'method'}"
            )
