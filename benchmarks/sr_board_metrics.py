"""Per-metric tables of the SR boards and the paper's discriminator claim, from run records.

The leaderboard shows the primary metric; this script adds every metric the SR tasks report
(mean ± std over seeds, from the same records) and checks the claim of the paper's analysis:
the spectral discriminator detects high-band fakes better than the spatial one, and the spatial
one low-band fakes. Numbers are read from records, never typed in.

    HARNESS_RESULTS_DIR=results .venv/bin/python benchmarks/sr_board_metrics.py --scale cpu
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from scipy import stats

from harness.plugins import get_registry
from harness.records import RecordStore
from harness.settings import Settings

OUT = Path("results/leaderboards/sr")
METRICS = {
    "sr_disc_probe": ["acc_low", "acc_high", "acc_mean", "val_acc_low", "val_acc_high"],
    "sr_x4": [
        "psnr_y",
        "ssim_y",
        "psnr_y_set5",
        "psnr_y_set14",
        "rmse_low",
        "rmse_mid",
        "rmse_high",
        "spec_dist",
        "pretrain_psnr_y",
        "steps_per_s",
    ],
}
ORDER = ["none", "spatial", "spectral", "reduced_spectrum", "dual"]


def _per_method(task: str, scale: str) -> dict[str, dict[int, dict[str, float]]]:
    """``{method: {seed: metrics}}`` of the ``ok`` records (latest attempt per seed)."""
    settings = Settings.from_env(progress=False)
    out: dict[str, dict[int, dict[str, float]]] = {}
    for record in RecordStore(settings.runs_dir).iter_records(task):
        if record.status == "ok" and record.scale == scale:
            out.setdefault(record.method, {})[record.seed] = record.metrics
    return out


def _fmt(values: list[float], digits: int) -> str:
    if not values:
        return "–"
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{np.mean(values):.{digits}f} ± {np.std(values, ddof=1):.{digits}f}"


def table(task: str, scale: str) -> tuple[str, dict]:
    runs = _per_method(task, scale)
    if not runs:
        return f"### {task} (scale={scale}): no ok records\n", {"runs": {}, "summary": {}}
    names = [m for m in ORDER if m in runs] + sorted(set(runs) - set(ORDER))
    cols = [c for c in METRICS[task] if any(c in s for m in runs.values() for s in m.values())]
    lines = [
        f"### {task} (scale={scale}): every metric, mean ± std over seeds",
        "",
        "| method | seeds | " + " | ".join(cols) + " |",
        "|---|---:|" + "---:|" * len(cols),
    ]
    summary: dict = {}
    for name in names:
        seeds = runs[name]
        cells = []
        for col in cols:
            values = [s[col] for s in seeds.values() if col in s]
            digits = 4 if col.startswith(("rmse", "spec")) else 3
            cells.append(_fmt(values, digits))
            summary.setdefault(name, {})[col] = values
        lines.append(f"| {name} | {len(seeds)} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n", {"runs": runs, "summary": summary}


def _paired(values: list[float], gate: float) -> str:
    """Mean, t-based 95 % interval and how many seeds pass ``gate``."""
    n = len(values)
    mean = float(np.mean(values))
    if n > 1:
        half = float(stats.t.ppf(0.975, n - 1) * np.std(values, ddof=1) / np.sqrt(n))
        interval = f"95% CI [{mean - half:+.3f}, {mean + half:+.3f}]"
    else:
        interval = "one seed"
    passed = sum(v >= gate for v in values)
    per_seed = ", ".join(f"{v:+.3f}" for v in values)
    return f"{mean:+.3f} ({interval}; per seed {per_seed}; {passed}/{n} seeds ≥ {gate:+.2f})"


def claim(runs: dict[str, dict[int, dict[str, float]]]) -> str:
    """Paired (same seed) differences for the paper's two statements."""
    if "spatial" not in runs or "spectral" not in runs:
        return "claim: needs spatial and spectral runs\n"
    seeds = sorted(set(runs["spatial"]) & set(runs["spectral"]))
    high = [runs["spectral"][s]["acc_high"] - runs["spatial"][s]["acc_high"] for s in seeds]
    low = [runs["spatial"][s]["acc_low"] - runs["spectral"][s]["acc_low"] for s in seeds]
    lines = [
        "### The paper's claim on our data (held-out accuracy, paired by seed)",
        "",
        f"- high band: acc_spectral − acc_spatial = {_paired(high, 0.05)}; the notes' gate "
        f"(mean ≥ +0.05): {'met' if np.mean(high) >= 0.05 else 'not met'}",
        f"- low band: acc_spatial − acc_spectral = {_paired(low, 0.0)}; informational gate "
        f"(mean ≥ 0): {'met' if np.mean(low) >= 0 else 'not met'}",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="cpu")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--tasks", nargs="+", default=list(METRICS), choices=list(METRICS))
    args = parser.parse_args()
    get_registry()  # fail early if the plugin is not installed
    args.out.mkdir(parents=True, exist_ok=True)
    for task in args.tasks:
        text, data = table(task, args.scale)
        if task == "sr_disc_probe":
            text += "\n" + claim(data["runs"])
        print(text)
        (args.out / f"{task}_metrics.md").write_text(text)
        (args.out / f"{task}_metrics.json").write_text(
            json.dumps({"scale": args.scale, **data["summary"]}, indent=1, sort_keys=True)
        )


if __name__ == "__main__":
    main()
