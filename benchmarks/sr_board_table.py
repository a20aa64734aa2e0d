"""The SR board's secondary metrics in tables per task, read from the board's CSV.

``spectral-harness leaderboard --format md`` shows each section's primary metric only; the
paper's analysis needs the probe's accuracy per band (low, mid, high) in one table, and the SR
task's perceptual, distortion and spectral metrics side by side, overall and per test set. This
prints them from ``board.csv`` (every metric's mean and std over seeds, as the host aggregated
them) with a 95 % Student-t half-width:

    .venv/bin/python benchmarks/sr_board_table.py results/leaderboards/sr/board.csv \
        --out results/leaderboards/sr/tables.md
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from scipy.stats import t

SETS = ("set5", "set14", "bsd100")
# (task, table title, metrics): one Markdown table per entry and board section
TABLES = (
    (
        "sr_disc_probe",
        "held-out detection accuracy per attenuated band",
        ["acc_low", "acc_mid", "acc_high", "acc_mean"],
    ),
    (
        "sr_x4",
        "perceptual (↑ haarpsi, fsim, vsi; ↓ ms_gmsd), distortion and spectral metrics",
        [
            "haarpsi",
            "fsim",
            "vsi",
            "ms_gmsd",
            "psnr_y",
            "ssim_y",
            "spec_dist",
            "rmse_low",
            "rmse_mid",
            "rmse_high",
        ],
    ),
    (
        "sr_x4",
        "per test set",
        [f"{metric}_{name}" for name in SETS for metric in ("haarpsi", "fsim", "vsi", "psnr_y")],
    ),
)


def cell(row: pd.Series, metric: str) -> str:
    """``mean ± half-width of the 95 % CI`` of one metric of one board row."""
    n = int(row["n_seeds"])
    half = t.ppf(0.975, max(n - 1, 1)) * row[f"{metric}_std"] / n**0.5 if n > 1 else float("nan")
    return f"{row[f'{metric}_mean']:.4g} ± {half:.2g}"


def tables(board: pd.DataFrame) -> str:
    """One Markdown table per task and section: methods as rows, metrics as columns."""
    blocks = []
    for task, title, wanted in TABLES:
        for (scale, variant), rows in board[board.task == task].groupby(
            ["scale", "variant"], dropna=False, sort=False
        ):
            metrics = [m for m in wanted if f"{m}_mean" in rows and rows[f"{m}_mean"].notna().any()]
            where = f"scale={scale}" + (f", {variant}" if isinstance(variant, str) else "")
            lines = [f"### {task} ({where}): {title}, mean ± 95 % CI half-width over seeds", ""]
            lines.append("| method | seeds | " + " | ".join(metrics) + " |")
            lines.append("|---|---:|" + "---:|" * len(metrics))
            for _, row in rows.iterrows():
                values = " | ".join(cell(row, m) for m in metrics)
                lines.append(f"| {row['label']} | {row['n_seeds']} | {values} |")
            blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def main() -> None:
    """Read the board's CSV, print (or write) the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("board", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    text = tables(pd.read_csv(args.board))
    if args.out:
        args.out.write_text(text)
    print(text, end="")


if __name__ == "__main__":
    main()
