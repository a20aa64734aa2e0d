"""End to end: real tiny sweeps through Hydra launchers, read back as leaderboards."""

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from support import run_cli

from harness.app import preflight
from harness.config import register_configs
from harness.plugin_conf import plugin_config_dirs
from harness.plugins import get_registry

SMOKE = ("scale=smoke",)
EXPERIMENTS = sorted(
    preset.stem
    for _, conf in plugin_config_dirs(get_registry().pm)
    for preset in (conf / "experiment").glob("*.yaml")
)


def _board(env=None) -> pd.DataFrame:
    result = run_cli("leaderboard", "--task", "inr_audio", "--format", "csv", env=env)
    assert result.returncode == 0, result.stderr
    return pd.read_csv(io.StringIO(result.stdout)).set_index("method")


def test_joblib_sweep_builds_the_board_and_mirrors_it_to_wandb(isolated_dirs):
    result = run_cli(
        "run",
        "-m",
        "task=inr_audio",
        "method=siren,winner,fourier_features",
        "seed=0,1",
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        "trainer.num_threads=1",
        *SMOKE,
    )
    assert result.returncode == 0, result.stderr
    assert "inr_audio (scale=smoke)" in result.stdout  # the board is printed at the end
    board = _board()
    assert sorted(board.index) == ["fourier_features", "siren", "winner"]
    assert (board["n_seeds"] == 2).all() and (board["failed"] == 0).all()
    assert board["psnr_mean"].notna().all() and board["psnr_std"].notna().all()
    assert set(board["rank"]) <= {1, 2, 3}
    # W&B, offline: one run per cell plus the leaderboard table
    wandb_dir = isolated_dirs / "wandb"
    assert len(list(wandb_dir.glob("offline-run-*"))) == 7
    (table_file,) = wandb_dir.glob("offline-run-*/files/media/table/leaderboard_*.table.json")
    table = json.loads(table_file.read_text())
    methods = {row[table["columns"].index("method")] for row in table["data"]}
    assert methods == {"siren", "winner", "fourier_features"}
    # ... and the curves kept beside the records, summarised per record and curve
    (curves_file,) = wandb_dir.glob("offline-run-*/files/media/table/curves_*.table.json")
    curves = json.loads(curves_file.read_text())
    rows = [dict(zip(curves["columns"], row, strict=True)) for row in curves["data"]]
    assert len({row["run_id"] for row in rows if row["curve"] == "train/loss"}) == 6
    assert all(row["points"] >= 1 and row["last_step"] >= row["min_step"] for row in rows)
    # each cell's run carries the record's versions, not a scan of every installed package
    cell_runs = [r for r in wandb_dir.glob("offline-run-*") if not list(r.glob("files/media"))]
    assert len(cell_runs) == 6
    for run in cell_runs:
        assert not (run / "files" / "requirements.txt").exists()
        assert b"plugin:spectral-harness-inr" in next(run.glob("run-*.wandb")).read_bytes()


def test_a_sweep_over_tasks_ends_with_the_board_of_each(isolated_dirs):
    """Pre-flight hands the planned tasks to the end-of-sweep board through Hydra's config."""
    result = run_cli(
        "run", "-m", "task=inr_audio,inr_image", "method=siren", "logger=console", *SMOKE
    )
    assert result.returncode == 0, result.stderr
    assert "inr_audio (scale=smoke)" in result.stdout
    assert "inr_image (scale=smoke)" in result.stdout


@pytest.mark.slow
def test_submitit_local_launcher(isolated_dirs):
    result = run_cli(
        "run",
        "-m",
        "task=inr_image",
        "method=siren,winner",
        "logger=console",
        "hydra/launcher=submitit_local",
        "hydra.launcher.timeout_min=10",
        *SMOKE,
    )
    assert result.returncode == 0, result.stderr
    assert len(list(Path(isolated_dirs / "runs").glob("*/*/*.json"))) == 2


@pytest.mark.parametrize("experiment", EXPERIMENTS)
@pytest.mark.parametrize("multirun", [True, False], ids=["sweep", "single"])
def test_every_experiment_composes_into_valid_cells(experiment, multirun, data_dir):
    register_configs(get_registry())
    preflight([f"experiment={experiment}", *SMOKE], multirun=multirun)


def test_every_family_ships_its_presets():
    assert len(EXPERIMENTS) == len(set(EXPERIMENTS)) >= 15
    assert {"quickstart", "winner_audio", "graph_pe_zinc_cpu", "pde_cpu_board"} <= set(EXPERIMENTS)


def test_quickstart_runs_at_smoke_scale(isolated_dirs):
    result = run_cli("run", "-m", "experiment=quickstart", "logger=console", *SMOKE)
    assert result.returncode == 0, result.stderr
    records = list(Path(isolated_dirs / "runs" / "inr_image").glob("*/*.json"))
    assert len(records) == 6


@pytest.mark.parametrize("launcher", ["joblib", "submitit_local", "slurm", "slurm_gpu"])
def test_launcher_presets_compose(launcher):
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from harness.app import CONF_DIR, CONFIG_NAME, HYDRA_VERSION_BASE

    register_configs(get_registry())
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base=HYDRA_VERSION_BASE):
        overrides = [f"hydra/launcher={launcher}", "task=inr_image", "method=siren"]
        cfg = compose(CONFIG_NAME, overrides, return_hydra_config=True)
    GlobalHydra.instance().clear()
    assert "Launcher" in cfg.hydra.launcher._target_
    if launcher.startswith("slurm"):
        assert cfg.hydra.launcher._target_.startswith("hydra_plugins.spectral_harness_launchers.")


def test_a_field_override_applies_to_every_swept_task(data_dir):
    register_configs(get_registry())
    preflight(["task=inr_audio,inr_image", "task.steps=3", "method=siren", *SMOKE], multirun=True)
