"""Time to build a leaderboard from 100 000 run records (in memory, and from JSON files on disk),
and resume's "already ok" check of a 10 000-cell sweep.

Synthetic records: 20 tasks × 50 methods × 100 seeds, with 5 metrics each and 2 % failures.
``--baseline REV`` also times the code of git revision REV on the same records in the same run:
its ``harness/leaderboard.py`` building the board in memory (in a fresh interpreter each, so
imports are counted for both), its ``harness/records.py`` reading the records from disk (every
JSON file, as before the index), and its ``harness/runner.py`` checking the resumed cells; and
prints the ratios. The resume check uses real cells (``--resume-task``/``--resume-method`` at
scale=smoke, one per seed) with an ``ok`` record each; its data is read from the data directory.
It times the launcher's check of the whole sweep (``runner.are_done``, one call) and a check per
cell (``runner.is_done``), on cells already identified (identifying them is timed apart).

Every time is given as wall seconds and as the CPU seconds of the process doing it (``_cpu_s``):
on a shared machine the wall time says as much about the other jobs as about this code.
The records are written as plain JSON files (what a sweep leaves behind) and indexed by the first
read, which is timed too. Writes results/benchmarks/leaderboard_scale.json.

    python benchmarks/leaderboard_scale.py [--records 100000] [--skip-disk] [--baseline REV]
        [--resume-cells 10000] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

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
        "    module = importlib.util.module_from_spec(spec)\n"
        "    sys.modules['baseline_board'] = module  # dataclasses look their module up\n"
        "    spec.loader.exec_module(module)\n"
        "else:\n"
        "    import harness.leaderboard as module\n"
        "module.build_leaderboard(records)\n"
        "print(time.perf_counter() - start)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def module_at(revision: str, path: str, name: str) -> Any:
    """The module ``path`` as it was at git ``revision``, imported under ``name``."""
    source = subprocess.run(
        ["git", "show", f"{revision}:{path}"], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout
    folder = Path(tempfile.mkdtemp(prefix="baseline-"))
    (folder / f"{name}.py").write_text(source)
    spec = importlib.util.spec_from_file_location(name, folder / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def timed(fn: Any) -> float:
    """Seconds ``fn()`` takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(result: dict[str, Any], name: str, fn: Any) -> None:
    """``result[name + "_s"]``: the wall seconds of ``fn()``; ``result[name + "_cpu_s"]``: its CPU
    seconds in this process."""
    cpu = time.process_time()
    result[f"{name}_s"] = timed(fn)
    result[f"{name}_cpu_s"] = time.process_time() - cpu


