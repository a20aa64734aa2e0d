"""One GRACE epoch on Cora: PyG's dense ``mask_feature`` path against our sparse-feature masking.

Both paths draw the same kept columns from the same torch seed, run the same ``GCNConv`` encoder
(PyG accepts a sparse COO ``x``) and the same loss; the script checks that the two views'
embeddings agree and times a training step (two views, forward and backward) of each, with the
full InfoNCE and with a 1,024-node subsample.

    HARNESS_DATA_DIR=/work/shared/data .venv/bin/python benchmarks/gcl_grace_epoch.py
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

from spectral_harness_gcl.augment import drop_edges
from spectral_harness_gcl.data import both_directions, load_planetoid
from spectral_harness_gcl.networks import GCN, Projection, grace_loss
from spectral_harness_gcl.task import mask_columns, mask_sparse

OUT = Path(__file__).resolve().parent.parent / "results" / "benchmarks" / "gcl_grace_epoch.json"


def step(model, x, edges, rates, seed, nodes=None) -> tuple[float, list[torch.Tensor]]:
    """One training step's forward and backward; (seconds, the two views' embeddings)."""
    encoder, head = model
    torch.manual_seed(seed)
    start = time.perf_counter()
    outputs = []
    for rate, edge_index in zip(rates, edges, strict=True):
        masked = mask_sparse(x, rate) if x.is_sparse else mask_columns(x, rate)
        outputs.append(encoder(masked, edge_index))
    loss = grace_loss(head(outputs[0]), head(outputs[1]), 0.4, nodes)
    loss.backward()
    return time.perf_counter() - start, [o.detach() for o in outputs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data_dir = Path(os.environ.get("HARNESS_DATA_DIR", "../shared/data"))
    graph = load_planetoid(data_dir, "cora").graph
    rng = np.random.default_rng(0)
    edges = [torch.from_numpy(both_directions(drop_edges(graph.pairs, p, rng))) for p in (0.2, 0.4)]
    dense = torch.from_numpy(graph.x)
    sparse = dense.to_sparse().coalesce()
    torch.manual_seed(0)
    model = (GCN(dense.shape[1], 128), Projection(128, 128, torch.nn.ELU))
    nodes = torch.randperm(graph.num_nodes)[:1024]
    report: dict = {
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "machine": f"{platform.machine()} CPU, torch threads={args.threads} (shared machine)",
        "torch": torch.__version__,
    }
    for loss_name, subset in (("full_loss", None), ("loss_nodes_1024", nodes)):
        for x_name, x in (("dense_mask_feature", dense), ("sparse_mask_sparse", sparse)):
            times, views = [], []
            for r in range(args.repeats):
                seconds, views = step(model, x, edges, (0.3, 0.4), seed=r, nodes=subset)
                times.append(seconds)
            report[f"{loss_name}/{x_name}_s"] = float(np.median(times))
            report.setdefault("views", {})[x_name] = views
    same = all(
        torch.allclose(a, b, atol=1e-5) for a, b in zip(*report.pop("views").values(), strict=True)
    )
    report["equal_embeddings"] = bool(same)
    print(json.dumps(report, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
