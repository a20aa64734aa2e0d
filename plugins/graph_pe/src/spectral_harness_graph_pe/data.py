"""ZINC-12k loading and the packed graph batches every ``graph_pe`` method reads.

Graphs are held packed (one concatenated node array, one concatenated edge array, offsets),
like the ``zinc12k`` npz files, and batches are gathered with a few tensor ops: no per-graph
Python objects in the training loop. This is kept instead of PyG's ``DataLoader`` because it is
faster at identical tensors: 0.6–0.8 ms against 7.9–8.8 ms for ``Batch.from_data_list`` on 64 ZINC
graphs with eigenpairs (``benchmarks/graph_pe_pyg_bench.py``). :meth:`Batch.to_pyg` hands the
same tensors to code written against PyG. Positional-encoding inputs (Laplacian eigenpairs from
:mod:`harness.eigen`, random-walk return probabilities) are computed once per split and cached
on disk by content.
"""

from __future__ import annotations

import hashlib
import pickle
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from harness import ContentCache, dataset_eigenpairs, structure_digest

NUM_ATOM_TYPES = 28
NUM_BOND_TYPES = 4  # 0 unused (padding), 1 single, 2 double, 3 triple
SPLITS = ("train", "val", "test")
RWSE_VERSION = 1


@dataclass
class GraphSet:
    """Packed graphs: graph ``g`` has nodes ``node_ptr[g]:node_ptr[g+1]`` and edges
    ``edge_ptr[g]:edge_ptr[g+1]``; ``edge_index`` holds local (per-graph, 0-based) node ids,
    both directions of every bond."""

    x: np.ndarray  # (N,) int64 atom type
    node_ptr: np.ndarray  # (G + 1,) int64
    edge_index: np.ndarray  # (2, E) int64 local ids
    edge_attr: np.ndarray  # (E,) int64 bond type
    edge_ptr: np.ndarray  # (G + 1,) int64
    y: np.ndarray  # (G,) float64 target

    def __len__(self) -> int:
        return len(self.y)

    def num_nodes(self, g: int) -> int:
        return int(self.node_ptr[g + 1] - self.node_ptr[g])

    def edges(self, g: int) -> np.ndarray:
        return self.edge_index[:, self.edge_ptr[g] : self.edge_ptr[g + 1]]

    def graphs(self) -> list[tuple[np.ndarray, int]]:
        """``(edge_index, num_nodes)`` pairs, the input of :mod:`harness.eigen`."""
        return [(self.edges(g), self.num_nodes(g)) for g in range(len(self))]

    def head(self, count: int) -> GraphSet:
        """The first ``count`` graphs (0 or more than there are: all)."""
        if count <= 0 or count >= len(self):
            return self
        n, e = int(self.node_ptr[count]), int(self.edge_ptr[count])
        return GraphSet(
            x=self.x[:n],
            node_ptr=self.node_ptr[: count + 1],
            edge_index=self.edge_index[:, :e],
            edge_attr=self.edge_attr[:e],
            edge_ptr=self.edge_ptr[: count + 1],
            y=self.y[:count],
        )

    def checksum(self) -> str:
        """sha256 of structure, atom and bond types and targets."""
        digest = hashlib.sha256(structure_digest(self.graphs()).encode())
        for array in (self.x, self.edge_attr, self.y):
            digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()


def load_zinc_npz(data_dir: Path, split: str) -> GraphSet:
    """A split of ``zinc12k/zinc12k_<split>_graphs.npz`` (target: ``y``, normalized pen. logP)."""
    with np.load(Path(data_dir) / "zinc12k" / f"zinc12k_{split}_graphs.npz") as z:
        return GraphSet(
            x=z["node_type"].astype(np.int64),
            node_ptr=z["node_ptr"].astype(np.int64),
            edge_index=z["edge_index"].astype(np.int64),
            edge_attr=z["edge_type"].astype(np.int64),
            edge_ptr=z["edge_ptr"].astype(np.int64),
            y=z["y"].astype(np.float64),
        )


