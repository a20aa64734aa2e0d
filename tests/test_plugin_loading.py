"""A broken plugin costs only itself: it is reported once, in one line, and listed as failed,
while every other plugin's listings and cells keep working; pre-flight refuses a cell whose
plugin code does not resolve before any cell starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from support import REPO, run_cli

import harness.app as app
from harness import MethodConfig, MethodSpec, MetricSpec, SlotSpec, TaskConfig, TaskSpec, hookimpl
from harness.config import register_configs
from harness.errors import UserError
from harness.plugin_loading import PluginHost, load_entry_point
from harness.plugins import Registry, build_plugin_manager, check_code_references, plugin_table
from harness.records import RecordStore

BROKEN = REPO / "tests" / "fixtures" / "broken-plugins"
# plugin name → what its one line says after "failed to load: "
FAILURES = {
    "broken_import": "ModuleNotFoundError: No module named 'sh_dependency_that_is_not_installed'",
    "broken_syntax": "SyntaxError: '(' was never closed",
    "misspelt_hook": "PluginValidationError: unknown hook spectral_harness_register_method "
    "(did you mean spectral_harness_register_methods?)",
    "config_without_default": "TypeError: non-default argument 'width' follows default argument",
}
SMOKE = ("scale=smoke", "task.steps=2", "logger=console")


@pytest.fixture(scope="module")
def broken_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every broken fixture plugin, pip-installed into a throwaway folder."""
    site = tmp_path_factory.mktemp("broken-site")
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile"),
            *("--no-build-isolation", "--no-index", "--target", str(site)),
            *map(str, sorted(BROKEN.iterdir())),
        ],
        check=True,
        capture_output=True,
    )
    return site


