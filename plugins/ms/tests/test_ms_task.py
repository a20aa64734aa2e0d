"""``ms_predict`` end to end at smoke scale for every method, read back from the leaderboard."""

from __future__ import annotations

import math

import pytest

from harness.leaderboard import build_leaderboard
from harness.records import RecordStore
from harness.runner import TrainerOptions, make_cell, run_cell
from spectral_harness_ms import METRICS

METHODS = ("graff_ms", "neims", "nearest_neighbor")


def test_plugin_declares_task_and_methods(registry):
    task = registry.task("ms_predict")
    assert task.primary == "cosine_0.1"
    for name in METHODS:
        assert registry.method(name, "ms_model").slot == task.slot == "ms_model"


@pytest.mark.usefixtures("data_dir")
def test_smoke_scale_end_to_end(registry, settings):
    records = []
    for method in METHODS:
        cell = make_cell(
            registry, "ms_predict", method, scale="smoke", trainer=TrainerOptions(num_threads=1)
        )
        record = run_cell(cell, registry, settings)
        assert record.status == "ok", record.error
        for metric in METRICS:
            value = record.metrics[metric.name]
            assert math.isfinite(value), (method, metric.name)
        for k in ("cosine_0.01", "cosine_0.1", "recall_at_1", "recall_large_at_10"):
            assert 0.0 <= record.metrics[k] <= 1.0
        assert record.metrics["recall_at_1"] <= record.metrics["recall_at_10"]
        assert record.metrics["recall_large_at_1"] <= record.metrics["recall_large_at_10"]
        # the large set holds every test structure (the smoke test subset) and isomers
        assert (
            record.metrics["retrieval_large_candidates_mean"] >= record.metrics["test_structures"]
        )
        assert record.metrics["annotation_candidates_per_peak"] >= 1.0
        assert record.metrics["spectra_per_s"] > 0
        assert not any(name.startswith("external_") for name in record.metrics)
        assert record.data.get("massbank_subset")
        records.append(record)
    graff = records[0].metrics
    assert 0 < graff["vocab_size"] <= 300 and 0 < graff["vocab_coverage"] <= 1

    stored = list(RecordStore(settings.runs_dir).iter_records())
    board = build_leaderboard(stored, registry)
    section = board.section("ms_predict", "smoke")
    assert set(section["method"]) == set(METHODS)
    assert (section["n_seeds"] == 1).all()
