"""How long the listing commands take, each in a fresh process, against a target of 1.0 s.

Runs `spectral-harness --help`, `plugins`, `methods`, `tasks` and `slots` (the console script
beside this interpreter, as a user types it) N times each, after one warm-up run that fills the
OS file cache and the bytecode caches, and reports the median and the maximum wall time of each.
Writes results/benchmarks/cli_latency.json.

    python benchmarks/cli_latency.py [--repeats 10]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET_S = 1.0
COMMANDS = (["--help"], ["plugins"], ["methods"], ["tasks"], ["slots"])
SCRIPT = Path(sys.executable).with_name("spectral-harness")


def wall_times(args: list[str], repeats: int) -> list[float]:
    """Seconds of each of ``repeats`` runs of ``spectral-harness ARGS`` (after one warm-up)."""
    command = [str(SCRIPT), *args]
    subprocess.run(command, cwd=REPO, check=True, capture_output=True)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, cwd=REPO, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    """Measure every listing command, print a table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    commands = {}
    for argv in COMMANDS:
        times = wall_times(argv, args.repeats)
        commands[" ".join(argv)] = {
            "median_s": statistics.median(times),
            "max_s": max(times),
            "within_target": max(times) <= TARGET_S,
        }
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
        "target_s": TARGET_S,
        "repeats": args.repeats,
        "commands": commands,
        "command": f"python benchmarks/cli_latency.py --repeats {args.repeats}",
        # other work on the shared machine slows every process start: the load says how much
        "load_average_1min": {"before": load_before, "after": os.getloadavg()[0]},
    }
    out = REPO / "results" / "benchmarks" / "cli_latency.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{'command':<10} {'median':>8} {'max':>8}  (target <= {TARGET_S:.1f} s)")
    for name, row in commands.items():
        mark = "ok" if row["within_target"] else "OVER"
        print(f"{name:<10} {row['median_s']:>7.3f}s {row['max_s']:>7.3f}s  {mark}")
    print(f"load average (1 min): {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")


if __name__ == "__main__":
    main()
