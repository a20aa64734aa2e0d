"""On a real single-node SLURM cluster (opt-in: ``pytest -m slurm``, as root, slurm installed).

``scripts/slurm/start.sh`` starts the cluster (and ``stop.sh`` stops it afterwards, if it was not
running before). Two smoke cells are swept through ``hydra/launcher=slurm``; one job is cancelled
mid-run (``scancel``), the other is preempted (``USR2``) and requeued; the sweep is resumed.
About 3-4 minutes on 2 cores.
"""

import io
import json
import os
import shutil
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from support import REPO, run_cli

pytestmark = [
    pytest.mark.slurm,
    pytest.mark.skipif(
        shutil.which("slurmctld") is None or os.geteuid() != 0,
        reason="needs root and slurm (apt-get install slurmctld slurmd slurm-client munge)",
    ),
]
SCRIPTS = REPO / "scripts" / "slurm"
SWEEP = (
    "run",
    "-m",
    "task=inr_audio",
    "scale=smoke",
    "task.steps=12000",  # about 40 s per cell: long enough to interrupt
    "method=siren,winner",
    "hydra/launcher=slurm",
    "hydra.launcher.partition=debug",
    "hydra.launcher.cpus_per_task=1",
    "hydra.launcher.mem_gb=4",
    "hydra.launcher.timeout_min=60",  # a USR2 long before the limit is a preemption
)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[str]:
    """A running cluster (SIGKILL 5 s after scancel's SIGTERM); yields the sacct stand-in's dir."""
    local = Path(os.environ.get("SLURM_LOCAL_DIR", "/tmp/single-node-slurm"))
    was_up = subprocess.run(["sinfo", "-h"], capture_output=True).returncode == 0
    env = {**os.environ, "SLURM_LOCAL_DIR": str(local), "SLURM_KILL_WAIT_S": "5"}
    subprocess.run(["bash", str(SCRIPTS / "start.sh")], env=env, check=True, timeout=300)
    yield str(local / "bin")
    if not was_up:
        subprocess.run(["bash", str(SCRIPTS / "stop.sh")], env=env, check=True, timeout=120)


def test_cancelled_and_preempted_cells_end_in_records_and_resume(cluster, isolated_dirs):
    env = {**os.environ, "PATH": f"{cluster}:{os.environ['PATH']}"}
    wandb = isolated_dirs / "wandb"
    sweep = subprocess.Popen(
        [sys.executable, "-m", "harness", *SWEEP],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait(lambda: len(list(wandb.glob("offline-run-*"))) >= 2, 180, "both cells training")
        siren, winner = _job_id("sh-inr_audio-siren-s0"), _job_id("sh-inr_audio-winner-s0")
        assert _job_state(siren) == _job_state(winner) == "RUNNING"
        time.sleep(2)
        subprocess.run(["scancel", siren], check=True)
        subprocess.run(["scancel", "--signal=USR2", winner], check=True)
        # SLURM holds a requeued job for a while before it may start again: release it now
        _wait(lambda: _job_state(winner) == "PENDING", 90, "the preempted job requeued")
        subprocess.run(["scontrol", "update", f"jobid={winner}", "StartTime=now"], check=True)
        out, _ = sweep.communicate(timeout=300)
    finally:
        sweep.kill()
    assert sweep.returncode == 0, out
    assert f"crashed: SLURM job {siren} ended CANCELLED" in out
    records = _records(isolated_dirs)
    assert records["siren"]["status"] == "crashed" and records["siren"]["attempt"] == 1
    assert records["winner"]["status"] == "ok" and records["winner"]["attempt"] == 2  # requeued
    # The preempted cell closed its W&B run (exit 1, then 0 when it reran); only the run of the
    # cancelled cell, killed by SLURM, is left open.
    runs = _wandb_runs(wandb)
    assert sorted(code for name, code in runs if name == "inr_audio/winner/seed0") == [0, 1]
    assert [name for name, code in runs if code is None] in ([None], ["inr_audio/siren/seed0"])
    assert len(runs) == 3

    resumed = run_cli(*SWEEP, env=env, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert "skipping 1 cells already ok" in resumed.stdout
    records = _records(isolated_dirs)
    assert records["siren"]["status"] == "ok" and records["siren"]["attempt"] == 2
    assert records["winner"]["attempt"] == 2  # not run again
    assert not list((isolated_dirs / "runs").rglob("*.lock"))  # the killed job's lock was broken
    board = run_cli("leaderboard", "--task", "inr_audio", "--format", "csv", env=env)
    table = pd.read_csv(io.StringIO(board.stdout)).set_index("method")
    assert sorted(table.index) == ["siren", "winner"]
    assert (table["n_seeds"] == 1).all() and (table["failed"] == 0).all()


def _wait(condition: Callable[[], bool], seconds: float, what: str) -> None:
    end = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > end:
            pytest.fail(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.5)


def _job_id(name: str) -> str:
    out = subprocess.run(["squeue", "-h", "-n", name, "-o", "%i"], capture_output=True, text=True)
    assert out.stdout.strip(), f"no job named {name}: the launcher names jobs after their cell"
    return out.stdout.split()[0]


def _job_state(job: str) -> str:
    out = subprocess.run(["squeue", "-h", "-j", job, "-o", "%T"], capture_output=True, text=True)
    return out.stdout.strip()


def _records(results: Path) -> dict[str, dict]:
    records = [json.loads(p.read_text()) for p in (results / "runs").glob("*/*/*.json")]
    assert len(records) == 2, records
    return {r["method"]: r for r in records}


def _wandb_runs(wandb: Path) -> list[tuple[str | None, int | None]]:
    """(name, exit code) of each cell's W&B run; ``None``: not written / never closed."""
    from wandb.proto import wandb_internal_pb2 as pb

    runs = []
    for log in wandb.glob("offline-run-*/*.wandb"):
        records = [pb.Record.FromString(chunk) for chunk in _log_records(log.read_bytes())]
        kinds = {r.WhichOneof("record_type"): r for r in records}
        name = kinds["run"].run.display_name if "run" in kinds else None
        if name is None or not name.startswith("leaderboard-"):
            runs.append((name, kinds["exit"].exit.exit_code if "exit" in kinds else None))
    return runs


def _log_records(data: bytes) -> Iterator[bytes]:
    """Records of a W&B ``.wandb`` file (LevelDB log format: 32 KiB blocks, 7-byte headers)."""
    pos, buffer = 7, b""  # after the file header ":W&B", magic, version
    while pos + 7 <= len(data):
        if 32768 - pos % 32768 < 7:  # a block's tail too short for a header is padding
            pos += 32768 - pos % 32768
            continue
        _, length, kind = struct.unpack("<IHB", data[pos : pos + 7])
        chunk, pos = data[pos + 7 : pos + 7 + length], pos + 7 + length
        if kind == 0:
            return
        buffer = chunk if kind in (1, 2) else buffer + chunk  # full/first, or middle/last
        if kind in (1, 4):
            yield buffer
