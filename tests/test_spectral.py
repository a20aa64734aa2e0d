"""The shared spectral centroid: exact on pure tones, bounded and scale-free on anything."""

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from harness.spectral import spectral_centroid


def test_pure_tone_at_a_quarter_of_nyquist():
    n = 1 << 14
    t = np.arange(n)
    tone = np.sin(2 * np.pi * 0.125 * t)  # 0.125 cycles/sample = 0.25 × Nyquist
    assert abs(spectral_centroid(tone) - 0.25) < 1e-3


def test_channels_are_averaged():
    n = 4000  # both tones fall exactly on FFT bins (no leakage)
    t = np.arange(n)
    low, high = np.sin(2 * np.pi * 0.05 * t), np.sin(2 * np.pi * 0.35 * t)
    both = np.stack([low, high], axis=1)
    assert abs(spectral_centroid(both) - (0.1 + 0.7) / 2) < 2e-3


@settings(max_examples=50, deadline=None)
@given(
    arrays(np.float64, st.integers(16, 512), elements=st.floats(-1, 1, allow_nan=False)),
    st.floats(0.01, 100),
)
def test_centroid_is_a_fraction_of_nyquist_and_ignores_gain(signal, gain):
    # Near-subnormal signals lose digits when scaled: a float artefact, not the centroid's.
    assume(np.abs(signal).max() > 1e-100)
    value = spectral_centroid(signal)
    assert 0.0 <= value <= 1.0
    assert abs(spectral_centroid(gain * signal) - value) < 1e-9
