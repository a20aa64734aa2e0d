"""``sr_x4`` on the user's own HR folders (any folder of PNGs: every file checksummed into the
record, the board's section marked as user data), and the loss protocols: ``loss=paper``
without VGG19 weights is refused in one line that says where to put them."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pytest
import torch
from PIL import Image

from harness import UserError
from harness.leaderboard import build_leaderboard
from harness.records import RecordStore
from harness.runner import TrainerOptions, make_cell, run_cell
from harness.testing import assert_failed_record

ONE_THREAD = TrainerOptions(num_threads=1)


@pytest.fixture(autouse=True)
def one_thread():
    """Two shared cores: keep torch to one thread inside these tests."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture
def hr_folder(tmp_path):
    """A folder ``My HR`` of three generated RGB PNGs (and a file that is not a PNG)."""
    folder = tmp_path / "My HR"
    folder.mkdir()
    yy, xx = np.mgrid[0:40, 0:44]
    for k in range(3):
        rgb = np.stack(
            [
                128 + 100 * np.sin(xx / (2.0 + k)) * np.cos(yy / 5.0),
                128 + 90 * np.cos((xx + yy) / (3.0 + k)),
                255.0 * (xx + k * yy) / (44 + 80),
            ],
            axis=-1,
        )
        Image.fromarray(rgb.clip(0, 255).astype(np.uint8)).save(folder / f"img{k}.png")
    (folder / "notes.txt").write_text("not an image")
    return folder


def test_sr_x4_on_a_folder_of_pngs(registry, settings, hr_folder):
    cell = make_cell(
        registry,
        "sr_x4",
        "spectral",
        task_overrides={"test_sets": [], "test_folders": [str(hr_folder)]},
        trainer=ONE_THREAD,
    )
    record = run_cell(cell, registry, settings)
    assert record.status == "ok", record.error
    pngs = sorted(hr_folder.glob("*.png"))
    assert record.user_data == {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in pngs}, (
        "every PNG of the folder is checksummed into the record"
    )
    for name in ("haarpsi", "ms_gmsd", "psnr_y", "ssim_y", "spec_dist"):
        assert math.isfinite(record.metrics[f"{name}_my_hr"])
        assert record.metrics[f"{name}_my_hr"] == pytest.approx(record.metrics[name])
    assert 0 < record.metrics["haarpsi"] <= 1
    assert not any(k.endswith("_set5") for k in record.metrics), "no registered test set ran"
    board = build_leaderboard(RecordStore(settings.runs_dir).iter_records(), registry)
    (section,) = [key for key in board.sections() if key[0] == "sr_x4"]
    assert "img0.png@" in section[3], "the board marks the section as run on the user's data"


def test_folder_and_registered_sets_side_by_side(registry, settings, hr_folder):
    cell = make_cell(registry, "sr_x4", "none", task_overrides={"test_folders": [str(hr_folder)]})
    record = run_cell(cell, registry, settings)
    assert record.status == "ok", record.error
    assert {"haarpsi_set5", "haarpsi_my_hr"} <= set(record.metrics)
    assert record.data and record.user_data


@pytest.mark.parametrize(
    "folder, match",
    [("missing", "is not a folder"), ("empty", "holds no .png file")],
)
def test_bad_folders_are_refused_in_one_line(registry, settings, tmp_path, folder, match):
    (tmp_path / "empty").mkdir()
    cell = make_cell(
        registry, "sr_x4", "none", task_overrides={"test_folders": [str(tmp_path / folder)]}
    )
    with pytest.raises(UserError, match=f"^task.test_folders: .*{match}") as info:
        run_cell(cell, registry, settings)
    assert "\n" not in str(info.value)


def test_two_folders_with_one_name_are_refused(registry, settings, tmp_path, hr_folder):
    twin = tmp_path / "other" / "my_hr"
    twin.mkdir(parents=True)
    (twin / "a.png").write_bytes((hr_folder / "img0.png").read_bytes())
    cell = make_cell(
        registry,
        "sr_x4",
        "none",
        task_overrides={"test_folders": [str(hr_folder), str(twin)]},
    )
    with pytest.raises(UserError, match="would report metrics \\*_my_hr"):
        run_cell(cell, registry, settings)


def test_full_scale_without_vgg_weights_is_refused_in_one_line(registry, settings):
    # refused as the cell starts, before any image is read or any step trained: the host's
    # pre-flight has no task-level config check, and every scale's default config must resolve
    record = run_cell(make_cell(registry, "sr_x4", "dual", scale="full"), registry, settings)
    message = assert_failed_record(record, "task.vgg_weights=PATH", "task.loss=l1_anchor")
    assert message.startswith("task.loss=paper") and "\n" not in message
    assert record.train_seconds == 0.0


def test_vgg_weights_with_the_l1_anchor_protocol_are_refused(registry, settings, tmp_path):
    weights = tmp_path / "vgg19.pth"
    weights.write_bytes(b"x")
    cell = make_cell(registry, "sr_x4", "none", task_overrides={"vgg_weights": str(weights)})
    with pytest.raises(UserError, match=r"read by task\.loss=paper only"):
        run_cell(cell, registry, settings)


def test_the_protocols_pixel_weights(registry):
    from spectral_harness_sr import L1_WEIGHT, SrX4Config
    from spectral_harness_sr.task import l1_weight_of

    spec = registry.task("sr_x4")
    assert spec.scales["cpu"]["loss"] == "l1_anchor" and spec.scales["full"]["loss"] == "paper"
    assert L1_WEIGHT == {"paper": 1e-2, "l1_anchor": 1.0}
    assert l1_weight_of(SrX4Config(loss="paper")) == 1e-2
    assert l1_weight_of(SrX4Config(loss="l1_anchor", l1_weight=0.5)) == 0.5
