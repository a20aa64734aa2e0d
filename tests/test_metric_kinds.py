"""Metric kinds (score, cost, diagnostic): what a declaration may say, and the host's one-line
warning when a task reports a metric it does not declare."""

import dataclasses

import pytest

from harness import MetricSpec, TaskConfig, TaskSpec
from harness.errors import UserError
from harness.runner import TrainerOptions, make_cell, run_cell


def test_a_goal_in_second_place_still_declares_a_score():
    psnr = MetricSpec("psnr", "max", "full-signal PSNR", "dB")
    assert (psnr.kind, psnr.goal, psnr.unit) == ("score", "max", "dB")


def test_a_diagnostic_is_declared_without_a_goal_and_refuses_one():
    assert MetricSpec("best_step", kind="diagnostic").goal is None
    with pytest.raises(UserError, match="a diagnostic has no better direction"):
        MetricSpec("best_step", "min", kind="diagnostic")


@pytest.mark.parametrize("kind", ["score", "cost"])
def test_a_score_or_a_cost_needs_a_goal(kind):
    with pytest.raises(UserError, match=f"'psnr' is a {kind} without a goal"):
        MetricSpec("psnr", kind=kind)


def test_an_unknown_kind_or_goal_is_refused():
    with pytest.raises(UserError, match="choose one of score, cost, diagnostic"):
        MetricSpec("psnr", "max", kind="quality")
    with pytest.raises(UserError, match="choose 'max' or 'min'"):
        MetricSpec("psnr", "up")


def _task(metrics, primary="psnr"):
    return TaskSpec(
        name="t",
        slot="s",
        config=TaskConfig,
        run="m:f",
        metrics=tuple(metrics),
        primary=primary,
        scales={},
    )


def test_the_primary_metric_must_be_a_declared_score():
    params = MetricSpec("params", "min", kind="cost")
    best = MetricSpec("best_step", kind="diagnostic")
    with pytest.raises(UserError, match=r"'best_step', a diagnostic: .* must be a score"):
        _task([params, best], primary="best_step")
    with pytest.raises(UserError, match="'params', a cost"):
        _task([params, best], primary="params")
    with pytest.raises(UserError, match="which it does not declare"):
        _task([params, best], primary="psnr")


def test_a_placeholder_declares_a_family_of_names():
    task = _task([MetricSpec("psnr", "max"), MetricSpec("psnr_{set}", "max", "one test set")])
    assert task.metric("psnr_set14").description == "one test set"
    assert task.metric("psnr").description == ""  # its own declaration, not the family's
    assert task.declares("psnr_set5") and not task.declares("psnr_") and not task.declares("ssim")


def test_every_builtin_metric_kind_is_right_for_the_known_cases(registry):
    """The fake goals of parameter counts and best steps are gone."""
    assert registry.tasks["inr_image"].metric("params").kind == "cost"
    assert registry.tasks["inr_image"].metric("best_step").kind == "diagnostic"
    assert registry.tasks["zinc"].metric("best_epoch").kind == "diagnostic"
    assert registry.tasks["gcl_graph"].metric("accuracy_fold_std").kind == "diagnostic"
    assert registry.tasks["sr_x4"].metric("psnr_y_bsd100").kind == "score"
    assert registry.tasks["ms_predict"].metric("params").kind == "cost"


def test_an_undeclared_reported_metric_is_kept_with_one_warning_line(registry, settings, capsys):
    inr = registry.tasks["inr_image"]
    without_mse = dataclasses.replace(inr, metrics=tuple(m for m in inr.metrics if m.name != "mse"))
    edited = dataclasses.replace(registry, tasks={**registry.tasks, "inr_image": without_mse})
    cell = make_cell(edited, "inr_image", "siren", trainer=TrainerOptions(isolate=False))
    record = run_cell(cell, edited, settings)
    assert record.status == "ok" and record.metrics["mse"] > 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert warnings == [
        "warning: task 'inr_image' reported undeclared metric(s) 'mse'; the record keeps them, "
        "shown without a goal: declare each in the task's TaskSpec.metrics (a MetricSpec with "
        "its kind)"
    ]


def test_a_task_that_declares_what_it_reports_prints_no_warning(registry, settings, capsys):
    cell = make_cell(registry, "inr_image", "siren", trainer=TrainerOptions(isolate=False))
    assert run_cell(cell, registry, settings).status == "ok"
    assert "warning" not in capsys.readouterr().err
