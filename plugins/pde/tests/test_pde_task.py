"""The PDE tasks end to end at smoke scale, through ``make_cell``/``run_cell``, read back from
the leaderboard; plus the protocol's helpers (relative L2, grid channels, registration)."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.leaderboard import build_leaderboard
from harness.records import RecordStore
from harness.runner import TrainerOptions, make_cell, run_cell
from spectral_harness_pde.task import grid_channels, relative_l2

METHODS = ("lsm", "fno", "unet")
ONE_THREAD = TrainerOptions(num_threads=1)


def test_registered(registry):
    for task in ("darcy", "navier_stokes", "burgers", "darcy_neuralop", "burgers_neuralop"):
        spec = registry.task(task)
        assert spec.slot == "pde_model" and spec.primary == "rel_l2"
        assert set(spec.scales) == {"smoke", "cpu", "full"}
    # pde's own methods; other distributions may add methods to the slot (t1 does)
    assert set(METHODS) <= set(registry.methods_for_slot("pde_model"))
    assert {
        m
        for m in registry.methods_for_slot("pde_model")
        if registry.owners[("method", ("pde_model", m))] == "pde"
    } == set(METHODS)


def test_paper_column_holds_the_lsm_table(registry):
    """LSM Table 2's Darcy / Navier–Stokes numbers for LSM and FNO; none for the U-Net."""
    assert registry.method("lsm").paper.reported == {
        "darcy": {"rel_l2": 0.0065},
        "navier_stokes": {"rel_l2": 0.1535},
    }
    assert registry.method("fno").paper.reported["darcy"] == {"rel_l2": 0.0108}
    assert not registry.method("unet").paper.reported


def test_claims_cover_both_ablations_on_every_generated_task(registry):
    claims = registry.claims
    for task in ("darcy", "burgers", "navier_stokes"):
        for baseline in ("fno", "unet"):
            claim = claims[f"lsm-vs-{baseline}-{task}"]
            assert (claim.method, claim.baseline, claim.expect) == ("lsm", baseline, "better")
            assert claim.metric == registry.task(task).primary
    # the reported difference is FNO − LSM from the table: positive, LSM better
    assert claims["lsm-vs-fno-darcy"].reported == pytest.approx(0.0043)
    assert claims["lsm-reproduces-darcy"].scale == "full"


def test_full_scale_matches_the_papers_sizes(registry):
    darcy = registry.task("darcy").scales["full"]
    assert (darcy["solve_resolution"], darcy["resolution"], darcy["epochs"]) == (421, 85, 501)
    ns = registry.task("navier_stokes").scales["full"]
    assert (ns["resolution"], ns["visc"], ns["epochs"], ns["t_out"]) == (64, 1e-5, 501, 10)
    assert ns["n_train"] + ns["n_test"] == 1200


@settings(max_examples=25, deadline=None)
@given(scale=st.floats(1e-3, 1e3), seed=st.integers(0, 1000))
def test_relative_l2_is_scale_invariant(scale, seed):
    g = torch.Generator().manual_seed(seed)
    y = torch.randn(3, 1, 4, 5, generator=g, dtype=torch.float64)
    y_hat = torch.randn(3, 1, 4, 5, generator=g, dtype=torch.float64)
    torch.testing.assert_close(relative_l2(scale * y_hat, scale * y), relative_l2(y_hat, y))
    assert torch.all(relative_l2(y, y) == 0)
    assert torch.allclose(relative_l2(torch.zeros_like(y), y), torch.ones(3, dtype=y.dtype))


def test_grid_channels_node_and_periodic():
    grid = grid_channels(2, (3, 4), (False, True), torch.device("cpu"))
    assert grid.shape == (2, 2, 3, 4)
    torch.testing.assert_close(grid[0, 0, :, 0], torch.tensor([0.0, 0.5, 1.0]))
    torch.testing.assert_close(grid[0, 1, 0], torch.tensor([0.0, 0.25, 0.5, 0.75]))


def _run_and_board(registry, settings, task: str) -> None:
    for method in METHODS:
        record = run_cell(make_cell(registry, task, method, trainer=ONE_THREAD), registry, settings)
        assert record.status == "ok", record.error
        assert 0 < record.metrics["rel_l2"] < 2
        assert record.metrics["params"] > 0 and record.metrics["samples_per_s"] > 0
        assert record.data, "the run must record its data checksum"
    board = build_leaderboard(RecordStore(settings.runs_dir).iter_records(), registry)
    section = board.section(task, "smoke")
    assert set(section["method"]) == set(METHODS)
    assert (section["n_seeds"] == 1).all()
    assert section["primary_mean"].map(math.isfinite).all()


def test_darcy_smoke_end_to_end(registry, settings):
    _run_and_board(registry, settings, "darcy")
    board = build_leaderboard(RecordStore(settings.runs_dir).iter_records(), registry)
    assert board.section("darcy", "smoke")["transfer_rel_l2_mean"].notna().all()


@pytest.mark.slow
@pytest.mark.parametrize("task", ["navier_stokes", "burgers", "darcy_neuralop", "burgers_neuralop"])
def test_other_tasks_smoke_end_to_end(registry, settings, task):
    _run_and_board(registry, settings, task)
