"""The cycle-counting task: exact counts, seeded and cached generation, the 1-WL blind spot that
SPE removes, and a smoke run of every method through the harness."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import torch

from harness.eigen import graph_eigenpairs
from harness.runner import TrainerOptions, make_cell, run_cell
from spectral_harness_graph_pe import CycleCountConfig, cycles
from spectral_harness_graph_pe.cycles import (
    CycleGraphsSpec,
    count_cycles,
    cycle_graphs,
    regular_graphs,
)
from spectral_harness_graph_pe.data import single_graph_batch
from spectral_harness_graph_pe.encoders import SPE, NoPE
from spectral_harness_graph_pe.model import build_backbone
from spectral_harness_graph_pe.reference import ReferenceSPE


@pytest.mark.parametrize(
    ("graph", "length", "expected"),
    [
        (nx.complete_graph(4), 3, 4),
        (nx.complete_graph(4), 4, 3),
        (nx.complete_graph(5), 5, 12),  # 4!/2 Hamiltonian cycles
        (nx.petersen_graph(), 4, 0),
        (nx.petersen_graph(), 5, 12),
        (nx.complete_bipartite_graph(3, 3), 4, 9),  # choose 2 of each side
        (nx.cycle_graph(7), 7, 1),
    ],
)
def test_count_cycles_matches_known_counts(graph, length, expected):
    assert count_cycles(graph, length) == expected


@pytest.mark.parametrize(
    "fields", [dict(cycle_length=2), dict(min_nodes=4), dict(min_nodes=20, max_nodes=12)]
)
def test_impossible_cycle_configs_are_refused(fields):
    with pytest.raises(ValueError, match=r"task\."):
        CycleCountConfig(**fields)


def test_generation_is_seeded_and_cached(tmp_path, monkeypatch):
    spec = CycleGraphsSpec(num_graphs=60, cycle_length=4, min_nodes=8, max_nodes=12, seed=3)
    first = cycle_graphs(spec, tmp_path)
    assert [len(first[s]) for s in ("train", "val", "test")] == [40, 10, 10]
    assert regular_graphs(first["train"]).any()  # the family 1-WL cannot separate is there
    other = cycles.generate(CycleGraphsSpec(60, 4, 8, 12, seed=4))
    assert not np.array_equal(other["train"].y, first["train"].y)
    monkeypatch.setattr(cycles, "generate", lambda spec: pytest.fail("cache missed"))
    again = cycle_graphs(spec, tmp_path)
    for split in first:
        assert np.array_equal(first[split].edge_index, again[split].edge_index)
        assert np.array_equal(first[split].y, again[split].y)


def regressor_outputs(encoder, graphs: list[nx.Graph], backbone: str) -> list[float]:
    torch.manual_seed(0)
    model = build_backbone(backbone, encoder, hidden=16, layers=3, pool="sum").double().eval()
    outputs = []
    for graph in graphs:
        pairs = torch.tensor(list(graph.edges()), dtype=torch.long).T
        edges = torch.cat([pairs, pairs.flip(0)], dim=1)
        n = graph.number_of_nodes()
        values, vectors = graph_eigenpairs(edges, n, d=n)
        batch = single_graph_batch(edges, n, eigvals=values, eigvecs=vectors)
        with torch.no_grad():
            outputs.append(float(model(batch)))
    return outputs


@pytest.mark.parametrize("variant", ["reference", "ours"])
def test_spe_separates_regular_graphs_that_a_plain_gine_cannot(variant):
    """K₃,₃ and the triangular prism are both 3-regular on 6 nodes (9 vs 3 four-cycles): 1-WL
    message passing gives them the same output, SPE does not (either variant, on its backbone)."""
    graphs = [nx.complete_bipartite_graph(3, 3), nx.circular_ladder_graph(3)]
    assert [count_cycles(g, 4) for g in graphs] == [9, 3]
    plain = regressor_outputs(NoPE(), graphs, variant)
    assert plain[0] == pytest.approx(plain[1], abs=1e-12)
    torch.manual_seed(0)
    sizes = dict(channels=4, phi_layers=2, phi_hidden=8, rho_layers=2, rho_hidden=8, out_dim=4)
    spe = ReferenceSPE(6, **sizes) if variant == "reference" else SPE(6, **sizes)
    encoded = regressor_outputs(spe.double(), graphs, variant)
    assert abs(encoded[0] - encoded[1]) > 1e-4


def test_every_method_runs_the_cycles_smoke_protocol(registry, settings):
    for method in ("none", "lappe", "rwse", "signnet", "spe"):
        record = run_cell(
            make_cell(registry, "cycles", method, trainer=TrainerOptions(num_threads=1)),
            registry,
            settings,
        )
        assert record.status == "ok", record.error
        metrics = record.metrics
        assert 0 < metrics["test_mae"] < 10 and 0 < metrics["test_mae_regular"] < 10
        assert metrics["test_mae_counts"] > metrics["test_mae"]  # std of the counts > 1
        assert any(name.startswith("cycles:") for name in record.data)
