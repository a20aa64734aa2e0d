"""Generated graphs for cycle counting: where 1-WL message passing fails and PEs must help.

A seeded mixture of Erdős–Rényi, random d-regular and Watts–Strogatz graphs with 12–24 nodes;
the target of a graph is its number of simple cycles of one length, counted with networkx.
Same-size d-regular graphs all look alike to a 1-WL GNN (every node sees the same degrees at every
depth), yet their cycle counts differ, so a plain GINE cannot fit them and a positional encoding
has something to show. The graphs and counts are produced by our own code and cached by content.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import networkx as nx
import numpy as np

from harness import ContentCache
from spectral_harness_graph_pe.data import SPLITS, GraphSet, concat_graphs

CYCLES_VERSION = 2
SPLIT_FRACTIONS = (4, 1, 1)  # train : val : test


@dataclass(frozen=True)
class CycleGraphsSpec:
    """What determines a generated dataset (and its cache key)."""

    num_graphs: int
    cycle_length: int
    min_nodes: int
    max_nodes: int
    seed: int


def random_graph(rng: np.random.Generator, min_nodes: int, max_nodes: int) -> nx.Graph:
    """One graph: 40 % Erdős–Rényi (p ∈ [0.1, 0.2]), 30 % random d-regular (d ∈ {3, 4}),
    30 % Watts–Strogatz (k = 4, rewiring p ∈ [0.1, 0.3]).

    The research notes' ER density (p up to 0.35) gives 24-node graphs hundreds of 4-cycles
    against a handful in the regular ones, so the densest ER graphs alone would decide the MAE;
    at p ≤ 0.2 the three families' counts are of one scale."""
    n = int(rng.integers(min_nodes, max_nodes + 1))
    seed = int(rng.integers(2**31))
    family = rng.random()
    if family < 0.4:
        return nx.gnp_random_graph(n, float(rng.uniform(0.1, 0.2)), seed=seed)
    if family < 0.7:
        degree = int(rng.choice([3, 4]))
        if n * degree % 2:  # a d-regular graph needs n·d even
            n += 1
        return nx.random_regular_graph(degree, n, seed=seed)
    return nx.watts_strogatz_graph(n, 4, float(rng.uniform(0.1, 0.3)), seed=seed)


def count_cycles(graph: nx.Graph, length: int) -> int:
    """Number of simple cycles with exactly ``length`` nodes (each cycle counted once)."""
    return sum(1 for cycle in nx.simple_cycles(graph, length_bound=length) if len(cycle) == length)


def regular_graphs(graphs: GraphSet) -> np.ndarray:
    """Boolean mask of the graphs whose nodes all have one degree (1-WL cannot tell such graphs
    of equal size apart)."""
    mask = np.zeros(len(graphs), dtype=bool)
    for g in range(len(graphs)):
        degrees = np.bincount(graphs.edges(g)[0], minlength=graphs.num_nodes(g))
        mask[g] = degrees.min() == degrees.max()
    return mask


def to_graph_set(graphs: list[nx.Graph], targets: np.ndarray) -> GraphSet:
    """Pack networkx graphs (one node type 0, one bond type 1, both edge directions)."""
    edge_indices = []
    for graph in graphs:
        pairs = np.array(list(graph.edges()), dtype=np.int64).reshape(-1, 2).T
        edge_indices.append(np.concatenate([pairs, pairs[::-1]], axis=1))
    return concat_graphs(
        [np.zeros(g.number_of_nodes(), dtype=np.int64) for g in graphs],
        edge_indices,
        [np.ones(e.shape[1], dtype=np.int64) for e in edge_indices],
        targets,
    )


def generate(spec: CycleGraphsSpec) -> dict[str, GraphSet]:
    """Train/val/test graph sets (4 : 1 : 1) with raw cycle counts as targets."""
    rng = np.random.default_rng(spec.seed)
    graphs = [random_graph(rng, spec.min_nodes, spec.max_nodes) for _ in range(spec.num_graphs)]
    counts = np.array([count_cycles(g, spec.cycle_length) for g in graphs], dtype=np.float64)
    bounds = np.cumsum([0, *SPLIT_FRACTIONS]) * spec.num_graphs // sum(SPLIT_FRACTIONS)
    return {
        split: to_graph_set(graphs[start:end], counts[start:end])
        for split, start, end in zip(SPLITS, bounds[:-1], bounds[1:], strict=True)
    }


def cycle_graphs(spec: CycleGraphsSpec, cache_dir: Path) -> dict[str, GraphSet]:
    """:func:`generate`, cached by the spec and the generator's version."""
    cache = ContentCache(Path(cache_dir), "graph_pe_cycles")
    key = {"spec": vars(spec), "version": CYCLES_VERSION, "networkx": nx.__version__}
    return cache.get_or_create(key, lambda: generate(spec), save=_save, load=_load)


def _save(sets: dict[str, GraphSet], path: Path) -> None:
    arrays = {
        f"{split}.{f.name}": getattr(graphs, f.name)
        for split, graphs in sets.items()
        for f in fields(GraphSet)
    }
    with open(path, "wb") as handle:  # a handle: np.savez would append .npz to a path
        np.savez(handle, **arrays)


def _load(path: Path) -> dict[str, GraphSet]:
    with np.load(path) as arrays:
        return {
            split: GraphSet(**{f.name: arrays[f"{split}.{f.name}"] for f in fields(GraphSet)})
            for split in SPLITS
        }
