"""inr_chirp: the generated signal is what its config says, and smoke cells of the INR family's
methods fit it through the real runner.

Run with the plugin installed beside the harness and its INR family:
``pip install -e examples/chirp-task-plugin && pytest examples/chirp-task-plugin/tests``.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from harness import UserError
from harness.cell import make_cell
from harness.plugins import get_registry
from harness.runner import run_cell
from harness.settings import Settings, WandbSettings
from sh_chirp import SCALES, ChirpConfig
from sh_chirp.task import DATA_NAME, chirp


def _smoke(**fields) -> ChirpConfig:
    return dataclasses.replace(ChirpConfig(**SCALES["smoke"]), **fields)


def test_the_signal_is_seeded_one_channel_and_in_range():
    signal = chirp(_smoke())
    assert signal.grid == (2048,) and signal.dims == 1 and signal.channels == 1
    assert np.abs(signal.values).max() == 1.0
    assert np.array_equal(chirp(_smoke()).values, signal.values)
    assert not np.array_equal(chirp(_smoke(signal_seed=1)).values, signal.values)


def test_its_frequency_rises_from_f0_to_f1():
    n, f0, f1 = 16384, 0.01, 0.2
    x = chirp(_smoke(num_samples=n, f0=f0, f1=f1, harmonics=0, noise=0.0)).values[:, 0]
    eighth = n // 8
    for segment, fraction in ((x[:eighth], 1 / 16), (x[-eighth:], 15 / 16)):
        crossings = np.count_nonzero(np.diff(np.signbit(segment)))
        # a sine of f cycles per sample crosses zero 2f times per sample
        expected = 2 * (f0 + (f1 - f0) * fraction) * len(segment)
        assert crossings == pytest.approx(expected, rel=0.05)


def test_harmonics_past_nyquist_are_refused_in_one_line():
    with pytest.raises(UserError, match=r"^harmonic 5 reaches 0\.5 cycles per sample") as info:
        chirp(_smoke(f1=0.1, harmonics=4))
    assert "\n" not in str(info.value)


@pytest.fixture
def settings(tmp_path) -> Settings:
    """Results in a temporary folder, no download, no progress bar, no W&B."""
    return Settings(
        results_dir=tmp_path / "results",
        data_dir=tmp_path / "data",
        cache_dir=tmp_path / "cache",
        allow_download=False,
        progress=False,
        wandb=WandbSettings(enabled=False),
    )


@pytest.mark.parametrize("method", ["siren", "winner", "fourier_features"])
def test_a_smoke_cell_fits_the_chirp(settings, method):
    registry = get_registry()
    assert "inr_chirp" in registry.tasks, "install the plugin: pip install -e examples/chirp-…"
    record = run_cell(make_cell(registry, "inr_chirp", method), registry, settings)
    assert record.status == "ok", record.error
    metrics = record.metrics
    assert set(metrics) >= {"psnr", "snr", "steps_per_s", "params", "best_step"}
    assert math.isfinite(metrics["psnr"]) and metrics["params"] > 0
    assert metrics["best_step"] in (10.0, 20.0)
    # the same [-1, 1] PSNR convention as inr_audio: snr = psnr + 10·log10(mean x²)
    values = chirp(_smoke()).values.astype(np.float64)
    assert metrics["snr"] == pytest.approx(metrics["psnr"] + 10 * math.log10(np.mean(values**2)))
    assert record.data[DATA_NAME] == chirp(_smoke()).checksum()
