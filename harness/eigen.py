"""Laplacian eigenpairs of graphs, computed once and cached on disk by content.

One implementation, shared by every plugin that needs a graph spectrum (positional encodings,
spectral augmentations, spectral filters):

* :func:`laplacian` builds the dense Laplacian of one graph;
* :func:`graph_eigenpairs` returns the eigenpairs of one graph;
* :func:`dataset_eigenpairs` returns them for a list of graphs, through a
  :class:`~harness.data.cache.ContentCache` entry, so a second run never calls the eigensolver.

Conventions (the SPE reference code's):

* ``kind="sym"``: the symmetric normalized Laplacian ``L = I - D^{-1/2} A D^{-1/2}``; an
  isolated node keeps ``L_ii = 1`` (PyG's ``get_laplacian(normalization="sym")``).
  ``kind="comb"``: the combinatorial Laplacian ``L = D - A``.
* ``A`` is built from ``edge_index`` as an undirected graph: self-loops are dropped, duplicate
  edges collapse to one (or their ``edge_weight`` is summed), and ``A`` is symmetrized with
  ``max(A, Aᵀ)`` so a one-direction edge list gives the same graph as a two-direction one.
* ``float64`` dense ``eigh``; eigenvalues ascending, the trivial ``λ = 0`` pair included.
* With ``d`` eigenpairs requested and ``n < d`` nodes, the result is zero-padded: eigenvalues
  ``[λ_1..λ_n, 0, ..]`` and eigenvector columns ``n..d-1`` all zero. ``num_valid`` = ``min(n, d)``
  says where the real pairs stop (a padded 0 cannot be told from a real λ = 0 otherwise).
* Eigenvectors of a repeated eigenvalue are an arbitrary orthonormal basis of the eigenspace,
  and every sign is arbitrary: use basis-invariant consumers (SPE, SignNet) or random flips.

Dense ``eigh`` costs O(n³): fine for molecules and for graphs up to a few thousand nodes (Cora:
2,708 nodes, a few seconds); larger graphs need a sparse solver, which this module does not do.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch

from harness.data.cache import ContentCache

LaplacianKind = Literal["sym", "comb"]
KINDS = ("sym", "comb")
# Bump when the computation changes (convention, padding, dtype): old cache entries stop matching.
ALGORITHM_VERSION = 1
CACHE_NAMESPACE = "eigenpairs"


def laplacian(
    edge_index: Any,
    num_nodes: int,
    kind: LaplacianKind = "sym",
    edge_weight: Any | None = None,
) -> np.ndarray:
    """The dense ``(num_nodes, num_nodes)`` float64 Laplacian of an undirected graph.

    ``edge_index`` is a ``(2, E)`` array or tensor of 0-based node ids (either or both
    directions); ``edge_weight`` optional ``(E,)`` non-negative weights (default 1).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown Laplacian kind {kind!r}; use one of {KINDS}")
    adjacency = _adjacency(edge_index, num_nodes, edge_weight)
    degree = adjacency.sum(axis=1)
    if kind == "comb":
        return np.diag(degree) - adjacency
    inv_sqrt = np.zeros_like(degree)
    positive = degree > 0
    inv_sqrt[positive] = 1.0 / np.sqrt(degree[positive])
    return np.eye(num_nodes) - inv_sqrt[:, None] * adjacency * inv_sqrt[None, :]


