"""The main job (`make run`'s command) as a user runs it: the whole process, from a fresh results
directory, several times; the median wall and CPU time.

Each run is `spectral-harness run -m experiment=quickstart` in its own process with an empty
results directory (nothing to resume). CPU time is the user + system time of the process and its
children: on an idle machine with at least as many cores as torch threads, wall time is at most
about that, whatever else the shared machine was doing while it was measured.
Writes results/benchmarks/main_job.json.

    python benchmarks/main_job.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COMMAND = ["-m", "harness", "run", "-m", "experiment=quickstart"]


def one_run(results: Path) -> dict[str, float | str]:
    """Run the main job once into ``results``; its wall and CPU seconds, and its board."""
    env = {**os.environ, "HARNESS_RESULTS_DIR": str(results)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *COMMAND], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    board = done.stdout[done.stdout.find("inr_image (scale=") :].split("\nthe board")[0]
    return {"wall_s": wall, "cpu_s": cpu, "board": board.strip()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    runs: list[dict[str, float | str]] = []
    with tempfile.TemporaryDirectory(prefix="harness-main-job-") as tmp:
        for n in range(args.runs):
            run = one_run(Path(tmp) / f"run{n}")
            print(f"run {n}: wall {run['wall_s']:.1f} s, cpu {run['cpu_s']:.1f} s", flush=True)
            runs.append(run)
            write(runs, args.runs)  # after each run: a partial result survives an interruption


def write(runs: list[dict[str, float | str]], planned: int) -> None:
    """Write results/benchmarks/main_job.json from the runs so far."""
    walls = [float(r["wall_s"]) for r in runs]
    cpus = [float(r["cpu_s"]) for r in runs]
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared)",
        "command": "spectral-harness run -m experiment=quickstart (make run)",
        "runs": len(runs),
        "runs_planned": planned,
        "wall_s_median": statistics.median(walls),
        "cpu_s_median": statistics.median(cpus),
        "wall_s": walls,
        "cpu_s": cpus,
        "load_average_1min": os.getloadavg()[0],
        "last_board": runs[-1]["board"],
        "benchmark": f"python benchmarks/main_job.py --runs {planned}",
    }
    out = REPO / "results" / "benchmarks" / "main_job.json"
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