def load_zinc_pyg(root: Path, split: str, cache_dir: Path) -> GraphSet:
    """A split of a folder in PyG's ``ZINC(subset=True)`` layout (``raw/<split>.pickle`` and
    ``raw/<split>.index``). PyG processes into ``<root>/processed``, so the raw files are first
    copied into the cache directory: the data folder may be read-only."""
    from torch_geometric.datasets import ZINC

    root = Path(root)
    raw = root / "raw"
    if not raw.is_dir():
        raise FileNotFoundError(f"{root} has no raw/ folder (PyG ZINC layout expected)")
    key = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    work = Path(cache_dir) / "graph_pe_pyg_zinc" / key
    if not (work / "raw").is_dir():
        shutil.copytree(raw, work / "raw", dirs_exist_ok=True)
    data = ZINC(str(work), subset=True, split=split)
    return from_pyg(list(data))


def concat_graphs(
    node_types: list[np.ndarray],
    edge_indices: list[np.ndarray],
    edge_types: list[np.ndarray],
    y: np.ndarray,
) -> GraphSet:
    """Pack per-graph arrays (node types ``(n,)``, local ``edge_index`` ``(2, e)``, bond types
    ``(e,)``) and one target per graph into a :class:`GraphSet`."""
    sizes = np.array([len(x) for x in node_types], dtype=np.int64)
    edge_counts = np.array([e.shape[1] for e in edge_indices], dtype=np.int64)
    return GraphSet(
        x=np.concatenate(node_types).astype(np.int64),
        node_ptr=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
        edge_index=np.concatenate(edge_indices, axis=1).astype(np.int64),
        edge_attr=np.concatenate(edge_types).astype(np.int64),
        edge_ptr=np.concatenate([[0], np.cumsum(edge_counts)]).astype(np.int64),
        y=np.asarray(y, dtype=np.float64),
    )


def from_pyg(graphs: list) -> GraphSet:
    """Pack PyG ``Data`` objects with ``x`` (atom type, (n, 1)), ``edge_attr`` (bond type),
    ``edge_index`` and ``y``."""
    return concat_graphs(
        [d.x.view(-1).numpy() for d in graphs],
        [d.edge_index.numpy() for d in graphs],
        [d.edge_attr.view(-1).numpy() for d in graphs],
        np.concatenate([d.y.view(-1).numpy() for d in graphs]),
    )


def write_pyg_raw(graph_sets: dict[str, GraphSet], root: Path) -> None:
    """Write graph sets in PyG's ZINC raw layout (the benchmarking-gnns pickles): used to test
    the PyG path and to hand our data to code that expects that layout."""
    raw = Path(root) / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for split, graphs in graph_sets.items():
        molecules = []
        for g in range(len(graphs)):
            n = graphs.num_nodes(g)
            bonds = torch.zeros(n, n, dtype=torch.long)
            ei = graphs.edges(g)
            bonds[ei[0], ei[1]] = torch.from_numpy(
                graphs.edge_attr[graphs.edge_ptr[g] : graphs.edge_ptr[g + 1]]
            )
            molecules.append(
                {
                    "atom_type": torch.from_numpy(
                        graphs.x[graphs.node_ptr[g] : graphs.node_ptr[g + 1]]
                    ),
                    "bond_type": bonds,
                    "logP_SA_cycle_normalized": torch.tensor([graphs.y[g]], dtype=torch.float32),
                    "num_atom": n,
                }
            )
        with open(raw / f"{split}.pickle", "wb") as handle:
            pickle.dump(molecules, handle)
        (raw / f"{split}.index").write_text(",".join(str(i) for i in range(len(graphs))) + "\n")


# -------------------------------------------------------------------------------------------------
# positional-encoding inputs, cached by content
# -------------------------------------------------------------------------------------------------


def random_walk_return_probs(edge_index: np.ndarray, num_nodes: int, steps: int) -> np.ndarray:
    """``(num_nodes, steps)``: column t−1 is diag((D⁻¹A)^t), the t-step return probability.
    Isolated nodes stay put (their row of D⁻¹A is zero, so their probabilities are 0)."""
    adjacency = np.zeros((num_nodes, num_nodes))
    edges = np.asarray(edge_index, dtype=np.int64)
    keep = edges[0] != edges[1]
    adjacency[edges[0][keep], edges[1][keep]] = 1.0
    adjacency = np.maximum(adjacency, adjacency.T)
    degree = adjacency.sum(axis=1, keepdims=True)
    walk = np.divide(adjacency, degree, out=np.zeros_like(adjacency), where=degree > 0)
    out = np.zeros((num_nodes, steps))
    power = np.eye(num_nodes)
    for t in range(steps):
        power = power @ walk
        out[:, t] = np.diag(power)
    return out


