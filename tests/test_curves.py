"""Convergence from the curves kept with the records (`spectral-harness curves`): values at
fractions of the run, the best value, when each seed got there, and the verdict; a changed curves
file is left out with one line, never read."""

from __future__ import annotations

import math

import numpy as np
import pytest

from harness.cli import main
from harness.curves import SeedCurve, convergence, render_convergence
from harness.errors import UserError
from harness.leaderboard import build_leaderboard
from harness.records import RecordStore, RunRecord
from harness.runner import make_cell, run_cell

STEPS = list(range(10, 101, 10))
EARLY = [5.0, 2.0, 1.05, 1.0, 1.02, 1.0, 1.01, 1.0, 1.0, 1.0]  # within 5 % of 1.0 from step 30
LATE = [10.0, 9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0]  # reaches its best at the last step


def _save(store: RecordStore, method: str, seed: int, values: list[float], curves=None):
    run_id = f"{method}{seed}"
    curves = curves or {
        "eval/val_loss": {"step": STEPS, "value": values, "goal": "min"},
        "train/loss": {"step": STEPS, "value": values},  # kept without its goal
    }
    artifacts = store.save_artifacts("t", method, run_id, curves, {})
    record = RunRecord(
        run_id=run_id,
        task="t",
        method=method,
        slot="s",
        seed=seed,
        scale="cpu",
        status="ok",
        config_hash="c",
        metrics={"loss": values[-1]},
        primary_metric="loss",
        goal="min",
        artifacts=artifacts,
    )
    store.save(record)
    return record


def _table(store: RecordStore, **options):
    board = build_leaderboard(list(store.iter_records()))
    return convergence(board, store, **options).set_index("method")


def test_a_run_that_settled_early_converged_and_one_still_falling_did_not(tmp_path):
    store = RecordStore(tmp_path)
    for seed in range(2):
        _save(store, "early", seed, EARLY)
        _save(store, "late", seed, [v + seed for v in LATE])
    table = _table(store)
    early, late = table.loc["early"], table.loc["late"]
    assert early["curve"] == "eval/val_loss" and early["seeds"] == 2
    assert early["reached_latest"] == pytest.approx(0.3) and early["verdict"] == "converged"
    assert late["reached_latest"] == pytest.approx(1.0) and late["verdict"] == "still improving"
    # late's seeds end at 1.0 and 2.0; at 50 % of the run (step 50) they stood at 6 and 7
    assert late["at_50%_mean"] == pytest.approx(6.5) and late["at_100%_mean"] == pytest.approx(1.5)
    assert late["best_mean"] == pytest.approx(1.5) and late["best_std"] == pytest.approx(
        math.sqrt(0.5)
    )


def test_a_curve_logged_once_or_twice_is_not_judged(tmp_path):
    store = RecordStore(tmp_path)
    short = {"eval/val_loss": {"step": [50, 100], "value": [2.0, 1.0], "goal": "min"}}
    _save(store, "short", 0, EARLY, curves=short)
    row = _table(store).loc["short"]
    assert row["verdict"] == "too few points (2)" and math.isnan(row["reached_latest"])
    assert "| – | too few points (2) |" in render_convergence(
        _table(store).reset_index(), "md", 0.05
    )


def test_for_a_score_that_grows_the_best_is_the_highest():
    curve = SeedCurve(np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.5, 0.9, 0.8, 0.7]))
    assert curve.best("max") == 0.9 and curve.reached("max", 0.05) == pytest.approx(0.5)
    assert curve.best("min") == 0.5 and curve.reached("min", 0.05) == pytest.approx(0.25)
    assert curve.at(0.6) == 0.9 and math.isnan(curve.at(0.1))


