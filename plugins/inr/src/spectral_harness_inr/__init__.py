"""Implicit neural representations (slot ``inr_init``): how a SIREN-style network is initialised
and how its input is encoded, measured by how well it fits an audio clip or an image.

Methods: ``winner`` (WINNER / SIREN², Chandravamsi et al. 2025), with the baselines its paper
compares to: ``siren`` (Sitzmann et al. 2020) and ``fourier_features`` (Tancik et al. 2020).
This module is what the entry point loads: it declares, it does not import torch.

**Public API for signal tasks of other plugins** (see "Write a task plugin" in the README):
``Signal`` (samples on a grid in [-1, 1]), ``InrProblem`` (what a method's ``build`` gets),
``fit_signal(cfg, ctx, build, signal)`` (the family's training and evaluation protocol),
``InrTaskConfig`` (the protocol's config fields, to subclass), ``PSNR`` and ``COMMON_METRICS``
(the metrics ``fit_signal`` reports). ``Signal``, ``InrProblem`` and ``fit_signal`` load their
modules (numpy, torch) on first access.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from harness import (
    Claim,
    MethodConfig,
    MethodSpec,
    MetricSpec,
    PaperReference,
    SlotSpec,
    TaskConfig,
    TaskSpec,
    hookimpl,
    param,
)
from spectral_harness_inr.contract import SLOT_SPEC
from spectral_harness_inr.datasets import DATASETS

if TYPE_CHECKING:
    from spectral_harness_inr.problem import InrProblem, Signal
    from spectral_harness_inr.task import fit_signal

SLOT = SLOT_SPEC.name

# Public name -> the module that defines it, imported on first access (PEP 562).
_LAZY_EXPORTS = {
    "Signal": "spectral_harness_inr.problem",
    "InrProblem": "spectral_harness_inr.problem",
    "fit_signal": "spectral_harness_inr.task",
}

__all__ = [
    "COMMON_METRICS",
    "PSNR",
    "FourierFeaturesConfig",
    "InrAudioConfig",
    "InrImageConfig",
    "InrProblem",
    "InrTaskConfig",
    "Signal",
    "SirenConfig",
    "WinnerConfig",
    "fit_signal",
]


@dataclass
class InrTaskConfig(TaskConfig):
    """The fitting protocol shared by both INR tasks (``None``: taken from the scale preset)."""

    hidden_features: int | None = param(None, ge=1)
    # hidden→hidden sine layers after the first (SIREN's count); WINNER perturbs the second
    hidden_layers: int | None = param(None, ge=1)
    steps: int | None = param(None, ge=1)
    eval_every: int | None = param(None, ge=1)
    batch_size: int | None = param(None, ge=0)  # None/0: full batch, as in the papers
    lr: float = param(1e-4, gt=0)
    lr_step: int = param(20, ge=1)  # StepLR period in steps (one full-batch step = one epoch)
    lr_gamma: float | None = param(None, gt=0, le=1)


@dataclass
class InrAudioConfig(InrTaskConfig):
    """Fit a mono audio clip: a registered file such as ``siren_audio/gt_bach.wav`` or a WAV of
    your own (absolute path, ``~`` path, or relative to the current directory); max-abs
    normalised to [-1, 1]."""

    audio: str = "siren_audio/gt_bach.wav"
    start_s: float = param(0.0, ge=0)
    num_samples: int | None = param(None, ge=0)  # 0: the whole clip


@dataclass
class InrImageConfig(InrTaskConfig):
    """Fit an image: ``skimage:<name>`` ships inside scikit-image; ``kodak24/kodim19.png`` is a
    registered file in the data directory; any other path (absolute, ``~``, or relative to the
    current directory) is an image of your own. Pixels are mapped to [-1, 1]."""

    image: str = "skimage:camera"
    # centre square crop, resized to size × size; 0 keeps the original
    size: int | None = param(None, ge=0)


@dataclass
class SirenConfig(MethodConfig):
    """SIREN: uniform init; first-layer frequency ω0' (None: the paper's 3000 for 1-D signals
    such as audio, 30 for 2-D ones such as images; other grids must set it)."""

    first_omega_0: float | None = param(None, gt=0)
    omega_0: float = param(30.0, gt=0)


@dataclass
class WinnerConfig(MethodConfig):
    """WINNER: SIREN with ω0' = 30 plus Gaussian noise on the first two weight matrices, its
    scale set by the target's spectral centroid. ``reference_quirks`` reproduces the reference
    code's double division of the centroid by the channel count (matters for RGB only)."""

    first_omega_0: float = param(30.0, gt=0)
    omega_0: float = param(30.0, gt=0)
    reference_quirks: bool = True


@dataclass
class FourierFeaturesConfig(MethodConfig):
    """Gaussian random Fourier features γ(x) = [cos 2πBx, sin 2πBx] before an MLP.

    ``sigma_nyquist``: std of B as a fraction of the sampling grid's Nyquist frequency (so the
    same value suits any resolution). ``backbone``: ``relu`` (Tancik et al.) or ``siren``.
    """

    num_features: int = param(256, ge=1)
    sigma_nyquist: float = param(0.1, gt=0)
    backbone: str = param("relu", choices=("relu", "siren"))


