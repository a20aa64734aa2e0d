"""Wheels, not the source tree: the host's wheel installs and runs alone and with one family.

Slow (a fresh virtual environment and a pip install); run with ``pytest -m slow``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO

pytestmark = pytest.mark.slow


def _run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout


def test_the_host_wheel_runs_alone_and_with_one_family(tmp_path):
    wheels = tmp_path / "wheels"
    for source in (REPO, REPO / "plugins" / "pde"):
        _run(
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-w",
            str(wheels),
            str(source),
            cwd=tmp_path,
        )
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", str(venv), cwd=tmp_path)
    python = str(venv / "bin" / "python")
    host = next(wheels.glob("spectral_harness-*.whl"))
    _run(python, "-m", "pip", "install", "--quiet", str(host), cwd=tmp_path)
    env = {**os.environ, "HARNESS_RESULTS_DIR": str(tmp_path / "results"), "PYTHONPATH": ""}
    cli = str(venv / "bin" / "spectral-harness")
    # the host alone: no family, and a run says what to name
    assert "harness.loggers.console" in _run(cli, "plugins", cwd=tmp_path, env=env)
    alone = subprocess.run(
        [cli, "run", "task=darcy", "method=fno"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert alone.returncode == 2 and "unknown task 'darcy'" in alone.stderr
    family = next(wheels.glob("spectral_harness_pde-*.whl"))
    _run(python, "-m", "pip", "install", "--quiet", str(family), cwd=tmp_path)
    assert "pde_model" in _run(cli, "tasks", cwd=tmp_path, env=env)
    out = _run(
        cli,
        "run",
        "experiment=pde_cpu_board",
        "scale=smoke",
        "logger=console",
        cwd=tmp_path,
        env=env,
    )
    assert "darcy" in out and "lsm" in out
    records = list((tmp_path / "results" / "runs" / "darcy").glob("*/*.json"))
    assert len(records) == 1
