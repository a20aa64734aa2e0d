"""The command line as a user meets it: fast listings, one-line errors, plugins, sweeps, resume."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from support import REPO, run_cli

from harness.records import RecordStore

SMOKE = ("scale=smoke", "logger=console")


def test_listing_commands_do_not_import_torch():
    code = (
        "import sys\n"
        "from harness.cli import main\n"
        "for args in (['methods'], ['tasks'], ['plugins', '--json'], ['--help']):\n"
        "    try:\n"
        "        main(args)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = [m for m in ('torch', 'torch_geometric', 'rdkit', 'hydra') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr


def test_an_installed_plugin_is_discovered_listed_and_runnable(plugin_env, isolated_dirs):
    listing = run_cli("plugins", "--json", env=plugin_env)
    plugins = {row["name"]: row for row in json.loads(listing.stdout)}
    assert plugins["relu_pe"]["distribution"] == "spectral-harness-relu-pe"
    assert plugins["relu_pe"]["version"] == "0.2.0"
    assert plugins["relu_pe"]["hooks"] == ["spectral_harness_register_methods"]
    assert "relu_pe" in run_cli("methods", "--slot", "inr_init", env=plugin_env).stdout
    # method=relu_pe works because the plugin's config dataclass is in Hydra's ConfigStore
    run = run_cli(
        "run",
        "task=inr_image",
        "method=relu_pe",
        "method.num_frequencies=4",
        *SMOKE,
        env=plugin_env,
    )
    assert run.returncode == 0, run.stderr
    (record,) = RecordStore(isolated_dirs / "runs").iter_records()
    assert record.method == "relu_pe" and record.status == "ok"
    assert record.config["method"]["num_frequencies"] == 4
    assert record.versions["plugin:spectral-harness-relu-pe"] == "0.2.0"


def test_blocked_plugins_disappear(plugin_env):
    env = {**plugin_env, "HARNESS_BLOCK_PLUGINS": "relu_pe,faulty"}
    assert "relu_pe" not in run_cli("methods", env=env).stdout


@pytest.mark.parametrize(
    ("args", "env_extra", "expected"),
    [
        (("task=inr_image", "method=other_slot"), {}, "needs slot 'inr_init'; methods that fit:"),
        (("task=inr_image", "method=wiener"), {}, "unknown method 'wiener'"),
        (
            ("task=inr_audio", "method=siren"),
            {"HARNESS_DATA_DIR": "/nonexistent"},
            "siren_audio/gt_bach.wav",
        ),
        (("task=inr_image", "method=siren", "task.stepz=3"), {}, "Key 'stepz' not in"),
        (("task=inr_image",), {}, "name a method: method=<name>"),
        (("method=siren",), {}, "name a task: task=<name>"),
        (("-m", "task=inr_image", "method=winner,other_slot"), {}, "needs slot 'inr_init'"),
    ],
)
def test_user_mistakes_get_one_line(plugin_env, isolated_dirs, args, env_extra, expected):
    result = run_cli("run", *args, *SMOKE, env={**plugin_env, **env_extra})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], lines
    assert not list((isolated_dirs / "runs").rglob("*.json"))  # refused before any work


def test_a_failing_method_does_not_stop_the_sweep(plugin_env, isolated_dirs):
    result = run_cli(
        "run",
        "-m",
        "task=inr_image",
        "method=siren,always_fails,exploding_init,winner",
        *SMOKE,
        env=plugin_env,
    )
    assert result.returncode == 0, result.stderr
    statuses = {r.method: r.status for r in RecordStore(isolated_dirs / "runs").iter_records()}
    assert statuses == {
        "siren": "ok",
        "always_fails": "failed",
        "exploding_init": "diverged",
        "winner": "ok",
    }
    board = run_cli("leaderboard", "--format", "csv", env=plugin_env)
    table = pd.read_csv(__import__("io").StringIO(board.stdout)).set_index("method")
    assert table.loc["always_fails", "failed"] == 1 and table.loc["always_fails", "n_seeds"] == 0


def test_a_killed_sweep_resumes_without_loss_or_duplicates(isolated_dirs):
    args = [
        sys.executable,
        "-m",
        "harness",
        "run",
        "-m",
        "task=inr_image",
        "method=siren,winner,fourier_features",
        "seed=0,1",
        "task.steps=60",
        *SMOKE,
    ]
    proc = subprocess.Popen(
        args,
        cwd=REPO,
        env=dict(os.environ),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    store = RecordStore(isolated_dirs / "runs")
    deadline = time.monotonic() + 240
    while len(list(store.iter_records())) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = {r.run_id: r.started_at for r in store.iter_records()}
    assert 2 <= len(before) < 6, "the sweep should have been killed part-way"
    resumed = subprocess.run(args, cwd=REPO, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    after = list(store.iter_records())
    assert len(after) == 6 and len({r.run_id for r in after}) == 6
    assert all(r.status == "ok" for r in after)
    for record in after:  # what was recorded before the kill was kept, not redone
        if record.run_id in before:
            assert record.started_at == before[record.run_id] and record.attempt == 1
    assert not [p for p in Path(isolated_dirs / "runs").rglob("*") if p.suffix == ".tmp"]
