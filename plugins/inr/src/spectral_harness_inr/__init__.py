"""Implicit neural representations (slot ``inr_init``): how a SIREN-style network is initialised
and how its input is encoded, measured by how well it fits an audio clip or an image.

Methods: ``winner`` (WINNER / SIREN², Chandravamsi et al. 2025), with the baselines its paper
compares to, each with its own paper's initialisation: ``siren`` (Sitzmann et al. 2020),
``finer`` (Liu et al. 2024), ``wire`` (Saragadam et al. 2023), ``gauss`` (Ramasinghe & Lucey
2022), ``relu_posenc`` (ReLU + NeRF positional encoding), ``siren_rff`` (SIREN after random
Fourier features), ``fourier_features`` (Tancik et al. 2020) and ``relu`` (a plain ReLU MLP).
Task ``inr_spectral_bias`` measures the spectral bias of these networks (Lazzari & Liu 2023):
per-frequency convergence, gradient confusion and activation regions on a sum of sinusoids.
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
from spectral_harness_inr.bias_spec import (
    SPECTRAL_BIAS_METRICS,
    SPECTRAL_BIAS_SCALES,
    InrSpectralBiasConfig,
    spectral_bias_claims,
)
from spectral_harness_inr.contract import SLOT_SPEC
from spectral_harness_inr.datasets import CLIP_SETS, DATASETS, IMAGE_SETS, signal_name

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
    "FinerConfig",
    "FourierFeaturesConfig",
    "GaussConfig",
    "InrAudioClipsConfig",
    "InrAudioConfig",
    "InrImageConfig",
    "InrImageSetConfig",
    "InrProblem",
    "InrSpectralBiasConfig",
    "InrTaskConfig",
    "ReluConfig",
    "ReluPosencConfig",
    "Signal",
    "SirenConfig",
    "SirenRffConfig",
    "WinnerConfig",
    "WireConfig",
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
    your own (absolute path, ``~`` path, or relative to the current directory).

    ``num_samples`` samples from ``start_s`` seconds; ``start_s`` None takes the loudest window
    of the first 150,000 samples (where the signal is; the whole 150,000 at ``scale=full``, the
    WINNER reference's segment). ``normalize``: ``clip`` scales by the whole file's peak, as the
    reference does; ``segment`` by the segment's own peak.
    """

    audio: str = "siren_audio/gt_bach.wav"
    start_s: float | None = param(None, ge=0)
    num_samples: int | None = param(None, ge=0)  # 0: the whole clip
    normalize: str = param("clip", choices=("clip", "segment"))


@dataclass
class InrAudioClipsConfig(InrTaskConfig):
    """Fit every clip of a set of the WINNER paper's audio clips in turn (one cell: one method
    and seed over the whole set): ``reference`` is the clips of the reference script
    ``learn_audios.py`` still available, ``music`` the four music clips beside them, ``all``
    both. Each clip: ``num_samples`` samples, the loudest window of its first 150,000
    (the first 150,000 themselves at ``scale=full``), scaled by the whole file's peak."""

    clips: str = param("reference", choices=("reference", "music", "all"))
    num_samples: int | None = param(None, ge=2)
    normalize: str = param("clip", choices=("clip", "segment"))


@dataclass
class InrImageConfig(InrTaskConfig):
    """Fit an image: ``skimage:<name>`` ships inside scikit-image; ``kodak24/kodim19.png`` is a
    registered file in the data directory; any other path (absolute, ``~``, or relative to the
    current directory) is an image of your own. Pixels are mapped to [-1, 1]."""

    image: str = "skimage:camera"
    # centre square crop, resized to size × size; 0 keeps the original
    size: int | None = param(None, ge=0)


@dataclass
class InrImageSetConfig(InrTaskConfig):
    """Fit every image of a set in turn (one cell: one method and seed over the whole set):
    ``kodak24`` (the 24 Kodak photographs) or ``skimage`` (scikit-image's bundled test images,
    the SIREN/WINNER image targets' kind). Centre square crop resized to ``size``."""

    images: str = param("kodak24", choices=("kodak24", "skimage"))
    size: int | None = param(None, ge=2)


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


@dataclass
class FinerConfig(MethodConfig):
    """FINER: ``sin(ω0 (|z| + 1) z)`` with SIREN's weight initialisation; ``first_bias_scale`` k
    draws the first layer's bias from U(-k, k) (None: PyTorch's default, as in the WINNER
    paper's FINER baseline)."""

    first_omega_0: float = param(30.0, gt=0)
    omega_0: float = param(30.0, gt=0)
    first_bias_scale: float | None = param(None, gt=0)


