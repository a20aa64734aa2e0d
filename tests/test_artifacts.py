"""Curves and arrays kept with a record: written beside it, checksummed from it, never read as
records, never left from an earlier attempt, and refused when changed."""

import json

import numpy as np
import pytest

from harness.records import RecordError, RecordStore
from harness.runner import make_cell, run_cell


def test_a_cell_keeps_its_training_curves_beside_its_record(registry, settings):
    record = run_cell(make_cell(registry, "inr_image", "winner"), registry, settings)
    store = RecordStore(settings.runs_dir)
    assert set(record.artifacts) == {"curves"}
    curves = store.read_artifact(record, "curves")
    loss = curves["train/loss"]
    assert len(loss["step"]) == len(loss["value"]) > 0
    assert loss["step"] == sorted(loss["step"])
    assert "eval/psnr" in curves
    # the folder beside the record is not a stray record, and the record is counted once
    assert [r.run_id for r in store.iter_records()] == [record.run_id]


def _store_with_arrays(tmp_path):
    store = RecordStore(tmp_path / "runs")
    spectrum = np.linspace(0, 1, 7)
    written = store.save_artifacts(
        "t", "m", "r1", {"loss": {"step": [0, 1], "value": [2.0, 1.0]}}, {"esd": {"x": spectrum}}
    )
    return store, written, spectrum


def test_arrays_round_trip_with_their_sha256(tmp_path):
    from harness.records import RunRecord

    store, written, spectrum = _store_with_arrays(tmp_path)
    record = RunRecord("r1", "t", "m", "s", 0, "cpu", "ok", "h", artifacts=written)
    store.save(record)
    np.testing.assert_array_equal(store.read_artifact(record, "esd")["x"], spectrum)
    assert store.read_artifact(record, "curves")["loss"]["value"] == [2.0, 1.0]
    with pytest.raises(RecordError, match="kept no artifact 'hessian'"):
        store.read_artifact(record, "hessian")


def test_a_changed_or_missing_artifact_is_refused(tmp_path):
    from harness.records import RunRecord

    store, written, _ = _store_with_arrays(tmp_path)
    record = RunRecord("r1", "t", "m", "s", 0, "cpu", "ok", "h", artifacts=written)
    store.save(record)
    curves = store.artifact_dir("t", "m", "r1") / "curves.json"
    curves.write_text(json.dumps({"loss": {"step": [0], "value": [0.0]}}))
    with pytest.raises(RecordError, match="changed since its record was written"):
        store.read_artifact(record, "curves")
    (store.artifact_dir("t", "m", "r1") / "esd.npz").unlink()
    with pytest.raises(RecordError, match="is missing"):
        store.read_artifact(record, "esd")


def test_a_new_attempt_removes_the_artifacts_it_does_not_name(tmp_path):
    from harness.records import RunRecord

    store, written, _ = _store_with_arrays(tmp_path)
    store.save(RunRecord("r1", "t", "m", "s", 0, "cpu", "ok", "h", artifacts=written))
    crashed = RunRecord("r1", "t", "m", "s", 0, "cpu", "crashed", "h", attempt=2)
    store.save(crashed)
    assert list(store.artifact_dir("t", "m", "r1").iterdir()) == []


def test_run_context_converts_tensors_and_refuses_bad_names():
    import torch

    from harness.context import RunContext

    ctx = RunContext.__new__(RunContext)
    ctx.arrays, ctx.curves = {}, {}
    ctx.save_arrays("spectrum", values=torch.arange(3.0), steps=[1, 2, 3])
    assert isinstance(ctx.arrays["spectrum"]["values"], np.ndarray)
    for bad in ("curves", "../x", "a b", ""):
        with pytest.raises(ValueError, match="must be a word"):
            ctx.save_arrays(bad, x=[1])
