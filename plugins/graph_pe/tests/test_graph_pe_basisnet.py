"""BasisNet's defining properties: invariance to the basis chosen inside each eigenspace and to
eigenvector signs, permutation equivariance, dropping an eigenspace cut by ``k``, and the refusal
of a bad configuration."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.eigen import graph_eigenpairs
from harness.plugins import get_registry
from harness.testing import assert_refused
from spectral_harness_graph_pe import BasisNetConfig
from spectral_harness_graph_pe.basisnet import BasisNet, build_basisnet, eigenspaces
from spectral_harness_graph_pe.contract import GraphPEProblem
from spectral_harness_graph_pe.data import single_graph_batch

GRAPHS = {
    "C8": nx.cycle_graph(8),
    "grid3x3": nx.grid_2d_graph(3, 3),
    "petersen": nx.petersen_graph(),
    "star5": nx.star_graph(4),
}


@pytest.fixture(autouse=True)
def one_thread():
    """The machine is shared: small float64 kernels run fastest on one thread."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def edges_of(graph: nx.Graph) -> torch.Tensor:
    graph = nx.convert_node_labels_to_integers(graph)
    pairs = torch.tensor(list(graph.edges()), dtype=torch.long).T
    return torch.cat([pairs, pairs.flip(0)], dim=1)


def basisnet(k: int, seed: int = 0, max_mult: int = 3) -> BasisNet:
    torch.manual_seed(seed)
    return BasisNet(k, max_mult, hidden=16, layers=2, rho_layers=2, out_dim=8, tol=1e-6).double()


def rotated_basis(values: torch.Tensor, vectors: torch.Tensor, seed: int) -> torch.Tensor:
    """Another eigenbasis: a random orthogonal matrix (signs included) inside each eigenspace."""
    gen = torch.Generator().manual_seed(seed)
    rotated, start = vectors.clone(), 0
    while start < len(values):
        end = start + 1
        while end < len(values) and float(values[end] - values[start]) < 1e-8:
            end += 1
        q, _ = torch.linalg.qr(torch.randn(end - start, end - start, generator=gen).double())
        rotated[:, start:end] = vectors[:, start:end] @ q
        start = end
    return rotated


@settings(max_examples=12, deadline=None)
@given(
    name=st.sampled_from(sorted(GRAPHS)),
    seed=st.integers(0, 10_000),
    training=st.booleans(),
)
def test_basisnet_is_invariant_to_the_basis_inside_each_eigenspace(name, seed, training):
    graph = GRAPHS[name]
    edges, n = edges_of(graph), graph.number_of_nodes()
    values, vectors = graph_eigenpairs(edges, n, d=n)
    _, mult = eigenspaces(values[None], torch.ones(1, n, dtype=torch.bool), n - 1, 1e-6)
    assert int(mult.max()) >= 2  # the graph really has a repeated eigenvalue
    batch = single_graph_batch(edges, n, eigvals=values, eigvecs=vectors)
    rotated = rotated_basis(values, vectors, seed)
    assert (rotated - vectors).abs().max() > 1e-2  # the basis really changed
    other = single_graph_batch(edges, n, eigvals=values, eigvecs=rotated)
    model = basisnet(n - 1, seed).train(training)
    with torch.no_grad():
        out, out_rotated = model(batch), model(other)
    assert torch.allclose(out, out_rotated, atol=1e-8)


def test_basisnet_is_sign_invariant():
    graph = nx.petersen_graph()
    edges, n = edges_of(graph), 10
    values, vectors = graph_eigenpairs(edges, n, d=8)
    signs = torch.tensor([1, -1, -1, 1, -1, 1, -1, -1], dtype=torch.float64)
    batch = single_graph_batch(edges, n, eigvals=values, eigvecs=vectors)
    flipped = single_graph_batch(edges, n, eigvals=values, eigvecs=vectors * signs)
    model = basisnet(7).eval()
    with torch.no_grad():
        assert torch.allclose(model(batch), model(flipped), atol=1e-10)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(5, 14))
def test_basisnet_is_permutation_equivariant(seed, n):
    graph = nx.connected_watts_strogatz_graph(n, 4, 0.3, seed=seed)
    edges = edges_of(graph)
    perm = torch.from_numpy(np.random.default_rng(seed).permutation(n))  # new node i = old perm[i]
    inverse = torch.empty_like(perm)
    inverse[perm] = torch.arange(n)
    values, vectors = graph_eigenpairs(edges, n, d=n)
    batch = single_graph_batch(edges, n, eigvals=values, eigvecs=vectors)
    permuted = single_graph_batch(inverse[edges], n, eigvals=values, eigvecs=vectors[perm])
    model = basisnet(n - 1, seed).eval()
    with torch.no_grad():
        assert torch.allclose(model(permuted), model(batch)[perm], atol=1e-9)


def test_an_eigenspace_cut_by_k_is_dropped_and_padding_is_ignored():
    """C8's spectrum: 0, then pairs of equal eigenvalues, then 2. With k = 6 the pair (5, 6) is
    cut, so it is dropped; with k = 5 it is not reached; a 3-node graph padded to d = 6 keeps its
    3 real pairs only."""
    edges = edges_of(nx.cycle_graph(8))
    values, _ = graph_eigenpairs(edges, 8, d=8)
    every = torch.ones(1, 8, dtype=torch.bool)
    assert eigenspaces(values[None], every, 7, 1e-6)[1].tolist() == [[1, 2, 2, 2, 0, 0, 0]]
    assert eigenspaces(values[None], every, 6, 1e-6)[1].tolist() == [[1, 2, 2, 0, 0, 0]]
    assert eigenspaces(values[None], every, 5, 1e-6)[1].tolist() == [[1, 2, 2, 0, 0]]
    padded = torch.tensor([[0.0, 1.5, 1.5, 0.0, 0.0, 0.0]])
    valid = torch.tensor([[True, True, True, False, False, False]])
    assert eigenspaces(padded, valid, 5, 1e-6)[1].tolist() == [[1, 2, 0, 0, 0]]


@pytest.mark.parametrize(
    ("override", "value"), [("max_mult", 0), ("tol", 0.0), ("k", 0), ("rho_layers", 0)]
)
def test_bad_basisnet_config_is_refused(override, value):
    assert_refused("zinc", "basisnet", method_overrides={override: value}, registry=get_registry())


def test_k_must_leave_the_pair_that_decides_a_cut():
    problem = GraphPEProblem(pe_dims=8, pe_out=8, pe_hidden=16, pe_layers=2, spe_channels=4)
    with pytest.raises(ValueError, match="basisnet needs k \\+ 1 = 9 eigenpairs"):
        build_basisnet(BasisNetConfig(name="basisnet", k=8), problem)
    assert build_basisnet(BasisNetConfig(name="basisnet"), problem).k == 7
