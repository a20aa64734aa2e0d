"""The signal and the run: generate the chirp, hand it to the INR family's protocol."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from harness import RunContext, UserError
from sh_chirp import ChirpConfig
from spectral_harness_inr import Signal, fit_signal

DATA_NAME = "generated:chirp"  # how the record names the signal (with its sha256)


def chirp(cfg: ChirpConfig) -> Signal:
    """The chirp of ``cfg`` as a 1-D :class:`Signal` (``num_samples`` × 1, in [-1, 1])."""
    top = (cfg.harmonics + 1) * max(cfg.f0, cfg.f1)
    if top >= 0.5:
        raise UserError(
            f"harmonic {cfg.harmonics + 1} reaches {top:g} cycles per sample, past Nyquist (0.5): "
            "lower task.f1 or task.harmonics"
        )
    n = cfg.num_samples
    t = np.arange(n, dtype=np.float64)
    # instantaneous frequency f0 + (f1 - f0)·t/(n-1): the phase is its running integral
    phase = 2.0 * np.pi * (cfg.f0 * t + (cfg.f1 - cfg.f0) * t**2 / (2.0 * (n - 1)))
    rng = np.random.default_rng(cfg.signal_seed)
    offsets = rng.uniform(0.0, 2.0 * np.pi, cfg.harmonics + 1)
    values = sum(np.sin(k * phase + offsets[k - 1]) / k for k in range(1, cfg.harmonics + 2))
    values = values + cfg.noise * rng.standard_normal(n)
    values = values / np.abs(values).max()
    return Signal(values.astype(np.float32)[:, None], (n,))


def run(cfg: ChirpConfig, ctx: RunContext, build: Callable[[Any], Any]) -> dict[str, float]:
    """Generate the chirp, note its checksum in the record and fit it (``fit_signal``)."""
    signal = chirp(cfg)
    ctx.record_data(DATA_NAME, signal.checksum())  # generated, so no file for the host to hash
    return fit_signal(cfg, ctx, build, signal)
