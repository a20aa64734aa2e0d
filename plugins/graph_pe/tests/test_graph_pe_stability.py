"""The stability task measures what the SPE paper claims: on graphs with near-repeated
eigenvalues, SPE's output moves in proportion to the perturbation while LapPE's jumps."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import torch

from spectral_harness_graph_pe import StabilityConfig
from spectral_harness_graph_pe.encoders import LapPE
from spectral_harness_graph_pe.reference import ReferenceSPE
from spectral_harness_graph_pe.stability import (
    canonical_eigenpairs,
    measure,
    normalized_laplacian,
    perturbed_graphs,
    smallest_gap,
    symmetric_graphs,
)


@pytest.fixture(autouse=True)
def one_thread():
    """The machine is shared: small float64 kernels run fastest on one thread."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def test_the_test_graphs_have_repeated_eigenvalues_that_the_jitter_splits_slightly():
    for graph in symmetric_graphs(3, 8, 9):
        values = np.linalg.eigvalsh(nx.normalized_laplacian_matrix(graph).toarray())
        assert np.diff(values).min() < 1e-9  # exactly repeated before the jitter
    for graph in perturbed_graphs(3, 8, 9, split=1e-3, seed=0):
        assert 0 < smallest_gap(graph) < 1e-2  # near-repeated after it
        laplacian = normalized_laplacian(graph, graph.weights)
        values, vectors = canonical_eigenpairs(laplacian)
        assert np.allclose(vectors @ np.diag(values) @ vectors.T, laplacian, atol=1e-12)
        largest = np.abs(vectors).argmax(axis=0)
        assert (vectors[largest, np.arange(len(values))] > 0).all()


def test_spe_moves_in_proportion_to_the_perturbation_and_lappe_jumps():
    graphs = perturbed_graphs(3, 8, 9, split=1e-3, seed=0)
    epsilons = np.logspace(-6, -2, 5)
    torch.manual_seed(0)
    spe = ReferenceSPE(9, 4, 3, 16, rho_layers=2, rho_hidden=16, out_dim=8).double().eval()
    lappe = LapPE(8, 8, sign_flip=False).double().eval()
    spe_in, spe_out = measure(spe, graphs, epsilons, d=9)
    lappe_in, lappe_out = measure(lappe, graphs, epsilons, d=9)
    assert np.allclose(spe_in, lappe_in)  # the same perturbations
    spe_ratio, lappe_ratio = spe_out / spe_in, lappe_out / lappe_in
    # Lipschitz: SPE's ratio stays within a factor 3 over four decades of ε
    assert spe_ratio.max() < 3 * spe_ratio.min()
    # a jump: LapPE moves by O(1) already at ε = 1e-4, ≥ 100× more than SPE anywhere
    assert lappe_out[:, 2].max() > 0.1
    assert lappe_ratio.max() > 100 * spe_ratio.max()


@pytest.mark.parametrize(
    "fields", [dict(min_nodes=12, max_nodes=8), dict(eps_min=1e-1, eps_max=1e-2)]
)
def test_impossible_stability_configs_are_refused(fields):
    with pytest.raises(ValueError, match=r"task\."):
        StabilityConfig(**fields)


def test_the_smoke_protocol_stores_the_curves_and_measures_every_encoder(registry, settings):
    from harness.runner import TrainerOptions, make_cell, run_cell

    def run(method: str):
        cell = make_cell(registry, "stability", method, trainer=TrainerOptions(num_threads=1))
        return run_cell(cell, registry, settings)

    record = run("spe")
    assert record.status == "ok", record.error
    assert record.metrics["lipschitz_ratio"] > 0 and record.metrics["max_jump"] >= 0
    assert "stability" in str(record.artifacts)
    rwse = run("rwse")  # reads the weighted walk, which moves with the graph
    assert rwse.status == "ok", rwse.error
    assert rwse.metrics["lipschitz_ratio"] > 0
    nothing = run("none")  # encodes nothing: trivially stable
    assert nothing.status == "ok", nothing.error
    assert nothing.metrics["lipschitz_ratio"] == 0 and nothing.metrics["max_jump"] == 0


def test_the_weighted_walk_with_unit_weights_is_the_unweighted_rwse():
    from spectral_harness_graph_pe.data import random_walk_return_probs
    from spectral_harness_graph_pe.stability import weighted_return_probs

    for graph in perturbed_graphs(3, 8, 9, split=1e-3, seed=0):
        unit = weighted_return_probs(graph, np.ones_like(graph.weights), 6)
        expected = random_walk_return_probs(graph.edges, graph.num_nodes, 6)
        np.testing.assert_allclose(unit, expected, atol=1e-12)
        moved = weighted_return_probs(graph, graph.weights * (1 + 0.1 * graph.direction), 6)
        assert not np.allclose(moved, unit)
