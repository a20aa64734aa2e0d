"""Conformance checks and test helpers for Spectral Harness plugins.

A plugin author tests a method with one call (the fixtures come from the pytest plugin that ships
with the harness, :mod:`harness.pytest_plugin`)::

    from harness.testing import check_method

    def test_my_method_conforms(harness_settings):
        check_method("my_method", settings=harness_settings)

:func:`check_method` runs every check below against every installed task of the method's slot;
:func:`check_task` does the same for a task and every method of its slot. Each check is also a
public function of its own, and every one raises :class:`ConformanceError` (an
``AssertionError``) with one line naming the task/method and what is wrong.

**How a component is probed on a real problem.** A slot's problem exists only inside its task's
``run``: the task loads data and sizes the problem before it calls ``build(problem)``. So
:func:`build_on_task` runs the task at ``scale=smoke`` with a ``build`` that builds the component,
probes it with the host's own probe (:func:`harness.runner.check_component`, the slot's
``SlotSpec.check``) and then raises a private sentinel carrying (problem, component) out of the
task, where the kit catches it. No training step runs, no record is written, no observer is
called, and the problem is exactly the one the task hands to every method. The sentinel derives
from ``BaseException`` so that a task's own ``except Exception`` cannot swallow it. The rejected
alternatives: a problem factory per slot (each new slot needs one, and they drift from what the
tasks really build) and a full cell (slower, and a contract failure comes back as a record's
message, without the problem to inspect).

**Checks in order.** Registration (:func:`check_method_registration`,
:func:`check_task_registration`), ranges of the defaults and of every scale preset
(:func:`assert_presets_in_range`), build and probe (:func:`build_on_task`), a smoke cell that ends
``ok`` (:func:`check_smoke_cell`) and, last, that every metric a cell reported is declared by its
task (:func:`check_metrics_declared`, raising :class:`UndeclaredMetrics`): an undeclared metric is
the task's fault, so a method's own failures are reported first.

The helpers ``assert_refused``, ``assert_contract_error``, ``broken_method_record`` and
``assert_failed_record`` cover the patterns of a plugin's contract tests.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import hookimpl
from harness.cell import ResolvedCell, TrainerOptions, identify, make_cell
from harness.config import SCALES, apply_scale
from harness.context import RunContext
from harness.errors import ContractError, UserError
from harness.plugin_loading import PluginHost
from harness.plugins import (
    Registry,
    blocked_plugin_names,
    build_plugin_manager,
)
from harness.records import RunRecord
from harness.runner import (
    check_component,
    data_store,
    restored_numeric_state,
    run_cell,
    seed_everything,
    select_device,
)
from harness.settings import Settings, WandbSettings
from harness.specs import MethodConfig, MethodSpec, TaskSpec, resolve, validate_config

SMOKE_TIME_LIMIT_S = 300.0
"""Wall-clock limit of a smoke cell run by the kit (every built-in smoke cell takes < 30 s)."""


class ConformanceError(AssertionError):
    """A plugin's task or method breaks the harness's rules; the message is one line."""


class UndeclaredMetrics(ConformanceError):
    """A cell reported metrics its task does not declare in ``TaskSpec.metrics``."""


@dataclass(frozen=True)
class Built:
    """A component built by a method for a task's real smoke problem, after its slot's probe."""

    problem: Any
    component: Any


class _Stop(BaseException):
    """Carries (problem, component) out of a task's ``run`` once the component is probed."""

    def __init__(self, built: Built) -> None:
        super().__init__("stopped after the component probe")
        self.built = built


# -------------------------------------------------------------------------------------------------
# Everything at once
# -------------------------------------------------------------------------------------------------


