"""What the harness costs per cell, against the same training loop called directly.

Measures, on a trivial cell (inr_image, smoke scale, 20 steps on a 32×32 image):
  direct     the task's loop called with a bare RunContext (no record, no provenance)
  in-process the same cell through the runner without isolation (trainer.isolate=false)
  run_cell   the runner as it runs by default: resume check, cell lock, code identity, data
             checksums, the cell in a forked child process, atomic record, hooks
  + wandb    the runner with the offline W&B mirror on
  cpu cell   one scale=cpu cell through the runner, to express the overhead as a share of it
  cli        one `spectral-harness run` process (Python start, Hydra, pre-flight, cell)
Writes results/benchmarks/harness_overhead.json.

With ``--against REV`` the same measurements also run on the harness of commit REV (a temporary
git worktree put first on the path; the plugins are the installed ones), alternating
REV, this tree, REV, this tree in one invocation, since a shared machine's timings drift; the
file then holds both and their medians side by side. ``--cpu-cell-s S`` takes a ``scale=cpu``
cell's wall time from an earlier measurement instead of running one.

    python benchmarks/harness_overhead.py [--repeats 10] [--against REV] [--cpu-cell-s S]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--against", help="also measure the harness of this commit")
    parser.add_argument("--cpu-cell-s", type=float, help="a scale=cpu cell's wall time (s)")
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)  # one side's raw result
    parser.add_argument("--rounds", type=int, default=2, help="alternations with --against")
    args = parser.parse_args()
    if args.against:
        compare(args)
        return
    os.environ.setdefault("WANDB_SILENT", "true")
    os.environ["WANDB_MODE"] = "offline"
    tmp = Path(tempfile.mkdtemp(prefix="harness-overhead-"))
    os.environ["HARNESS_RESULTS_DIR"] = str(tmp / "results")
    os.environ["HARNESS_CACHE_DIR"] = str(tmp / "cache")

    import dataclasses

    import torch

    from harness.context import RunContext
    from harness.data.store import DataStore
    from harness.plugins import get_registry
    from harness.runner import TrainerOptions, identify, make_cell, run_cell, seed_everything
    from harness.settings import Settings, WandbSettings
    from harness.specs import resolve

    torch.set_num_threads(1)
    registry = get_registry()
    quiet = Settings.from_env(progress=False, wandb=WandbSettings(enabled=False))
    mirrored = Settings.from_env(progress=False, wandb=WandbSettings(enabled=True))
    cell = make_cell(registry, "inr_image", "siren", scale="smoke")
    task, method = registry.check_pair(cell.task, cell.method)
    ident = identify(cell, registry)

    def direct() -> None:
        seed_everything(0)
        ctx = RunContext(
            run_id="direct",
            task=task,
            method=method,
            seed=0,
            scale="smoke",
            config={},
            settings=quiet,
            device=torch.device("cpu"),
            data=DataStore(quiet.data_dir, quiet.cache_dir, registry.datasets),
            pm=registry.pm,
        )
        resolve(task.run)(ident.task_cfg, ctx, lambda p: resolve(method.build)(cell.method_cfg, p))

    def through_runner(settings: Settings, isolate: bool = True) -> None:
        options = TrainerOptions(num_threads=1, isolate=isolate)
        run_cell(dataclasses.replace(cell, trainer=options), registry, settings, force=True)

    def timed(fn, repeats: int) -> list[float]:
        fn()  # warm-up: imports, caches
        out = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
        return out

    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        # Isolated cells first: a forked cell inherits what its parent imported, and in a real
        # sweep the parent never trains, so nothing the in-process runs import may warm it.
        t_runner = timed(lambda: through_runner(quiet), args.repeats)
        t_wandb = timed(lambda: through_runner(mirrored), max(3, args.repeats // 3))
        t_direct = timed(direct, args.repeats)
        t_in_process = timed(lambda: through_runner(quiet, isolate=False), args.repeats)
        if args.cpu_cell_s is None:
            cpu_cell = make_cell(
                registry, "inr_image", "siren", scale="cpu", trainer=TrainerOptions(num_threads=1)
            )
            cpu_cell_s = run_cell(cpu_cell, registry, quiet, force=True).wall_seconds
        else:
            cpu_cell_s = args.cpu_cell_s
    cli = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "harness",
                "run",
                "task=inr_image",
                "method=siren",
                "scale=smoke",
                "logger=console",
                "--force",
            ],
            cwd=REPO,
            check=True,
            capture_output=True,
            env=dict(os.environ),
        )
        cli.append(time.perf_counter() - start)

    med = statistics.median
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, torch threads 1",
        "cell": "inr_image/siren, smoke (20 steps, 32x32)",
        "direct_s": med(t_direct),
        "run_cell_in_process_s": med(t_in_process),
        "run_cell_s": med(t_runner),
        "run_cell_wandb_offline_s": med(t_wandb),
        "cli_process_s": med(cli),
        "overhead_per_cell_ms": 1000 * (med(t_runner) - med(t_direct)),
        "isolation_per_cell_ms": 1000 * (med(t_runner) - med(t_in_process)),
        "overhead_wandb_per_cell_ms": 1000 * (med(t_wandb) - med(t_direct)),
        "cpu_cell_wall_s": cpu_cell_s,
        "overhead_share_of_cpu_cell": (med(t_runner) - med(t_direct)) / cpu_cell_s,
        "repeats": args.repeats,
        "command": "python benchmarks/harness_overhead.py --repeats " + str(args.repeats),
        "load_average_1min": os.getloadavg()[0],  # other work on the machine skews times
    }
    out = args.out or REPO / "results" / "benchmarks" / "harness_overhead.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    for key, value in result.items():
        print(f"{key:>28}: {value:.4f}" if isinstance(value, float) else f"{key:>28}: {value}")


def compare(args: argparse.Namespace) -> None:
    """Measure the harness of ``args.against`` and this tree's, alternating, in one run."""
    tmp = Path(tempfile.mkdtemp(prefix="harness-overhead-base-"))
    base = tmp / "base"
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", str(base), args.against],
        check=True,
        capture_output=True,
    )
    sides = {f"base {args.against}": base, "this tree": REPO}
    results: dict[str, list[dict]] = {name: [] for name in sides}
    try:
        for n in range(args.rounds):
            for name, tree in sides.items():
                out = tmp / f"{n}-{'base' if tree == base else 'new'}.json"
                command = [sys.executable, str(Path(__file__).resolve()), "--out", str(out)]
                command += ["--repeats", str(args.repeats)]
                if args.cpu_cell_s is not None:
                    command += ["--cpu-cell-s", str(args.cpu_cell_s)]
                # Run from a folder outside both trees, with the side's harness first on the path.
                env = {**os.environ, "PYTHONPATH": str(tree)}
                subprocess.run(command, cwd=tmp, env=env, check=True, capture_output=True)
                results[name].append(json.loads(out.read_text()))
                print(f"round {n} {name}: done", flush=True)
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(base)])
    keys = [
        "run_cell_s",
        "run_cell_wandb_offline_s",
        "direct_s",
        "overhead_per_cell_ms",
        "isolation_per_cell_ms",
        "overhead_wandb_per_cell_ms",
        "overhead_share_of_cpu_cell",
        "cli_process_s",
    ]
    summary = {
        name: {key: statistics.median(r[key] for r in runs) for key in keys}
        for name, runs in results.items()
    }
    result = {
        "command": "python benchmarks/harness_overhead.py "
        f"--repeats {args.repeats} --rounds {args.rounds} --against {args.against}"
        + (f" --cpu-cell-s {args.cpu_cell_s}" if args.cpu_cell_s is not None else ""),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared), torch threads 1",
        "median_over_rounds": summary,
        "rounds": results,
        "load_average_1min_at_end": os.getloadavg()[0],
    }
    out = REPO / "results" / "benchmarks" / "harness_overhead.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
