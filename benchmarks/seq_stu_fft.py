"""STU's cost against sequence length: its FFT convolution, the same layer by direct
convolution, and the diagonal SSM run as a scan (and, for reference, by FFT too).

One "step" is a training step's forward and backward pass of one layer (d_in = d_out = ``--dim``,
batch ``--batch``); the STU's filters are built once per length, outside the timing. The script
checks that the direct and FFT STU outputs agree, times ``--repeats`` steps per length (the
fastest CPU time and the median wall time) and fits the exponent p of CPU time ∝ L^p over the
lengths (FFT: p ≈ 1, i.e. L log L; direct: p ≈ 2; scan: p ≈ 1, a large constant per step).

    .venv/bin/python benchmarks/seq_stu_fft.py --lengths 1024 2048 4096
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from spectral_harness_seq.conv import causal_direct_conv
from spectral_harness_seq.ssm import DiagonalSSM
from spectral_harness_seq.stu import STU

OUT = Path(__file__).resolve().parent.parent / "results" / "benchmarks" / "seq_stu_fft.json"


def timings(run: Callable[[], torch.Tensor], repeats: int) -> tuple[float, float]:
    """(fastest CPU seconds, median wall seconds) over ``repeats`` of ``run()`` (forward) plus
    the backward of its output's sum, after one warm-up. On one thread, the process's CPU time
    counts the work and not the waiting for a shared core, so the exponents are fitted to it."""
    cpu, wall = [], []
    for _ in range(repeats + 1):
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        run().sum().backward()
        cpu.append(time.process_time() - cpu_start)
        wall.append(time.perf_counter() - wall_start)
    return min(cpu[1:]), statistics.median(wall[1:])


def exponent(lengths: list[int], seconds: list[float]) -> float:
    """The least-squares slope of log(seconds) against log(L)."""
    x, y = np.log(lengths), np.log(seconds)
    return float(np.polyfit(x, y, 1)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[1024, 2048, 4096])
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--dim", type=int, default=8)
    parser.add_argument("--filters", type=int, default=24)
    parser.add_argument("--state", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rows = []
    for length in args.lengths:
        u = torch.randn(args.batch, length, args.dim)
        stu = STU(args.dim, args.dim, length, num_filters=args.filters)
        ssm = DiagonalSSM(args.dim, args.dim, state_dim=args.state)
        with torch.no_grad():
            gap = float((stu(u) - stu(u, conv=causal_direct_conv)).abs().max())
        runs = {
            "stu_fft": lambda: stu(u),  # noqa: B023
            "stu_direct": lambda: stu(u, conv=causal_direct_conv),  # noqa: B023
            "ssm_scan": lambda: ssm.scan(u),  # noqa: B023
            "ssm_fft": lambda: ssm(u),  # noqa: B023
        }
        row: dict[str, float] = {"length": length, "stu_fft_vs_direct_max_abs_diff": gap}
        for name, run in runs.items():
            row[f"{name}_cpu_s"], row[f"{name}_wall_median_s"] = timings(run, args.repeats)
        row["stu_fft_cpu_ns_per_L_log2_L"] = (
            1e9 * row["stu_fft_cpu_s"] / (length * math.log2(length))
        )
        rows.append(row)
        print(json.dumps(row), flush=True)
    lengths = [r["length"] for r in rows]
    result = {
        "command": "benchmarks/seq_stu_fft.py " + " ".join(sys.argv[1:]),
        "what": (
            "one training step (forward + backward) of one layer: fastest CPU seconds (*_cpu_s, "
            "one thread) and median wall seconds (*_wall_median_s) over the repeats"
        ),
        "batch": args.batch,
        "d_in": args.dim,
        "d_out": args.dim,
        "num_filters": args.filters,
        "ssm_state_dim": args.state,
        "threads": args.threads,
        "rows": rows,
        "exponent_p_time_vs_L": {
            key: exponent(lengths, [r[f"{key}_cpu_s"] for r in rows])
            for key in ("stu_fft", "stu_direct", "ssm_scan", "ssm_fft")
        },
        "load_average": os.getloadavg(),
        "machine": platform.platform(),
        "torch": torch.__version__,
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["exponent_p_time_vs_L"]))


if __name__ == "__main__":
    main()