def check_method(
    name: str,
    *,
    slot: str | None = None,
    tasks: list[str] | None = None,
    registry: Registry | None = None,
    settings: Settings | None = None,
) -> None:
    """Every check on method ``name``, against ``tasks`` (default: every task of its slot).

    Without ``settings`` the smoke cells write their records to a temporary folder.
    """
    __tracebackhide__ = True
    registry = registry or load_registry()
    spec = check_method_registration(name, slot, registry=registry)
    assert_presets_in_range(spec)
    names = tasks or registry.tasks_for_slot(spec.slot)
    if not names:
        raise ConformanceError(
            f"method {name!r}: slot {spec.slot!r} has no installed task to check it against"
        )
    _check_pairs([(task, name) for task in names], registry, settings)


def check_task(
    name: str,
    *,
    methods: list[str] | None = None,
    registry: Registry | None = None,
    settings: Settings | None = None,
) -> None:
    """Every check on task ``name``, with ``methods`` (default: every method of its slot).

    Without ``settings`` the smoke cells write their records to a temporary folder.
    """
    __tracebackhide__ = True
    registry = registry or load_registry()
    spec = check_task_registration(name, registry=registry)
    assert_presets_in_range(spec)
    names = methods or registry.methods_for_slot(spec.slot)
    if not names:
        raise ConformanceError(
            f"task {name!r}: slot {spec.slot!r} has no installed method to check it with"
        )
    _check_pairs([(name, method) for method in names], registry, settings)


def _check_pairs(
    pairs: list[tuple[str, str]], registry: Registry, settings: Settings | None
) -> None:
    __tracebackhide__ = True
    with settings_or_temporary(settings) as settings:
        records = []
        for task, method in pairs:
            build_on_task(task, method, registry=registry, settings=settings)
            records.append(check_smoke_cell(task, method, registry=registry, settings=settings))
        for record in records:
            check_metrics_declared(record, registry=registry)


# -------------------------------------------------------------------------------------------------
# Registry, parametrisation and settings
# -------------------------------------------------------------------------------------------------


def load_registry() -> Registry:
    """A fresh registry of the installed plugins; a plugin that fails to load is one line."""
    __tracebackhide__ = True
    try:
        return Registry.from_plugin_manager(build_plugin_manager())
    except Exception as exc:
        raise ConformanceError(
            f"the installed plugins do not load: {type(exc).__name__}: {_first_line(exc)}"
        ) from exc


def pairs(registry: Registry, *, slot: str | None = None) -> list[tuple[str, str]]:
    """Every installed (task, method) pair whose method fits the task's slot, sorted; for
    ``pytest.mark.parametrize`` (use :func:`pair_id` for the ids)."""
    return [
        (task, method)
        for task, spec in sorted(registry.tasks.items())
        if slot is None or spec.slot == slot
        for method in registry.methods_for_slot(spec.slot)
    ]


def pair_id(pair: tuple[str, str]) -> str:
    """The test id of a (task, method) pair, e.g. ``inr_image-winner``."""
    return "-".join(pair)


@contextlib.contextmanager
def settings_or_temporary(settings: Settings | None) -> Iterator[Settings]:
    """``settings``, or settings whose results go to a temporary folder (removed afterwards),
    with the environment's data and cache folders, no progress bars and no W&B mirror."""
    if settings is not None:
        yield settings
        return
    with tempfile.TemporaryDirectory(prefix="harness-results-") as tmp:
        yield Settings.from_env(
            results_dir=Path(tmp), progress=False, wandb=WandbSettings(enabled=False)
        )


# -------------------------------------------------------------------------------------------------
# Registration and ranges
# -------------------------------------------------------------------------------------------------


def check_method_registration(
    name: str, slot: str | None = None, *, registry: Registry | None = None
) -> MethodSpec:
    """Method ``name`` is registered by a loaded plugin and has presets only for known scales;
    returns its spec.

    The registry itself leaves out, with the reason, a plugin whose method names a slot no
    plugin defines or whose config is not a dataclass that can be made with its defaults; the
    failure names such plugins. A name registered twice in a slot keeps its first registration.
    """
    __tracebackhide__ = True
    registry = registry or load_registry()
    spec = _lookup(registry, lambda: registry.method(name, slot), "method", name)
    _check_scale_names(spec, "method")
    return spec


