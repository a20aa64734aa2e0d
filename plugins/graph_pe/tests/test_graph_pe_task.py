"""The zinc task end to end (smoke scale, every method) and its data layer."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from harness.leaderboard import build_leaderboard
from harness.records import RecordStore
from harness.runner import TrainerOptions, make_cell, run_cell
from spectral_harness_graph_pe.data import (
    Features,
    gather,
    load_zinc_npz,
    load_zinc_pyg,
    pack,
    write_pyg_raw,
)
from spectral_harness_graph_pe.task import warmup_linear_decay

METHODS = ("none", "lappe", "rwse", "signnet", "spe")


@pytest.fixture(autouse=True)
def one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def test_every_method_runs_the_smoke_protocol_and_reaches_the_leaderboard(registry, settings):
    records = [
        run_cell(
            make_cell(registry, "zinc", method, trainer=TrainerOptions(num_threads=1)),
            registry,
            settings,
        )
        for method in METHODS
    ]
    for record in records:
        assert record.status == "ok", record.error
        assert 0 < record.metrics["test_mae"] < 10 and record.metrics["val_mae"] > 0
        assert record.metrics["train_graphs_per_s"] > 0 and record.metrics["params"] > 0
        assert record.config["task"]["epochs"] == 2  # the smoke preset
        assert "zinc12k" in record.data
    params = {r.method: r.metrics["params"] for r in records}
    assert params["none"] < min(v for k, v in params.items() if k != "none")
    board = build_leaderboard(RecordStore(settings.runs_dir).iter_records("zinc"), registry)
    table = board.section("zinc", "smoke").set_index("method")
    assert set(table.index) == set(METHODS)
    assert (table["n_seeds"] == 1).all() and (table["failed"] == 0).all()


def test_gather_rebuilds_each_graph_with_batch_global_ids(data_dir, tmp_path):
    graphs = load_zinc_npz(data_dir, "test").head(20)
    split = pack(graphs, Features(eig=True, rw_steps=4), pe_dims=6, cache_dir=tmp_path)
    ids = torch.tensor([7, 2, 19])
    batch = gather(split, ids)
    assert batch.num_graphs == 3 and batch.sizes.tolist() == [
        graphs.num_nodes(g) for g in [7, 2, 19]
    ]
    for position, g in enumerate(ids.tolist()):
        nodes = (batch.batch == position).nonzero().view(-1)
        start = int(nodes[0])
        assert torch.equal(
            batch.x[nodes], torch.from_numpy(graphs.x[graphs.node_ptr[g] : graphs.node_ptr[g + 1]])
        )
        mine = batch.batch[batch.edge_index[0]] == position
        assert torch.equal(batch.edge_index[:, mine] - start, torch.from_numpy(graphs.edges(g)))
        assert torch.equal(batch.local[nodes], torch.arange(len(nodes)))
    assert batch.eigvecs.shape == (batch.num_nodes, 6) and batch.rw.shape == (batch.num_nodes, 4)
    assert batch.y.tolist() == pytest.approx(graphs.y[[7, 2, 19]].tolist())


def test_pyg_zinc_layout_loads_the_same_graphs_without_writing_next_to_the_data(data_dir, tmp_path):
    source = {s: load_zinc_npz(data_dir, s).head(12) for s in ("train", "val", "test")}
    root = tmp_path / "ZINC"
    write_pyg_raw(source, root)
    root.chmod(0o555)  # read-only, like the shared data folder
    try:
        loaded = load_zinc_pyg(root, "val", tmp_path / "cache")
    finally:
        root.chmod(0o755)
    assert not (root / "processed").exists()
    want = source["val"]
    assert np.array_equal(loaded.x, want.x) and np.array_equal(loaded.node_ptr, want.node_ptr)
    assert np.allclose(loaded.y, want.y, atol=1e-6)
    for g in range(len(want)):  # PyG orders edges by source node; compare edge sets

        def as_set(gs, k):
            ei = gs.edges(k)
            attr = gs.edge_attr[gs.edge_ptr[k] : gs.edge_ptr[k + 1]]
            return set(zip(ei[0].tolist(), ei[1].tolist(), attr.tolist(), strict=True))

        assert as_set(loaded, g) == as_set(want, g)


def test_warmup_then_linear_decay_to_zero():
    factor = warmup_linear_decay(10, 110)
    assert factor(0) == pytest.approx(0.1) and factor(9) == pytest.approx(1.0)
    assert factor(10) == pytest.approx(1.0) and factor(60) == pytest.approx(0.5)
    assert factor(110) == 0.0
