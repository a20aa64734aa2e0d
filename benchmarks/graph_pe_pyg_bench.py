"""The graph_pe family on PyG: each PyG piece against the hand-written kernel it replaced (or
would replace), in one run, on ZINC batches at ``scale=cpu`` sizes: equal results, and time.

* ``gine``: a GINE aggregation ``(1 + ε) h_i + Σ_j ReLU(h_j + e_ij)``: ``index_add_`` (ours before)
  vs ``torch_geometric.nn.GINEConv`` (now), forward + backward.
* ``gin3d``: the same for GIN over SPE's ρ tensor ``(n, n_max, c)`` (message passing along the
  first index): ``index_add_`` vs ``GINConv(node_dim=0)``.
* ``pool``: mean readout: ``index_add_`` + division vs ``global_mean_pool``.
* ``batching``: a training batch of 64 graphs with eigenpairs: our packed ``gather`` (kept) vs
  ``torch_geometric.data.Batch.from_data_list`` over per-graph ``Data`` (what a PyG
  ``DataLoader`` collates).

    HARNESS_DATA_DIR=/work/shared/data .venv/bin/python benchmarks/graph_pe_pyg_bench.py

Minimum over alternated rounds; writes ``results/benchmarks/graph_pe_pyg_bench.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch_geometric.data import Batch as PyGBatch
from torch_geometric.data import Data
from torch_geometric.nn import GINConv, GINEConv, global_mean_pool

from spectral_harness_graph_pe.data import Features, gather, load_zinc_npz, pack


def best_seconds(fn: Callable[[], object], reps: int) -> float:
    """Seconds per call of ``fn`` (one warm-up call first)."""
    fn()
    start = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - start) / reps


def compare(pairs: dict[str, Callable[[], object]], reps: int, rounds: int) -> dict[str, float]:
    """Minimum seconds per call of each variant over ``rounds`` alternated rounds."""
    best = {name: float("inf") for name in pairs}
    for _ in range(rounds):
        for name, fn in pairs.items():
            best[name] = min(best[name], best_seconds(fn, reps))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", default="results/benchmarks/graph_pe_pyg_bench.json")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    data_dir = Path(os.environ.get("HARNESS_DATA_DIR", "/work/shared/data"))
    graphs = load_zinc_npz(data_dir, "train").head(640)
    with tempfile.TemporaryDirectory() as cache:
        split = pack(graphs, Features(eig=True), pe_dims=8, cache_dir=Path(cache))
    ids = torch.arange(64)
    batch = gather(split, ids)
    src, dst = batch.edge_index
    hidden, channels = 64, 32
    results: dict[str, dict] = {}

    # GINE aggregation
    h = torch.randn(batch.num_nodes, hidden, requires_grad=True)
    e = torch.randn(batch.edge_index.shape[1], hidden)
    gine = GINEConv(torch.nn.Identity(), train_eps=True)

    def gine_ours() -> torch.Tensor:
        messages = torch.relu(h[src] + e)
        return (1 + gine.eps) * h + torch.zeros_like(h).index_add_(0, dst, messages)

    def gine_pyg() -> torch.Tensor:
        return gine(h, batch.edge_index, e)

    # GIN over SPE's (n, n_max, c) tensor
    h3 = torch.randn(batch.num_nodes, batch.max_nodes, channels, requires_grad=True)
    gin = GINConv(torch.nn.Identity(), train_eps=True, node_dim=0)

    def gin_ours() -> torch.Tensor:
        return (1 + gin.eps) * h3 + torch.zeros_like(h3).index_add_(0, dst, h3[src])

    def gin_pyg() -> torch.Tensor:
        return gin(h3, batch.edge_index)

    def pool_ours() -> torch.Tensor:
        pooled = torch.zeros(batch.num_graphs, hidden).index_add_(0, batch.batch, h)
        return pooled / batch.sizes[:, None]

    def pool_pyg() -> torch.Tensor:
        return global_mean_pool(h, batch.batch, size=batch.num_graphs)

    for name, ours, pyg in (
        ("gine", gine_ours, gine_pyg),
        ("gin3d", gin_ours, gin_pyg),
        ("pool", pool_ours, pool_pyg),
    ):
        difference = float((ours() - pyg()).abs().max())
        timing = compare(
            {
                "ours": lambda f=ours: f().sum().backward(),
                "pyg": lambda f=pyg: f().sum().backward(),
            },
            args.reps,
            args.rounds,
        )
        results[name] = {
            "max_abs_difference": difference,
            "ms_ours": round(1000 * timing["ours"], 3),
            "ms_pyg": round(1000 * timing["pyg"], 3),
            "pyg_speed_vs_ours": round(timing["ours"] / timing["pyg"], 2),
        }

    # batching: packed gather vs PyG collate of per-graph Data objects
    node_ptr, edge_ptr = split.node_ptr, split.edge_ptr
    datas = []
    for g in range(len(split)):
        nodes = slice(int(node_ptr[g]), int(node_ptr[g + 1]))
        edges = slice(int(edge_ptr[g]), int(edge_ptr[g + 1]))
        datas.append(
            Data(
                x=split.x[nodes],
                edge_index=split.edge_index[:, edges],
                edge_attr=split.edge_attr[edges],
                y=split.y[g : g + 1],
                eigvecs=split.eigvecs[nodes],
                eigvals=split.eigvals[g : g + 1],
            )
        )
    order = torch.randperm(len(split))
    chosen = order[:64]
    ours_batch = gather(split, chosen)
    pyg_batch = PyGBatch.from_data_list([datas[i] for i in chosen.tolist()])
    same = all(
        torch.equal(getattr(ours_batch, key), getattr(pyg_batch, key))
        for key in ("x", "edge_index", "edge_attr", "batch", "y", "eigvecs", "eigvals")
    )
    timing = compare(
        {
            "ours": lambda: gather(split, chosen),
            "pyg": lambda: PyGBatch.from_data_list([datas[i] for i in chosen.tolist()]),
        },
        args.reps,
        args.rounds,
    )
    results["batching"] = {
        "identical_tensors": same,
        "ms_ours": round(1000 * timing["ours"], 3),
        "ms_pyg": round(1000 * timing["pyg"], 3),
        "pyg_speed_vs_ours": round(timing["ours"] / timing["pyg"], 2),
    }
    for name, row in results.items():
        print(name, row)
    payload = {
        "batch": {"graphs": 64, "nodes": batch.num_nodes, "n_max": batch.max_nodes},
        "hidden": hidden,
        "rho_channels": channels,
        "reps": args.reps,
        "rounds": args.rounds,
        "results": results,
        "machine": f"{platform.processor() or platform.machine()}, 1 torch thread, shared",
        "torch": torch.__version__,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