def check_task_registration(name: str, *, registry: Registry | None = None) -> TaskSpec:
    """Task ``name`` is registered by a loaded plugin, has a preset for every scale and for no
    other, and declares each metric once; returns its spec. (As for methods, the registry leaves
    out a plugin whose task names an undefined slot or has a config that cannot be made with its
    defaults, and a TaskSpec whose primary metric is not a declared score cannot be made.)"""
    __tracebackhide__ = True
    registry = registry or load_registry()
    spec = _lookup(registry, lambda: registry.task(name), "task", name)
    missing = [scale for scale in SCALES if scale not in spec.scales]
    if missing:
        raise ConformanceError(f"task {name!r} has no preset for scale {', '.join(missing)}")
    _check_scale_names(spec, "task")
    metric_names = [metric.name for metric in spec.metrics]
    repeated = sorted({m for m in metric_names if metric_names.count(m) > 1})
    if repeated:
        raise ConformanceError(f"task {name!r} declares metric {', '.join(repeated)} twice")
    return spec


def assert_presets_in_range(spec: TaskSpec | MethodSpec) -> None:
    """The config's defaults and every scale preset of ``spec`` are within the declared
    ``param()`` ranges (and a preset sets only fields the config has)."""
    __tracebackhide__ = True
    kind = "task" if isinstance(spec, TaskSpec) else "method"
    defaults = spec.config(name=spec.name)
    for scale in (None, *spec.scales):
        try:
            cfg = defaults if scale is None else apply_scale(spec, defaults, scale)
            validate_config(cfg, kind)
        except (UserError, ValueError) as exc:
            where = "its defaults" if scale is None else f"preset {scale!r}"
            raise ConformanceError(f"{kind} {spec.name!r}, {where}: {exc}") from None


def _lookup(registry: Registry, find: Callable[[], Any], kind: str, name: str) -> Any:
    __tracebackhide__ = True
    try:
        return find()
    except UserError as exc:
        raise ConformanceError(
            f"{kind} {name!r} is not usable: {exc}{_left_out(registry)}"
        ) from None


def _left_out(registry: Registry) -> str:
    """The plugins a registry left out (blocked, or failed with their reason), as a hint."""
    blocked = sorted(blocked_plugin_names())
    failed = [
        f"{status.name}: {status.error}"
        for status in registry.pm.statuses.values()
        if status.state == "failed"
    ]
    hints = [f"blocked plugins: {', '.join(blocked)}"] if blocked else []
    hints += [f"plugins that failed to load: {'; '.join(failed)}"] if failed else []
    return f" ({'; '.join(hints)})" if hints else ""


def _check_scale_names(spec: TaskSpec | MethodSpec, kind: str) -> None:
    __tracebackhide__ = True
    unknown = sorted(set(spec.scales) - set(SCALES))
    if unknown:
        raise ConformanceError(
            f"{kind} {spec.name!r} has presets for unknown scales {', '.join(unknown)}; "
            f"scales are {', '.join(SCALES)}"
        )


# -------------------------------------------------------------------------------------------------
# Build, smoke cell, metrics
# -------------------------------------------------------------------------------------------------


