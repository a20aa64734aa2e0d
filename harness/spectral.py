"""Spectral utilities shared by every plugin (one implementation each, not one per plugin)."""

from __future__ import annotations

import numpy as np


def spectral_centroid(signal: np.ndarray) -> float:
    """Amplitude-weighted mean frequency of a sampled signal, as a fraction of Nyquist (0..1).

    ``signal`` is ``(N,)`` or ``(N, C)``; each channel's centroid ``Σ|X(f)|·f / Σ|X(f)|`` is taken
    over the one-sided spectrum of its ``N`` samples (``f`` in cycles per sample, 0..0.5) and the
    channels are averaged. A pure tone at a quarter of the Nyquist frequency gives 0.25.
    """
    x = np.asarray(signal, dtype=np.float64)
    x = x.reshape(x.shape[0], -1)
    magnitude = np.abs(np.fft.rfft(x, axis=0))
    freqs = np.fft.rfftfreq(x.shape[0], d=1.0)
    per_channel = (magnitude * freqs[:, None]).sum(axis=0) / np.maximum(
        magnitude.sum(axis=0), 1e-300
    )
    return float(2.0 * per_channel.mean())
