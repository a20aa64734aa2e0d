"""GAN super-resolution discriminators (slot ``sr_discriminator``): spectral against spatial.

Paper: "On the Effectiveness of Spectral Discriminators for Perceptual Quality Improvement"
(Luo, Zhu, Xu, Liu; ICCV 2023, arXiv 2307.12027). Methods: ``none`` (pixel loss only),
``spatial`` (patch Transformer on pixels), ``spectral`` (patch Transformer on per-patch power
spectra, the paper's spectral discriminator), ``reduced_spectrum`` (MLP on the azimuthally
averaged spectrum, the older spectral discriminator) and ``dual`` (spatial + spectral, the
paper's method). Tasks: ``sr_x4`` (bicubic ×4 SR, GAN fine-tuning of one shared L1-pretrained
RRDBNet) and ``sr_disc_probe`` (the paper's discriminator analysis: detect radial-band
attenuation). This module is what the entry point loads: it declares, it does not import torch.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness import (
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
from spectral_harness_sr.datasets import DATASETS

SLOT = "sr_discriminator"


@dataclass
class SrDiscConfig(TaskConfig):
    """The discriminators' size, shared by both tasks (``None``: from the scale preset).

    Spatial and spectral discriminators are the same patch Transformer: ``d_patch`` pixels per
    token, width ``d_embed``, ``d_depths[i]`` blocks with ``d_heads[i]`` heads in stage ``i``,
    2×2 patch merging between stages (paper: Swin, 128² input, patch 32, 96, [8, 2], [3, 6]).
    """

    d_patch: int | None = param(None, ge=1)
    d_embed: int | None = param(None, ge=1)
    d_depths: list[int] | None = None
    d_heads: list[int] | None = None
    d_lr: float = param(1e-4, gt=0)
    spectrum_bins: int | None = param(None, ge=1)  # reduced-spectrum discriminator's radial bins


@dataclass
class SrX4Config(SrDiscConfig):
    """Bicubic ×4 SR: L1 pre-training of an RRDBNet (cached, shared by every method), then
    adversarial fine-tuning from that checkpoint with the method's discriminators.

    Loss (paper, without its VGG term unless ``vgg_weights`` points at torchvision-format
    VGG19 weights): ``l1_weight·L1 + vgg_weight·VGG19(conv5_4) + gan_weight·Σ w_d RaGAN_d``.
    ``test_crop``: centre crop of each test image (0: whole image, cropped to a multiple of 4).
    """

    train_sets: list[str] | None = None
    test_sets: list[str] | None = None
    test_crop: int | None = param(None, ge=0)
    hr_crop: int | None = param(None, ge=4)
    batch_size: int | None = param(None, ge=1)
    g_blocks: int | None = param(None, ge=1)
    g_features: int | None = param(None, ge=1)
    g_growth: int | None = param(None, ge=1)
    pretrain_steps: int | None = param(None, ge=1)
    pretrain_lr: float = param(2e-4, gt=0)
    pretrain_milestones: list[int] | None = None
    pretrain_seed: int = param(0, ge=0)  # the shared checkpoint does not depend on the cell's seed
    steps: int | None = param(None, ge=1)
    lr: float = param(1e-4, gt=0)
    lr_milestones: list[int] | None = None
    ema_decay: float | None = param(None, ge=0, lt=1)  # 0: no EMA generator
    l1_weight: float = param(1e-2, gt=0)
    gan_weight: float = param(5e-3, ge=0)
    vgg_weight: float = param(1.0, ge=0)
    vgg_weights: str = ""  # path to torchvision VGG19 weights; "" = no perceptual loss
    log_every: int = param(20, ge=1)


@dataclass
class SrProbeConfig(SrDiscConfig):
    """The paper's discriminator analysis: train a discriminator to tell real HR patches from
    the same patches with one radial band scaled by ``gain``; report held-out accuracy.

    Bands use the normalised radius of the notes (r = 1 at the spectrum's corner):
    low = [0, ``low_cut``), high = [``high_cut``, 1]. Train patches come from ``train_sets``,
    held-out patches from ``test_sets`` (different images).
    """

    train_sets: list[str] | None = None
    test_sets: list[str] | None = None
    image_size: int | None = param(None, ge=1)
    train_patches: int | None = param(None, ge=3)  # 1/8 (at least 2) is held out for validation
    test_patches: int | None = param(None, ge=1)
    steps: int | None = param(None, ge=1)
    batch_size: int | None = param(None, ge=1)
    gain: float = param(0.5, ge=0)
    low_cut: float = param(0.3, gt=0, le=1)
    high_cut: float = param(0.6, ge=0, lt=1)
    eval_every: int | None = param(None, ge=1)


@dataclass
class NoneConfig(MethodConfig):
    """No discriminator: the generator keeps training with its pixel loss only."""


@dataclass
class SpatialConfig(MethodConfig):
    """Patch Transformer on pixels (the paper's spatial Swin discriminator)."""


@dataclass
class SpectralConfig(MethodConfig):
    """Patch Transformer on per-patch min–max normalised power spectra (paper's spectral D)."""


@dataclass
class ReducedSpectrumConfig(MethodConfig):
    """MLP on the min–max normalised, azimuthally averaged log power spectrum of the whole image
    (0: the task's preset ``spectrum_bins`` / a 128-unit MLP)."""

    bins: int = param(0, ge=0)
    hidden: int = param(0, ge=0)


@dataclass
class DualConfig(MethodConfig):
    """Spatial + spectral discriminators; the GAN loss is split by these (normalised) weights."""

    spatial_weight: float = param(0.5, ge=0)
    spectral_weight: float = param(0.5, ge=0)


TINY_D = dict(d_patch=8, d_embed=16, d_depths=[1, 1], d_heads=[2, 2], spectrum_bins=8)
SMALL_D = dict(d_patch=16, d_embed=48, d_depths=[2, 2], d_heads=[3, 6], spectrum_bins=32)
PAPER_D = dict(d_patch=32, d_embed=96, d_depths=[8, 2], d_heads=[3, 6], spectrum_bins=64)
SR_SCALES = {
    "smoke": dict(
        train_sets=["sr_t91"],
        test_sets=["sr_set5"],
        test_crop=48,
        hr_crop=32,
        batch_size=2,
        g_blocks=1,
        g_features=8,
        g_growth=8,
        pretrain_steps=4,
        pretrain_milestones=[],
        steps=3,
        lr_milestones=[],
        ema_decay=0.0,
        **TINY_D,
    ),
    "cpu": dict(
        train_sets=["sr_t91"],
        test_sets=["sr_set5", "sr_set14"],
        test_crop=0,
        hr_crop=64,
        batch_size=8,
        g_blocks=1,
        g_features=16,
        g_growth=8,
        pretrain_steps=600,
        pretrain_milestones=[400],
        steps=150,
        lr_milestones=[],
        ema_decay=0.0,
        d_patch=16,
        d_embed=32,
        d_depths=[1, 1],
        d_heads=[2, 4],
        spectrum_bins=32,
    ),
    # The paper's protocol (train_esrgan_x4_dual_former.yml) with our data: DF2K is not available,
    # so T91 + Kodak; ESRNet-style L1 pre-training (1M iterations, lr 2e-4 halved every 200k)
    # instead of the public ESRNet checkpoint.
    "full": dict(
        train_sets=["sr_t91", "kodak24"],
        test_sets=["sr_set5", "sr_set14", "sr_bsd100"],
        test_crop=0,
        hr_crop=128,
        batch_size=16,
        g_blocks=23,
        g_features=64,
        g_growth=32,
        pretrain_steps=1_000_000,
        pretrain_milestones=[200_000, 400_000, 600_000, 800_000],
        steps=400_000,
        lr_milestones=[50_000, 100_000, 200_000, 300_000],
        ema_decay=0.999,
        **PAPER_D,
    ),
}
PROBE_SCALES = {
    "smoke": dict(
        train_sets=["sr_t91"],
        test_sets=["sr_set14"],
        image_size=32,
        train_patches=16,
        test_patches=8,
        steps=4,
        batch_size=4,
        eval_every=2,
        **TINY_D,
    ),
    "cpu": dict(
        train_sets=["sr_t91"],
        test_sets=["sr_bsd100"],
        image_size=64,
        train_patches=2048,
        test_patches=512,
        steps=250,
        batch_size=32,
        eval_every=50,
        **SMALL_D,
    ),
    "full": dict(
        train_sets=["sr_t91", "kodak24"],
        test_sets=["sr_bsd100"],
        image_size=128,
        train_patches=8192,
        test_patches=2000,
        steps=5000,
        batch_size=16,
        eval_every=500,
        **PAPER_D,
    ),
}
PAPER = PaperReference(
    title="On the Effectiveness of Spectral Discriminators for Perceptual Quality Improvement",
    arxiv="2307.12027",
    note="dataset-averaged PSNR/SSIM/LPIPS tables not retrieved (README numbers are single "
    "images); no reported number declared",
)


# The full presets train on T91 plus the Kodak photographs, which the INR family registers.
BORROWED_DATASETS = {"kodak24": "spectral-harness-inr"}


def _datasets(cfg: SrX4Config | SrProbeConfig) -> list[str]:
    return list(dict.fromkeys([*(cfg.train_sets or []), *(cfg.test_sets or [])]))


SR_METRICS = (
    MetricSpec("psnr_y", "max", "Y-channel PSNR, 4-px border crop, mean over test images", "dB"),
    # one per test set, named after the dataset without its sr_ prefix (psnr_y_set5, …)
    MetricSpec("psnr_y_{set}", "max", "psnr_y over the images of one test set", "dB"),
    MetricSpec("ssim_y", "max", "Y-channel SSIM (Gaussian σ=1.5), 4-px border crop"),
    MetricSpec("rmse_low", "min", "RMSE of |FFT(SR)|−|FFT(HR)| (Y, ortho) for r ∈ [0, 0.3)"),
    MetricSpec("rmse_mid", "min", "band magnitude RMSE for r ∈ [0.3, 0.8)"),
    MetricSpec("rmse_high", "min", "band magnitude RMSE for r ∈ [0.8, 1]"),
    MetricSpec("spec_dist", "min", "mean |Δ log10| of azimuthally averaged power spectra"),
    # The shared pretrained generator is the same for every method: facts, not scores.
    MetricSpec(
        "pretrain_psnr_y",
        description="psnr_y of the shared L1-pretrained generator",
        unit="dB",
        kind="diagnostic",
    ),
    MetricSpec(
        "pretrain_rmse_high",
        description="rmse_high of the shared L1-pretrained generator",
        kind="diagnostic",
    ),
    MetricSpec(
        "steps_per_s", "max", "adversarial fine-tuning steps per second", "1/s", kind="cost"
    ),
    MetricSpec("d_params", "min", "discriminator parameters", kind="cost"),
    MetricSpec("g_params", "min", "generator parameters (the same for every method)", kind="cost"),
)
PROBE_METRICS = (
    MetricSpec("acc_mean", "max", "mean held-out detection accuracy over the two bands"),
    MetricSpec("acc_low", "max", "held-out accuracy, fakes with the low band r<0.3 scaled"),
    MetricSpec("acc_high", "max", "held-out accuracy, fakes with the high band r≥0.6 scaled"),
    MetricSpec("val_acc_low", "max", "validation accuracy of the restored low-band model"),
    MetricSpec("val_acc_high", "max", "validation accuracy of the restored high-band model"),
    MetricSpec("steps_per_s", "max", "discriminator training steps per second", "1/s", kind="cost"),
    MetricSpec("d_params", "min", "discriminator parameters", kind="cost"),
    MetricSpec(
        "best_step_low", description="step of the restored low-band model", kind="diagnostic"
    ),
    MetricSpec(
        "best_step_high", description="step of the restored high-band model", kind="diagnostic"
    ),
)


@hookimpl
def spectral_harness_register_tasks() -> list[TaskSpec]:
    """Bicubic ×4 SR with GAN fine-tuning, and the discriminator band-detection probe."""
    return [
        TaskSpec(
            name="sr_x4",
            slot=SLOT,
            config=SrX4Config,
            run="spectral_harness_sr.task:run_sr_x4",
            metrics=SR_METRICS,
            primary="psnr_y",
            scales=SR_SCALES,
            datasets=_datasets,
            borrowed_datasets=BORROWED_DATASETS,
            summary="bicubic x4 SR: GAN fine-tuning of a shared L1-pretrained RRDBNet "
            "(no VGG/LPIPS: ImageNet weights unavailable offline)",
        ),
        TaskSpec(
            name="sr_disc_probe",
            slot=SLOT,
            config=SrProbeConfig,
            run="spectral_harness_sr.task:run_disc_probe",
            metrics=PROBE_METRICS,
            primary="acc_mean",
            scales=PROBE_SCALES,
            datasets=_datasets,
            borrowed_datasets=BORROWED_DATASETS,
            summary="discriminator analysis: detect HR patches with a low or high radial band "
            "attenuated (held-out accuracy)",
        ),
    ]


@hookimpl
def spectral_harness_register_methods() -> list[MethodSpec]:
    """The paper's dual discriminator, its parts and the baselines it compares to."""
    return [
        MethodSpec(
            name="none",
            slot=SLOT,
            config=NoneConfig,
            build="spectral_harness_sr.methods:build_none",
            summary="no discriminator: pixel (L1) loss only",
            paper=PAPER,
            is_baseline=True,
        ),
        MethodSpec(
            name="spatial",
            slot=SLOT,
            config=SpatialConfig,
            build="spectral_harness_sr.methods:build_spatial",
            summary="patch Transformer on pixels (ESRGAN-style spatial D)",
            paper=PAPER,
            is_baseline=True,
        ),
        MethodSpec(
            name="spectral",
            slot=SLOT,
            config=SpectralConfig,
            build="spectral_harness_sr.methods:build_spectral",
            summary="patch Transformer on per-patch power spectra",
            paper=PAPER,
            is_baseline=False,
        ),
        MethodSpec(
            name="reduced_spectrum",
            slot=SLOT,
            config=ReducedSpectrumConfig,
            build="spectral_harness_sr.methods:build_reduced_spectrum",
            summary="MLP on the azimuthally averaged spectrum (older spectral D)",
            paper=PAPER,
            is_baseline=True,
        ),
        MethodSpec(
            name="dual",
            slot=SLOT,
            config=DualConfig,
            build="spectral_harness_sr.methods:build_dual",
            summary="spatial + spectral D, GAN loss 50/50 (DualFormer)",
            paper=PAPER,
            is_baseline=False,
        ),
    ]


@hookimpl
def spectral_harness_register_datasets() -> list:
    """T91 for training; Set5, Set14 and BSD100 for testing (Kodak comes from the INR plugin)."""
    return DATASETS


@hookimpl
def spectral_harness_register_slots() -> list[SlotSpec]:
    """The ``sr_discriminator`` slot (see :mod:`spectral_harness_sr.contract`)."""
    from spectral_harness_sr.contract import SLOT_SPEC

    return [SLOT_SPEC]