def build_on_task(
    task: str,
    method: str,
    *,
    registry: Registry | None = None,
    settings: Settings | None = None,
    scale: str = "smoke",
    seed: int = 0,
    task_overrides: Mapping[str, Any] | None = None,
) -> Built:
    """Build ``method`` for the problem ``task`` creates at ``scale`` and probe it with the
    slot's check; return the problem and the component (the task stops right after).

    ``task_overrides`` replace preset values, e.g. to shorten work a task does before it
    builds that does not shape the problem (a pre-training stage)."""
    __tracebackhide__ = True
    registry = registry or load_registry()
    name = f"{task}/{method}"
    overrides = dict(task_overrides or {})
    try:
        cell = make_cell(registry, task, method, seed=seed, scale=scale, task_overrides=overrides)
        ident = identify(cell, registry)
    except UserError as exc:
        raise ConformanceError(f"{name}: the cell is refused: {exc}") from None

    def build(problem: Any) -> Any:
        component = resolve(ident.method.build)(ident.method_cfg, problem)
        check_component(component, problem, registry, method, ident.task.slot)
        raise _Stop(Built(problem, component))

    with settings_or_temporary(settings) as run_settings, restored_numeric_state():
        ctx = _probe_context(ident, registry, run_settings, scale, seed)
        seed_everything(seed)
        try:
            resolve(ident.task.run)(ident.task_cfg, ctx, build)
        except _Stop as stop:
            return stop.built
        except ContractError as exc:
            raise ConformanceError(f"{name}: {exc}") from None
        except Exception as exc:
            raise ConformanceError(
                f"{name}: building on the {scale} problem failed: "
                f"{type(exc).__name__}: {_first_line(exc)}"
            ) from exc
    raise ConformanceError(
        f"{name}: task {task!r} returned without calling build(problem), "
        f"so method {method!r} was never built"
    )


def _probe_context(
    ident: ResolvedCell, registry: Registry, settings: Settings, scale: str, seed: int
) -> RunContext:
    """A run context without observers (the probe is no run: nothing is logged or recorded)."""
    return RunContext(
        run_id="conformance-probe",
        task=ident.task,
        method=ident.method,
        seed=seed,
        scale=scale,
        config=ident.config,
        settings=settings,
        device=select_device("auto"),
        data=data_store(registry, settings),
        pm=PluginHost(),  # the hook specs and no plugin
        time_limit_s=SMOKE_TIME_LIMIT_S,
    )


def check_smoke_cell(
    task: str,
    method: str,
    *,
    registry: Registry | None = None,
    settings: Settings | None = None,
    trainer: TrainerOptions | None = None,
) -> RunRecord:
    """A ``scale=smoke`` cell of (task, method) runs through the real runner (in a child
    process by default) and ends ``ok``; returns its record."""
    __tracebackhide__ = True
    registry = registry or load_registry()
    trainer = trainer or TrainerOptions(time_limit_s=SMOKE_TIME_LIMIT_S, timeout_grace_s=10.0)
    name = f"{task}/{method}"
    try:
        cell = make_cell(registry, task, method, scale="smoke", trainer=trainer)
    except UserError as exc:
        raise ConformanceError(f"{name}: the cell is refused: {exc}") from None
    with settings_or_temporary(settings) as run_settings:
        record = run_cell(cell, registry, run_settings, force=True)
    if record is None:
        raise ConformanceError(f"smoke cell {name} wrote no record (see the line above)")
    if record.status != "ok":
        error = (record.error or {}).get("message", "no error message")
        raise ConformanceError(f"smoke cell {name} ended {record.status}: {_first_line(error)}")
    return record


def check_metrics_declared(record: RunRecord, *, registry: Registry | None = None) -> None:
    """Every metric in ``record`` is declared by its task (``TaskSpec.metrics``)."""
    __tracebackhide__ = True
    registry = registry or load_registry()
    task = registry.task(record.task)
    undeclared = sorted(name for name in record.metrics if not task.declares(name))
    if undeclared:
        raise UndeclaredMetrics(
            f"task {record.task!r} reported metrics it does not declare in TaskSpec.metrics: "
            f"{', '.join(undeclared)} (cell {record.task}/{record.method})"
        )


# -------------------------------------------------------------------------------------------------
# Helpers for a plugin's contract tests
# -------------------------------------------------------------------------------------------------


