"""Speech made by espeak-ng (skipped where it is not installed), its splits, and Whisper's
log-mel features (the mel bank checked against the one ``openai-whisper`` ships, if present)."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import numpy as np
import pytest

from spectral_harness_peft.logmel import N_FRAMES, SAMPLE_RATE, log_mel, mel_filters
from spectral_harness_peft.speech import (
    HARVARD,
    RATES,
    VOICES,
    read_wav,
    split_indices,
    utterance,
    voice_and_rate,
)

NO_ESPEAK = "espeak-ng is not installed (apt-get install espeak-ng): no speech to test"
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason=NO_ESPEAK)


def test_the_splits_are_disjoint_and_hold_every_voice_and_rate():
    calib, evals = split_indices("calibration"), split_indices("eval")
    assert (len(calib), len(evals)) == (20, 30) and not set(calib) & set(evals)
    assert sorted(calib + evals) == list(range(len(HARVARD)))
    for split in (calib, evals):
        assert {voice_and_rate(i) for i in split} == {(v, r) for v in VOICES for r in RATES}


@needs_espeak
def test_an_utterance_is_synthesised_once_then_read_back_identically(tmp_path):
    first = utterance(20, tmp_path)
    cached = list((tmp_path / "espeak").glob("*.pt"))
    assert len(cached) == 1 and np.array_equal(read_wav(cached[0]), first.audio * 32768)
    again = utterance(20, tmp_path)
    assert again.sha256 == first.sha256 and np.array_equal(again.audio, first.audio)
    assert (first.voice, first.rate) == voice_and_rate(20)
    assert 1.0 < len(first.audio) / SAMPLE_RATE < 6.0
    assert 0.05 < np.abs(first.audio).max() <= 1.0


def test_log_mel_has_whispers_shape_and_dynamic_range():
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    features = log_mel((0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)).numpy()
    assert features.shape == (80, N_FRAMES)
    assert features.max() - features.min() == pytest.approx(2.0, abs=1e-5)  # floor: max - 8
    peak = features[:, 10:90].mean(1).argmax()  # 440 Hz lies in the 10th-11th mel band
    assert peak in (9, 10, 11)
    with pytest.raises(ValueError, match="longer than 30 s"):
        log_mel(np.zeros(31 * SAMPLE_RATE, dtype=np.float32))


@pytest.mark.skipif(importlib.util.find_spec("whisper") is None, reason="openai-whisper absent")
def test_our_mel_bank_matches_the_one_openai_whisper_ships():
    root = Path(next(iter(importlib.util.find_spec("whisper").submodule_search_locations)))
    with np.load(root / "assets" / "mel_filters.npz") as shipped:
        assert np.abs(mel_filters() - shipped["mel_80"]).max() < 1e-7
