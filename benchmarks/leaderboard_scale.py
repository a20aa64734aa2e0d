"""Time to build a leaderboard from 100 000 run records (in memory, and from JSON files on disk).

Synthetic records: 20 tasks × 50 methods × 100 seeds, with 5 metrics each and 2 % failures.
Writes results/benchmarks/leaderboard_scale.json.

    python benchmarks/leaderboard_scale.py [--records 100000] [--skip-disk]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
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
            )
        )
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--skip-disk", action="store_true")
    args = parser.parse_args()
    records = synthetic(args.records)
    start = time.perf_counter()
    board = build_leaderboard(records)
    in_memory = time.perf_counter() - start
    start = time.perf_counter()
    render(board, "md")
    render_md = time.perf_counter() - start
    result = {
        "records": args.records,
        "rows": len(board.table),
        "build_in_memory_s": in_memory,
        "render_md_s": render_md,
    }
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