def assert_refused(
    task: str,
    method: str,
    *,
    task_overrides: Mapping[str, Any] | None = None,
    method_overrides: Mapping[str, Any] | None = None,
    trainer: TrainerOptions | None = None,
    match: str | None = None,
    registry: Registry | None = None,
) -> str:
    """The cell with these overrides is refused before it runs, in one line that matches the
    regex ``match`` (default, for a single override ``field``: ``^invalid value task.field=``
    or ``method.field=``); returns the message."""
    __tracebackhide__ = True
    registry = registry or load_registry()
    overrides = {
        **{f"task.{k}": v for k, v in (task_overrides or {}).items()},
        **{f"method.{k}": v for k, v in (method_overrides or {}).items()},
    }
    if match is None and len(overrides) == 1:
        match = f"^invalid value {re.escape(next(iter(overrides)))}="
    try:
        cell = make_cell(
            registry,
            task,
            method,
            task_overrides=dict(task_overrides or {}),
            method_overrides=dict(method_overrides or {}),
            trainer=trainer,
        )
        identify(cell, registry)
    except UserError as exc:
        message = str(exc)
    else:
        raise ConformanceError(f"{task}/{method} with {overrides} was not refused")
    if "\n" in message:
        raise ConformanceError(f"the refusal is not one line: {message!r}")
    if match is not None and not re.search(match, message):
        raise ConformanceError(f"the refusal {message!r} does not match {match!r}")
    return message


def assert_contract_error(
    slot: str, component: Any, problem: Any, *fragments: str, registry: Registry | None = None
) -> str:
    """The probe of ``slot`` refuses ``component`` for ``problem`` with one line containing
    every fragment; returns the message."""
    __tracebackhide__ = True
    registry = registry or load_registry()
    check = registry.slots[slot].check
    if check is None:
        raise ConformanceError(f"slot {slot!r} has no probe (SlotSpec.check)")
    try:
        resolve(check)(component, problem)
    except ContractError as exc:
        message = str(exc)
    else:
        raise ConformanceError(f"the {slot!r} probe accepted {type(component).__name__}")
    _assert_one_line_with(message, fragments)
    return message


def broken_method_record(
    task: str,
    build: Callable[[Any, Any], Any],
    *,
    settings: Settings,
    name: str = "broken_method",
    config: type[MethodConfig] = MethodConfig,
    trainer: TrainerOptions | None = None,
) -> RunRecord:
    """Run ``task`` at smoke scale with a throwaway method ``name`` whose component is
    ``build(cfg, problem)``, through the real runner, and return the cell's record."""
    __tracebackhide__ = True
    slot = load_registry().task(task).slot
    registry = Registry.from_plugin_manager(
        build_plugin_manager(extra_plugins=[_OneMethod(MethodSpec(name, slot, config, build))])
    )
    record = run_cell(make_cell(registry, task, name, trainer=trainer), registry, settings)
    if record is None:
        raise ConformanceError(f"cell {task}/{name} wrote no record (see the line above)")
    return record


def assert_failed_record(record: RunRecord, *fragments: str) -> str:
    """``record`` is ``failed`` with a one-line message containing every fragment and without
    its task's primary metric; returns the message."""
    __tracebackhide__ = True
    name = f"{record.task}/{record.method}"
    if record.status != "failed":
        raise ConformanceError(f"cell {name} ended {record.status}, expected failed")
    message = (record.error or {}).get("message", "")
    _assert_one_line_with(message, fragments)
    if record.primary_metric in record.metrics:
        raise ConformanceError(f"failed cell {name} reports {record.primary_metric!r}")
    return message


class _OneMethod:
    """A plugin that registers one method (for :func:`broken_method_record`)."""

    def __init__(self, spec: MethodSpec) -> None:
        self.spec = spec

    @hookimpl
    def spectral_harness_register_methods(self) -> list[MethodSpec]:
        return [self.spec]


def _assert_one_line_with(message: str, fragments: tuple[str, ...]) -> None:
    __tracebackhide__ = True
    if "\n" in message:
        raise ConformanceError(f"the message is not one line: {message!r}")
    missing = [fragment for fragment in fragments if fragment not in message]
    if missing:
        raise ConformanceError(f"the message {message!r} lacks {missing!r}")


def _first_line(value: object) -> str:
    lines = str(value).strip().splitlines()
    return lines[0] if lines else ""