def test_a_changed_curves_file_is_left_out_with_one_line(tmp_path):
    store = RecordStore(tmp_path)
    _save(store, "early", 0, EARLY)
    changed = _save(store, "early", 1, EARLY)
    path = store.artifact_dir("t", "early", changed.run_id) / "curves.json"
    path.write_text(path.read_text().replace("5.0", "0.5"))
    lines: list[str] = []
    table = _table(store, warn=lines.append)
    assert table.loc["early", "seeds"] == 1
    assert len(lines) == 1 and "early1" in lines[0] and "changed since" in lines[0]


def test_an_unknown_curve_or_tolerance_is_one_line_naming_what_there_is(tmp_path):
    store = RecordStore(tmp_path)
    _save(store, "early", 0, EARLY)
    with pytest.raises(
        UserError, match=r"no record here kept a curve named 'val_los'.*eval/val_loss"
    ):
        _table(store, curve="val_los")
    with pytest.raises(UserError, match="out of range"):
        _table(store, within=1.5)
    with pytest.raises(UserError, match=r"logged without a goal .* --goal min"):
        _table(store, curve="train/loss", strict=True)
    assert _table(store, curve="train/loss", goal="min").loc["early", "curve"] == "train/loss"
    # told that higher is better, the same curve's best is its first value
    assert _table(store, goal="max").loc["early", "best_mean"] == 5.0


def test_renderers_show_one_table_per_section(tmp_path):
    store = RecordStore(tmp_path)
    _save(store, "early", 0, EARLY)
    table = convergence(build_leaderboard(list(store.iter_records())), store)
    text = render_convergence(table, "md", 0.05)
    assert "### t (scale=cpu)" in text and "| early | eval/val_loss | 1 | 100 |" in text
    assert "30% of the run | converged |" in text
    assert render_convergence(table, "csv", 0.05).startswith("task,scale,variant,data,method")


def test_the_command_reads_a_real_sweep(registry, settings, capsys):
    for seed in range(2):
        run_cell(make_cell(registry, "inr_image", "siren", seed=seed), registry, settings)
    assert main(["curves", "--task", "inr_image", "--format", "md"]) == 0
    out = capsys.readouterr().out
    assert "### inr_image (scale=smoke)" in out and "| siren | eval/psnr | 2 |" in out
    # the shared loop keeps each curve's goal: PSNR grows, the loss falls
    record = next(RecordStore(settings.runs_dir).iter_records())
    kept = RecordStore(settings.runs_dir).read_artifact(record, "curves")
    assert kept["eval/psnr"]["goal"] == "max" and kept["train/loss"]["goal"] == "min"
    assert main(["curves", "--task", "inr_image", "--curve", "nope"]) == 2
    assert "curves kept:" in capsys.readouterr().err


def test_a_task_whose_curve_cannot_be_told_is_named_not_guessed(tmp_path):
    store = RecordStore(tmp_path)
    two = {name: {"step": [1], "value": [1.0]} for name in ("eval/a", "eval/b")}
    _save(store, "early", 0, EARLY, curves=two)
    with pytest.raises(UserError, match=r"task 't': say which curve .*eval/a, eval/b"):
        _table(store, strict=True)
    lines: list[str] = []
    board = build_leaderboard(list(store.iter_records()))
    assert convergence(board, store, warn=lines.append).empty
    assert "--task t --curve NAME" in lines[0]


def test_a_curve_goal_is_min_or_max_and_kept_only_with_a_logged_curve():
    from harness.context import RunContext

    ctx = RunContext.__new__(RunContext)  # only the curve bookkeeping is exercised
    ctx.curves, ctx.curve_goals = {"eval/acc": {"step": [1], "value": [0.5]}}, {}
    with pytest.raises(ValueError, match="must be 'min' or 'max'"):
        ctx.curve_goal("eval/acc", "up")
    ctx.curve_goal("eval/acc", "max")
    ctx.curve_goal("eval/never_logged", "min")
    assert ctx.kept_curves() == {"eval/acc": {"step": [1], "value": [0.5], "goal": "max"}}
