"""``task.test_images``: at most that many images of each registered test set (the first by file
name), so a CPU board can add BSD100 without its full evaluation cost; the record and its
per-image artifact hold exactly those images, scored with every metric."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from harness.runner import TrainerOptions, make_cell, run_cell
from harness.testing import assert_refused


@pytest.fixture(autouse=True)
def one_thread():
    """Two shared cores: keep torch to one thread inside these tests."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def test_test_images_keeps_the_first_images_of_each_set(registry, settings):
    cell = make_cell(
        registry,
        "sr_x4",
        "spatial",
        task_overrides={"test_images": 2},
        trainer=TrainerOptions(num_threads=1),
    )
    record = run_cell(cell, registry, settings)
    assert record.status == "ok", record.error
    path = settings.runs_dir / record.task / record.method / record.run_id
    with np.load(path / record.artifacts["per_image"]["file"]) as arrays:
        assert list(arrays["images"]) == ["baby", "bird"]  # Set5's first two, by name
        assert arrays["fsim"].shape == arrays["vsi"].shape == (2,)
        assert record.metrics["fsim"] == pytest.approx(float(arrays["fsim"].mean()))
    for name in ("fsim", "vsi", "fsim_set5", "vsi_set5"):
        assert math.isfinite(record.metrics[name]) and 0 < record.metrics[name] <= 1


def test_test_images_must_be_positive(registry):
    assert_refused("sr_x4", "none", task_overrides={"test_images": 0}, registry=registry)
