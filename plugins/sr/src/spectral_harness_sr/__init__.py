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
from pathlib import Path

from harness import (
    Claim,
    MethodConfig,
    MethodSpec,
    MetricSpec,
    PaperReference,
    SlotSpec,
    TaskConfig,
    TaskSpec,
    UserError,
    hookimpl,
    param,
)
from spectral_harness_sr.datasets import DATASETS
from spectral_harness_sr.folders import folder_labels, folder_pngs

SLOT = "sr_discriminator"
# Fine-tuning protocols and their pixel-loss weight (see SrX4Config)
LOSSES = ("paper", "l1_anchor")
L1_WEIGHT = {"paper": 1e-2, "l1_anchor": 1.0}
NO_VGG_WEIGHTS = (
    "task.loss=paper (the paper's L1 + VGG19 conv5_4 + GAN loss, scale=full's protocol) needs "
    "ImageNet VGG19 weights, which are never downloaded: put a torchvision VGG19 state dict "
    "(vgg19-dcbb9e9d.pth) on disk and pass task.vgg_weights=PATH, or run the documented "
    "stand-in without a perceptual term: task.loss=l1_anchor"
)


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

    ``loss`` names the fine-tuning protocol (``None``: the scale's): ``paper`` is the paper's
    ``1e-2·L1 + 1·VGG19(conv5_4) + 5e-3·Σ w_d RaGAN_d`` and needs ``vgg_weights``, a
    torchvision-format VGG19 state dict (refused in one line without it); ``l1_anchor`` is
    ``1·L1 + 5e-3·Σ w_d RaGAN_d`` with no perceptual term (the CPU board's protocol: without an
    anchor the GAN term alone collapses PSNR). ``l1_weight`` (``None``) is the protocol's.
    ``test_sets`` are registered datasets; ``test_folders`` any folders of HR PNGs of your own
    (every file checksummed into the record; metrics ``*_<folder name>``).
    ``test_crop``: centre crop of each test image (0: whole image, cropped to a multiple of 4).
    ``test_images``: at most this many images of each registered test set, the first by file
    name (``None``: all; the user's folders are always read whole).
    """

    train_sets: list[str] | None = None
    test_sets: list[str] | None = None
    test_folders: list[str] | None = None
    test_crop: int | None = param(None, ge=0)
    test_images: int | None = param(None, ge=1)
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
    loss: str | None = param(None, choices=LOSSES)
    l1_weight: float | None = param(None, gt=0)
    gan_weight: float = param(5e-3, ge=0)
    vgg_weight: float = param(1.0, gt=0)
    vgg_weights: str = ""  # path to torchvision VGG19 weights, read by loss=paper only
    log_every: int = param(20, ge=1)


@dataclass
class SrProbeConfig(SrDiscConfig):
    """The paper's discriminator analysis: train a discriminator to tell real HR patches from
    the same patches with one radial band scaled by ``gain``; report held-out accuracy.

    Bands use the normalised radius of the notes (r = 1 at the spectrum's corner):
    low = [0, ``low_cut``), high = [``high_cut``, 1] and, with ``mid_band``, mid = [``low_cut``,
    ``high_cut``). Train patches come from ``train_sets``,
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
    mid_band: bool | None = None  # also probe [low_cut, high_cut): one more D per cell
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
        loss="l1_anchor",
        **TINY_D,
    ),
    "cpu": dict(
        train_sets=["sr_t91"],
        # BSD100 is the paper's test set; its first 20 images (by name) keep the CPU board in
        # budget (task.test_images=null evaluates all 100)
        test_sets=["sr_set5", "sr_set14", "sr_bsd100"],
        test_crop=0,
        test_images=20,
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
        loss="l1_anchor",
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
        loss="paper",  # needs task.vgg_weights=PATH
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
        mid_band=True,
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
        mid_band=True,
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
        mid_band=True,
        **PAPER_D,
    ),
}
PAPER = PaperReference(
    title="On the Effectiveness of Spectral Discriminators for Perceptual Quality Improvement",
    arxiv="2307.12027",
    note="no reported number declared: the paper's dataset means (PSNR / SSIM / LPIPS of "
    "DF2K-trained ESRGANs on BSD100, DIV2K-valid, Urban100) were not retrievable offline (the "
    "stored full text ends after the abstract) and the repository README's row is one figure "
    "crop; our protocol differs anyway (55k-parameter RRDBNet, 150 GAN steps on T91 with an L1 "
    "anchor, no VGG term; HaarPSI / FSIM / VSI for LPIPS)",
)


# The full presets train on T91 plus the Kodak photographs, which the INR family registers.
BORROWED_DATASETS = {"kodak24": "spectral-harness-inr"}


def _datasets(cfg: SrX4Config | SrProbeConfig) -> list[str]:
    return list(dict.fromkeys([*(cfg.train_sets or []), *(cfg.test_sets or [])]))


def set_label(name: str) -> str:
    """The metric suffix of a registered test set (``sr_set5`` → ``set5``)."""
    return name.removeprefix("sr_")


def _sr_x4_files(cfg: SrX4Config) -> list[str]:
    """What an ``sr_x4`` cell reads: the registered datasets, every PNG of the user's test
    folders and the VGG19 weights file (refusing, before any cell starts, weights that the
    protocol would not read and folders without PNGs)."""
    if cfg.loss != "paper" and cfg.vgg_weights:
        raise UserError(
            f"task.vgg_weights is read by task.loss=paper only; task.loss={cfg.loss} has no "
            "perceptual term: drop task.vgg_weights or choose task.loss=paper"
        )
    folders = list(cfg.test_folders or [])
    folder_labels(folders, [set_label(name) for name in cfg.test_sets or []])
    files = [str(path) for folder in folders for path in folder_pngs(folder)]
    vgg = [str(Path(cfg.vgg_weights).expanduser().resolve())] if cfg.vgg_weights else []
    return [*_datasets(cfg), *files, *vgg]


SR_METRICS = (
    MetricSpec(
        "haarpsi",
        "max",
        "HaarPSI (Reisenhofer et al. 2018; RGB, 4-px border crop), mean over test images: 1 = "
        "identical; a full-reference perceptual metric with no learned weights",
    ),
    # one per test set, named after the dataset without its sr_ prefix (haarpsi_set5, …) or
    # after the user's test folder (haarpsi_my_photos)
    MetricSpec("haarpsi_{set}", "max", "haarpsi over the images of one test set"),
    MetricSpec(
        "fsim",
        "max",
        "FSIMc (Zhang et al. 2011; phase congruency + gradient + YIQ chroma, 4-px border crop): "
        "1 = identical",
    ),
    MetricSpec("fsim_{set}", "max", "fsim over the images of one test set"),
    MetricSpec(
        "vsi",
        "max",
        "VSI (Zhang et al. 2014; SDSP saliency + gradient + LMN chroma, 4-px border crop): "
        "1 = identical",
    ),
    MetricSpec("vsi_{set}", "max", "vsi over the images of one test set"),
    MetricSpec(
        "ms_gmsd",
        "min",
        "MS-GMSD (Zhang et al. 2017; luma, 4 scales, 4-px border crop): 0 = identical",
    ),
    MetricSpec("ms_gmsd_{set}", "min", "ms_gmsd over the images of one test set"),
    MetricSpec("psnr_y", "max", "Y-channel PSNR, 4-px border crop, mean over test images", "dB"),
    MetricSpec("psnr_y_{set}", "max", "psnr_y over the images of one test set", "dB"),
    MetricSpec("ssim_y", "max", "Y-channel SSIM (Gaussian σ=1.5), 4-px border crop"),
    MetricSpec("ssim_y_{set}", "max", "ssim_y over the images of one test set"),
    MetricSpec("rmse_low", "min", "RMSE of |FFT(SR)|−|FFT(HR)| (Y, ortho) for r ∈ [0, 0.3)"),
    MetricSpec("rmse_mid", "min", "band magnitude RMSE for r ∈ [0.3, 0.8)"),
    MetricSpec("rmse_high", "min", "band magnitude RMSE for r ∈ [0.8, 1]"),
    MetricSpec("spec_dist", "min", "mean |Δ log10| of azimuthally averaged power spectra"),
    MetricSpec("spec_dist_{set}", "min", "spec_dist over the images of one test set"),
    # The shared pretrained generator is the same for every method: facts, not scores.
    MetricSpec(
        "pretrain_haarpsi",
        description="haarpsi of the shared L1-pretrained generator",
        kind="diagnostic",
    ),
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
    MetricSpec("acc_mean", "max", "mean held-out detection accuracy over the bands"),
    MetricSpec("acc_low", "max", "held-out accuracy, fakes with the low band r<0.3 scaled"),
    MetricSpec("acc_mid", "max", "held-out accuracy, fakes with the mid band 0.3≤r<0.6 scaled"),
    MetricSpec("acc_high", "max", "held-out accuracy, fakes with the high band r≥0.6 scaled"),
    MetricSpec("val_acc_{band}", "max", "validation accuracy of the restored model of one band"),
    MetricSpec("steps_per_s", "max", "discriminator training steps per second", "1/s", kind="cost"),
    MetricSpec("d_params", "min", "discriminator parameters", kind="cost"),
    MetricSpec(
        "best_step_{band}", description="step of the restored model of one band", kind="diagnostic"
    ),
)
PAPER_ID = "luo2023spectral"
# The paper states its analysis in figures and its SR results on BSD100 / DIV2K-val / Urban100
# with LPIPS (ImageNet weights) on DF2K-trained ESRGANs: none of its numbers is a number our
# boards measure, so no claim carries a `reported` value.
CLAIMS = (
    Claim(
        id="sr.probe.high_band.spectral_over_spatial",
        paper=PAPER_ID,
        statement="the spectral D identifies differences in the high-frequency range better "
        "than the spatial D",
        task="sr_disc_probe",
        metric="acc_high",
        method="spectral",
        baseline="spatial",
        source="Sec. 3 (discriminator analysis)",
    ),
    Claim(
        id="sr.probe.low_band.spatial_over_spectral",
        paper=PAPER_ID,
        statement="the spatial D holds an advantage in the low-frequency range",
        task="sr_disc_probe",
        metric="acc_low",
        method="spatial",
        baseline="spectral",
        source="Sec. 3 (discriminator analysis)",
    ),
    Claim(
        id="sr.probe.mid_band.spectral_over_spatial",
        paper=PAPER_ID,
        statement="the spectral D's advantage above the low band, read on our mid band "
        "r ∈ [0.3, 0.6) (the paper's claim names the high-frequency range only)",
        task="sr_disc_probe",
        metric="acc_mid",
        method="spectral",
        baseline="spatial",
        source="Sec. 3 (discriminator analysis), our mid band",
    ),
    Claim(
        id="sr.probe.high_band.dual_over_spatial",
        paper=PAPER_ID,
        statement="using both Ds (dual) detects high-band differences better than the spatial D",
        task="sr_disc_probe",
        metric="acc_high",
        method="dual",
        baseline="spatial",
        source="Sec. 3-4 (why both Ds)",
    ),
    Claim(
        id="sr.probe.low_band.dual_over_spectral",
        paper=PAPER_ID,
        statement="using both Ds (dual) detects low-band differences better than the spectral D",
        task="sr_disc_probe",
        metric="acc_low",
        method="dual",
        baseline="spectral",
        source="Sec. 3-4 (why both Ds)",
    ),
    Claim(
        id="sr.x4.perceptual.dual_over_spatial",
        paper=PAPER_ID,
        statement="the added spectral D improves perceptual quality over ESRGAN's spatial D "
        "(paper: LPIPS; here: HaarPSI, no learned weights)",
        task="sr_x4",
        metric="haarpsi",
        method="dual",
        baseline="spatial",
        source="Sec. 5 (SR results table)",
    ),
    Claim(
        id="sr.x4.perceptual_bsd100.dual_over_spatial",
        paper=PAPER_ID,
        statement="the added spectral D improves perceptual quality over the spatial D on "
        "BSD100, the paper's own test set (HaarPSI)",
        task="sr_x4",
        metric="haarpsi_bsd100",
        method="dual",
        baseline="spatial",
        source="Sec. 5 (SR results table, BSD100)",
    ),
    Claim(
        id="sr.x4.perceptual_msgmsd.dual_over_spatial",
        paper=PAPER_ID,
        statement="the added spectral D improves perceptual quality over the spatial D (MS-GMSD)",
        task="sr_x4",
        metric="ms_gmsd",
        method="dual",
        baseline="spatial",
        source="Sec. 5 (SR results table)",
    ),
    Claim(
        id="sr.x4.perceptual_fsim.dual_over_spatial",
        paper=PAPER_ID,
        statement="the added spectral D improves perceptual quality over the spatial D (FSIMc)",
        task="sr_x4",
        metric="fsim",
        method="dual",
        baseline="spatial",
        source="Sec. 5 (SR results table)",
    ),
    Claim(
        id="sr.x4.perceptual_vsi.dual_over_spatial",
        paper=PAPER_ID,
        statement="the added spectral D improves perceptual quality over the spatial D (VSI)",
        task="sr_x4",
        metric="vsi",
        method="dual",
        baseline="spatial",
        source="Sec. 5 (SR results table)",
    ),
    Claim(
        id="sr.x4.distortion.dual_over_spatial",
        paper=PAPER_ID,
        statement="a better perception-distortion trade-off: higher PSNR than the spatial D",
        task="sr_x4",
        metric="psnr_y",
        method="dual",
        baseline="spatial",
        source="Sec. 5 (SR results table)",
    ),
    Claim(
        id="sr.x4.spectrum.dual_over_spatial",
        paper=PAPER_ID,
        statement="SR spectra better aligned with HR spectra than with the spatial D alone",
        task="sr_x4",
        metric="spec_dist",
        method="dual",
        baseline="spatial",
        source="Fig. 1 / Table 1 (spectral alignment)",
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
            primary="haarpsi",
            scales=SR_SCALES,
            datasets=_sr_x4_files,
            borrowed_datasets=BORROWED_DATASETS,
            summary="bicubic x4 SR: GAN fine-tuning of a shared L1-pretrained RRDBNet, "
            "ranked by HaarPSI (no LPIPS: ImageNet weights unavailable offline)",
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


@hookimpl
def spectral_harness_register_claims() -> list[Claim]:
    """The paper's discriminator analysis and its SR claims, judged on the records."""
    return list(CLAIMS)
