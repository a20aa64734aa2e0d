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
