"""Pre-flight refuses every wrong cell of a sweep in one line before any cell starts: values
out of range or of the wrong type, seeds that are not integers, unwritable results, and it runs
whatever Hydra flags are given, in time linear in the sweep."""

from __future__ import annotations

import shutil
from collections import namedtuple

import pytest
from support import run_cli

import harness.app as app
from harness.config import register_configs
from harness.errors import UserError
from harness.plugins import get_registry

SMOKE = ("scale=smoke",)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("task.steps=-5",), "invalid value task.steps=-5: it must be >= 1"),
        (("task.steps=0",), "invalid value task.steps=0: it must be >= 1"),
        (("task.eval_every=0",), "task.eval_every=0"),
        (("task.lr=-1e-3",), "invalid value task.lr=-0.001: it must be > 0"),
        (("trainer.time_limit_s=abc",), "trainer.time_limit_s"),
        (("trainer.num_threads=-1",), "invalid value trainer.num_threads=-1: it must be >= 1"),
        (("seed=1.5",), "seed must be an integer"),
        (("-m", "seed=1.5,2"), "seed must be an integer"),
        (("-m", "seed=0,1", "task.steps=10,-5"), "invalid value task.steps=-5"),
        (("-m", "task.lr=1e-3,abc"), "task.lr"),
        (("--config-dir", "harness/conf", "method=other_slot"), "needs slot 'inr_init'"),
        (
            ("-m", "--config-dir", "harness/conf", "method=winner,other_slot"),
            "needs slot 'inr_init'",
        ),
    ],
)
def test_bad_values_are_refused_in_one_line_before_any_cell(
    plugin_env, isolated_dirs, args, expected
):
    flags = [a for a in args if a.startswith("-") or a == "harness/conf"]  # Hydra wants flags first
    rest = [a for a in args if a not in flags]
    method = [] if any(a.startswith("method=") for a in rest) else ["method=winner"]
    result = run_cli("run", *flags, "task=inr_image", *method, *rest, *SMOKE, env=plugin_env)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], lines
    assert not list((isolated_dirs / "runs").rglob("*.json"))


def test_an_unwritable_results_directory_is_refused_before_training(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run_cli(
        "run",
        "task=inr_image",
        "method=siren",
        *SMOKE,
        env=_env(HARNESS_RESULTS_DIR=str(blocker / "results")),
    )
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "is not writable" in line and "HARNESS_RESULTS_DIR" in line


def test_a_full_disk_is_refused_before_training(monkeypatch, isolated_dirs):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 2**20, 2**20))
    register_configs(get_registry())
    with pytest.raises(UserError, match="has 1 MiB free"):
        app.preflight(["task=inr_image", "method=siren", *SMOKE])


def test_preflight_composes_once_per_config_group_not_once_per_cell(monkeypatch):
    """A 4,098-cell sweep: 2 methods × 2 step counts × 1,024 seeds (+ one more axis value)."""
    register_configs(get_registry())
    calls = []
    compose = app._compose
    monkeypatch.setattr(app, "_compose", lambda *a: calls.append(a) or compose(*a))
    checked = []
    check = app._check_cell
    monkeypatch.setattr(app, "_check_cell", lambda cfg, *a: checked.append(cfg) or check(cfg, *a))
    app.preflight(
        ["task=inr_image", "method=siren,winner", "task.steps=10,20", "seed=range(0,1024)", *SMOKE],
        multirun=True,
    )
    assert len(calls) == 3  # the base config, then one per method
    # each method's config and its other step count (seeds are checked as integers only)
    assert len(checked) == 2 * (1 + 1)
    with pytest.raises(UserError, match=r"task\.steps=-1"):
        app.preflight(
            ["task=inr_image", "method=siren,winner", "task.steps=10,-1", "seed=range(0,4096)"],
            multirun=True,
        )


def _env(**extra: str) -> dict[str, str]:
    import os

    return {**os.environ, **extra}


def test_an_unknown_name_in_block_plugins_is_a_warning():
    result = run_cli("methods", env=_env(HARNESS_BLOCK_PLUGINS="graph-pe"))
    assert result.returncode == 0
    assert "HARNESS_BLOCK_PLUGINS names 'graph-pe', which is no installed plugin" in result.stderr


def test_preflight_returns_the_planned_tasks_for_the_end_of_sweep_board(data_dir):
    register_configs(get_registry())
    planned = app.preflight(["task=inr_image,inr_audio", "method=siren", *SMOKE], multirun=True)
    assert planned == ["inr_audio", "inr_image"]
