"""The first hour of a new user: one-line answers to the usual slips, files others can read."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from harness.cli import main
from harness.errors import UserError
from harness.plugins import get_registry
from harness.storage import atomic_write_json


def test_an_unknown_slot_is_refused_not_an_empty_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["methods", "--slot", "nonexistent"]) == 2
    assert "unknown slot 'nonexistent'" in capsys.readouterr().err


def test_leaderboard_of_an_unknown_task_says_so(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HARNESS_RESULTS_DIR", str(tmp_path))
    assert main(["leaderboard", "--task", "nope"]) == 2
    assert "unknown task 'nope'" in capsys.readouterr().err


def test_a_mistyped_method_or_task_gets_a_suggestion() -> None:
    registry = get_registry()
    with pytest.raises(UserError, match=r"did you mean 'siren'"):
        registry.method("sirne")
    with pytest.raises(UserError, match=r"did you mean 'inr_image'"):
        registry.task("inr_imag")


def test_records_honour_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        atomic_write_json(tmp_path / "r.json", {"a": 1})
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "r.json").stat().st_mode) == 0o644


def test_tasks_are_aligned_and_list_papers_methods_before_baselines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["tasks"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if "slot=" in line]
    assert len({line.index("slot=") for line in lines}) == 1
    assert len({line.index("scales=") for line in lines}) == 1
    registry = get_registry()
    for line in lines:
        task = registry.task(line.split()[0])
        names = line.split("methods: ", 1)[1].split(", ")
        kinds = [registry.method(n, task.slot).is_baseline for n in names]
        assert kinds == sorted(kinds), line  # False (paper's method) before True (baseline)


def test_cfg_job_shows_the_values_the_scale_preset_fills(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("HARNESS_RESULTS_DIR", "HARNESS_DATA_DIR", "HARNESS_CACHE_DIR"):
        monkeypatch.setenv(name, str(tmp_path / name))  # `run` sets them; restored after
    args = ["run", "--cfg", "job", "task=inr_image", "method=siren", "scale=smoke"]
    assert main(args) == 0
    shown = capsys.readouterr().out
    assert "steps: 20" in shown and "hidden_features: 32" in shown and "size: 32" in shown
    assert "steps: null" not in shown