@pytest.fixture
def broken_env(broken_site: Path, isolated_dirs: Path) -> dict[str, str]:
    """Environment for CLI subprocesses that see the broken plugins (and this test's folders)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(broken_site), env.get("PYTHONPATH")]))
    return env


@pytest.fixture(scope="module")
def listing(broken_site: Path) -> subprocess.CompletedProcess:
    """``spectral-harness plugins`` with the broken plugins installed (run once)."""
    path = os.pathsep.join(filter(None, [str(broken_site), os.environ.get("PYTHONPATH")]))
    return run_cli("plugins", env={**os.environ, "PYTHONPATH": path})


@pytest.mark.parametrize("name", FAILURES)
def test_a_plugin_that_fails_to_load_is_one_warning_and_one_failed_row(listing, name):
    assert listing.returncode == 0, listing.stderr
    (row,) = [line for line in listing.stdout.splitlines() if line.split()[0] == name]
    assert row.split()[3] == "failed" and FAILURES[name] in row
    (warning,) = [line for line in listing.stderr.splitlines() if f"plugin {name} " in line]
    dist = row.split()[1]
    prefix = f"warning: plugin {name} (distribution {dist} 0.0.1) failed to load: "
    assert warning.startswith(prefix + FAILURES[name])
    assert warning.endswith(f"; skip it with HARNESS_BLOCK_PLUGINS={name}")


def test_the_other_plugins_are_listed_as_loaded(listing):
    states = {line.split()[0]: line.split()[3] for line in listing.stdout.splitlines()}
    assert {states[name] for name in ("inr", "graph_pe", "sr", "ms", "pde", "gcl")} == {"loaded"}
    assert states["missing_build"] == "loaded"  # its broken reference is pre-flight's business
    assert len(listing.stderr.strip().splitlines()) == len(FAILURES)


def test_plugins_json_has_state_and_error(broken_env):
    result = run_cli("plugins", "--json", env=broken_env)
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["broken_import"]["state"] == "failed"
    assert rows["broken_import"]["distribution"] == "sh-broken-import"
    assert rows["broken_import"]["error"] == FAILURES["broken_import"]
    assert rows["broken_import"]["hooks"] == []
    assert rows["inr"]["state"] == "loaded" and rows["inr"]["error"] is None


def test_a_blocked_broken_plugin_is_listed_as_blocked_without_a_warning(broken_env):
    env = {**broken_env, "HARNESS_BLOCK_PLUGINS": "broken_import"}
    result = run_cli("plugins", "--json", env=env)
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["broken_import"]["state"] == "blocked"
    assert rows["broken_import"]["version"] == "0.0.1"
    assert "broken_import" not in result.stderr
    assert rows["broken_syntax"]["state"] == "failed"


def test_methods_still_lists_the_builtin_methods(broken_env):
    result = run_cli("methods", env=broken_env)
    assert result.returncode == 0, result.stderr
    names = {line.split()[0] for line in result.stdout.splitlines()}
    assert {"siren", "winner", "spe", "fno", "span", "dual", "graff_ms"} <= names


def test_a_builtin_cell_still_runs_and_each_failure_is_reported_once(broken_env, isolated_dirs):
    result = run_cli("run", "task=inr_image", "method=siren", *SMOKE, env=broken_env)
    assert result.returncode == 0, result.stderr
    (record,) = RecordStore(isolated_dirs / "runs").iter_records()
    assert record.status == "ok"
    assert record.versions["plugin:spectral-harness-inr"] == "0.1.0"  # distributions still known
    for name in FAILURES:
        assert result.stderr.count(f"warning: plugin {name} ") == 1


@pytest.mark.parametrize(
    "args", [("method=missing_build",), ("-m", "method=siren,missing_build", "seed=0,1")]
)
def test_preflight_refuses_a_build_reference_that_does_not_resolve(broken_env, isolated_dirs, args):
    result = run_cli("run", *args, "task=inr_image", *SMOKE, env=broken_env)
    assert result.returncode == 2
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith(
        "error: plugin 'missing_build' (distribution sh-missing-build 0.0.1): method "
        "'missing_build' has build='sh_missing_build.models:no_such_function', which cannot be "
        "used: AttributeError: module 'sh_missing_build.models' has no attribute "
        "'no_such_function'; fix the reference"
    )
    assert not list((isolated_dirs / "runs").rglob("*.json"))  # refused before any cell


# --- in-process: registration hooks that fail, clashes, slots no plugin defines -----------------


@pytest.fixture
def fake_slot():
    return SlotSpec("fake_slot", "a slot of the test plugins", problem="-", component="-")


def _methods_plugin(*specs: MethodSpec, slots: tuple[SlotSpec, ...] = ()) -> object:
    class Plugin:
        @hookimpl
        def spectral_harness_register_slots(self):
            return list(slots)

        @hookimpl
        def spectral_harness_register_methods(self):
            return list(specs)

    return Plugin()


def _method(name: str, slot: str = "inr_init", **kwargs) -> MethodSpec:
    return MethodSpec(name, slot, MethodConfig, "sh_faulty.models:always_fails", **kwargs)


def _build(*plugins: object) -> Registry:
    return Registry.from_plugin_manager(build_plugin_manager(extra_plugins=plugins))


def test_a_registration_hook_that_raises_drops_all_of_its_plugins_contributions(capsys, fake_slot):
    class Raising:
        @hookimpl
        def spectral_harness_register_slots(self):
            return [fake_slot]

        @hookimpl
        def spectral_harness_register_tasks(self):
            raise RuntimeError("cannot list my tasks")

    plugin = Raising()
    registry = _build(plugin)
    assert "fake_slot" not in registry.slots and "inr_image" in registry.tasks
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("warning: plugin ") and "HARNESS_BLOCK_PLUGINS=" in line
    assert (
        "failed to load: RuntimeError: cannot list my tasks (in spectral_harness_register_tasks)"
        in line
    )
    assert not registry.pm.is_registered(plugin)  # its observer hooks are gone too
    assert [s.state for s in registry.pm.statuses.values()].count("failed") == 1


def test_a_hook_that_returns_something_else_than_a_list_of_specs_is_dropped(capsys):
    class NotAList:
        @hookimpl
        def spectral_harness_register_methods(self):
            return _method("lonely")

    registry = _build(NotAList())
    assert ("inr_init", "lonely") not in registry.methods
    assert "must return a list of MethodSpec" in capsys.readouterr().err


def test_a_config_that_cannot_be_made_from_its_defaults_drops_the_plugin(capsys):
    @dataclass
    class Picky(MethodConfig):
        def __post_init__(self):
            raise ValueError("width must be set")

    spec = MethodSpec("picky", "inr_init", Picky, "x:y")
    registry = _build(_methods_plugin(spec, _method("innocent")))
    assert ("inr_init", "innocent") not in registry.methods  # all of it, consistently
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "the config Picky of 'picky' cannot be made with its defaults" in line
    assert "ValueError: width must be set" in line and "give every field a default" in line
    register_configs(registry)  # Hydra's ConfigStore makes every remaining config


def test_a_method_name_clash_keeps_the_first_and_advises_renaming(capsys):
    intruder = _methods_plugin(_method("siren", summary="impostor"), _method("original"))
    registry = _build(intruder)
    assert registry.methods[("inr_init", "siren")].summary != "impostor"
    assert registry.owners[("method", ("inr_init", "siren"))] == "inr"
    assert ("inr_init", "original") in registry.methods  # the rest of the plugin stays
    (line,) = capsys.readouterr().err.strip().splitlines()
    name = registry.pm.get_name(intruder)
    assert line == (
        f"warning: method 'siren' of slot 'inr_init' is registered by plugins 'inr' and "
        f"{name!r}; the first is used (plugins load in the order of their names): rename the "
        f"other method in {name!r}"
    )


def test_a_method_of_a_slot_no_plugin_defines_drops_only_that_plugin(capsys, fake_slot):
    lost = _methods_plugin(
        _method("fine"), _method("stray", slot="no_such_slot"), slots=(fake_slot,)
    )
    dependent = _methods_plugin(_method("needs_fake", slot="fake_slot"))
    registry = _build(lost, dependent)
    assert ("inr_init", "fine") not in registry.methods and "fake_slot" not in registry.slots
    # leaving `lost` out removes fake_slot, so `dependent` goes as well
    assert ("fake_slot", "needs_fake") not in registry.methods
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2
    assert "method 'stray' names slot 'no_such_slot', which no plugin defines" in lines[0]
    assert "method 'needs_fake' names slot 'fake_slot', which no plugin defines" in lines[1]
    assert ("inr_init", "siren") in registry.methods


def test_a_plugin_without_hooks_is_hookless():
    class Empty:
        pass

    plugin = Empty()
    registry = _build(plugin)
    name = registry.pm.get_name(plugin)
    (row,) = [row for row in plugin_table(registry.pm) if row["name"] == name]
    assert row["state"] == "hookless" and row["hooks"] == []


def test_a_blocked_host_plugin_is_listed_as_blocked(monkeypatch):
    monkeypatch.setenv("HARNESS_BLOCK_PLUGINS", "harness.loggers.wandb")
    rows = {row["name"]: row for row in plugin_table(build_plugin_manager())}
    assert rows["harness.loggers.wandb"]["state"] == "blocked"
    assert rows["harness.loggers.console"]["state"] == "loaded"


def test_two_distributions_with_one_plugin_name_keep_the_first(capsys):
    def entry_point(dist: str, module: object) -> SimpleNamespace:
        meta = SimpleNamespace(metadata={"name": dist}, version="1.0")
        return SimpleNamespace(name="twin", dist=meta, load=lambda: module)

    host = PluginHost()
    first, second = _methods_plugin(), _methods_plugin()
    load_entry_point(host, entry_point("dist-a", first))
    load_entry_point(host, entry_point("dist-b", second))
    assert host.get_plugin("twin") is first
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "'twin' is declared by distribution dist-a 1.0 and by distribution dist-b 1.0" in line
    load_entry_point(host, entry_point("dist-a", first))  # the same distribution seen twice
    assert not capsys.readouterr().err


@pytest.mark.parametrize(
    ("ref", "problem"),
    [
        ("sh_no_such_module:build", "ModuleNotFoundError: No module named 'sh_no_such_module'"),
        ("harness.specs:SlotSpec.name", "AttributeError"),
        ("harness.plugins:HOST_PLUGINS", "it is a tuple, not callable"),
        ("harness.specs.resolve", "must look like 'package.module:function'"),
    ],
)
def test_check_code_references_names_the_plugin_reference_and_error(ref, problem):
    registry = _build(_methods_plugin(_method("refd")))
    spec = MethodSpec("refd", "inr_init", MethodConfig, ref)
    registry.methods[("inr_init", "refd")] = spec
    with pytest.raises(UserError) as caught:
        check_code_references(registry, registry.tasks["inr_image"], spec)
    message = str(caught.value)
    assert f"method 'refd' has build={ref!r}, which cannot be used: " in message
    assert problem in message and "\n" not in message
    check_code_references(registry, registry.tasks["inr_image"], registry.method("siren"))


def test_preflight_resolves_code_once_per_task_and_method(monkeypatch):
    from harness.plugins import get_registry

    register_configs(get_registry())
    pairs = []
    monkeypatch.setattr(
        app, "check_code_references", lambda r, t, m, probes=(): pairs.append((t, m))
    )
    app.preflight(
        ["task=inr_image", "method=siren,winner", "task.steps=10,20", "seed=0,1,2", "scale=smoke"],
        multirun=True,
    )
    assert sorted((t.name, m.name) for t, m in pairs) == [
        ("inr_image", "siren"),
        ("inr_image", "winner"),
    ]


def test_a_task_config_that_cannot_be_made_from_its_defaults_drops_the_plugin(capsys):
    @dataclass
    class Broken(TaskConfig):
        def __post_init__(self):
            raise RuntimeError("no")

    class TaskPlugin:
        @hookimpl
        def spectral_harness_register_tasks(self):
            psnr = MetricSpec("psnr", "max")
            return [TaskSpec("t", "inr_init", Broken, "x:y", (psnr,), "psnr", {})]

    registry = _build(TaskPlugin())
    assert "t" not in registry.tasks
    assert "the config Broken of 't' cannot be made" in capsys.readouterr().err


def test_a_config_that_is_no_dataclass_of_the_right_base_drops_the_plugin(capsys):
    class Plain:  # instantiates with its defaults, but Hydra cannot store it
        def __init__(self, name: str = "") -> None:
            self.name = name

    class MethodPlugin:
        @hookimpl
        def spectral_harness_register_methods(self):
            return [MethodSpec("plain", "inr_init", Plain, "x:y")]

    registry = _build(MethodPlugin())
    assert "plain" not in registry.method_names()
    assert "must be a dataclass subclass of harness.MethodConfig" in capsys.readouterr().err