@dataclass
class WireConfig(MethodConfig):
    """WIRE: complex Gabor wavelet ``exp(i ω0 z − |s0 z|²)``; ω0 = s0 = 10 as in the WINNER
    paper's WIRE baseline (the WIRE paper's image setting is ω0 = 20, s0 = 10)."""

    omega_0: float = param(10.0, gt=0)
    sigma_0: float = param(10.0, gt=0)


@dataclass
class GaussConfig(MethodConfig):
    """Gaussian activation ``exp(-(s z)²)`` with s = 30 (the WINNER paper's Gauss baseline)."""

    scale: float = param(30.0, gt=0)


@dataclass
class ReluConfig(MethodConfig):
    """A plain ReLU MLP on the raw coordinates (PyTorch's default initialisation): the
    spectral-bias baseline of Lazzari & Liu (2023)."""


@dataclass
class ReluPosencConfig(MethodConfig):
    """ReLU MLP after NeRF's positional encoding; ``num_frequencies`` None: floor(log2(n/4))
    octaves for the shortest grid side n (SIREN's Nyquist rule)."""

    num_frequencies: int | None = param(None, ge=1)


@dataclass
class SirenRffConfig(MethodConfig):
    """SIREN after random Fourier features [cos xB, sin xB], B ~ N(0, σ²) (no 2π);
    ``num_features`` None: hidden_features // 2, as in the WINNER reference."""

    sigma: float = param(30.0, gt=0)
    num_features: int | None = param(None, ge=1)
    first_omega_0: float = param(30.0, gt=0)
    omega_0: float = param(30.0, gt=0)


