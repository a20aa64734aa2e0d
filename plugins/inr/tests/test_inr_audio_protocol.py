"""The audio protocol: the segment is where the signal is, scaled by the whole clip's peak as the
WINNER reference does, and the set tasks report every clip or image plus the mean."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.io import wavfile

from harness import UserError
from harness.cell import make_cell
from harness.runner import run_cell
from spectral_harness_inr.datasets import CLIP_SETS, IMAGE_SETS, signal_name
from spectral_harness_inr.signals import REFERENCE_SAMPLES, load_audio, loudest_window


def _wav(tmp_path, data: np.ndarray, rate: int = 1000):
    path = tmp_path / "clip.wav"
    wavfile.write(path, rate, data.astype(np.float32))
    return path


def _quiet_then_loud(n_quiet: int = 3000, n_loud: int = 2000) -> np.ndarray:
    rng = np.random.default_rng(0)
    quiet = 1e-4 * rng.standard_normal(n_quiet)
    loud = 0.5 * np.sin(np.arange(n_loud) * 0.3)
    return np.concatenate([quiet, loud, quiet])


def test_the_loudest_window_skips_a_silent_lead_in():
    data = _quiet_then_loud()
    start = loudest_window(data, 1000, REFERENCE_SAMPLES)
    assert 3000 <= start <= 4000


def test_a_window_covering_the_reference_region_starts_at_zero():
    assert loudest_window(_quiet_then_loud(), 8000, 8000) == 0
    assert loudest_window(_quiet_then_loud(), 1000, 500) == 0  # region shorter than the window


def test_clip_normalisation_divides_by_the_whole_files_peak(tmp_path):
    data = _quiet_then_loud()
    data[-10] = 2.0  # the file's peak lies outside the fitted segment
    path = _wav(tmp_path, data)
    clip = load_audio(path, None, 1000, "clip")
    segment = load_audio(path, None, 1000, "segment")
    assert np.abs(clip.values).max() == pytest.approx(0.25, rel=1e-3)
    assert np.abs(segment.values).max() == pytest.approx(1.0)
    np.testing.assert_allclose(segment.values * 0.25, clip.values, rtol=1e-5, atol=1e-7)


def test_an_explicit_start_and_a_silent_or_too_long_segment_are_handled(tmp_path):
    path = _wav(tmp_path, _quiet_then_loud())
    assert load_audio(path, 3.0, 1000, "clip").values.shape == (1000, 1)  # 3 s at 1 kHz
    with pytest.raises(UserError, match="cannot take"):
        load_audio(path, 7.5, 1000, "clip")
    silent = _wav(tmp_path, np.zeros(100))
    with pytest.raises(UserError, match="silent"):
        load_audio(silent, None, 50, "clip")


def test_the_bach_segment_is_where_the_music_is(data_dir):
    path = data_dir / "siren_audio" / "gt_bach.wav"
    rate, _ = wavfile.read(path)
    full = load_audio(path, 0.0, 0, "clip")
    segment = load_audio(path, None, 8192, "clip")
    start = loudest_window(full.values[:, 0].astype(np.float64), 8192, REFERENCE_SAMPLES)
    assert start / rate > 0.75  # the music starts at 0.75 s
    # clip-normalised: the segment's level is the clip's, not blown up to full scale
    assert np.abs(segment.values).max() <= 1.0
    rms = math.sqrt(float(np.mean(segment.values**2)))
    assert rms > 0.05


def test_the_sets_name_the_reference_scripts_clips():
    names = [signal_name(p) for p in CLIP_SETS["reference"]]
    assert names == [
        "tetris",
        "relay",
        "arch",
        "tap",
        "whoosh",
        "shattered",
        "radiation",
        "gt_bach",
    ]
    assert len(CLIP_SETS["all"]) == 12 and len(IMAGE_SETS["kodak24"]) == 24


@pytest.mark.parametrize(
    ("task", "overrides", "members"),
    [
        pytest.param(  # eight WAV files, ~10 s
            "inr_audio_clips",
            {"clips": "reference"},
            CLIP_SETS["reference"],
            marks=pytest.mark.slow,
        ),
        ("inr_audio_clips", {"clips": "music"}, CLIP_SETS["music"]),
        ("inr_image_set", {"images": "skimage"}, IMAGE_SETS["skimage"]),
    ],
)
def test_a_set_cell_reports_every_member_and_their_mean(
    registry, settings, data_dir, task, overrides, members
):
    cell = make_cell(registry, task, "winner", task_overrides=overrides)
    record = run_cell(cell, registry, settings)
    assert record.status == "ok", record.error
    per_member = [record.metrics[f"psnr_{signal_name(m)}"] for m in members]
    assert record.metrics["psnr"] == pytest.approx(float(np.mean(per_member)))
    assert all(math.isfinite(v) for v in per_member)
