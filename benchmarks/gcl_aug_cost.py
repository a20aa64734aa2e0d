"""Augmentation cost per graph: SPAN (precompute + per-epoch sampling) vs edge perturbation.

One run measures, on the same graphs and the same number of epochs, the wall time of

* SPAN: Δ for both views (projected gradient steps through ``eigvalsh``, and through the exact
  Frobenius identity ‖eig Â‖₂ = ‖Â‖_F), plus drawing both views every epoch;
* edge dropping, edge adding and node dropping: drawing both views every epoch;

and prints the cost per graph and the ratio SPAN / edge perturbation. It also times PyG's
``dropout_edge`` drawing the same views (seeded from the view generator inside
``torch.random.fork_rng``, as the slot's "views from rng alone" contract needs) against our
NumPy ``drop_edges``: both keep each edge with probability 1 − p; the plugin keeps the faster.
With ``--cora`` it also
times one SPAN gradient iteration on Cora (2,708 nodes) through ``eigvalsh`` and through the
identity, and extrapolates to SPAN's node-level default of 40 iterations × 2 views.

    HARNESS_DATA_DIR=/work/shared/data .venv/bin/python benchmarks/gcl_aug_cost.py --cora
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
from torch_geometric.utils import dropout_edge

from spectral_harness_gcl.augment import (
    SPAN_DEFAULTS,
    add_edges,
    dense_adjacency,
    drop_edges,
    drop_nodes,
    flip_edges,
    span_deltas,
    span_group,
)
from spectral_harness_gcl.data import load_planetoid, load_tu

OUT = Path(__file__).resolve().parent.parent / "results" / "benchmarks" / "gcl_aug_cost.json"


def sample_seconds(graphs, draw, epochs: int, seed: int = 0) -> float:
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    for _ in range(epochs):
        for g, graph in enumerate(graphs):
            draw(g, graph, rng)
            draw(g, graph, rng)
    return time.perf_counter() - start


def pyg_drop_edges(pairs: np.ndarray, p: float, rng: np.random.Generator) -> np.ndarray:
    """PyG's ``dropout_edge`` on the undirected pairs, its torch draws seeded from ``rng``."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(rng.integers(2**63)))
        return dropout_edge(torch.from_numpy(pairs), p=p)[0].numpy()


def graph_level(data_dir: Path, dataset: str, epochs: int) -> dict:
    graphs = load_tu(data_dir, dataset)
    defaults = SPAN_DEFAULTS["graph"]
    result: dict = {"dataset": dataset, "graphs": len(graphs), "epochs": epochs}
    for spectrum in ("eigvalsh", "frobenius"):
        start = time.perf_counter()
        deltas = {
            d: span_deltas(
                graphs,
                d,
                ratio=defaults["ratio"],
                lr=defaults["lr_max" if d == "max" else "lr_min"],
                iterations=defaults["iterations"],
                seed=0,
                spectrum=spectrum,
            )
            for d in ("max", "min")
        }
        result[f"span_precompute_{spectrum}_s"] = time.perf_counter() - start

    def span_draw(g, graph, rng):
        for d in ("max", "min"):
            flip_edges(graph.pairs, graph.num_nodes, *deltas[d].graph(g), rng)

    result["span_sample_s"] = sample_seconds(graphs, lambda g, gr, r: span_draw(g, gr, r), epochs)
    result["edge_drop_sample_s"] = sample_seconds(
        graphs, lambda g, gr, r: drop_edges(gr.pairs, 0.2, r), epochs
    )
    result["edge_drop_pyg_sample_s"] = sample_seconds(
        graphs, lambda g, gr, r: pyg_drop_edges(gr.pairs, 0.2, r), epochs
    )
    kept = {
        name: np.mean(
            [
                draw(gr.pairs, 0.2, np.random.default_rng(g)).shape[1] / gr.pairs.shape[1]
                for g, gr in enumerate(graphs)
                if gr.pairs.shape[1]
            ]
        )
        for name, draw in (("numpy", drop_edges), ("pyg", pyg_drop_edges))
    }
    result["edge_drop_kept_fraction"] = kept
    result["edge_add_sample_s"] = sample_seconds(
        graphs, lambda g, gr, r: add_edges(gr.pairs, gr.num_nodes, 0.2, r), epochs
    )
    result["node_drop_sample_s"] = sample_seconds(
        graphs, lambda g, gr, r: drop_nodes(gr.pairs, gr.num_nodes, 0.2, r), epochs
    )
    n = len(graphs)
    span_total = result["span_precompute_eigvalsh_s"] + result["span_sample_s"] / 2
    result["per_graph_ms"] = {
        "span (eigvalsh precompute + sampling)": 1000 * span_total / n,
        "span (frobenius precompute + sampling)": 1000
        * (result["span_precompute_frobenius_s"] + result["span_sample_s"] / 2)
        / n,
        "edge_drop": 1000 * result["edge_drop_sample_s"] / n,
        "edge_drop (PyG dropout_edge)": 1000 * result["edge_drop_pyg_sample_s"] / n,
        "edge_add": 1000 * result["edge_add_sample_s"] / n,
        "node_drop": 1000 * result["node_drop_sample_s"] / n,
    }
    result["ratio_span_over_edge_drop"] = span_total / result["edge_drop_sample_s"]
    result["ratio_span_over_edge_add"] = span_total / result["edge_add_sample_s"]
    return result


def cora_iteration(data_dir: Path) -> dict:
    graph = load_planetoid(data_dir, "cora").graph
    adjacency = dense_adjacency(graph, torch.float32)[None]
    budget = torch.tensor([float(int(0.3 * graph.pairs.shape[1]))])
    result: dict = {"dataset": "cora", "nodes": graph.num_nodes}
    for spectrum in ("eigvalsh", "frobenius"):
        start = time.perf_counter()
        span_group(
            adjacency,
            budget,
            "max",
            lr=100.0,
            iterations=1,
            generator=torch.Generator().manual_seed(0),
            spectrum=spectrum,
        )
        seconds = time.perf_counter() - start
        result[f"one_iteration_{spectrum}_s"] = seconds
        result[f"extrapolated_80_iterations_{spectrum}_s"] = 80 * seconds
    start = time.perf_counter()
    rng = np.random.default_rng(0)
    for _ in range(10):
        drop_edges(graph.pairs, 0.2, rng)
        drop_edges(graph.pairs, 0.4, rng)
    result["edge_drop_per_epoch_s"] = (time.perf_counter() - start) / 10
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="MUTAG")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--cora", action="store_true", help="also time one Cora iteration")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data_dir = Path(os.environ.get("HARNESS_DATA_DIR", "../shared/data"))
    report = {
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "machine": f"{platform.machine()} CPU, torch threads={args.threads} (shared machine)",
        "torch": torch.__version__,
        "graph_level": [graph_level(data_dir, d, args.epochs) for d in args.datasets.split(",")],
    }
    if args.cora:
        report["node_level"] = cora_iteration(data_dir)
    for entry in report["graph_level"]:
        print(f"{entry['dataset']} ({entry['graphs']} graphs, {entry['epochs']} epochs):")
        for name, ms in entry["per_graph_ms"].items():
            print(f"  {name:42s} {ms:9.3f} ms/graph")
        print(
            f"  ratio SPAN / edge_drop = {entry['ratio_span_over_edge_drop']:.0f}x, "
            f"SPAN / edge_add = {entry['ratio_span_over_edge_add']:.0f}x"
        )
    if args.cora:
        print(json.dumps(report["node_level"], indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
