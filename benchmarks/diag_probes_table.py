"""The cross-family probe table (results/leaderboards/diag_probes/probes.md), printed from the
probe board's CSV: the main probe columns, mean ± std over seeds (no number typed by hand).

    .venv/bin/python benchmarks/diag_probes_table.py
"""

from pathlib import Path

import pandas as pd

df = pd.read_csv("results/leaderboards/diag_probes/board.csv")
probes = [
    "weight_alpha/alpha_mean",
    "weight_alpha/farms_alpha_mean",
    "weight_alpha/layers",
    "layer_snr/snr_mean",
    "layer_snr/infinite",
    "hessian_top/lambda_max",
    "hessian_top/outliers",
    "hessian_density/trace",
    "hessian_density/negative_mass",
    "lambda_max/lambda_max",
]
rows = ["| task | method | seeds | " + " | ".join(probes) + " |", "|---" * (len(probes) + 3) + "|"]
for _, r in df.iterrows():
    cells = []
    for p in probes:
        m, s = r.get(f"{p}_mean"), r.get(f"{p}_std")
        cells.append("–" if pd.isna(m) else f"{m:.4g} ± {s:.2g}")
    rows.append(f"| {r['task']} | {r['method']} | {r['n_seeds']} | " + " | ".join(cells) + " |")
Path("results/leaderboards/diag_probes/probes.md").write_text(
    "# Probe diagnostics across families (mean ± std over seeds, from board.csv)\n\n"
    + "\n".join(rows)
    + "\n"
)
