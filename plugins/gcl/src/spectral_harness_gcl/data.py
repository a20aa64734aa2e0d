"""Readers for the raw TU text files and the Planetoid ``ind.*`` pickles (numpy only).

Every graph is kept as an undirected edge list ``pairs`` of shape ``(2, M)`` with ``i < j``, one
column per edge, no self-loops, no duplicates: the form all augmentations work on.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Graph:
    """One undirected graph: ``pairs`` (2, M) with i < j, node features, label."""

    pairs: np.ndarray
    num_nodes: int
    x: np.ndarray
    y: int = 0


@dataclass(frozen=True)
class NodeData:
    """A single graph with per-node labels (Planetoid)."""

    graph: Graph
    labels: np.ndarray
    num_classes: int


def canonical_pairs(edges: np.ndarray, num_nodes: int | None = None) -> np.ndarray:
    """``(2, E)`` edges in either or both directions → unique ``(2, M)`` pairs with i < j."""
    edges = np.asarray(edges, dtype=np.int64).reshape(2, -1)
    lo, hi = np.minimum(edges[0], edges[1]), np.maximum(edges[0], edges[1])
    keep = lo != hi
    lo, hi = lo[keep], hi[keep]
    if lo.size == 0:
        return np.zeros((2, 0), dtype=np.int64)
    n = int(num_nodes if num_nodes is not None else hi.max() + 1)
    codes = np.unique(lo * n + hi)
    return np.stack([codes // n, codes % n]).astype(np.int64)


def both_directions(pairs: np.ndarray) -> np.ndarray:
    """``(2, M)`` undirected pairs → ``(2, 2M)`` directed edge index."""
    return np.concatenate([pairs, pairs[::-1]], axis=1)


def load_tu(
    root: Path, name: str, node_features: str = "labels", max_degree: int = 64
) -> list[Graph]:
    """Read ``root/tudataset/<name>`` (1-based raw TU files) into :class:`Graph` objects."""
    folder = Path(root) / "tudataset" / name

    def path(part: str) -> Path:
        return folder / f"{name}_{part}.txt"

    edges = np.loadtxt(path("A"), delimiter=",", dtype=np.int64).reshape(-1, 2) - 1
    indicator = np.loadtxt(path("graph_indicator"), dtype=np.int64) - 1
    raw_labels = np.loadtxt(path("graph_labels"), dtype=np.int64).reshape(-1)
    classes = {v: i for i, v in enumerate(sorted(set(raw_labels.tolist())))}
    labels = np.array([classes[v] for v in raw_labels], dtype=np.int64)
    num_graphs = labels.shape[0]
    node_labels = None
    if node_features == "labels" and path("node_labels").is_file():
        node_labels = np.loadtxt(path("node_labels"), dtype=np.int64).reshape(-1)
        node_labels = node_labels - node_labels.min()
    starts = np.searchsorted(indicator, np.arange(num_graphs + 1))
    owner = indicator[edges[:, 0]]
    order = np.argsort(owner, kind="stable")
    edges, owner = edges[order], owner[order]
    edge_starts = np.searchsorted(owner, np.arange(num_graphs + 1))
    kind = node_features if node_labels is not None or node_features != "labels" else "degree"
    width = int(node_labels.max()) + 1 if kind == "labels" else max_degree + 1
    graphs = []
    for g in range(num_graphs):
        lo, hi = int(starts[g]), int(starts[g + 1])
        local = edges[edge_starts[g] : edge_starts[g + 1]].T - lo
        pairs = canonical_pairs(local, hi - lo)
        n = hi - lo
        if kind == "labels":
            x = np.eye(width, dtype=np.float32)[node_labels[lo:hi]]
        elif kind == "degree":
            degree = np.bincount(pairs.reshape(-1), minlength=n)
            x = np.eye(width, dtype=np.float32)[np.minimum(degree, max_degree)]
        elif kind == "constant":
            x = np.ones((n, 1), dtype=np.float32)
        else:
            raise ValueError(f"node_features must be labels, degree or constant, not {kind!r}")
        graphs.append(Graph(pairs=pairs, num_nodes=n, x=x, y=int(labels[g])))
    return graphs


class _Unpickler(pickle.Unpickler):
    """Planetoid pickles hold scipy CSR matrices; read them as plain attribute bags."""

    def find_class(self, module: str, name: str):
        if module.startswith("scipy.sparse"):
            return _Sparse
        return super().find_class(module, name)


class _Sparse:
    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def dense(self) -> np.ndarray:
        rows, cols = self._shape
        out = np.zeros((rows, cols), dtype=np.float32)
        counts = np.diff(self.indptr)
        out[np.repeat(np.arange(rows), counts), self.indices] = self.data
        return out


def _load_pickle(path: Path):
    with open(path, "rb") as handle:
        return _Unpickler(handle, encoding="latin1").load()


def load_planetoid(root: Path, name: str) -> NodeData:
    """Cora / CiteSeer: features (row-normalised, as GRACE), labels, undirected pairs.

    Assembly as Kipf & Welling / PyG: features = allx ∪ tx with the tx rows placed at
    ``test.index``; CiteSeer's isolated test ids without a ``tx`` row get zero features and
    label 0 (PyG pads the same way).
    """
    folder = Path(root) / "planetoid" / name

    def part(suffix: str):
        return _load_pickle(folder / f"ind.{name}.{suffix}")

    allx, tx = part("allx").dense(), part("tx").dense()
    ally, ty = np.asarray(part("ally")), np.asarray(part("ty"))
    graph = part("graph")
    test_index = np.loadtxt(folder / f"ind.{name}.test.index", dtype=np.int64)
    lo, hi = int(test_index.min()), int(test_index.max())
    full_tx = np.zeros((hi - lo + 1, tx.shape[1]), dtype=np.float32)
    full_ty = np.zeros((hi - lo + 1, ty.shape[1]), dtype=ty.dtype)
    full_tx[np.sort(test_index) - lo] = tx
    full_ty[np.sort(test_index) - lo] = ty
    x = np.concatenate([allx, full_tx])
    y = np.concatenate([ally, full_ty])
    x[test_index] = x[np.sort(test_index)].copy()
    y[test_index] = y[np.sort(test_index)].copy()
    num_nodes = max(x.shape[0], max(graph) + 1)
    if x.shape[0] < num_nodes:
        x = np.concatenate([x, np.zeros((num_nodes - x.shape[0], x.shape[1]), np.float32)])
        y = np.concatenate([y, np.zeros((num_nodes - y.shape[0], y.shape[1]), y.dtype)])
    rowsum = x.sum(axis=1, keepdims=True)
    x = x / np.where(rowsum > 0, rowsum, 1.0)
    src = [u for u, nbrs in graph.items() for _ in nbrs]
    dst = [v for nbrs in graph.values() for v in nbrs]
    pairs = canonical_pairs(np.array([src, dst]), num_nodes)
    labels = y.argmax(axis=1).astype(np.int64)
    return NodeData(
        graph=Graph(pairs=pairs, num_nodes=num_nodes, x=x.astype(np.float32)),
        labels=labels,
        num_classes=int(y.shape[1]),
    )


def graphs_digest(graphs: list[Graph]) -> str:
    """sha256 over every graph's size and pairs: names the structure in cache keys."""
    digest = hashlib.sha256()
    for graph in graphs:
        digest.update(np.int64(graph.num_nodes).tobytes())
        digest.update(np.ascontiguousarray(graph.pairs, dtype=np.int64).tobytes())
    return digest.hexdigest()
