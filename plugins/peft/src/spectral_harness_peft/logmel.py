"""Whisper's 80-bin log-mel features, written from its recipe (no ``openai-whisper`` needed).

The recipe (``whisper/audio.py``): 16 kHz audio zero-padded to 30 s, a centred STFT with a
400-sample periodic Hann window and hop 160 (the last frame dropped: 3000 frames), power
spectrum, an 80-filter mel bank (librosa's ``filters.mel(sr=16000, n_fft=400, n_mels=80)``:
Slaney's mel scale, filters normalised to unit area), ``log10`` clamped at 1e-10, floored at the
maximum − 8, then ``(x + 4) / 4``. :func:`mel_filters` builds the bank from its definition; a
test checks it against the ``mel_filters.npz`` that ``openai-whisper`` ships, when installed.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import torch

SAMPLE_RATE = 16_000
N_FFT = 400
HOP = 160
CHUNK_SAMPLES = 30 * SAMPLE_RATE
N_FRAMES = CHUNK_SAMPLES // HOP
F_SP = 200.0 / 3  # Slaney: linear below 1 kHz, 3 mels per 200 Hz
MIN_LOG_HZ = 1000.0
MIN_LOG_MEL = MIN_LOG_HZ / F_SP
LOG_STEP = np.log(6.4) / 27.0


def hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale: linear below 1 kHz, logarithmic above."""
    hz = np.asarray(hz, dtype=np.float64)
    linear = hz / F_SP
    log = MIN_LOG_MEL + np.log(np.maximum(hz, MIN_LOG_HZ) / MIN_LOG_HZ) / LOG_STEP
    return np.where(hz >= MIN_LOG_HZ, log, linear)


def mel_to_hz(mel: np.ndarray) -> np.ndarray:
    """The inverse of :func:`hz_to_mel`."""
    mel = np.asarray(mel, dtype=np.float64)
    linear = F_SP * mel
    log = MIN_LOG_HZ * np.exp(LOG_STEP * (np.maximum(mel, MIN_LOG_MEL) - MIN_LOG_MEL))
    return np.where(mel >= MIN_LOG_MEL, log, linear)


@cache
def mel_filters(n_mels: int = 80, sample_rate: int = SAMPLE_RATE, n_fft: int = N_FFT):
    """Triangular mel filters (n_mels, 1 + n_fft // 2), float32, each of unit area (Slaney)."""
    bins = np.linspace(0, sample_rate / 2, 1 + n_fft // 2)
    edges = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(sample_rate / 2), n_mels + 2))
    widths = np.diff(edges)
    ramps = edges[:, None] - bins[None, :]
    rising = -ramps[:-2] / widths[:-1, None]
    falling = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(rising, falling))
    weights *= (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return weights.astype(np.float32)


def log_mel(audio: np.ndarray) -> torch.Tensor:
    """Whisper's log-mel features (80, 3000) of float audio at 16 kHz, at most 30 s long."""
    if len(audio) > CHUNK_SAMPLES:
        raise ValueError(f"audio of {len(audio) / SAMPLE_RATE:.1f} s is longer than 30 s")
    padded = np.zeros(CHUNK_SAMPLES, dtype=np.float32)
    padded[: len(audio)] = audio
    signal = torch.from_numpy(padded)
    window = torch.hann_window(N_FFT)
    stft = torch.stft(signal, N_FFT, HOP, window=window, return_complex=True)
    power = stft[:, :-1].abs() ** 2
    spec = torch.from_numpy(mel_filters()) @ power
    logs = torch.clamp(spec, min=1e-10).log10()
    logs = torch.maximum(logs, logs.max() - 8.0)
    return (logs + 4.0) / 4.0