AUDIO_SCALES = {
    "smoke": dict(
        num_samples=2048,
        hidden_features=32,
        hidden_layers=1,
        steps=20,
        eval_every=10,
        lr_gamma=0.99,
    ),
    # about as many samples (8k, 0.19 s) as parameters (8.5k), like the paper's 150k samples
    # for a 4 × 222 network, so the fit is not trivially over-parameterised
    "cpu": dict(
        num_samples=8192,
        hidden_features=64,
        hidden_layers=2,
        steps=300,
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
# Per clip of a set; cpu: 4,096 samples (0.09-0.34 s by the clip's rate) for 4.9k parameters,
# about one per sample as in the reference (150k samples, 4 × 222 ≈ 149k parameters)
AUDIO_CLIPS_SCALES = {
    "smoke": dict(
        num_samples=1024, hidden_features=16, hidden_layers=1, steps=10, eval_every=5, lr_gamma=0.99
    ),
    "cpu": dict(
        num_samples=4096,
        hidden_features=48,
        hidden_layers=2,
        steps=300,
        eval_every=50,
        lr_gamma=0.99,
    ),
    # learn_audios.py: the first 150,000 samples, 4 sine layers × 222, 1000 full-batch epochs
    "full": dict(
        num_samples=150_000,
        hidden_features=222,
        hidden_layers=3,
        steps=1000,
        eval_every=10,
        lr_gamma=0.99,
    ),
}
IMAGE_SET_SCALES = {
    "smoke": dict(
        size=16, hidden_features=16, hidden_layers=1, steps=10, eval_every=5, lr_gamma=0.998
    ),
    "cpu": dict(
        size=64, hidden_features=64, hidden_layers=2, steps=300, eval_every=50, lr_gamma=0.998
    ),
    # learn_images.py: 512² images, 5 sine layers × 256, 4000 epochs
    "full": dict(
        size=512, hidden_features=256, hidden_layers=4, steps=4000, eval_every=20, lr_gamma=0.998
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
# Why no method carries a reported number (checked for this board, see COMMAND.md).
NOT_RETRIEVED = (
    "the WINNER paper's audio table (arXiv 2509.09719, per-clip PSNR of SIREN, SIREN², FINER, "
    "WIRE, Gauss, ReLU+PE, SIREN-RFF) could not be read offline: the stored copies of the "
    "arXiv HTML give only its first page, and the reference repository has no results table; "
    "no number is declared rather than one guessed"
)
WINNER_PAPER = PaperReference(
    title="Spectral Bottleneck in Deep Neural Networks: Noise is All You Need",
    arxiv="2509.09719",
    note=NOT_RETRIEVED,
)


def _audio_datasets(cfg: InrAudioConfig) -> list[str]:
    return [cfg.audio]


def _image_datasets(cfg: InrImageConfig) -> list[str]:
    return [] if cfg.image.startswith("skimage:") else [cfg.image]


def _clip_datasets(cfg: InrAudioClipsConfig) -> list[str]:
    return list(CLIP_SETS[cfg.clips])


def _image_set_datasets(cfg: InrImageSetConfig) -> list[str]:
    return [spec for spec in IMAGE_SETS[cfg.images] if not spec.startswith("skimage:")]


@hookimpl
def spectral_harness_register_slots() -> list[SlotSpec]:
    """The ``inr_init`` slot and its contract."""
    return [SLOT_SPEC]


@hookimpl
def spectral_harness_register_tasks() -> list[TaskSpec]:
    """The audio and image fitting tasks and the spectral-bias task."""
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
            summary="fit SIREN's Bach clip (44.1 kHz; the loudest window of its first 150k "
            "samples, whole-clip peak normalised)",
        ),
        TaskSpec(
            name="inr_audio_clips",
            slot=SLOT,
            config=InrAudioClipsConfig,
            run="spectral_harness_inr.task:run_audio_clips",
            metrics=(
                MetricSpec("psnr", "max", "mean over the set's clips of each clip's PSNR", "dB"),
                MetricSpec("psnr_{clip}", "max", "one clip's full-signal PSNR", "dB"),
                MetricSpec("snr", "max", "mean over the clips of 10·log10(Σx² / Σ(x−x̂)²)", "dB"),
                *COMMON_METRICS,
            ),
            primary="psnr",
            scales=AUDIO_CLIPS_SCALES,
            datasets=_clip_datasets,
            summary="fit each of the WINNER paper's audio clips (learn_audios.py's protocol at "
            "scale=full); per-clip PSNR and the mean",
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
        TaskSpec(
            name="inr_image_set",
            slot=SLOT,
            config=InrImageSetConfig,
            run="spectral_harness_inr.task:run_image_set",
            metrics=(
                MetricSpec("psnr", "max", "mean over the set's images of each PSNR", "dB"),
                MetricSpec("psnr_{image}", "max", "one image's PSNR on [-1, 1]", "dB"),
                MetricSpec("psnr_01", "max", "mean PSNR with [0, 1] pixel range", "dB"),
                *COMMON_METRICS,
            ),
            primary="psnr",
            scales=IMAGE_SET_SCALES,
            datasets=_image_set_datasets,
            summary="fit each Kodak or scikit-image image (512² at scale=full, "
            "learn_images.py's protocol); per-image PSNR and the mean",
        ),
        TaskSpec(
            name="inr_spectral_bias",
            slot=SLOT,
            config=InrSpectralBiasConfig,
            run="spectral_harness_inr.bias_task:run_spectral_bias",
            check_config="spectral_harness_inr.bias_spec:check_spectral_bias_config",
            metrics=SPECTRAL_BIAS_METRICS,
            primary="residual_f64",
            scales=SPECTRAL_BIAS_SCALES,
            summary="spectral bias (Lazzari & Liu 2023): sines at 1, 4, 16, 64 cycles on [0, 1) "
            "at two sampling densities; per-frequency convergence, gradient confusion, "
            "activation regions over training",
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
        MethodSpec(
            name="finer",
            slot=SLOT,
            config=FinerConfig,
            build="spectral_harness_inr.methods:build_finer",
            summary="FINER: variable-periodic sin(ω0(|z|+1)z), SIREN init",
            paper=PaperReference(
                "FINER: Flexible Spectral-bias Tuning in Implicit NEural Representation by "
                "Variable-periodic Activation Functions",
                arxiv="2312.02434",
                note=NOT_RETRIEVED,
            ),
            is_baseline=True,
        ),
        MethodSpec(
            name="wire",
            slot=SLOT,
            config=WireConfig,
            build="spectral_harness_inr.methods:build_wire",
            summary="WIRE: complex Gabor wavelet activations",
            paper=PaperReference(
                "WIRE: Wavelet Implicit Neural Representations",
                arxiv="2301.05187",
                note=NOT_RETRIEVED,
            ),
            is_baseline=True,
        ),
        MethodSpec(
            name="gauss",
            slot=SLOT,
            config=GaussConfig,
            build="spectral_harness_inr.methods:build_gauss",
            summary="Gaussian activations exp(-(s z)^2)",
            paper=PaperReference(
                "Beyond Periodicity: Towards a Unifying Framework for Activations in "
                "Coordinate-MLPs",
                arxiv="2111.15135",
                note=NOT_RETRIEVED,
            ),
            is_baseline=True,
        ),
        MethodSpec(
            name="relu",
            slot=SLOT,
            config=ReluConfig,
            build="spectral_harness_inr.methods:build_relu",
            summary="plain ReLU MLP on the raw coordinates (the spectral-bias baseline)",
            paper=PaperReference(
                "Understanding the Spectral Bias of Coordinate Based MLPs Via Training Dynamics",
                arxiv="2301.05816",
                note="qualitative claims only: the paper reports no number this board measures",
            ),
            is_baseline=True,
        ),
        MethodSpec(
            name="relu_posenc",
            slot=SLOT,
            config=ReluPosencConfig,
            build="spectral_harness_inr.methods:build_relu_posenc",
            summary="ReLU MLP after NeRF positional encoding (Nyquist octaves)",
            paper=PaperReference(
                "NeRF: Representing Scenes as Neural Radiance Fields for View Synthesis",
                arxiv="2003.08934",
                note=NOT_RETRIEVED,
            ),
            is_baseline=True,
        ),
        MethodSpec(
            name="siren_rff",
            slot=SLOT,
            config=SirenRffConfig,
            build="spectral_harness_inr.methods:build_siren_rff",
            summary="SIREN after Gaussian random Fourier features (σ=30)",
            paper=PaperReference(
                "Spectral Bottleneck in Deep Neural Networks: Noise is All You Need "
                "(SIREN-RFF baseline)",
                arxiv="2509.09719",
                note=NOT_RETRIEVED,
            ),
            is_baseline=True,
        ),
    ]


WINNER_CLAIM_PAPER = "WINNER (arXiv 2509.09719)"
# the baselines the WINNER paper's audio table compares against
AUDIO_BASELINES = ("siren", "finer", "wire", "gauss", "relu_posenc", "siren_rff")


@hookimpl
def spectral_harness_register_claims() -> list[Claim]:
    """The WINNER paper's audio claims (SIREN² beats SIREN on every clip of the reference script
    and on their mean, beats every other baseline on the mean, and does no harm on music) and
    Lazzari & Liu's spectral-bias claims (:func:`spectral_bias_claims`)."""
    reference = {"task.clips": "reference"}
    claims = [
        Claim(
            id="winner-beats-siren-audio",
            paper=WINNER_CLAIM_PAPER,
            statement="WINNER's noise-perturbed initialisation fits SIREN's Bach clip (where "
            "the music is, whole-clip normalised) to a higher PSNR than SIREN's",
            task="inr_audio",
            metric="psnr",
            method="winner",
            baseline="siren",
            source="audio-fitting table (gt_bach)",
        ),
        *(
            Claim(
                id=f"winner-beats-{baseline.replace('_', '-')}-audio-mean",
                paper=WINNER_CLAIM_PAPER,
                statement=f"SIREN² fits the reference clips to a higher mean PSNR than {baseline}",
                task="inr_audio_clips",
                metric="psnr",
                method="winner",
                baseline=baseline,
                where=reference,
                source="audio-fitting table (mean over clips)",
            )
            for baseline in AUDIO_BASELINES
        ),
        *(
            Claim(
                id=f"winner-beats-siren-{signal_name(path).replace('_', '-')}",
                paper=WINNER_CLAIM_PAPER,
                statement=f"SIREN² fits {signal_name(path)} to a higher PSNR than SIREN",
                task="inr_audio_clips",
                metric=f"psnr_{signal_name(path)}",
                method="winner",
                baseline="siren",
                where=reference,
                source="audio-fitting table (per clip)",
            )
            for path in CLIP_SETS["reference"]
        ),
        Claim(
            id="winner-no-harm-music",
            paper=WINNER_CLAIM_PAPER,
            statement="on low-centroid music clips SIREN² is at most 1 dB below SIREN (mean)",
            task="inr_audio_clips",
            metric="psnr",
            method="winner",
            baseline="siren",
            expect="not_worse",
            margin=1.0,
            where={"task.clips": "music"},
            source="audio fitting (the method adapts to any centroid; research notes E4 (c))",
        ),
    ]
    return claims + spectral_bias_claims()


@hookimpl
def spectral_harness_register_datasets() -> list:
    """SIREN's and WINNER's audio clips and the Kodak photographs."""
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