AUDIO_SCALES = {
    "smoke": dict(
        num_samples=2048,
        hidden_features=32,
        hidden_layers=1,
        steps=20,
        eval_every=10,
        lr_gamma=0.99,
    ),
    # about as many samples (16k, 0.37 s) as parameters (19k), like the paper's 150k samples
    # for a 4 × 222 network, so the fit is not trivially over-parameterised
    "cpu": dict(
        num_samples=16384,
        hidden_features=96,
        hidden_layers=2,
        steps=500,
        eval_every=50,
        lr_gamma=0.99,
    ),
    # WINNER's learn_audios.py: 4 sine layers × 222, 1000 full-batch epochs, ≤ 150k samples
    "full": dict(
        num_samples=150_000,
        hidden_features=222,
        hidden_layers=3,
        steps=1000,
        eval_every=10,
        lr_gamma=0.99,
    ),
}
IMAGE_SCALES = {
    "smoke": dict(
        size=32, hidden_features=32, hidden_layers=1, steps=20, eval_every=10, lr_gamma=0.998
    ),
    "cpu": dict(
        size=128, hidden_features=128, hidden_layers=2, steps=800, eval_every=50, lr_gamma=0.998
    ),
    # learn_images.py: 5 sine layers × 256, 4000 epochs, 512² images
    "full": dict(
        size=512, hidden_features=256, hidden_layers=4, steps=4000, eval_every=20, lr_gamma=0.998
    ),
}
PSNR = MetricSpec(
    "psnr",
    "max",
    "full-signal PSNR, 20·log10(1/RMSE) on [-1, 1] data (WINNER's "
    "convention; +6.02 dB gives the usual [0, 1] image PSNR)",
    "dB",
)
COMMON_METRICS = (
    MetricSpec("mse", "min", "full-signal mean squared error on [-1, 1] data (psnr's MSE)"),
    MetricSpec("steps_per_s", "max", "training steps per second", "1/s", kind="cost"),
    MetricSpec("params", "min", "trainable parameters", kind="cost"),
    MetricSpec("best_step", description="step of the restored best model", kind="diagnostic"),
)
WINNER_PAPER = PaperReference(
    title="Spectral Bottleneck in Deep Neural Networks: Noise is All You Need",
    arxiv="2509.09719",
    note="per-clip PSNR tables not retrieved; no reported number declared",
)


def _audio_datasets(cfg: InrAudioConfig) -> list[str]:
    return [cfg.audio]


def _image_datasets(cfg: InrImageConfig) -> list[str]:
    return [] if cfg.image.startswith("skimage:") else [cfg.image]


@hookimpl
def spectral_harness_register_slots() -> list[SlotSpec]:
    """The ``inr_init`` slot and its contract."""
    return [SLOT_SPEC]


@hookimpl
def spectral_harness_register_tasks() -> list[TaskSpec]:
    """The audio and image fitting tasks."""
    return [
        TaskSpec(
            name="inr_audio",
            slot=SLOT,
            config=InrAudioConfig,
            run="spectral_harness_inr.task:run_audio",
            metrics=(
                PSNR,
                MetricSpec("snr", "max", "10·log10(Σx² / Σ(x−x̂)²)", "dB"),
                *COMMON_METRICS,
            ),
            primary="psnr",
            scales=AUDIO_SCALES,
            datasets=_audio_datasets,
            summary="fit the SIREN paper's Bach clip (audio at 44.1 kHz) with a sine network",
        ),
        TaskSpec(
            name="inr_image",
            slot=SLOT,
            config=InrImageConfig,
            run="spectral_harness_inr.task:run_image",
            metrics=(
                PSNR,
                MetricSpec("psnr_01", "max", "PSNR with [0, 1] pixel range", "dB"),
                *COMMON_METRICS,
            ),
            primary="psnr",
            scales=IMAGE_SCALES,
            datasets=_image_datasets,
            summary="fit an image (default: scikit-image's bundled `camera`) with a sine network",
        ),
    ]


@hookimpl
def spectral_harness_register_methods() -> list[MethodSpec]:
    """WINNER and the baselines of its paper."""
    return [
        MethodSpec(
            name="siren",
            slot=SLOT,
            config=SirenConfig,
            build="spectral_harness_inr.methods:build_siren",
            summary="SIREN init (ω0'=3000 for 1-D signals / 30 for 2-D)",
            paper=PaperReference(
                "Implicit Neural Representations with Periodic Activation Functions",
                arxiv="2006.09661",
            ),
            is_baseline=True,
        ),
        MethodSpec(
            name="winner",
            slot=SLOT,
            config=WinnerConfig,
            build="spectral_harness_inr.methods:build_winner",
            summary="WINNER: spectral-centroid-scaled weight noise, ω0'=30",
            paper=WINNER_PAPER,
        ),
        MethodSpec(
            name="fourier_features",
            slot=SLOT,
            config=FourierFeaturesConfig,
            build="spectral_harness_inr.methods:build_fourier_features",
            summary="Gaussian random Fourier features + ReLU MLP",
            paper=PaperReference(
                "Fourier Features Let Networks Learn High Frequency Functions "
                "in Low Dimensional Domains",
                arxiv="2006.10739",
            ),
            is_baseline=True,
        ),
    ]


@hookimpl
def spectral_harness_register_claims() -> list[Claim]:
    """The WINNER paper's main claim, judged on the audio fitting task."""
    return [
        Claim(
            id="winner-beats-siren-audio",
            paper="WINNER (arXiv 2509.09719)",
            statement="WINNER's noise-perturbed initialisation fits audio to a higher PSNR "
            "than SIREN's",
            task="inr_audio",
            metric="psnr",
            method="winner",
            baseline="siren",
            source="audio table",
        )
    ]


@hookimpl
def spectral_harness_register_datasets() -> list:
    """The audio clip and the Kodak photographs."""
    return DATASETS


def __getattr__(name: str) -> Any:
    """Import ``Signal``, ``InrProblem`` or ``fit_signal`` on first access (keeps torch out of
    registration)."""
    module = _LAZY_EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
