"""Plot the eigen family's stored curves: eigenvalue error against matvecs per solver (from each
record's ``curves.json``), and the kernel learning curves (``learning_curve.npz``).

    .venv/bin/python benchmarks/eigen_curves_plot.py results/records/eigen results/benchmarks

writes ``eigen_<task>_curves.png`` for every task with curves. Reads only committed records.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np


def load(records: Path) -> dict[str, list[tuple[dict, Path]]]:
    """``{task: [(record, its artifact folder)]}`` for every ok record with artifacts."""
    out: dict[str, list[tuple[dict, Path]]] = defaultdict(list)
    for path in sorted(records.glob("runs/*/*/*.json")):
        record = json.loads(path.read_text())
        if record.get("status") == "ok" and record.get("artifacts"):
            out[record["task"]].append((record, path.with_suffix("")))
    return out


def plot_task(task: str, rows: list[tuple[dict, Path]], out_dir: Path) -> Path | None:
    """One figure per task: error vs matvecs (solvers) or loss vs N (kernel filters)."""
    fig, ax = plt.subplots(figsize=(6, 4))
    drawn = False
    for record, folder in rows:
        label = f"{record['method']} s{record['seed']}"
        if (folder / "learning_curve.npz").is_file():
            data = np.load(folder / "learning_curve.npz")
            kappa = record["config"]["task"].get("kappa")
            # the Wishart task fits its exponent on the noise-averaged loss, the circle on one draw
            curve = "expected" if task == "kernel_wishart" else "loss"
            ax.loglog(data["n"], data[curve], marker="o", label=f"{label} κ={kappa}")
            ax.set_xlabel("N")
            ax.set_ylabel("tuned test loss" + (" (noise-averaged)" if curve == "expected" else ""))
            drawn = True
        elif (folder / "curves.json").is_file():
            curves = json.loads((folder / "curves.json").read_text())
            if "eig_error" in curves and "matvecs" in curves:
                error = np.maximum(curves["eig_error"]["value"], 1e-17)
                ax.loglog(curves["matvecs"]["value"], error, label=label)
                ax.set_xlabel("matvecs")
                ax.set_ylabel("eig_error")
                drawn = True
    if not drawn:
        plt.close(fig)
        return None
    ax.set_title(task)
    ax.legend(fontsize=6, ncol=2)
    path = out_dir / f"eigen_{task}_curves.png"
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main(records: str, out_dir: str) -> None:
    """Plot every task of ``records`` into ``out_dir``."""
    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    for task, rows in load(Path(records)).items():
        path = plot_task(task, rows, target)
        if path is not None:
            print(path)


if __name__ == "__main__":
    main(*sys.argv[1:3])