def children_cpu() -> float:
    """CPU seconds of the child processes that ended so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def write_files(records: list[RunRecord], runs: Path) -> None:
    """Each record as the JSON file a cell leaves behind (not indexed yet)."""
    folders: set[Path] = set()
    for record in records:
        folder = runs / record.task / record.method
        if folder not in folders:
            folder.mkdir(parents=True, exist_ok=True)
            folders.add(folder)
        with open(folder / f"{record.run_id}.json", "w", encoding="utf-8") as handle:
            json.dump(record.to_dict(), handle, indent=1, sort_keys=True, default=str)


def forget_connections() -> None:
    """What a new process finds: no index connection open."""
    from harness import index

    for con in index._OPEN.values():
        con.close()
    index._OPEN.clear()


LEADERBOARD_PROCESS = """
import sys
from pathlib import Path
from harness.leaderboard import build_leaderboard
from harness.records import RecordStore
from harness.render import render
render(build_leaderboard(RecordStore(Path(sys.argv[1])).runs_table()), "md")
"""


def disk(records: list[RunRecord], runs: Path, baseline: str | None) -> dict[str, Any]:
    """Write ``records`` under ``runs`` and time the boards read from there."""
    result: dict[str, Any] = {}
    store = RecordStore(runs)
    if not (runs / ".complete").is_file():
        write_files(records, runs)
        (runs / ".complete").write_text(f"{len(records)}\n")
    if baseline:  # every JSON file read and checked, as before the index
        old = module_at(baseline, "harness/records.py", "baseline_records")
        measure(
            result,
            "baseline_load_and_build_from_disk",
            lambda: build_leaderboard(old.RecordStore(runs).iter_records()),
        )
    forget_connections()
    shutil.rmtree(runs / ".index", ignore_errors=True)
    measure(result, "index_rebuild_load_and_build", lambda: build_leaderboard(store.runs_table()))
    forget_connections()
    measure(result, "load_and_build_from_disk", lambda: build_leaderboard(store.runs_table()))
    walls, cpus = [], []
    for _ in range(3):
        cpu = children_cpu()
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", LEADERBOARD_PROCESS, str(runs)], check=True)
        walls.append(time.perf_counter() - start)
        cpus.append(children_cpu() - cpu)
    result["leaderboard_process_md_s"] = sorted(walls)[1]
    result["leaderboard_process_md_cpu_s"] = sorted(cpus)[1]
    if baseline:
        result["disk_speedup"] = (
            result["baseline_load_and_build_from_disk_s"] / result["load_and_build_from_disk_s"]
        )
    return result


def resume(n: int, task: str, method: str, results: Path, baseline: str | None) -> dict[str, Any]:
    """Time resume's check of ``n`` cells of ``task`` × ``method`` (seeds 0..n-1), each with an
    ``ok`` record already."""
    from harness import runner
    from harness.plugins import get_registry
    from harness.settings import Settings

    registry = get_registry()
    settings = Settings.from_env(results_dir=results)
    result: dict[str, Any] = {"resume_cells": n, "resume_cell": f"{task}/{method} scale=smoke"}
    cells: list[Any] = []
    measure(
        result,
        "resume_identify",  # outside the check
        lambda: cells.extend(
            runner.identify(runner.make_cell(registry, task, method, seed=seed), registry)
            for seed in range(n)
        ),
    )
    kind = runner.resolve_device_kind("auto")
    # the records of another code version are of other cells: written again
    made_for = f"{n} {cells[0].code_digest}\n"
    complete = settings.runs_dir / ".complete"
    if not complete.is_file() or complete.read_text() != made_for:
        shutil.rmtree(settings.runs_dir, ignore_errors=True)
        data, user_data = runner.data_checksums(cells[0], registry, settings)
        write_files([_ok_record(cell, kind, data, user_data) for cell in cells], settings.runs_dir)
        list(RecordStore(settings.runs_dir).iter_records())  # indexed, as a sweep leaves it
        complete.write_text(made_for)

    def check(is_done: Any) -> None:
        assert all(is_done(cell, registry, settings) for cell in cells)

    if baseline:
        old = module_at(baseline, "harness/runner.py", "baseline_runner")
        old.RecordStore = module_at(baseline, "harness/records.py", "baseline_records").RecordStore
        measure(result, "baseline_resume_check", lambda: check(old.is_done))
    forget_connections()
    sweep = [(cell, settings, None) for cell in cells]
    measure(result, "resume_check", lambda: all(runner.are_done(sweep, registry)))
    forget_connections()
    measure(result, "resume_check_each_cell", lambda: check(runner.is_done))
    if baseline:
        result["resume_speedup"] = result["baseline_resume_check_s"] / result["resume_check_s"]
    return result


def _ok_record(cell: Any, kind: str, data: dict, user_data: dict) -> RunRecord:
    """The ``ok`` record that running ``cell`` on ``kind`` would have stored."""
    return RunRecord(
        run_id=cell.run_id(kind),
        task=cell.task.name,
        method=cell.method.name,
        slot=cell.task.slot,
        seed=cell.cell.seed,
        scale=cell.cell.scale,
        status="ok",
        config_hash=cell.config_hash,
        metrics={cell.task.primary: 1.0},
        primary_metric=cell.task.primary,
        goal=cell.task.goal,
        data=data,
        user_data=user_data,
        code=cell.code,
        trainer=cell.trainer_record(kind),
        config=cell.config,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--skip-disk", action="store_true")
    parser.add_argument("--baseline", help="git revision whose code to compare against")
    parser.add_argument("--resume-cells", type=int, default=10_000, help="0: no resume check")
    parser.add_argument("--resume-task", default="inr_audio")
    parser.add_argument("--resume-method", default="siren")
    parser.add_argument(
        "--workdir", help="keep the generated records here (reused by the next run; default: temp)"
    )
    args = parser.parse_args()
    records = synthetic(args.records)
    load_before = os.getloadavg()[0]
    board = build_leaderboard(records)
    in_memory = time_build(None, args.records)  # includes importing the module's dependencies
    start = time.perf_counter()
    render(board, "md")
    render_md = time.perf_counter() - start
    result: dict[str, Any] = {
        "records": args.records,
        "rows": len(board.table),
        "build_in_memory_s": in_memory,
        "render_md_s": render_md,
    }
    if args.baseline:
        path = Path(tempfile.mkdtemp(prefix="baseline-")) / "baseline_board.py"
        path.write_text(
            subprocess.run(
                ["git", "show", f"{args.baseline}:harness/leaderboard.py"],
                cwd=REPO,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
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
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="board-scale-"))
    try:
        if not args.skip_disk:
            result.update(disk(records, work / "board" / "runs", args.baseline))
        if args.resume_cells:
            result.update(
                resume(
                    args.resume_cells,
                    args.resume_task,
                    args.resume_method,
                    work / "resume",
                    args.baseline,
                )
            )
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    result["cpu_count"] = os.cpu_count()
    # other work on the machine skews the wall times (not the CPU times)
    result["load_average_1min_start"] = load_before
    result["load_average_1min_end"] = os.getloadavg()[0]
    result["command"] = "python " + " ".join(["benchmarks/leaderboard_scale.py", *sys.argv[1:]])
    out = REPO / "results" / "benchmarks" / "leaderboard_scale.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    for key, value in result.items():
        print(f"{key:>36}: {value:.3f}" if isinstance(value, float) else f"{key:>36}: {value}")


if __name__ == "__main__":
    main()
