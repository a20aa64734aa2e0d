"""WINNER's defining property: noise scales from the spectral centroid, on the first two layers."""

import math

import numpy as np
import pytest
import torch

from harness.spectral import spectral_centroid
from spectral_harness_inr import (
    FourierFeaturesConfig,
    InrProblem,
    Signal,
    SirenConfig,
    WinnerConfig,
)
from spectral_harness_inr.methods import (
    build_fourier_features,
    build_siren,
    build_winner,
    winner_noise_scales,
)


def _audio(centroid_cycles: float, n: int = 1 << 14) -> Signal:
    t = np.arange(n)
    return Signal(np.sin(2 * np.pi * centroid_cycles * t)[:, None].astype(np.float32), (n,))


@pytest.mark.parametrize(
    ("sc", "channels", "dims", "s0", "s1"),
    [
        (0.6, 1, 1, 3500 * (1 - math.exp(-7 * 0.6)), 3 * 0.6),  # audio: S0 ≈ 3447, S1 = 1.8
        (0.05, 1, 1, 3500 * (1 - math.exp(-7 * 0.05)), 0.15),
        (0.3, 1, 2, 50 * (1 - math.exp(-5 * 0.3)), 0.4 * 0.3),  # images
        # RGB: the reference divides the centroid by C twice
        (0.3, 3, 2, 50 * (1 - math.exp(-5 * 0.3 / 9)), 0.4 * 0.3 / 9),
    ],
)
def test_noise_scales_follow_the_formula(sc, channels, dims, s0, s1):
    got = winner_noise_scales(sc, channels, dims, reference_quirks=True)
    assert got == pytest.approx((s0, s1), rel=1e-12)


def test_fixed_variant_skips_the_channel_division():
    assert winner_noise_scales(0.3, 3, 2, reference_quirks=False) == pytest.approx(
        winner_noise_scales(0.3, 1, 2)
    )
    assert winner_noise_scales(0.6, 1, 1)[0] == pytest.approx(3447.5, abs=0.1)


def test_winner_perturbs_exactly_the_first_two_layers_by_the_formula():
    signal = _audio(0.15, n=10_000)  # 0.3 × Nyquist, on an exact FFT bin
    assert spectral_centroid(signal.values) == pytest.approx(0.3, abs=1e-6)
    problem = InrProblem(signal, hidden_features=1024, hidden_layers=3)
    torch.manual_seed(0)
    siren = build_siren(SirenConfig(first_omega_0=30.0), problem)
    torch.manual_seed(0)
    winner = build_winner(WinnerConfig(), problem)
    s0, s1 = winner_noise_scales(0.3, 1, 1)
    for index, scale in ((0, s0), (1, s1)):
        delta = winner.sine_layers[index].linear.weight - siren.sine_layers[index].linear.weight
        # The noise is N(0, (S/ω0)²): check its empirical std within sampling error.
        assert delta.std().item() == pytest.approx(scale / 30.0, rel=0.1 if index == 0 else 0.01)
    for index in (2, 3):
        assert torch.equal(
            winner.sine_layers[index].linear.weight, siren.sine_layers[index].linear.weight
        )
    assert winner.sine_layers[0].omega_0 == 30.0


def test_siren_first_layer_frequency_depends_on_the_dimensionality():
    audio = InrProblem(_audio(0.1, 256), hidden_features=8, hidden_layers=1)
    image = InrProblem(Signal(np.zeros((16, 1), np.float32), (4, 4)), 8, 1)
    assert build_siren(SirenConfig(), audio).sine_layers[0].omega_0 == 3000.0
    assert build_siren(SirenConfig(), image).sine_layers[0].omega_0 == 30.0
    bound = 1.0 / 1  # first layer: U(-1/d_in, 1/d_in)
    assert build_siren(SirenConfig(), audio).sine_layers[0].linear.weight.abs().max() <= bound


def test_fourier_features_bandwidth_follows_the_grid():
    problem = InrProblem(_audio(0.1, 4097), hidden_features=16, hidden_layers=1)
    model = build_fourier_features(
        FourierFeaturesConfig(num_features=4096, sigma_nyquist=0.1), problem
    )
    nyquist = (4097 - 1) / 4
    assert model[0].B.std().item() == pytest.approx(0.1 * nyquist, rel=0.05)
    assert model(torch.zeros(5, 1)).shape == (5, 1)
