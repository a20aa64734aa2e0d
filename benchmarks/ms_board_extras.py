"""What the ms board cannot show yet, from its committed records and board CSV.

Two stopgaps until the host has them (see results/leaderboards/ms/COMMAND.md):

* the markdown board shows the primary metric and the costs only; this prints every section's
  cosine at both tolerances, recall@1/10 in both candidate sets, throughput and the annotation
  diagnostics, one row per (ppm, method config);
* a claim pairs two *methods*; this pairs two configs of ``graff_ms`` seed by seed (masked vs
  reference loss, 20 ppm vs 10 / 5 ppm) with a 95 % Student-t interval, as the claims do.

Usage (after ``make boards``): ``python benchmarks/ms_board_extras.py`` prints markdown and
writes ``results/benchmarks/ms_board_extras.md``.
"""

from __future__ import annotations

import glob
import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

BOARD = Path("results/leaderboards/ms/board.csv")
RECORDS = "results/records/ms/runs/ms_predict/*/*.json"
OUT = Path("results/benchmarks/ms_board_extras.md")
COLUMNS = {
    "cosine_0.1": "cos@0.1",
    "cosine_0.01": "cos@0.01",
    "recall_at_1": "R@1 (20)",
    "recall_at_10": "R@10 (20)",
    "recall_large_at_1": "R@1 (large)",
    "recall_large_at_10": "R@10 (large)",
    "spectra_per_s": "spectra/s",
    "annotation_candidates_per_peak": "cands/peak test",
    "annotation_candidates_per_peak_train": "cands/peak train",
    "annotated_intensity": "annotated test",
    "vocab_coverage": "vocab coverage",
}


def board_table(board: pd.DataFrame) -> list[str]:
    """One markdown row per (ppm, method config): mean ± std over seeds."""
    board = board.assign(ppm=board["variant"].str.extract(r"ppm=([\d.]+)")[0].astype(float))
    lines = [
        "| ppm | method | seeds | " + " | ".join(COLUMNS.values()) + " |",
        "|---" * (3 + len(COLUMNS)) + "|",
    ]
    ordered = board.sort_values(["ppm", "primary_mean"], ascending=[False, False])
    for _, row in ordered.iterrows():
        cells = [f"{row.ppm:g}", str(row.label), str(int(row.n_seeds))]
        for column in COLUMNS:
            mean, std = row[f"{column}_mean"], row[f"{column}_std"]
            if pd.isna(mean):
                cells.append("–")
            elif column == "spectra_per_s":
                cells.append(f"{mean:.0f} ± {std:.0f}")
            else:
                cells.append(f"{mean:.3f} ± {std:.3f}")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def config_values(records: list[dict], metric: str, ppm: float, loss: str) -> dict[int, float]:
    """``{seed: value}`` of graff_ms at ``ppm`` with ``loss``."""
    out = {}
    for record in records:
        task, method = record["config"]["task"], record["config"]["method"]
        if record["method"] == "graff_ms" and task["ppm"] == ppm and method["loss"] == loss:
            out[record["seed"]] = record["metrics"][metric]
    return out


def paired(name: str, a: dict[int, float], b: dict[int, float]) -> str:
    """Per-seed differences ``a - b``, their mean and 95 % Student-t interval."""
    diff = np.array([a[s] - b[s] for s in sorted(a) if s in b])
    half = stats.t.ppf(0.975, len(diff) - 1) * diff.std(ddof=1) / np.sqrt(len(diff))
    return (
        f"| {name} | {', '.join(f'{d:+.3f}' for d in diff)} | {diff.mean():+.3f} | "
        f"[{diff.mean() - half:+.3f}, {diff.mean() + half:+.3f}] |"
    )


def main() -> None:
    records = [json.loads(Path(p).read_text()) for p in sorted(glob.glob(RECORDS))]
    lines = ["## Every metric, mean ± std over seeds", "", *board_table(pd.read_csv(BOARD))]
    lines += ["", "## graff_ms configs paired by seed", ""]
    lines += ["| difference | per seed (0, 1, 2) | mean | 95% CI |", "|---|---|---|---|"]
    for metric in ("cosine_0.1", "recall_at_1", "recall_large_at_1"):
        masked = config_values(records, metric, 20.0, "masked")
        reference = config_values(records, metric, 20.0, "reference")
        lines.append(paired(f"masked − reference, {metric}", masked, reference))
    for ppm in (10.0, 5.0):
        at_20 = config_values(records, "cosine_0.1", 20.0, "masked")
        lines.append(
            paired(
                f"20 ppm − {ppm:g} ppm, cosine_0.1",
                at_20,
                config_values(records, "cosine_0.1", ppm, "masked"),
            )
        )
    text = "\n".join(lines) + "\n"
    print(text)
    OUT.write_text(text)


if __name__ == "__main__":
    main()