def rwse_features(graphs: GraphSet, steps: int, cache_dir: Path) -> torch.Tensor:
    """RWSE of every node of ``graphs`` (``(N, steps)`` float32), cached by structure."""
    cache = ContentCache(Path(cache_dir), "graph_pe_rwse")
    pairs = graphs.graphs()
    key = {"structure": structure_digest(pairs), "steps": steps, "version": RWSE_VERSION}

    def create() -> torch.Tensor:
        return torch.from_numpy(
            np.concatenate([random_walk_return_probs(e, n, steps) for e, n in pairs])
        ).float()

    return cache.get_or_create(key, create)


@dataclass
class Features:
    """What a method asks the task to precompute."""

    eig: bool = False
    rw_steps: int = 0


@dataclass
class PackedSplit:
    """A split on the device, ready for :func:`gather`."""

    x: torch.Tensor
    node_ptr: torch.Tensor
    edge_index: torch.Tensor
    edge_attr: torch.Tensor
    edge_ptr: torch.Tensor
    y: torch.Tensor
    eigvals: torch.Tensor | None = None  # (G, d)
    eigvecs: torch.Tensor | None = None  # (N, d)
    num_valid: torch.Tensor | None = None  # (G,)
    rw: torch.Tensor | None = None  # (N, K)

    def __len__(self) -> int:
        return self.y.shape[0]


def pack(
    graphs: GraphSet,
    features: Features,
    *,
    pe_dims: int,
    cache_dir: Path,
    key: dict | None = None,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float32,
) -> PackedSplit:
    """Move ``graphs`` to ``device`` with the requested PE inputs (computed once, cached)."""
    split = PackedSplit(
        x=torch.from_numpy(graphs.x),
        node_ptr=torch.from_numpy(graphs.node_ptr),
        edge_index=torch.from_numpy(graphs.edge_index),
        edge_attr=torch.from_numpy(graphs.edge_attr),
        edge_ptr=torch.from_numpy(graphs.edge_ptr),
        y=torch.from_numpy(graphs.y).to(dtype),
    )
    if features.eig:
        eig = dataset_eigenpairs(graphs.graphs(), pe_dims, cache_dir, kind="sym", key=key)
        split = replace(
            split,
            eigvals=eig.eigvals.to(dtype),
            eigvecs=eig.eigvecs.to(dtype),
            num_valid=eig.num_valid,
        )
    if features.rw_steps:
        split = replace(split, rw=rwse_features(graphs, features.rw_steps, cache_dir).to(dtype))
    return PackedSplit(
        **{
            name: (value.to(device) if isinstance(value, torch.Tensor) else value)
            for name, value in vars(split).items()
        }
    )


@dataclass
class Batch:
    """A minibatch of graphs with global node ids (the input of backbone and PE networks)."""

    x: torch.Tensor  # (n,)
    edge_index: torch.Tensor  # (2, e) batch-global ids
    edge_attr: torch.Tensor  # (e,)
    batch: torch.Tensor  # (n,) graph of each node
    local: torch.Tensor  # (n,) index of each node inside its graph
    sizes: torch.Tensor  # (B,) nodes per graph
    y: torch.Tensor  # (B,)
    num_graphs: int
    max_nodes: int
    eigvals: torch.Tensor | None = None  # (B, d)
    eigvecs: torch.Tensor | None = None  # (n, d)
    eig_mask: torch.Tensor | None = None  # (B, d) bool: real (not padded) eigenpairs
    rw: torch.Tensor | None = None  # (n, K)
    extra: dict = field(default_factory=dict)

    @property
    def num_nodes(self) -> int:
        return self.x.shape[0]

    def to_pyg(self) -> Any:
        """The same batch as a ``torch_geometric.data.Batch`` sharing these tensors (no copy):
        ``x``, ``edge_index``, ``edge_attr``, ``y``, ``batch``, ``ptr`` and the PE inputs present
        (``eigvecs`` (n, d), ``eigvals`` (B, d), ``eig_mask`` (B, d), ``rw`` (n, K)), so a
        positional encoding written against PyG (``MessagePassing`` layers, ``global_*_pool``,
        ``torch_geometric.utils``) reads it as it is. Per-graph ``to_data_list`` is not
        available: the batch was gathered from packed arrays, not collated from ``Data``."""
        from torch_geometric.data import Batch as PyGBatch

        ptr = torch.zeros(self.num_graphs + 1, dtype=torch.long, device=self.x.device)
        ptr[1:] = torch.cumsum(self.sizes, 0)
        fields = {"x": self.x, "edge_index": self.edge_index, "edge_attr": self.edge_attr}
        fields.update(y=self.y, batch=self.batch, ptr=ptr)
        for name in ("eigvecs", "eigvals", "eig_mask", "rw"):
            if getattr(self, name) is not None:
                fields[name] = getattr(self, name)
        return PyGBatch(**fields)


