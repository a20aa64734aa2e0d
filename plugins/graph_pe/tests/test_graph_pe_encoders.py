"""The defining properties of the positional encodings: SPE's basis invariance and stability,
permutation equivariance of SPE, SignNet and RWSE, SignNet's sign invariance."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.eigen import graph_eigenpairs
from spectral_harness_graph_pe.data import (
    Features,
    GraphSet,
    gather,
    load_zinc_npz,
    pack,
    random_walk_return_probs,
    single_graph_batch,
)
from spectral_harness_graph_pe.encoders import RWSE, SPE, LapPE, SignNet
from spectral_harness_graph_pe.layers import MaskedBatchNorm
from spectral_harness_graph_pe.reference import ReferenceSignNet, ReferenceSPE


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


def spe(k: int, seed: int = 0, out_norm: bool = True, variant: str = "ours") -> torch.nn.Module:
    torch.manual_seed(seed)
    if variant == "reference":
        return ReferenceSPE(k, 6, 3, 16, rho_layers=3, rho_hidden=16, out_dim=8).double().eval()
    return (
        SPE(
            k,
            channels=6,
            phi_layers=3,
            phi_hidden=16,
            rho_layers=3,
            rho_hidden=16,
            out_dim=8,
            out_norm=out_norm,
        )
        .double()
        .eval()
    )


def signnet(k: int, seed: int = 0, variant: str = "ours") -> torch.nn.Module:
    torch.manual_seed(seed)
    if variant == "reference":
        return ReferenceSignNet(k, hidden=16, layers=3, rho_layers=3, out_dim=8).double().eval()
    return SignNet(k, hidden=16, layers=3, out_dim=8).double().eval()


def batch_for(edges: torch.Tensor, n: int, d: int | None = None, rw_steps: int = 0):
    values, vectors = graph_eigenpairs(edges, n, d=d or n)
    rw = (
        torch.from_numpy(random_walk_return_probs(edges.numpy(), n, rw_steps)) if rw_steps else None
    )
    return single_graph_batch(edges, n, eigvals=values, eigvecs=vectors, rw=rw)


def rotate_within_eigenspaces(values: torch.Tensor, vectors: torch.Tensor, seed: int):
    """Another valid eigenbasis: a random orthogonal mix inside each eigenspace, random signs."""
    gen = torch.Generator().manual_seed(seed)
    rotated = vectors.clone()
    start, multiplicities = 0, []
    while start < len(values):
        end = start + 1
        while end < len(values) and abs(float(values[end] - values[start])) < 1e-8:
            end += 1
        size = end - start
        multiplicities.append(size)
        q, _ = torch.linalg.qr(torch.randn(size, size, generator=gen, dtype=torch.float64))
        signs = torch.randint(0, 2, (size,), generator=gen).double() * 2 - 1
        rotated[:, start:end] = vectors[:, start:end] @ q * signs
        start = end
    return rotated, multiplicities


@pytest.mark.parametrize("variant", ["reference", "ours"])
@pytest.mark.parametrize("training", [False, True], ids=["eval", "train"])
@pytest.mark.parametrize(
    "graph", [nx.cycle_graph(8), nx.grid_2d_graph(4, 4)], ids=["C8", "grid4x4"]
)
def test_spe_is_basis_invariant_where_lappe_is_not(graph, training, variant):
    edges, n = edges_of(graph), graph.number_of_nodes()
    batch = batch_for(edges, n)
    rotated, multiplicities = rotate_within_eigenspaces(batch.eigvals[0], batch.eigvecs, seed=1)
    assert max(multiplicities) >= 2  # the test graph really has repeated eigenvalues
    other = single_graph_batch(edges, n, eigvals=batch.eigvals[0], eigvecs=rotated)
    # train mode: ρ's masked BatchNorm uses the batch's own statistics. The output BatchNorm is
    # left out there: on vertex-transitive C8 every node's encoding is equal, a zero variance
    # that turns round-off into noise of any size (the reference variant has no output norm).
    model = spe(n, out_norm=not training, variant=variant).train(training)
    with torch.no_grad():
        out, out_rotated = model(batch), model(other)
    relative = float((out - out_rotated).norm() / out.norm())
    print(f"SPE relative change {relative:.2e}")
    assert relative < 1e-5
    lappe = LapPE(n - 1, 8, sign_flip=False).double().eval()
    change = (lappe.raw(batch) - lappe.raw(other)).norm() / lappe.raw(batch).norm()
    assert float(change) > 1e-1


@settings(max_examples=10, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(4, 16),
    variant=st.sampled_from(["reference", "ours"]),
)
def test_spe_signnet_and_rwse_are_permutation_equivariant(seed, n, variant):
    graph = nx.connected_watts_strogatz_graph(n, 2 if n < 6 else 4, 0.3, seed=seed)
    edges = edges_of(graph)
    perm = torch.from_numpy(np.random.default_rng(seed).permutation(n))  # new node i = old perm[i]
    inverse = torch.empty_like(perm)
    inverse[perm] = torch.arange(n)
    batch = batch_for(edges, n, d=n, rw_steps=8)
    permuted_edges = inverse[edges]
    # the permuted graph's eigenvectors are the permuted rows of the original basis
    permuted = single_graph_batch(
        permuted_edges,
        n,
        eigvals=batch.eigvals[0],
        eigvecs=batch.eigvecs[perm],
        rw=torch.from_numpy(random_walk_return_probs(permuted_edges.numpy(), n, 8)),
    )
    assert torch.allclose(permuted.rw, batch.rw[perm], atol=1e-12)
    torch.manual_seed(seed)
    rwse = RWSE(8, 8).double().eval()
    for model in (spe(n, seed, variant=variant), signnet(n, seed, variant=variant), rwse):
        with torch.no_grad():
            assert torch.allclose(model(permuted), model(batch)[perm], atol=1e-9)


@pytest.mark.parametrize("variant", ["reference", "ours"])
def test_signnet_is_sign_invariant(variant):
    graph = nx.petersen_graph()
    edges, n = edges_of(graph), 10
    batch = batch_for(edges, n, d=6)
    signs = torch.tensor([1, -1, -1, 1, -1, 1], dtype=torch.float64)
    flipped = single_graph_batch(edges, n, eigvals=batch.eigvals[0], eigvecs=batch.eigvecs * signs)
    model = signnet(6, variant=variant)
    with torch.no_grad():
        assert torch.allclose(model(batch), model(flipped), atol=1e-12)


def test_masked_batchnorm_ignores_padding():
    """Statistics come from the valid entries only: the padding's size and values change nothing,
    and the valid entries are normalized exactly as BatchNorm over them alone would."""
    gen = torch.Generator().manual_seed(0)
    h = torch.randn(5, 7, 3, generator=gen, dtype=torch.float64)
    mask = torch.rand(5, 7, generator=gen) < 0.6
    garbage = torch.where(mask[..., None], h, 1e3 * torch.randn(h.shape, generator=gen).double())
    norm, reference = MaskedBatchNorm(3).double(), torch.nn.BatchNorm1d(3).double()
    out, out_garbage = norm(h, mask), MaskedBatchNorm(3).double()(garbage, mask)
    assert torch.allclose(out[mask], out_garbage[mask], atol=1e-12)
    assert torch.allclose(out[mask], reference(h[mask]), atol=1e-12)
    assert torch.allclose(norm.running_var, reference.running_var, atol=1e-12)
    norm.eval(), reference.eval()
    assert torch.allclose(norm(h, mask)[mask], reference(h[mask]), atol=1e-12)


def edit_one_bond(graphs: GraphSet, rng: np.random.Generator) -> GraphSet:
    """Each graph with one bond removed (even graphs) or one bond added (odd graphs)."""
    edge_lists, attrs = [], []
    for g in range(len(graphs)):
        edges, n = graphs.edges(g), graphs.num_nodes(g)
        attr = graphs.edge_attr[graphs.edge_ptr[g] : graphs.edge_ptr[g + 1]]
        if g % 2 == 0:
            i, j = edges[:, rng.integers(edges.shape[1])]
            keep = ~(((edges[0] == i) & (edges[1] == j)) | ((edges[0] == j) & (edges[1] == i)))
            edges, attr = edges[:, keep], attr[keep]
        else:
            present = {tuple(e) for e in edges.T.tolist()}
            while True:
                i, j = rng.choice(n, size=2, replace=False).tolist()
                if (i, j) not in present:
                    break
            edges = np.concatenate([edges, [[i, j], [j, i]]], axis=1)
            attr = np.concatenate([attr, [1, 1]])
        edge_lists.append(edges)
        attrs.append(attr)
    counts = [e.shape[1] for e in edge_lists]
    return GraphSet(
        x=graphs.x,
        node_ptr=graphs.node_ptr,
        edge_index=np.concatenate(edge_lists, axis=1),
        edge_attr=np.concatenate(attrs),
        edge_ptr=np.concatenate([[0], np.cumsum(counts)]),
        y=graphs.y,
    )


def test_spe_is_more_stable_than_lappe_under_one_edge_edits(data_dir, tmp_path):
    """Random-init SPE vs raw LapPE over 100 ZINC graphs with one bond added or removed."""
    d = 8
    graphs = load_zinc_npz(data_dir, "val").head(100)
    edited = edit_one_bond(graphs, np.random.default_rng(0))
    everything = torch.arange(len(graphs))
    batches = [
        gather(
            pack(s, Features(eig=True), pe_dims=d, cache_dir=tmp_path, dtype=torch.float64),
            everything,
        )
        for s in (graphs, edited)
    ]
    model = spe(d)
    lappe = LapPE(d - 1, 8, sign_flip=False).double().eval()
    with torch.no_grad():
        spe_out = [model(b) for b in batches]
    lappe_out = [lappe.raw(b) for b in batches]

    def median_change(before: torch.Tensor, after: torch.Tensor) -> float:
        changes = [
            float((after[m] - before[m]).norm() / before[m].norm())
            for m in (batches[0].batch == g for g in range(len(graphs)))
        ]
        return float(np.median(changes))

    spe_median, lappe_median = median_change(*spe_out), median_change(*lappe_out)
    print(f"median relative change: SPE {spe_median:.4f}, LapPE {lappe_median:.4f}")
    assert spe_median < lappe_median, (spe_median, lappe_median)
