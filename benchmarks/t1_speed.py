"""Train-step time of T1 against FNO, LSM and the U-Net at equal width and modes, at several
grid sizes, in one run: the speed-up of T1 and how it grows with resolution.

    .venv/bin/python benchmarks/t1_speed.py [--resolutions 32 64 128] [--repeats 3] \
        [--steps 3] [--warmup 1] [--threads 1]

Every method is built through the registry (its own ``build``) for the same ``pde_model``
problem (one input field + 2 coordinate channels → one field, non-periodic axes, width 16 and
12 modes: the pde CPU board's size) and timed with the ``pde_step_time`` task's loop
(``spectral_harness_t1.speed.train_step_seconds``: forward, relative-L2 loss summed over the
batch, backward, Adam). The order is interleaved — for each repeat, for each resolution, every
method in turn, each with a fresh model — so a change of machine load hits all methods alike;
a repeat's value is the median of its timed steps and the speed-up is the per-repeat ratio
(mean and 95 % Student-t interval over repeats). Writes ``results/benchmarks/t1_speed.json``,
``t1_speed.md`` (the table) and ``t1_speed.svg`` (speed-up and step time vs resolution).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from harness.numbers import ci95_half_width  # noqa: E402
from harness.plugins import get_registry  # noqa: E402
from harness.specs import resolve  # noqa: E402
from harness.train import count_parameters  # noqa: E402
from spectral_harness_t1 import OperatorProblem  # noqa: E402
from spectral_harness_t1.speed import random_batch, train_step_seconds  # noqa: E402

OUT = REPO / "results" / "benchmarks"
REFERENCE = "t1"


def build(method: str, problem: OperatorProblem, seed: int) -> torch.nn.Module:
    """``method``'s network for ``problem`` with its default config, the weights seeded."""
    spec = get_registry().method(method, "pde_model")
    torch.manual_seed(seed)
    return resolve(spec.build)(spec.config(name=method), problem)


def measure(args: argparse.Namespace) -> dict[str, dict[int, dict]]:
    """Per method and resolution: each repeat's median step seconds and the parameter count."""
    results: dict[str, dict[int, dict]] = {
        m: {n: {"seconds": [], "params": 0} for n in args.resolutions} for m in args.methods
    }
    for repeat in range(args.repeats):
        for n in args.resolutions:
            problem = OperatorProblem(3, 1, (n, n), (False, False), args.width, args.modes)
            inputs, target = random_batch(args.batch, n, repeat, torch.device("cpu"))
            for method in args.methods:
                model = build(method, problem, repeat)
                seconds = train_step_seconds(model, inputs, target, args.steps, args.warmup)
                cell = results[method][n]
                cell["seconds"].append(float(np.median(seconds)))
                cell["params"] = count_parameters(model)
                print(f"repeat {repeat} {n}² {method}: {1e3 * np.median(seconds):.1f} ms/step")
    return results


def summarise(results: dict[str, dict[int, dict]], args: argparse.Namespace) -> list[dict]:
    """One row per (method, resolution): step ms and the speed-up of T1 over it."""
    rows = []
    for method, by_n in results.items():
        for n, cell in by_n.items():
            ms = 1e3 * np.asarray(cell["seconds"])
            ratio = np.asarray(cell["seconds"]) / np.asarray(results[REFERENCE][n]["seconds"])
            rows.append(
                {
                    "method": method,
                    "resolution": n,
                    "params": cell["params"],
                    "step_ms": ms.tolist(),
                    "step_ms_mean": float(ms.mean()),
                    "step_ms_ci95": ci95_half_width(ms),
                    "t1_speedup": ratio.tolist(),
                    "t1_speedup_mean": float(ratio.mean()),
                    "t1_speedup_ci95": ci95_half_width(ratio),
                }
            )
    return rows