def gather(split: PackedSplit, graph_ids: torch.Tensor) -> Batch:
    """The batch of graphs ``graph_ids`` (any order), all tensors on the split's device."""
    device = split.x.device
    graph_ids = graph_ids.to(device)
    starts, sizes = (
        split.node_ptr[graph_ids],
        split.node_ptr[graph_ids + 1] - split.node_ptr[graph_ids],
    )
    e_starts = split.edge_ptr[graph_ids]
    e_sizes = split.edge_ptr[graph_ids + 1] - e_starts
    offsets = torch.cumsum(sizes, 0) - sizes
    e_offsets = torch.cumsum(e_sizes, 0) - e_sizes
    num_graphs = graph_ids.shape[0]
    batch = torch.repeat_interleave(torch.arange(num_graphs, device=device), sizes)
    local = torch.arange(batch.shape[0], device=device) - offsets[batch]
    node_idx = starts[batch] + local
    edge_graph = torch.repeat_interleave(torch.arange(num_graphs, device=device), e_sizes)
    edge_idx = e_starts[edge_graph] + (
        torch.arange(edge_graph.shape[0], device=device) - e_offsets[edge_graph]
    )
    out = Batch(
        x=split.x[node_idx],
        edge_index=split.edge_index[:, edge_idx] + offsets[edge_graph],
        edge_attr=split.edge_attr[edge_idx],
        batch=batch,
        local=local,
        sizes=sizes,
        y=split.y[graph_ids],
        num_graphs=num_graphs,
        max_nodes=int(sizes.max()) if num_graphs else 0,
    )
    if split.eigvals is not None:
        d = split.eigvals.shape[1]
        out.eigvals = split.eigvals[graph_ids]
        out.eigvecs = split.eigvecs[node_idx]
        out.eig_mask = torch.arange(d, device=device)[None, :] < split.num_valid[graph_ids, None]
    if split.rw is not None:
        out.rw = split.rw[node_idx]
    return out


def single_graph_batch(
    edge_index: torch.Tensor,
    num_nodes: int,
    *,
    eigvals: torch.Tensor | None = None,
    eigvecs: torch.Tensor | None = None,
    rw: torch.Tensor | None = None,
    x: torch.Tensor | None = None,
) -> Batch:
    """A batch holding one graph (tests, invariance checks)."""
    device = edge_index.device
    batch = Batch(
        x=x if x is not None else torch.zeros(num_nodes, dtype=torch.long, device=device),
        edge_index=edge_index,
        edge_attr=torch.ones(edge_index.shape[1], dtype=torch.long, device=device),
        batch=torch.zeros(num_nodes, dtype=torch.long, device=device),
        local=torch.arange(num_nodes, device=device),
        sizes=torch.tensor([num_nodes], device=device),
        y=torch.zeros(1, device=device),
        num_graphs=1,
        max_nodes=num_nodes,
        rw=rw,
    )
    if eigvals is not None:
        batch.eigvals = eigvals[None]
        batch.eigvecs = eigvecs
        valid = min(num_nodes, eigvals.shape[0])
        batch.eig_mask = torch.arange(eigvals.shape[0], device=device)[None, :] < valid
    return batch
