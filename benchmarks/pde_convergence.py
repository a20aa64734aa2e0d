"""Convergence of the PDE board's models, read from the curves kept with each record.

    HARNESS_RESULTS_DIR=results/records/pde .venv/bin/python benchmarks/pde_convergence.py \
        [--epochs 5 10 20 30 40] [--out results/benchmarks/pde_convergence.md]

Every ``pde_model`` run logs the validation relative L2 each ``eval_every`` epochs
(``eval/val_rel_l2`` in ``curves.json``). This prints, per (task, scale, training set, epochs,
method), the mean ± std over seeds of that curve at a few epochs, its minimum, and the first
epoch at which each seed came within 5 % of its own minimum (``converged by``): whether the
models had converged at the board's budget can be read off the table.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from harness.records import RecordStore  # noqa: E402

CURVE = "eval/val_rel_l2"
WITHIN = 1.05


def epoch_curve(record, store: RecordStore) -> dict[int, float]:
    """``{epoch: validation rel-L2}`` of one record (its steps divided by steps per epoch)."""
    curves = store.read_artifact(record, "curves")
    steps, values = curves[CURVE]["step"], curves[CURVE]["value"]
    task = record.config["task"]
    per_epoch = math.ceil(task["n_train"] / task["batch_size"])
    return {step // per_epoch: value for step, value in zip(steps, values, strict=True)}


def mean_std(values: list[float]) -> str:
    """``mean ± std`` (std over seeds; ``—`` when no value)."""
    if not values:
        return "—"
    std = statistics.stdev(values) if len(values) > 1 else math.nan
    return f"{statistics.fmean(values):.4f} ± {std:.4f}"


def table(runs_dir: Path, epochs: list[int]) -> str:
    """The markdown table of every (section, method) with curves in ``runs_dir``."""
    store = RecordStore(runs_dir)
    groups: dict[tuple, list[dict[int, float]]] = defaultdict(list)
    for record in store.iter_records():
        if record.status != "ok" or "curves" not in (record.artifacts or {}):
            continue
        task = record.config["task"]
        key = (record.task, record.scale, task["n_train"], task["epochs"], record.method)
        groups[key].append(epoch_curve(record, store))
    head = ["task", "scale", "n_train", "epochs", "method", "seeds"]
    head += [f"val rel-L2 @ {e}" for e in epochs] + ["min", "converged by (epoch)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key in sorted(groups):
        curves = groups[key]
        at = [mean_std([c[e] for c in curves if e in c]) for e in epochs]
        minima = [min(c.values()) for c in curves]
        converged = [
            min(e for e, v in c.items() if v <= WITHIN * m)
            for c, m in zip(curves, minima, strict=True)
        ]
        cells = [*map(str, key), str(len(curves)), *at, mean_std(minima)]
        cells.append(", ".join(map(str, converged)))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, nargs="+", default=[5, 10, 20, 30, 40])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    runs_dir = Path(os.environ.get("HARNESS_RESULTS_DIR", "results")) / "runs"
    text = table(runs_dir, args.epochs)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
