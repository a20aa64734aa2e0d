"""Plot the spectral-bias board's curves (task ``inr_spectral_bias``): each target frequency's
relative residual |R(f)|/|Y(f)| against the training step, one panel per method, one row per
sampling density (the mean over seeds, each seed faint), and the gradient confusion beside them.

    .venv/bin/python benchmarks/inr_spectral_bias_plot.py results/records/inr \
        results/leaderboards/inr/spectral_bias.png

Reads the committed records' ``spectral_bias_<density>.npz`` (checksummed by the record store).
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from harness.records import RecordStore

TASK = "inr_spectral_bias"
DENSITIES = ("sparse", "dense")
METHODS = ("relu", "relu_posenc", "siren", "winner")


def load(records: Path) -> dict[tuple[str, str], list[dict[str, np.ndarray]]]:
    """``{(method, density): [arrays of one seed]}`` for every ok record of the task."""
    store = RecordStore(records / "runs")
    out: dict[tuple[str, str], list[dict[str, np.ndarray]]] = defaultdict(list)
    for record in store.iter_records(TASK):
        if record.status != "ok":
            continue
        for density in DENSITIES:
            out[(record.method, density)].append(
                store.read_artifact(record, f"spectral_bias_{density}")
            )
    return out


def plot(runs: dict[tuple[str, str], list[dict[str, np.ndarray]]], path: Path) -> None:
    """Residual per frequency (log) vs step (symlog), methods as columns, densities as rows,
    plus one last column with every method's gradient confusion."""
    methods = [m for m in METHODS if any((m, d) in runs for d in DENSITIES)]
    fig, axes = plt.subplots(
        len(DENSITIES), len(methods) + 1, figsize=(3.2 * (len(methods) + 1), 5.6), squeeze=False
    )
    colours = plt.get_cmap("viridis")
    for row, density in enumerate(DENSITIES):
        for col, method in enumerate(methods):
            ax = axes[row][col]
            seeds = runs.get((method, density), [])
            if not seeds:
                ax.set_axis_off()
                continue
            frequencies = seeds[0]["frequency"]
            for k, frequency in enumerate(frequencies):
                colour = colours(k / max(1, len(frequencies) - 1))
                for arrays in seeds:
                    ax.plot(arrays["step"], arrays["residual"][:, k], color=colour, alpha=0.2)
                mean = np.mean([a["residual"][:, k] for a in seeds], axis=0)
                ax.plot(seeds[0]["step"], mean, color=colour, label=f"f = {frequency}")
            ax.set_xscale("symlog", linthresh=1)
            ax.set_yscale("log")
            ax.set_ylim(1e-5, 3)
            ax.set_title(f"{method} ({density}, {len(seeds)} seeds)", fontsize=9)
            ax.set_xlabel("step")
            if col == 0:
                ax.set_ylabel("|R(f)| / |Y(f)|")
                ax.legend(fontsize=7)
        ax = axes[row][-1]
        for method in methods:
            seeds = runs.get((method, density), [])
            if seeds:
                mean = np.mean([a["confusion"] for a in seeds], axis=0)
                ax.plot(seeds[0]["step"], mean, label=method)
        ax.set_xscale("symlog", linthresh=1)
        ax.set_title(f"gradient confusion ({density})", fontsize=9)
        ax.set_xlabel("step")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv: list[str]) -> None:
    """``inr_spectral_bias_plot.py RECORDS_DIR OUT`` (``.png`` or ``.svg``)."""
    records, out = Path(argv[0]), Path(argv[1])
    plot(load(records), out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
