"""S4-PTD's linear-algebra check: diagonal approximations of the non-normal HiPPO-LegS matrix.

For each state size N and perturbation size ε: the condition number κ of the eigenvector
matrix (unit columns) of HiPPO-LegS diagonalised directly, of its normal part (S4D / S5) and of
the perturbed matrix (PTD, best of ``--trials`` random directions), and the sup over
ω ∈ [1e-2, 1e4] (and over ω > 1e3) of |G(iω) − G_approx(iω)|, G(s) = C (sI − A)⁻¹ B the
HiPPO transfer function, C random (seed 0), solved densely.

    .venv/bin/python benchmarks/seq_ptd_linalg.py
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path

import numpy as np

from spectral_harness_seq.hippo import dense_transfer, diagonalise, hippo_legs, normal_part, ptd

OUT = Path(__file__).resolve().parent.parent / "results" / "benchmarks" / "seq_ptd_linalg.json"


def errors(approx: np.ndarray, exact: np.ndarray, omega: np.ndarray) -> dict[str, float]:
    """Sup of |approx − exact| over every ω and over ω > 1e3, and the sup relative error."""
    gap = np.abs(approx - exact)
    return {
        "sup_error": float(gap.max()),
        "sup_error_high_freq": float(gap[omega > 1e3].max()),
        "sup_relative_error": float((gap / np.abs(exact)).max()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[16, 32, 64])
    parser.add_argument("--epsilons", type=float, nargs="+", default=[1e-3, 1e-2, 1e-1])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    omega = np.logspace(-2, 4, 400)
    rows = []
    for n in args.sizes:
        a, b = hippo_legs(n)
        c = np.random.default_rng(0).standard_normal(n) / np.sqrt(n)
        exact = dense_transfer(a, b, c, 1j * omega)
        s4d = diagonalise(normal_part(n))
        row = {
            "N": n,
            "kappa_naive_eig": diagonalise(a).condition,
            "kappa_s4d_normal_part": s4d.condition,
            "s4d": errors(s4d.transfer(b, c, 1j * omega), exact, omega),
            "ptd": {},
        }
        for eps in args.epsilons:
            result = ptd(a, eps, args.trials, np.random.default_rng(0))
            row["ptd"][f"{eps:g}"] = {
                "kappa": result.condition,
                **errors(result.transfer(b, c, 1j * omega), exact, omega),
            }
        rows.append(row)
        print(json.dumps(row), flush=True)
    result = {
        "command": "benchmarks/seq_ptd_linalg.py " + " ".join(sys.argv[1:]),
        "omega": "400 log-spaced points in [1e-2, 1e4]",
        "trials": args.trials,
        "rows": rows,
        "machine": platform.platform(),
        "numpy": np.__version__,
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
