"""``inr_chirp``: fit a generated linear chirp with harmonics, a task of the ``inr_init`` slot.

The signal is made by this package's own code from a seed (``task.signal_seed``), so the task
needs no dataset. Fitting it goes through the INR family's public protocol,
``spectral_harness_inr.fit_signal``: the same training loop, the same metrics and the same
methods (``siren``, ``winner``, ``fourier_features`` and any other ``inr_init`` method) as
``inr_audio``, scored by the same PSNR convention.

This module is what the entry point loads: a config dataclass and one hook. It imports neither
torch nor numpy; the run is ``sh_chirp.task:run``, imported when a cell runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness import MetricSpec, TaskSpec, hookimpl, param
from spectral_harness_inr import COMMON_METRICS, PSNR, InrTaskConfig


@dataclass
class ChirpConfig(InrTaskConfig):
    """A chirp whose frequency rises linearly from ``f0`` to ``f1`` (cycles per sample, i.e.
    fractions of the sampling rate, so every scale has the same spectrum), plus its harmonics
    2 … ``harmonics`` + 1 at amplitude 1/k with random phases and white noise of std ``noise``,
    then max-abs normalised to [-1, 1]. ``signal_seed`` draws the phases and the noise; the cell's
    seed only draws the network's initialisation, so every seed fits the same signal. The
    protocol fields (``hidden_features``, ``steps``, ``lr`` …) are ``InrTaskConfig``'s.
    """

    num_samples: int | None = param(None, ge=2)
    f0: float = param(0.001, ge=0, lt=0.5)
    f1: float = param(0.1, gt=0, lt=0.5)
    harmonics: int = param(3, ge=0)
    noise: float = param(0.01, ge=0)
    signal_seed: int = param(0, ge=0)


# smoke: seconds (tests); cpu: a minute or two on 2 cores; full: a GPU, audio-like size
SCALES = {
    "smoke": dict(
        num_samples=2048,
        hidden_features=32,
        hidden_layers=1,
        steps=20,
        eval_every=10,
        lr_gamma=0.99,
    ),
    "cpu": dict(
        num_samples=8192,
        hidden_features=64,
        hidden_layers=2,
        steps=300,
        eval_every=50,
        lr_gamma=0.99,
    ),
    "full": dict(
        num_samples=65536,
        hidden_features=222,
        hidden_layers=3,
        steps=1000,
        eval_every=10,
        lr_gamma=0.99,
    ),
}


@hookimpl
def spectral_harness_register_tasks() -> list[TaskSpec]:
    """Register ``inr_chirp`` for the ``inr_init`` slot (defined by the INR family)."""
    return [
        TaskSpec(
            name="inr_chirp",
            slot="inr_init",
            config=ChirpConfig,
            run="sh_chirp.task:run",
            metrics=(
                PSNR,
                MetricSpec("snr", "max", "10·log10(Σx² / Σ(x−x̂)²)", "dB"),
                *COMMON_METRICS,
            ),
            primary="psnr",
            scales=SCALES,
            datasets=None,  # generated: nothing to check or download before a sweep
            summary="fit a seeded linear chirp with harmonics (generated, no dataset)",
        )
    ]
