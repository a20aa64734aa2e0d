"""A task's or method's own check of a whole config: one line, before any cell starts."""

from __future__ import annotations

import dataclasses

import pytest

from harness import UserError
from harness.cell import identify
from harness.plugins import Registry, build_plugin_manager
from harness.runner import make_cell

TASK, METHOD = "inr_image", "winner"


def _steps_must_be_even(cfg):
    if cfg.steps % 2:
        raise UserError(f"task.steps={cfg.steps} must be even for this test")


def _raises_value_error(cfg):
    raise ValueError("hidden_layers and width disagree")


def _with_checks(task_check=None, method_check=None) -> Registry:
    registry = Registry.from_plugin_manager(build_plugin_manager())
    task = registry.tasks[TASK]
    registry.tasks[TASK] = dataclasses.replace(task, check_config=task_check)
    key = (task.slot, METHOD)
    registry.methods[key] = dataclasses.replace(registry.methods[key], check_config=method_check)
    return registry


def test_a_config_the_task_refuses_is_one_line_after_the_preset_fills_it():
    registry = _with_checks(task_check=_steps_must_be_even)
    identify(make_cell(registry, TASK, METHOD, task_overrides={"steps": 4}), registry)
    with pytest.raises(UserError, match=r"task\.steps=5 must be even"):
        identify(make_cell(registry, TASK, METHOD, task_overrides={"steps": 5}), registry)


def test_a_check_that_raises_value_error_still_reads_as_one_line():
    registry = _with_checks(method_check=_raises_value_error)
    with pytest.raises(UserError, match="invalid method config for 'winner': hidden_layers"):
        identify(make_cell(registry, TASK, METHOD), registry)


def test_a_check_reference_that_does_not_import_names_the_plugin_fix():
    registry = _with_checks(task_check="no_such_module:check")
    with pytest.raises(UserError, match="check_config='no_such_module:check', which cannot"):
        identify(make_cell(registry, TASK, METHOD), registry)


def test_a_program_the_task_runs_that_is_not_on_path_is_one_line_before_any_cell(
    tmp_path, monkeypatch
):
    from harness.app import preflight
    from harness.config import register_configs
    from harness.data.missing import missing_data_reason
    from harness.runner import run_cell
    from harness.settings import Settings

    registry = Registry.from_plugin_manager(build_plugin_manager())
    missing = "no-such-program-for-this-test"
    registry.tasks[TASK] = dataclasses.replace(
        registry.tasks[TASK], programs={missing: "apt-get install it"}
    )
    monkeypatch.setattr("harness.app.get_registry", lambda: registry)
    register_configs(registry)
    line = rf"task '{TASK}' runs the program '{missing}', which is not on PATH; install it"
    with pytest.raises(UserError, match=line):
        preflight([f"task={TASK}", f"method={METHOD}", "scale=smoke"])
    settings = Settings.from_env(results_dir=tmp_path / "results")
    with pytest.raises(UserError, match=line):
        run_cell(make_cell(registry, TASK, METHOD), registry, settings)
    assert not (tmp_path / "results" / "runs" / TASK).exists()  # no record, no cell started
    # a test that fails only for the program's lack is skipped, naming it; never once it is there
    reason = missing_data_reason(f"UserError: {line}", tmp_path, {})
    assert reason == f"needs the program {missing}, which is not on PATH"
    assert missing_data_reason(f"UserError: {line.replace(missing, 'sh')}", tmp_path, {}) is None
