"""A user's own wav or png is fitted like a registered one (its sha256 in the record), and a
corrupt file is a clear failure, never a record of numbers."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from harness.cli import main
from harness.errors import DataCorruptError, UserError
from harness.runner import make_cell, run_cell
from harness.storage import file_sha256
from spectral_harness_inr.signals import load_audio, load_image

RATE = 8000


def _wav(path, samples: int = 2048):
    from scipy.io import wavfile

    t = np.arange(samples) / RATE
    wavfile.write(path, RATE, (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32))
    return path


def _png(path, side: int = 40):
    from PIL import Image

    y, x = np.mgrid[:side, :side]
    pixels = np.stack([x * 6, y * 6, (x + y) * 3], axis=-1).astype(np.uint8)
    Image.fromarray(pixels).save(path)
    return path


def _run(registry, settings, task, entry):
    field = "audio" if task == "inr_audio" else "image"
    cell = make_cell(registry, task, "siren", task_overrides={field: entry})
    return run_cell(cell, registry, settings)


@pytest.mark.parametrize(("task", "make"), [("inr_audio", _wav), ("inr_image", _png)])
def test_a_users_file_is_fitted_and_its_sha256_recorded(registry, settings, tmp_path, task, make):
    path = make(tmp_path / ("mine.wav" if task == "inr_audio" else "mine.png"))
    record = _run(registry, settings, task, str(path))
    assert record.status == "ok", record.error
    assert np.isfinite(record.metrics["psnr"])
    assert record.user_data == {str(path): file_sha256(path)}


def test_a_relative_path_is_taken_from_the_current_directory(
    registry, settings, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    _wav(tmp_path / "clip.wav")
    record = _run(registry, settings, "inr_audio", "clip.wav")
    assert record.status == "ok", record.error
    assert list(record.user_data) == [str(tmp_path / "clip.wav")]


def test_a_truncated_wav_is_an_error_not_a_warning(tmp_path, data_dir):
    original = (data_dir / "siren_audio" / "gt_bach.wav").read_bytes()
    path = tmp_path / "bach.wav"
    path.write_bytes(original[: len(original) // 2])
    with pytest.raises(DataCorruptError, match=r"not a valid WAV file \(Reached EOF prematurely"):
        load_audio(path, 0.0, 1024)


def test_a_wav_with_an_unknown_metadata_chunk_still_loads(tmp_path):
    path = _wav(tmp_path / "tagged.wav")
    data = bytearray(path.read_bytes()) + b"bext" + struct.pack("<I", 4) + b"meta"
    data[4:8] = struct.pack("<I", len(data) - 8)
    path.write_bytes(bytes(data))
    with pytest.warns(UserWarning, match="not understood"):
        signal = load_audio(path, 0.0, 0)
    assert signal.values.shape == (2048, 1)


def test_a_silent_or_empty_selection_is_one_line(tmp_path):
    from scipy.io import wavfile

    wavfile.write(tmp_path / "quiet.wav", RATE, np.zeros(512, dtype=np.float32))
    with pytest.raises(UserError, match="empty or silent"):
        load_audio(tmp_path / "quiet.wav", 0.0, 0)
    with pytest.raises(UserError, match="has 2048 samples; cannot take 2048 from 8000"):
        load_audio(_wav(tmp_path / "short.wav"), 1.0, 0)  # starts after the clip's end


def test_a_corrupt_users_file_fails_its_cell_with_the_reason(registry, settings, tmp_path):
    wav = _wav(tmp_path / "cut.wav")
    wav.write_bytes(wav.read_bytes()[:-1000])
    png = _png(tmp_path / "cut.png")
    png.write_bytes(png.read_bytes()[: png.stat().st_size // 2])
    for task, path, reason in (
        ("inr_audio", wav, "not a valid WAV file"),
        ("inr_image", png, "not a readable image"),
    ):
        record = _run(registry, settings, task, str(path))
        assert record.status == "failed" and reason in record.error["message"]
        assert str(path) in record.error["message"]
    with pytest.raises(DataCorruptError, match="not a readable image"):
        load_image(str(tmp_path / "cut.wav"), None, 8)


def test_a_missing_users_file_is_refused_before_any_cell(tmp_path, capsys):
    missing = tmp_path / "nothing.wav"
    assert main(["run", "task=inr_audio", "method=siren", f"task.audio={missing}"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and str(missing) in err and "does not exist" in err


def test_a_truncated_registered_file_is_refused_before_any_cell(
    tmp_path, data_dir, monkeypatch, capsys, settings
):
    original = (data_dir / "siren_audio" / "gt_bach.wav").read_bytes()
    (tmp_path / "siren_audio").mkdir()
    (tmp_path / "siren_audio" / "gt_bach.wav").write_bytes(original[:-4096])
    monkeypatch.setenv("HARNESS_DATA_DIR", str(tmp_path))
    assert main(["run", "task=inr_audio", "method=siren", "scale=smoke"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "corrupt" in err and "gt_bach.wav" in err
    assert not settings.runs_dir.exists() or not list(settings.runs_dir.rglob("*.json"))
