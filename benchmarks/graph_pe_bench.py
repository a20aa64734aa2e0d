"""graph_pe benchmarks: eigenpair precomputation for all 12k ZINC graphs (cold and cached) and
training throughput (graphs/s) of the GINE regressor with each positional encoding.

    HARNESS_DATA_DIR=/work/shared/data .venv/bin/python benchmarks/graph_pe_bench.py \
        [--scale cpu] [--steps 20] [--threads 1]

Prints the numbers and writes ``results/benchmarks/graph_pe_bench.json``. The cold
precomputation runs in a fresh temporary cache directory; the cached one reads it back.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import platform
import tempfile
import time
from pathlib import Path

import torch

from harness.config import apply_scale
from harness.eigen import dataset_eigenpairs
from harness.plugins import get_registry
from harness.settings import default_data_dir
from spectral_harness_graph_pe import ZincConfig
from spectral_harness_graph_pe.data import SPLITS, Features, gather, load_zinc_npz, pack
from spectral_harness_graph_pe.encoders import GraphPEProblem
from spectral_harness_graph_pe.model import build_backbone
from spectral_harness_graph_pe.task import param_groups

# (label, method, method-config overrides): the norm=layer rows measure what the masked
# BatchNorm in the SignNet/SPE GINs costs against the LayerNorm they used before
VARIANTS = (
    ("none", "none", {}),
    ("lappe", "lappe", {}),
    ("rwse", "rwse", {}),
    ("signnet", "signnet", {}),
    ("signnet ours", "signnet", {"variant": "ours"}),
    ("signnet ours norm=layer", "signnet", {"variant": "ours", "norm": "layer"}),
    ("spe", "spe", {}),
    ("spe ours", "spe", {"variant": "ours"}),
    ("spe ours norm=layer", "spe", {"variant": "ours", "norm": "layer"}),
)


def bench_eigen(data_dir: Path, d: int) -> dict[str, float]:
    sets = {split: load_zinc_npz(data_dir, split) for split in SPLITS}
    graphs = sum(len(s) for s in sets.values())
    with tempfile.TemporaryDirectory() as cache_dir:
        timings = {}
        for label in ("cold", "cached"):
            start = time.perf_counter()
            for split, graph_set in sets.items():
                dataset_eigenpairs(graph_set.graphs(), d, cache_dir, key={"split": split})
            timings[f"eigen_{label}_s"] = time.perf_counter() - start
    return {"graphs": float(graphs), "d": float(d), **timings}


def bench_method(
    name: str, overrides: dict, cfg: ZincConfig, data_dir: Path, steps: int, cache: Path
) -> float:
    registry = get_registry()
    spec = registry.method(name, "graph_pe")
    problem = GraphPEProblem(
        cfg.pe_dims, cfg.pe_out, cfg.pe_hidden, cfg.pe_layers, cfg.spe_channels
    )
    encoder = __import__("harness.specs", fromlist=["resolve"]).resolve(spec.build)(
        spec.config(name=name, **overrides), problem
    )
    train = load_zinc_npz(data_dir, "train").head(cfg.batch_size * (steps + 2))
    packed = pack(train, encoder.features, pe_dims=cfg.pe_dims, cache_dir=cache)
    model = build_backbone(
        cfg.backbone, encoder, cfg.hidden, cfg.layers, cfg.pe_every_layer, cfg.pool
    )
    optimizer = torch.optim.Adam(param_groups(model, cfg.weight_decay), lr=cfg.lr)
    order = torch.randperm(len(train))

    def one(i: int) -> None:
        ids = order[i * cfg.batch_size : (i + 1) * cfg.batch_size]
        batch = gather(packed, ids)
        loss = torch.nn.functional.l1_loss(model(batch), batch.y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    one(0)  # warm-up
    start = time.perf_counter()
    for i in range(1, steps + 1):
        one(i)
    return steps * cfg.batch_size / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="cpu")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default="results/benchmarks/graph_pe_bench.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    data_dir = default_data_dir()
    registry = get_registry()
    cfg = apply_scale(registry.task("zinc"), ZincConfig(name="zinc"), args.scale)
    eigen: dict[str, float] = {}
    for d in sorted({cfg.pe_dims, 37}):  # the scale's d and the full protocol's d = 37
        timing = bench_eigen(data_dir, d)
        eigen.update({f"{k}_d{d}": v for k, v in timing.items() if k != "d"})
        print(
            f"eigenpairs, {int(timing['graphs'])} graphs, d={d}: "
            f"cold {timing['eigen_cold_s']:.2f} s, cached {timing['eigen_cached_s']:.2f} s"
        )
    throughput = {}
    with tempfile.TemporaryDirectory() as cache:
        # RWSE precomputation is cached too: time it once, outside the throughput numbers
        start = time.perf_counter()
        pack(load_zinc_npz(data_dir, "train"), Features(rw_steps=20), pe_dims=1, cache_dir=cache)
        rwse_s = time.perf_counter() - start
        print(f"RWSE-20 precomputation, 10000 train graphs: {rwse_s:.2f} s")
        for label, name, overrides in VARIANTS:
            throughput[label] = bench_method(
                name, overrides, cfg, data_dir, args.steps, Path(cache)
            )
            print(f"{label:20s} {throughput[label]:8.1f} train graphs/s")
    result = {
        "scale": args.scale,
        "config": dataclasses.asdict(cfg),
        "threads": args.threads,
        "steps": args.steps,
        "machine": f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} "
        "torch thread(s), shared 2-core CPU",
        "torch": torch.__version__,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        **eigen,
        "rwse20_train_s": rwse_s,
        "train_graphs_per_s": {k: round(v, 1) for k, v in throughput.items()},
        "epoch_seconds_at_scale": {
            k: round(cfg.train_graphs / v, 1) if cfg.train_graphs and math.isfinite(v) else None
            for k, v in throughput.items()
        },
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