def table(rows: list[dict], meta: dict) -> str:
    """The rows as a markdown table (speed-up = this method's step time / T1's)."""
    lines = [
        "# T1 train-step time vs FNO, LSM, U-Net (`benchmarks/t1_speed.py`)",
        "",
        f"{meta['date']}, {meta['machine']}, torch {meta['torch']}, {meta['threads']} thread(s), "
        f"load average {meta['load_before']} → {meta['load_after']}; width {meta['width']}, "
        f"{meta['modes']} modes, batch {meta['batch']}, {meta['repeats']} repeats × "
        f"{meta['steps']} timed steps (median per repeat). Mean ± 95 % CI over repeats.",
        "",
        "| resolution | method | params | step (ms) | T1 speed-up (× its step time) |",
        "|---|---|---|---|---|",
    ]
    for row in sorted(rows, key=lambda r: (r["resolution"], r["method"])):
        lines.append(
            f"| {row['resolution']}² | {row['method']} | {row['params']:,} | "
            f"{row['step_ms_mean']:.1f} ± {row['step_ms_ci95']:.1f} | "
            f"{row['t1_speedup_mean']:.2f} ± {row['t1_speedup_ci95']:.2f} |"
        )
    return "\n".join(lines) + "\n"


def plot(rows: list[dict], path: Path) -> None:
    """Speed-up of T1 over each method, and every method's step time, against resolution."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for method in sorted({r["method"] for r in rows}):
        mine = sorted((r for r in rows if r["method"] == method), key=lambda r: r["resolution"])
        n = [r["resolution"] for r in mine]
        right.errorbar(
            n, [r["step_ms_mean"] for r in mine], [r["step_ms_ci95"] for r in mine],
            marker="o", capsize=3, label=method,
        )  # fmt: skip
        if method != REFERENCE:
            left.errorbar(
                n, [r["t1_speedup_mean"] for r in mine], [r["t1_speedup_ci95"] for r in mine],
                marker="o", capsize=3, label=f"{method} / t1",
            )  # fmt: skip
    left.axhline(1.5, color="grey", linestyle="--", linewidth=1, label="1.5× (claim)")
    left.set(xscale="log", yscale="log", xlabel="grid size n (n × n)")
    left.set_ylabel("step time / T1's step time")
    left.set_title("speed-up of T1")
    right.set(xscale="log", yscale="log", xlabel="grid size n (n × n)", ylabel="ms per step")
    right.set_title("train-step time")
    for axis in (left, right):
        axis.set_xticks(sorted({r["resolution"] for r in rows}))
        axis.xaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
        axis.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        axis.legend()
    fig.tight_layout()
    fig.savefig(path, metadata={"Date": None})
    plt.close(fig)


def main() -> None:
    """Measure, write the JSON, the markdown table and the SVG."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resolutions", type=int, nargs="+", default=[32, 64, 128])
    parser.add_argument("--methods", nargs="+", default=["t1", "fno", "lsm", "unet"])
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--modes", type=int, default=12)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if REFERENCE not in args.methods:
        parser.error(f"--methods must include {REFERENCE} (the speed-ups are relative to it)")
    torch.set_num_threads(args.threads)
    load_before = round(os.getloadavg()[0], 2)
    started = dt.datetime.now(dt.timezone.utc)
    results = measure(args)
    rows = summarise(results, args)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO
    ).stdout.strip()
    meta = {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": round((dt.datetime.now(dt.timezone.utc) - started).total_seconds(), 1),
        "commit": commit,
        "machine": f"{platform.machine()} CPU ({os.cpu_count()} cores, shared)",
        "torch": torch.__version__,
        "threads": args.threads,
        "load_before": load_before,
        "load_after": round(os.getloadavg()[0], 2),
        **{k: getattr(args, k) for k in ("width", "modes", "batch", "repeats", "steps")},
        "warmup": args.warmup,
        "command": "python benchmarks/t1_speed.py " + " ".join(sys.argv[1:]),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "t1_speed.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))
    (args.out / "t1_speed.md").write_text(table(rows, meta))
    plot(rows, args.out / "t1_speed.svg")
    print(table(rows, meta))


if __name__ == "__main__":
    main()
