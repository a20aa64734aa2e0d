"""Time to build a leaderboard from 100 000 run records (in memory, and from JSON files on disk).

Synthetic records: 20 tasks × 50 methods × 100 seeds, with 5 metrics each and 2 % failures.
``--baseline REV`` also times ``harness/leaderboard.py`` as it was at git revision REV on the same
records in the same process (in a fresh interpreter each, so imports are counted for both), and
prints the ratio. Writes results/benchmarks/leaderboard_scale.json.

    python benchmarks/leaderboard_scale.py [--records 100000] [--skip-disk] [--baseline REV]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness.leaderboard import build_leaderboard
from harness.records import RecordStore, RunRecord
from harness.render import render

REPO = Path(__file__).resolve().parent.parent


def synthetic(n: int) -> list[RunRecord]:
    """``n`` records spread over 20 tasks × 50 methods, seeds filling the rest."""
    rng = random.Random(0)
    records = []
    for i in range(n):
        task, method, seed = i % 20, (i // 20) % 50, i // 1000
        ok = rng.random() > 0.02
        metrics = {f"m{k}": rng.gauss(method, 1.0) for k in range(5)} if ok else {}
        records.append(
            RunRecord(
                run_id=f"{i:08x}",
                task=f"task{task}",
                method=f"method{method}",
                slot="s",
                seed=seed,
                scale="cpu",
                status="ok" if ok else "failed",
                config_hash="c",
                metrics=metrics,
                primary_metric="m0",
                goal="max",
                code={
                    part: {"plugin": name, "distribution": "d", "version": "1", "source": name}
                    for part, name in (("task", f"t{task}"), ("method", f"m{method}"))
                },
                trainer={"device_kind": "cpu", "amp": False},
            )
        )
    return records


def time_build(module_path: Path | None, n: int) -> float:
    """Seconds to build the board from ``n`` in-memory records, in a fresh interpreter.

    ``module_path``: a leaderboard module to time instead of the installed one (a baseline).
    """
    code = (
        "import importlib.util, sys, time\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from leaderboard_scale import synthetic\n"
        f"records = synthetic({n})\n"
        f"path = {str(module_path) if module_path else ''!r}\n"
        "start = time.perf_counter()\n"
        "if path:\n"
        "    spec = importlib.util.spec_from_file_location('baseline_board', path)\n"
        "    module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        "else:\n"
        "    import harness.leaderboard as module\n"
        "module.build_leaderboard(records)\n"
        "print(time.perf_counter() - start)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--skip-disk", action="store_true")
    parser.add_argument("--baseline", help="git revision whose leaderboard.py to compare against")
    args = parser.parse_args()
    records = synthetic(args.records)
    board = build_leaderboard(records)
    in_memory = time_build(None, args.records)  # includes importing the module's dependencies
    start = time.perf_counter()
    render(board, "md")
    render_md = time.perf_counter() - start
    result = {
        "records": args.records,
        "rows": len(board.table),
        "build_in_memory_s": in_memory,
        "render_md_s": render_md,
    }
    if args.baseline:
        source = subprocess.run(
            ["git", "show", f"{args.baseline}:harness/leaderboard.py"],
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "baseline_board.py"
            path.write_text(source)
            # alternate the two so that load changes on the machine hit both alike
            base, new = [], []
            for _ in range(3):
                base.append(time_build(path, args.records))
                new.append(time_build(None, args.records))
        result.update(
            baseline=args.baseline,
            baseline_build_s=min(base),
            build_in_memory_s=min(new),
            speedup=min(base) / min(new),
        )
    if not args.skip_disk:
        tmp = Path(tempfile.mkdtemp(prefix="board-scale-"))
        try:
            store = RecordStore(tmp)
            start = time.perf_counter()
            for record in records:
                store.save(record)
            result["write_records_s"] = time.perf_counter() - start
            start = time.perf_counter()
            build_leaderboard(store.iter_records())
            result["load_and_build_from_disk_s"] = time.perf_counter() - start
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    result["cpu_count"] = os.cpu_count()
    result["load_average_1min"] = os.getloadavg()[0]  # other work on the machine skews times
    out = REPO / "results" / "benchmarks" / "leaderboard_scale.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    for key, value in result.items():
        print(f"{key:>28}: {value:.3f}" if isinstance(value, float) else f"{key:>28}: {value}")


if __name__ == "__main__":
    main()
