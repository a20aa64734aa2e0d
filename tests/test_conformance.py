"""Every installed task and method passes the plugin kit's checks (harness.testing), the example
plugin passes them as an author would run them, and each check fails on what it is meant to catch.

Parametrised by the registry's contents at collection time (ids ``<task>-<method>``). The default
suite runs the cheap checks for every pair (registration, ranges, build + probe on the task's smoke
problem: ~10 s for all pairs) and one smoke cell per slot; the smoke cells of the other pairs are
``slow`` (``make test-all``). These use the suite's own ``settings`` (tests/conftest.py), whose
cache the other tests share; the example plugin and the checks' own tests use the kit's fixtures,
as a plugin author would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from torch import nn

from harness import MethodConfig, MethodSpec, MetricSpec, TaskConfig, TaskSpec, hookimpl, param
from harness.config import SCALES
from harness.plugins import Registry, build_plugin_manager, get_registry
from harness.testing import (
    ConformanceError,
    UndeclaredMetrics,
    assert_contract_error,
    assert_failed_record,
    assert_presets_in_range,
    assert_refused,
    broken_method_record,
    build_on_task,
    check_method,
    check_method_registration,
    check_metrics_declared,
    check_smoke_cell,
    check_task_registration,
    load_registry,
    pair_id,
    pairs,
)

REGISTRY = get_registry()
ALL_PAIRS = pairs(REGISTRY)


def _one_pair_per_slot() -> list[tuple[str, str]]:
    """The first task of each slot with its first baseline method (cheap and representative)."""
    chosen = []
    for slot in sorted(REGISTRY.slots):
        slot_pairs = pairs(REGISTRY, slot=slot)
        baselines = [p for p in slot_pairs if REGISTRY.method(p[1], slot).is_baseline]
        if slot_pairs:
            chosen.append((baselines or slot_pairs)[0])
    return chosen


DEFAULT_SMOKE = _one_pair_per_slot()
SLOW_SMOKE = [pair for pair in ALL_PAIRS if pair not in DEFAULT_SMOKE]
# Known breaches of the slot contract, each failing until fixed (strict: a fix makes it pass and
# the mark must go). None at present.
KNOWN_BREACHES: dict[tuple[str, str], str] = {}


def _marked(pairs_: list[tuple[str, str]]) -> list[Any]:
    return [
        pytest.param(*pair, marks=pytest.mark.xfail(strict=True, reason=KNOWN_BREACHES[pair]))
        if pair in KNOWN_BREACHES
        else pair
        for pair in pairs_
    ]


# -------------------------------------------------------------------------------------------------
# Every installed task and method
# -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("task", sorted(REGISTRY.tasks))
def test_every_task_is_registered_with_presets_in_range(task):
    assert_presets_in_range(check_task_registration(task, registry=REGISTRY))


@pytest.mark.parametrize(
    ("slot", "method"), sorted(REGISTRY.methods), ids=[pair_id(k) for k in sorted(REGISTRY.methods)]
)
def test_every_method_is_registered_with_presets_in_range(slot, method):
    assert_presets_in_range(check_method_registration(method, slot, registry=REGISTRY))


@pytest.mark.usefixtures("data_dir")
@pytest.mark.parametrize(("task", "method"), ALL_PAIRS, ids=[pair_id(p) for p in ALL_PAIRS])
def test_every_method_builds_a_conforming_component_for_every_task(task, method, settings):
    build_on_task(task, method, registry=REGISTRY, settings=settings)


def _smoke(task: str, method: str, settings) -> None:
    record = check_smoke_cell(task, method, registry=REGISTRY, settings=settings)
    check_metrics_declared(record, registry=REGISTRY)


@pytest.mark.usefixtures("data_dir")
@pytest.mark.parametrize(("task", "method"), DEFAULT_SMOKE, ids=[pair_id(p) for p in DEFAULT_SMOKE])
def test_one_smoke_cell_per_slot_ends_ok_with_declared_metrics(task, method, settings):
    _smoke(task, method, settings)


@pytest.mark.slow
@pytest.mark.usefixtures("data_dir")
@pytest.mark.parametrize(
    ("task", "method"), _marked(SLOW_SMOKE), ids=[pair_id(p) for p in SLOW_SMOKE]
)
def test_every_smoke_cell_ends_ok_with_declared_metrics(task, method, settings):
    _smoke(task, method, settings)


def test_one_smoke_cell_per_slot_covers_every_slot_with_a_task():
    assert {REGISTRY.tasks[task].slot for task, _ in DEFAULT_SMOKE} == {
        spec.slot for spec in REGISTRY.tasks.values()
    }


@pytest.mark.usefixtures("data_dir")
def test_the_example_plugin_passes_every_check(plugin_site, monkeypatch, harness_settings):
    monkeypatch.syspath_prepend(str(plugin_site))
    check_method("relu_pe", registry=load_registry(), settings=harness_settings)


# -------------------------------------------------------------------------------------------------
# Each check catches what it claims to
# -------------------------------------------------------------------------------------------------


@dataclass(kw_only=True)
class _NoDefaultConfig(MethodConfig):
    width: int


@dataclass
class _WidthConfig(MethodConfig):
    width: int | None = param(None, ge=1)


@dataclass
class _LazyConfig(TaskConfig):
    steps: int | None = param(None, ge=1)


def _wide(cfg: MethodConfig, problem: Any) -> nn.Module:
    return nn.Linear(problem.in_features, problem.out_features + 2)


def _lazy_run(cfg: _LazyConfig, ctx: Any, build: Any) -> dict[str, float]:
    return {"psnr": 1.0, "extra": 2.0}


def _task(name: str, scales: tuple[str, ...] = SCALES) -> TaskSpec:
    return TaskSpec(
        name,
        "inr_init",
        _LazyConfig,
        _lazy_run,
        metrics=(MetricSpec("psnr", "max"),),
        primary="psnr",
        scales={scale: {"steps": 1} for scale in scales},
    )


class _Misfits:
    """Methods and tasks that each break one rule (of those a registry lets through)."""

    @hookimpl
    def spectral_harness_register_methods(self) -> list[MethodSpec]:
        return [
            MethodSpec("bad_preset", "inr_init", _WidthConfig, _wide, scales={"cpu": {"width": 0}}),
            MethodSpec("wide_output", "inr_init", MethodConfig, _wide),
        ]

    @hookimpl
    def spectral_harness_register_tasks(self) -> list[TaskSpec]:
        return [_task("never_builds")]


class _NoDefault:
    """A method whose config cannot be made with its defaults: the registry leaves its plugin
    out, with the reason."""

    @hookimpl
    def spectral_harness_register_methods(self) -> list[MethodSpec]:
        return [MethodSpec("no_default", "inr_init", _NoDefaultConfig, _wide)]


@pytest.fixture(scope="module")
def misfits() -> Registry:
    plugins = [_Misfits(), _NoDefault()]
    return Registry.from_plugin_manager(build_plugin_manager(extra_plugins=plugins))


def _one_line(info: pytest.ExceptionInfo) -> str:
    message = str(info.value)
    assert "\n" not in message
    return message


def test_a_config_field_without_default_is_named_with_its_plugin(misfits):
    with pytest.raises(ConformanceError) as info:
        check_method_registration("no_default", registry=misfits)
    message = _one_line(info)
    assert message.startswith("method 'no_default' is not usable: unknown method")
    assert "cannot be made with its defaults" in message and "'width'" in message


def test_an_unknown_method_is_named():
    with pytest.raises(ConformanceError, match=r"^method 'nope' is not usable: unknown method"):
        check_method_registration("nope", registry=REGISTRY)


def test_a_method_of_a_blocked_plugin_names_the_block(monkeypatch):
    plugin = REGISTRY.owners[("method", ("inr_init", "siren"))]
    monkeypatch.setenv("HARNESS_BLOCK_PLUGINS", plugin)
    with pytest.raises(ConformanceError) as info:
        check_method_registration("siren", registry=load_registry())
    assert _one_line(info).endswith(f"(blocked plugins: {plugin})")


def test_a_plugin_that_fails_to_load_is_one_line(monkeypatch):
    def broken() -> None:
        raise ModuleNotFoundError("No module named 'sh_missing'\nmore")

    monkeypatch.setattr("harness.testing.build_plugin_manager", broken)
    with pytest.raises(ConformanceError) as info:
        load_registry()
    assert _one_line(info).endswith("ModuleNotFoundError: No module named 'sh_missing'")


class _HugeScale:
    """A task with a preset for a scale the harness does not have."""

    @hookimpl
    def spectral_harness_register_tasks(self) -> list[TaskSpec]:
        return [_task("huge_scale", (*SCALES, "huge"))]


def test_a_preset_of_an_unknown_scale_is_named():
    registry = Registry.from_plugin_manager(build_plugin_manager(extra_plugins=[_HugeScale()]))
    with pytest.raises(ConformanceError) as info:
        check_task_registration("huge_scale", registry=registry)
    assert (
        _one_line(info)
        == "task 'huge_scale' has presets for unknown scales huge; scales are smoke, cpu, full"
    )


def test_an_out_of_range_preset_is_named(misfits):
    spec = check_method_registration("bad_preset", registry=misfits)
    with pytest.raises(ConformanceError) as info:
        assert_presets_in_range(spec)
    assert _one_line(info) == (
        "method 'bad_preset', preset 'cpu': invalid value method.width=0: it must be >= 1"
    )


@pytest.mark.usefixtures("data_dir")
def test_a_component_that_breaks_the_contract_fails_the_build_check(misfits, harness_settings):
    with pytest.raises(ConformanceError) as info:
        build_on_task("inr_image", "wide_output", registry=misfits, settings=harness_settings)
    message = _one_line(info)
    assert message.startswith("inr_image/wide_output: method 'wide_output' broke the 'inr_init'")
    assert "output shape (8, 3)" in message


def test_a_task_that_never_builds_is_named(misfits, harness_settings):
    with pytest.raises(ConformanceError, match=r"returned without calling build\(problem\)"):
        build_on_task("never_builds", "siren", registry=misfits, settings=harness_settings)


def test_undeclared_metrics_are_named(misfits, harness_settings):
    record = check_smoke_cell("never_builds", "siren", registry=misfits, settings=harness_settings)
    with pytest.raises(UndeclaredMetrics) as info:
        check_metrics_declared(record, registry=misfits)
    assert "does not declare in TaskSpec.metrics: extra (cell never_builds/siren)" in _one_line(
        info
    )


@pytest.mark.usefixtures("data_dir")
def test_a_failed_smoke_cell_is_named(misfits, harness_settings):
    with pytest.raises(ConformanceError) as info:
        check_smoke_cell("inr_image", "wide_output", registry=misfits, settings=harness_settings)
    assert _one_line(info).startswith("smoke cell inr_image/wide_output ended failed: method")


@pytest.mark.usefixtures("data_dir")
def test_check_method_stops_at_the_first_broken_check(misfits, harness_settings):
    with pytest.raises(ConformanceError, match=r"^inr_audio/wide_output: method 'wide_output'"):
        check_method("wide_output", registry=misfits, settings=harness_settings)


def test_assert_refused_passes_a_refusal_and_fails_an_accepted_value():
    message = assert_refused("inr_audio", "siren", task_overrides={"steps": 0}, registry=REGISTRY)
    assert message == "invalid value task.steps=0: it must be >= 1"
    with pytest.raises(ConformanceError, match=r"was not refused"):
        assert_refused("inr_audio", "siren", task_overrides={"steps": 3}, registry=REGISTRY)
    with pytest.raises(ConformanceError, match=r"does not match"):
        assert_refused(
            "inr_audio",
            "siren",
            method_overrides={"omega_0": 0.0},
            match="^nope",
            registry=REGISTRY,
        )


@pytest.mark.usefixtures("data_dir")
def test_assert_contract_error_passes_a_broken_and_fails_a_valid_component(harness_settings):
    problem = build_on_task(
        "inr_image", "siren", registry=REGISTRY, settings=harness_settings
    ).problem
    assert_contract_error(
        "inr_init", nn.Linear(2, 3), problem, "expected (8, 1)", registry=REGISTRY
    )
    with pytest.raises(ConformanceError, match=r"^the 'inr_init' probe accepted Linear"):
        assert_contract_error("inr_init", nn.Linear(2, 1), problem, registry=REGISTRY)


@pytest.mark.usefixtures("data_dir")
def test_a_broken_method_record_is_a_failed_record(harness_settings):
    record = broken_method_record("inr_image", _wide, settings=harness_settings, name="wide")
    assert_failed_record(record, "method 'wide' broke the 'inr_init' slot contract")
    with pytest.raises(ConformanceError, match=r"lacks \['psnr'\]"):
        assert_failed_record(record, "psnr")
