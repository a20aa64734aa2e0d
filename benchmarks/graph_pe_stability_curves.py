"""The stability board's curves as a table: for each method (and variant), the median over seeds
and test graphs of the output change at every ε, read from the ``stability.npz`` arrays stored
with the records (``ctx.save_arrays``). A Lipschitz encoder's column grows tenfold per decade of ε;
a jumping one is flat at O(1) once ε passes the eigengap.

    .venv/bin/python benchmarks/graph_pe_stability_curves.py [results/records/graph_pe]

Prints a Markdown table (log10 of the median output change).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np


def label(record: dict) -> str:
    """``method`` plus its variant, when it has one."""
    method = record["method"]
    variant = record.get("config", {}).get("method", {}).get("variant")
    return f"{method} ({variant})" if variant else method


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "results/records/graph_pe")
    curves: dict[str, list[np.ndarray]] = defaultdict(list)
    epsilon = None
    for path in sorted((root / "runs" / "stability").glob("*/*.json")):
        record = json.loads(path.read_text())
        arrays = path.with_suffix("") / "stability.npz"
        if record.get("status") != "ok" or not arrays.exists():
            continue
        with np.load(arrays) as z:
            curves[label(record)].append(z["output_change"])
            epsilon = z["epsilon"]
    if epsilon is None:
        raise SystemExit(f"no stability records with arrays under {root}")
    print("| method | " + " | ".join(f"ε={e:.0e}" for e in epsilon) + " |")
    print("|---|" + "---|" * len(epsilon))
    for name, runs in sorted(curves.items()):
        median = np.median(np.concatenate(runs), axis=0)
        # an encoder that outputs nothing (none) does not move: no logarithm, a dash
        cells = " | ".join(f"{np.log10(m):.1f}" if m > 0 else "–" for m in median)
        print(f"| {name} ({len(runs)} seeds) | {cells} |")


if __name__ == "__main__":
    main()
