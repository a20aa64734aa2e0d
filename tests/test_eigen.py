"""harness.eigen: Laplacian conventions, sorted/padded eigenpairs, and the content cache."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import harness.eigen as eigen
from harness.data.cache import ContentCache


def edges_of(graph: nx.Graph) -> np.ndarray:
    pairs = np.array(list(graph.edges()), dtype=np.int64).T
    return np.concatenate([pairs, pairs[::-1]], axis=1)


def test_normalized_and_combinatorial_laplacians_match_networkx():
    graph = nx.petersen_graph()
    edges = edges_of(graph)
    expected_sym = nx.normalized_laplacian_matrix(graph, nodelist=range(10)).toarray()
    expected_comb = nx.laplacian_matrix(graph, nodelist=range(10)).toarray()
    assert np.allclose(eigen.laplacian(edges, 10, "sym"), expected_sym)
    assert np.allclose(eigen.laplacian(edges, 10, "comb"), expected_comb)
    # one direction, duplicates and a self-loop give the same graph
    messy = np.concatenate([edges[:, :15], edges[:, :3], [[4], [4]]], axis=1)
    assert np.allclose(eigen.laplacian(messy, 10, "sym"), expected_sym)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(2, 14), p=st.floats(0.1, 0.9), seed=st.integers(0, 10_000), d=st.integers(1, 20)
)
def test_eigenpairs_are_sorted_orthonormal_padded_and_solve_the_laplacian(n, p, seed, d):
    graph = nx.gnp_random_graph(n, p, seed=seed)
    edges = edges_of(graph) if graph.number_of_edges() else np.zeros((2, 0), dtype=np.int64)
    values, vectors = eigen.graph_eigenpairs(edges, n, d=d)
    assert values.dtype == vectors.dtype == torch.float64
    assert values.shape == (d,) and vectors.shape == (n, d)
    k = min(n, d)
    assert torch.all(values[1:k] >= values[: k - 1])
    if graph.number_of_edges():  # isolated nodes keep L_ii = 1 (PyG's convention)
        assert abs(float(values[0])) < 1e-10  # the trivial pair is included
    lap = torch.from_numpy(eigen.laplacian(edges, n))
    assert torch.allclose(lap @ vectors[:, :k], vectors[:, :k] * values[:k], atol=1e-10)
    assert torch.allclose(vectors[:, :k].T @ vectors[:, :k], torch.eye(k, dtype=torch.float64))
    assert torch.all(values[k:] == 0) and torch.all(vectors[:, k:] == 0)


def test_packed_eigenpairs_equal_per_graph_ones():
    graphs = [(edges_of(nx.cycle_graph(n)), n) for n in (5, 8, 5, 12)]
    packed = eigen.compute_eigenpairs(graphs, d=8)
    assert packed.eigvals.shape == (4, 8) and packed.eigvecs.shape == (30, 8)
    assert packed.num_valid.tolist() == [5, 8, 5, 8]
    for g, (edges, n) in enumerate(graphs):
        values, vectors = packed.graph(g)
        ref_values, ref_vectors = eigen.graph_eigenpairs(edges, n, d=8)
        assert torch.allclose(values, ref_values, atol=1e-12)
        # bases may differ inside eigenspaces: compare the projectors V Vᵀ per eigenvalue
        assert torch.allclose(vectors @ vectors.T, ref_vectors @ ref_vectors.T, atol=1e-10)


def test_second_call_reads_the_cache_without_calling_the_eigensolver(tmp_path, monkeypatch):
    graphs = [(edges_of(nx.convert_node_labels_to_integers(nx.grid_2d_graph(3, 4))), 12)]
    graphs += [(edges_of(nx.cycle_graph(7)), 7)]
    cache = ContentCache(tmp_path, eigen.CACHE_NAMESPACE)
    first = eigen.dataset_eigenpairs(graphs, 6, tmp_path, key={"dataset": "toy"}, cache=cache)
    assert (cache.misses, cache.hits) == (1, 0)

    def forbidden(*args, **kwargs):
        raise AssertionError("the eigensolver was called on a cached dataset")

    monkeypatch.setattr(eigen, "_eigh", forbidden)
    second = eigen.dataset_eigenpairs(graphs, 6, tmp_path, key={"dataset": "toy"}, cache=cache)
    assert (cache.misses, cache.hits) == (1, 1)
    for name in ("eigvals", "eigvecs", "num_valid", "node_ptr"):
        assert torch.equal(getattr(first, name), getattr(second, name))
    # another d, another Laplacian or another graph is another entry
    for kwargs, changed in (
        ({"d": 5}, graphs),
        ({"kind": "comb"}, graphs),
        ({}, [graphs[0], (edges_of(nx.path_graph(7)), 7)]),
    ):
        with pytest.raises(AssertionError, match="eigensolver was called"):
            eigen.dataset_eigenpairs(
                changed,
                kwargs.get("d", 6),
                tmp_path,
                kind=kwargs.get("kind", "sym"),
                key={"dataset": "toy"},
                cache=cache,
            )