def graph_eigenpairs(
    edge_index: Any,
    num_nodes: int,
    d: int | None = None,
    kind: LaplacianKind = "sym",
    edge_weight: Any | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Eigenpairs of one graph's Laplacian (not cached: see :func:`dataset_eigenpairs`).

    Returns ``(eigenvalues, eigenvectors)`` as float64 tensors of shapes ``(k,)`` and
    ``(num_nodes, k)`` with ``k = d`` (the smallest ``d`` pairs, zero-padded when
    ``num_nodes < d``) or ``k = num_nodes`` when ``d`` is ``None``. Column ``j`` of the
    eigenvectors belongs to eigenvalue ``j``.
    """
    values, vectors = _eigh(laplacian(edge_index, num_nodes, kind, edge_weight)[None])
    values, vectors = _pad(values[0], vectors[0], num_nodes if d is None else d)
    return torch.from_numpy(values), torch.from_numpy(vectors)


@dataclass(frozen=True)
class Eigenpairs:
    """The first ``d`` Laplacian eigenpairs of each graph of a list, packed.

    ``eigvals``: ``(G, d)`` float64, ascending, zero-padded. ``eigvecs``: ``(N, d)`` float64, the
    rows of graph ``g`` are ``node_ptr[g]:node_ptr[g + 1]`` (same node order as the input).
    ``num_valid``: ``(G,)`` int64, ``min(n_g, d)``. ``node_ptr``: ``(G + 1,)`` int64.
    """

    eigvals: torch.Tensor
    eigvecs: torch.Tensor
    num_valid: torch.Tensor
    node_ptr: torch.Tensor
    kind: str
    d: int

    def __len__(self) -> int:
        return self.eigvals.shape[0]

    def graph(self, g: int) -> tuple[torch.Tensor, torch.Tensor]:
        """``(eigenvalues (d,), eigenvectors (n_g, d))`` of graph ``g``."""
        start, end = int(self.node_ptr[g]), int(self.node_ptr[g + 1])
        return self.eigvals[g], self.eigvecs[start:end]

    def to_dict(self) -> dict[str, Any]:
        """Plain tensors and scalars, loadable with ``torch.load(weights_only=True)``."""
        return {
            "eigvals": self.eigvals,
            "eigvecs": self.eigvecs,
            "num_valid": self.num_valid,
            "node_ptr": self.node_ptr,
            "kind": self.kind,
            "d": self.d,
        }

    @classmethod
    def from_dict(cls, payload: dict[str, Any]) -> Eigenpairs:
        return cls(**payload)


def compute_eigenpairs(
    graphs: Sequence[tuple[Any, int]], d: int, kind: LaplacianKind = "sym"
) -> Eigenpairs:
    """Eigenpairs of every ``(edge_index, num_nodes)`` graph, without the cache.

    Graphs of equal size are stacked and solved in one batched ``eigh`` call.
    """
    if d < 1:
        raise ValueError(f"d must be a positive number of eigenpairs, not {d}")
    sizes = np.array([int(n) for _, n in graphs], dtype=np.int64)
    node_ptr = np.zeros(len(graphs) + 1, dtype=np.int64)
    np.cumsum(sizes, out=node_ptr[1:])
    eigvals = np.zeros((len(graphs), d))
    eigvecs = np.zeros((int(node_ptr[-1]), d))
    by_size: dict[int, list[int]] = {}
    for g, n in enumerate(sizes):
        by_size.setdefault(int(n), []).append(g)
    for n, members in by_size.items():
        if n == 0:
            continue
        stack = np.stack([laplacian(graphs[g][0], n, kind) for g in members])
        values, vectors = _eigh(stack)
        for g, vals, vecs in zip(members, values, vectors, strict=True):
            vals, vecs = _pad(vals, vecs, d)
            eigvals[g] = vals
            eigvecs[node_ptr[g] : node_ptr[g + 1]] = vecs
    return Eigenpairs(
        eigvals=torch.from_numpy(eigvals),
        eigvecs=torch.from_numpy(eigvecs),
        num_valid=torch.from_numpy(np.minimum(sizes, d)),
        node_ptr=torch.from_numpy(node_ptr),
        kind=kind,
        d=d,
    )


def dataset_eigenpairs(
    graphs: Sequence[tuple[Any, int]],
    d: int,
    cache_dir: Path | str,
    *,
    kind: LaplacianKind = "sym",
    key: dict[str, Any] | None = None,
    cache: ContentCache | None = None,
) -> Eigenpairs:
    """Eigenpairs of a list of graphs, computed once and then read from the disk cache.

    ``graphs``: ``(edge_index, num_nodes)`` pairs (numpy arrays or tensors). ``key``: what names
    the data for humans and for invalidation, e.g. ``{"dataset": "zinc12k", "split": "train",
    "checksum": ctx.data.checksum("zinc12k")}``. The cache key also always holds ``d``, ``kind``,
    :data:`ALGORITHM_VERSION`, the torch version (the solver) and a digest of the graphs'
    structure, so a changed graph, a changed transform or a new library never reuses a stale
    entry.
    Pass ``cache`` to share one :class:`ContentCache` (and its hit/miss counters).
    """
    cache = cache or ContentCache(Path(cache_dir), CACHE_NAMESPACE)
    key_parts = {
        **(key or {}),
        "d": int(d),
        "kind": kind,
        "algorithm": ALGORITHM_VERSION,
        "torch": torch.__version__,
        "structure": structure_digest(graphs),
    }
    payload = cache.get_or_create(key_parts, lambda: compute_eigenpairs(graphs, d, kind).to_dict())
    return Eigenpairs.from_dict(payload)


def structure_digest(graphs: Iterable[tuple[Any, int]]) -> str:
    """sha256 over every graph's node count and edge list (order-sensitive): the content key."""
    digest = hashlib.sha256()
    for edge_index, num_nodes in graphs:
        edges = np.ascontiguousarray(_as_numpy(edge_index), dtype=np.int64)
        digest.update(np.int64(num_nodes).tobytes())
        digest.update(np.int64(edges.shape[-1]).tobytes())
        digest.update(edges.tobytes())
    return digest.hexdigest()


def _eigh(stack: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Batched float64 symmetric eigensolver, eigenvalues ascending (the one solver call site).

    ``torch.linalg.eigh`` rather than numpy's: it obeys ``torch.set_num_threads`` (the runner's
    ``trainer.num_threads``), while OpenBLAS threads oversubscribe a shared machine badly.
    """
    values_t, vectors_t = torch.linalg.eigh(torch.from_numpy(np.asarray(stack, dtype=np.float64)))
    values, vectors = values_t.numpy(), vectors_t.numpy()
    order = np.argsort(values, axis=-1, kind="stable")
    values = np.take_along_axis(values, order, axis=-1)
    vectors = np.take_along_axis(vectors, order[..., None, :], axis=-1)
    return values, vectors


def _pad(values: np.ndarray, vectors: np.ndarray, d: int) -> tuple[np.ndarray, np.ndarray]:
    """Keep the first ``d`` pairs; zero-pad eigenvalues and eigenvector columns up to ``d``."""
    n = values.shape[0]
    if n >= d:
        return np.ascontiguousarray(values[:d]), np.ascontiguousarray(vectors[:, :d])
    padded_values = np.zeros(d)
    padded_values[:n] = values
    padded_vectors = np.zeros((vectors.shape[0], d))
    padded_vectors[:, :n] = vectors
    return padded_values, padded_vectors


def _adjacency(edge_index: Any, num_nodes: int, edge_weight: Any | None) -> np.ndarray:
    edges = _as_numpy(edge_index).astype(np.int64, copy=False).reshape(2, -1)
    if edges.size and (edges.min() < 0 or edges.max() >= num_nodes):
        raise ValueError(f"edge_index holds node ids outside 0..{num_nodes - 1}")
    adjacency = np.zeros((num_nodes, num_nodes))
    keep = edges[0] != edges[1]
    rows, cols = edges[0][keep], edges[1][keep]
    if edge_weight is None:
        adjacency[rows, cols] = 1.0
    else:
        weights = _as_numpy(edge_weight).astype(np.float64).reshape(-1)[keep]
        if (weights < 0).any():
            raise ValueError("edge weights must be non-negative")
        np.add.at(adjacency, (rows, cols), weights)
    return np.maximum(adjacency, adjacency.T)


def _as_numpy(value: Any) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


__all__ = [
    "ALGORITHM_VERSION",
    "Eigenpairs",
    "LaplacianKind",
    "compute_eigenpairs",
    "dataset_eigenpairs",
    "graph_eigenpairs",
    "laplacian",
    "structure_digest",
]
