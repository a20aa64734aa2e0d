"""Masked BatchNorm in the SPE/SignNet GINs: forward + backward time of ``MaskedBatchNorm``
against the direct formulation it replaced (boolean indexing ``h[mask]``, mean and variance
written out), against torch's ``BatchNorm1d`` over every entry, padding included (what the SPE
reference code does: no mask, statistics that depend on the batch's largest graph) and against
``LayerNorm`` (what the GINs used before: fast, but it erases each entry's
size). Shape: one SPE ρ layer at ``scale=cpu``, a batch of 64 ZINC-sized graphs.

    .venv/bin/python benchmarks/masked_batchnorm_bench.py [--reps 30] [--rounds 3]

Prints the minimum over rounds per variant and writes
``results/benchmarks/masked_batchnorm_bench.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F

from spectral_harness_graph_pe.layers import MaskedBatchNorm


def boolean_indexing(norm: MaskedBatchNorm) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """The formulation ``MaskedBatchNorm`` replaced (batch statistics, affine; no running stats)."""

    def forward(h: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        valid = h[mask]
        mean, var = valid.mean(dim=0), valid.var(dim=0, unbiased=False)
        return (h - mean) * torch.rsqrt(var + norm.eps) * norm.weight + norm.bias

    return forward


def seconds_per_call(forward: Callable, h: torch.Tensor, mask: torch.Tensor, reps: int) -> float:
    forward(h, mask).sum().backward()  # warm-up
    start = time.perf_counter()
    for _ in range(reps):
        forward(h, mask).sum().backward()
    return (time.perf_counter() - start) / reps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", default="results/benchmarks/masked_batchnorm_bench.json")
    args = parser.parse_args()
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(0)
    sizes = torch.randint(9, 38, (64,), generator=gen)  # ZINC graphs have 9–37 atoms
    n, width, channels = int(sizes.sum()), int(sizes.max()), 32
    owner = torch.repeat_interleave(torch.arange(64), sizes)
    mask = torch.arange(width)[None, :] < sizes[owner][:, None]  # (n, n_max)
    h = torch.randn(n, width, channels, generator=gen, requires_grad=True)
    norm, layer = MaskedBatchNorm(channels), torch.nn.LayerNorm(channels)
    plain = torch.nn.BatchNorm1d(channels)
    variants = {
        "masked_batchnorm": norm,
        "boolean_indexing": boolean_indexing(norm),
        "batchnorm_all_entries": lambda h, mask: plain(h.reshape(-1, channels)).view_as(h),
        "layernorm": lambda h, mask: F.layer_norm(h, (channels,), layer.weight, layer.bias),
    }
    best = {name: float("inf") for name in variants}
    for _ in range(args.rounds):  # alternate the variants so drifts in machine load hit all
        for name, forward in variants.items():
            best[name] = min(best[name], seconds_per_call(forward, h, mask, args.reps))
    for name, seconds in best.items():
        print(f"{name:22s} {1000 * seconds:7.2f} ms per forward + backward")
    speedup = best["boolean_indexing"] / best["masked_batchnorm"]
    print(f"masked_batchnorm is {speedup:.2f}x faster than boolean_indexing")
    versus_plain = best["batchnorm_all_entries"] / best["masked_batchnorm"]
    print(f"masked_batchnorm runs at {versus_plain:.2f}x the speed of batchnorm_all_entries")
    result = {
        "shape": [n, width, channels],
        "valid_fraction": float(mask.float().mean()),
        "reps": args.reps,
        "rounds": args.rounds,
        "ms_per_forward_backward": {k: round(1000 * v, 3) for k, v in best.items()},
        "speedup_vs_boolean_indexing": round(speedup, 2),
        "speed_vs_batchnorm_all_entries": round(versus_plain, 2),
        "machine": f"{platform.processor() or platform.machine()}, 1 torch thread, shared",
        "torch": torch.__version__,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
