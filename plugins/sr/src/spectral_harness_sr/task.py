"""The SR tasks: ×4 GAN fine-tuning (``sr_x4``) and the discriminator band probe
(``sr_disc_probe``)."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from harness import ContentCache, RunContext, UserError, count_parameters, fit
from spectral_harness_sr import (
    L1_WEIGHT,
    NO_VGG_WEIGHTS,
    SrDiscConfig,
    SrProbeConfig,
    SrX4Config,
    set_label,
)
from spectral_harness_sr.folders import folder_labels, folder_pngs
from spectral_harness_sr.fsim_vsi import fsim, vsi
from spectral_harness_sr.images import (
    BORDER,
    bicubic_down,
    center_crop,
    dataset_images,
    load_rgb,
    mod_crop,
    psnr_y,
    quantize,
    random_patches,
    rgb_to_y,
    shave,
    ssim_y,
)
from spectral_harness_sr.methods import DiscProblem, Discriminators, ragan_d_loss, ragan_g_loss
from spectral_harness_sr.networks import RRDBNet
from spectral_harness_sr.quality import haarpsi, ms_gmsd
from spectral_harness_sr.spectrum import (
    METRIC_BANDS,
    attenuate_band,
    band_magnitude_rmse,
    spectral_profile_distance,
)
from spectral_harness_sr.vgg import Vgg19Conv54

CACHE_VERSION = 1
EVAL_VERSION = 3  # the pre-trained generator's cached metrics: FSIM and VSI added


# ------------------------------------------------------------------------------------------------
# shared helpers
# ------------------------------------------------------------------------------------------------


def disc_problem(cfg: SrDiscConfig, image_size: int) -> DiscProblem:
    """The slot's contract, from the task's discriminator fields."""
    return DiscProblem(
        image_size=image_size,
        patch=cfg.d_patch,
        embed_dim=cfg.d_embed,
        depths=tuple(cfg.d_depths),
        heads=tuple(cfg.d_heads),
        spectrum_bins=cfg.spectrum_bins,
    )


def load_sets(
    ctx: RunContext, names: list[str], limit: int | None = None
) -> dict[str, list[tuple[str, torch.Tensor]]]:
    """``{dataset: [(file stem, (3, H, W) image)]}``, recording each dataset's checksum; with
    ``limit``, only the first ``limit`` images of each dataset (sorted by file name)."""
    out = {}
    for name in names:
        data_dir = ctx.data.require(name)
        ctx.record_data(name, ctx.data.checksum(name))
        paths = dataset_images(data_dir, list(ctx.data.datasets[name].files))
        out[name] = [(p.stem, load_rgb(p)) for p in paths[:limit]]
    return out


def _checksums(ctx: RunContext, names: list[str]) -> dict[str, str]:
    return {name: ctx.data.checksum(name) for name in names}


def load_tests(
    ctx: RunContext, cfg: SrX4Config
) -> tuple[dict[str, list[tuple[str, torch.Tensor]]], dict[str, str]]:
    """The test images keyed by metric suffix (registered sets, then the user's folders), and
    the checksum of each (a dataset's, or one per user's PNG, which the host also records)."""
    registered = load_sets(ctx, list(cfg.test_sets or []), cfg.test_images)
    tests = {set_label(name): images for name, images in registered.items()}
    checksums = _checksums(ctx, list(cfg.test_sets or []))
    folders = list(cfg.test_folders or [])
    for folder, label in folder_labels(folders, list(tests)).items():
        tests[label] = []
        for path in folder_pngs(folder):
            ctx.data.require(str(path))
            checksums[str(path)] = ctx.data.checksum(str(path))
            tests[label].append((path.stem, load_rgb(path)))
    if not tests:
        raise UserError("sr_x4 has no test image: set task.test_sets and/or task.test_folders")
    return tests, checksums


# ------------------------------------------------------------------------------------------------
# sr_x4
# ------------------------------------------------------------------------------------------------


def _generator(cfg: SrX4Config) -> RRDBNet:
    return RRDBNet(cfg.g_blocks, cfg.g_features, cfg.g_growth)


def _pretrain_key(cfg: SrX4Config, ctx: RunContext) -> dict[str, Any]:
    return {
        "what": "rrdbnet-l1-pretrain",
        "version": CACHE_VERSION,
        "data": _checksums(ctx, list(cfg.train_sets)),
        "g": [cfg.g_blocks, cfg.g_features, cfg.g_growth],
        "crop": cfg.hr_crop,
        "batch": cfg.batch_size,
        "steps": cfg.pretrain_steps,
        "lr": cfg.pretrain_lr,
        "milestones": list(cfg.pretrain_milestones or []),
        "seed": cfg.pretrain_seed,
    }


def pretrain_generator(
    cfg: SrX4Config, ctx: RunContext, train: list[torch.Tensor]
) -> dict[str, torch.Tensor]:
    """L1 pre-training (the PSNR-oriented ESRNet stage); independent of the cell's seed and of
    the global RNG (it runs inside a forked RNG seeded by ``pretrain_seed``)."""
    device = ctx.device
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(cfg.pretrain_seed)
        model = _generator(cfg).to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=cfg.pretrain_lr, betas=(0.9, 0.99))
        scheduler = torch.optim.lr_scheduler.MultiStepLR(
            optimizer, list(cfg.pretrain_milestones or []), gamma=0.5
        )
        generator = torch.Generator().manual_seed(10_000 + cfg.pretrain_seed)
        for i in range(1, cfg.pretrain_steps + 1):
            ctx.check_time()
            hr = random_patches(train, cfg.batch_size, cfg.hr_crop, generator).to(device)
            with ctx.autocast():
                loss = F.l1_loss(model(bicubic_down(hr)).float(), hr)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            if i % cfg.log_every == 0 or i == cfg.pretrain_steps:
                value = float(loss.detach())
                ctx.check_finite(value, "pre-training L1", i)
                ctx.log_metrics(i, {"pretrain/l1": value})
    return {k: v.detach().cpu() for k, v in model.state_dict().items()}


PER_SET = ("haarpsi", "fsim", "vsi", "ms_gmsd", "psnr_y", "ssim_y", "spec_dist")


def image_metrics(sr: torch.Tensor, hr: torch.Tensor) -> dict[str, float]:
    """Every quality metric of one super-resolved image against its HR original (both
    ``(3, H, W)`` in [0, 1], quantised to 8 bits first): HaarPSI, FSIMc and VSI on the RGB
    image, MS-GMSD on the luma, Y-PSNR / SSIM, band magnitude RMSE and spectral-profile distance
    on the luma, all with a 4-px border crop."""
    sr, hr = quantize(sr), quantize(hr)
    sr_y, hr_y = shave(rgb_to_y(sr)), shave(rgb_to_y(hr))
    sr_rgb, hr_rgb = (
        sr[None, :, BORDER:-BORDER, BORDER:-BORDER],
        hr[None, :, BORDER:-BORDER, BORDER:-BORDER],
    )
    out = {
        "haarpsi": float(haarpsi(sr_rgb, hr_rgb)[0]),
        "fsim": float(fsim(sr_rgb, hr_rgb)[0]),
        "vsi": float(vsi(sr_rgb, hr_rgb)[0]),
        "ms_gmsd": float(ms_gmsd(sr_rgb, hr_rgb)[0]),
        "psnr_y": psnr_y(sr_y, hr_y),
        "ssim_y": ssim_y(sr_y, hr_y),
    }
    sr_t, hr_t = torch.from_numpy(sr_y / 255.0), torch.from_numpy(hr_y / 255.0)
    for band, rmse in band_magnitude_rmse(sr_t, hr_t, METRIC_BANDS).items():
        out[f"rmse_{band}"] = rmse
    out["spec_dist"] = spectral_profile_distance(sr_t, hr_t)
    return out


@torch.no_grad()
def evaluate_sr(
    model: torch.nn.Module,
    tests: dict[str, list[tuple[str, torch.Tensor]]],
    device: torch.device,
    crop: int,
) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """Every :func:`image_metrics` averaged over all test images, and the perceptual, PSNR, SSIM
    and spectral metrics of each test set (``{metric}_{set}``, ``tests`` keyed by the sets'
    metric suffixes); also the per-image values, ``{metric: (n_images,)}`` in ``tests`` order."""
    was_training = model.training
    model.eval()
    rows: dict[str, list[float]] = {}
    means: dict[str, float] = {}
    for label, images in tests.items():
        per_set: dict[str, list[float]] = {}
        for _, image in images:
            hr = mod_crop(center_crop(image, crop) if crop else image)
            sr = model(bicubic_down(hr[None]).to(device))[0].float().cpu()
            for name, value in image_metrics(sr, hr).items():
                rows.setdefault(name, []).append(value)
                per_set.setdefault(name, []).append(value)
        means.update({f"{name}_{label}": float(np.mean(per_set[name])) for name in PER_SET})
    model.train(was_training)
    means.update({name: float(np.mean(values)) for name, values in rows.items()})
    return means, {name: np.asarray(values) for name, values in rows.items()}


def l1_weight_of(cfg: SrX4Config) -> float:
    """The pixel-loss weight: ``task.l1_weight`` when set, else the protocol's (``L1_WEIGHT``)."""
    return cfg.l1_weight if cfg.l1_weight is not None else L1_WEIGHT[cfg.loss]


class Ema:
    """Exponential moving average of a model's weights (ESRGAN keeps one with decay 0.999)."""

    def __init__(self, model: torch.nn.Module, decay: float) -> None:
        self.decay = decay
        self.model = copy.deepcopy(model).eval()
        for p in self.model.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model: torch.nn.Module) -> None:
        for ema, new in zip(
            self.model.state_dict().values(), model.state_dict().values(), strict=True
        ):
            if ema.dtype.is_floating_point:
                ema.mul_(self.decay).add_(new.detach(), alpha=1.0 - self.decay)
            else:
                ema.copy_(new)


def adversarial_step(
    generator: torch.nn.Module,
    discs: Discriminators,
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer | None,
    lr: torch.Tensor,
    hr: torch.Tensor,
    cfg: SrX4Config,
    perceptual: torch.nn.Module | None = None,
) -> dict[str, float]:
    """One ESRGAN iteration: a generator update (pixel [+ VGG] + weighted RaGAN losses with the
    discriminators frozen), then one update of every discriminator on the same batch."""
    for p in discs.parameters():
        p.requires_grad_(False)
    sr = generator(lr).float()
    l1_weight = l1_weight_of(cfg)
    loss_pix = l1_weight * F.l1_loss(sr, hr)
    loss_g = loss_pix
    if perceptual is not None:
        loss_g = loss_g + cfg.vgg_weight * F.l1_loss(perceptual(sr), perceptual(hr).detach())
    loss_gan = torch.zeros((), device=hr.device)
    if len(discs):
        real_logits = {k: v.detach() for k, v in discs(hr).items()}
        fake_logits = discs(sr)
        for name, weight in discs.weights.items():
            loss_gan = loss_gan + weight * ragan_g_loss(real_logits[name], fake_logits[name])
        loss_g = loss_g + cfg.gan_weight * loss_gan
    opt_g.zero_grad(set_to_none=True)
    loss_g.backward()
    opt_g.step()
    out = {"loss_g": float(loss_g.detach()), "l1": float(loss_pix.detach()) / l1_weight}
    if len(discs) and opt_d is not None:
        for p in discs.parameters():
            p.requires_grad_(True)
        real_logits = discs(hr)
        fake_logits = discs(sr.detach())
        loss_d = sum(ragan_d_loss(real_logits[k], fake_logits[k]) for k in discs.weights)
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        out["loss_d"] = float(loss_d.detach())
        out["gan_g"] = float(loss_gan.detach())
    return out


def run_sr_x4(cfg: SrX4Config, ctx: RunContext, build: Callable[[Any], Any]) -> dict[str, float]:
    """Shared L1-pretrained RRDBNet (cached by content) → adversarial fine-tuning with the
    method's discriminators under ``cfg.loss`` → perceptual, PSNR/SSIM and spectral metrics on
    the test sets and folders (per-image values saved with the record). ``loss=paper`` without
    VGG19 weights is refused in one line before anything is read or trained."""
    if cfg.loss == "paper" and not cfg.vgg_weights:
        raise UserError(NO_VGG_WEIGHTS)
    device = ctx.device
    train_sets = load_sets(ctx, list(cfg.train_sets))
    tests, test_checksums = load_tests(ctx, cfg)
    train = [image for images in train_sets.values() for _, image in images]

    key = _pretrain_key(cfg, ctx)
    state = ContentCache(ctx.settings.cache_dir, "sr_pretrain").get_or_create(
        key, lambda: pretrain_generator(cfg, ctx, train)
    )
    generator = _generator(cfg).to(device)
    generator.load_state_dict(state)
    eval_key = {
        "checkpoint": key,
        "version": EVAL_VERSION,
        "tests": test_checksums,
        "labels": list(tests),
        "crop": cfg.test_crop,
        "images": cfg.test_images,
    }
    pre = ContentCache(ctx.settings.cache_dir, "sr_pretrain_eval").get_or_create(
        eval_key,
        lambda: evaluate_sr(generator, tests, device, cfg.test_crop)[0],
        save=lambda value, path: path.write_text(json.dumps(value)),
        load=lambda path: json.loads(path.read_text()),
    )

    discs: Discriminators = build(disc_problem(cfg, cfg.hr_crop)).to(device)
    perceptual = None
    if cfg.loss == "paper":
        perceptual = Vgg19Conv54.from_file(Path(cfg.vgg_weights).expanduser()).to(device)
    opt_g = torch.optim.Adam(generator.parameters(), lr=cfg.lr, betas=(0.9, 0.99))
    opt_d = (
        torch.optim.Adam(discs.parameters(), lr=cfg.d_lr, betas=(0.9, 0.99)) if len(discs) else None
    )
    milestones = list(cfg.lr_milestones or [])
    schedulers = [torch.optim.lr_scheduler.MultiStepLR(opt_g, milestones, gamma=0.5)]
    if opt_d is not None:
        schedulers.append(torch.optim.lr_scheduler.MultiStepLR(opt_d, milestones, gamma=0.5))
    ema = Ema(generator, cfg.ema_decay) if cfg.ema_decay else None
    data_gen = torch.Generator().manual_seed(ctx.seed)

    gan_seconds = 0.0
    for i in range(1, cfg.steps + 1):
        ctx.check_time()
        hr = random_patches(train, cfg.batch_size, cfg.hr_crop, data_gen).to(device)
        lr = bicubic_down(hr)
        start = time.perf_counter()
        with ctx.timer("train"), ctx.autocast():
            losses = adversarial_step(generator, discs, opt_g, opt_d, lr, hr, cfg, perceptual)
            for scheduler in schedulers:
                scheduler.step()
            if ema is not None:
                ema.update(generator)
        gan_seconds += time.perf_counter() - start
        if i % cfg.log_every == 0 or i == cfg.steps:
            ctx.check_finite(losses["loss_g"], "generator loss", i)
            if "loss_d" in losses:
                ctx.check_finite(losses["loss_d"], "discriminator loss", i)
            ctx.log_metrics(i, {f"train/{k}": v for k, v in losses.items()})

    with ctx.timer("eval"):
        metrics, per_image = evaluate_sr(
            ema.model if ema else generator, tests, device, cfg.test_crop
        )
    ctx.save_arrays(
        "per_image",
        sets=np.asarray([label for label, images in tests.items() for _ in images]),
        images=np.asarray([stem for images in tests.values() for stem, _ in images]),
        **per_image,
    )
    return {
        **metrics,
        "pretrain_haarpsi": pre["haarpsi"],
        "pretrain_psnr_y": pre["psnr_y"],
        "pretrain_rmse_high": pre["rmse_high"],
        "steps_per_s": cfg.steps / gan_seconds if gan_seconds > 0 else float("nan"),
        "d_params": float(count_parameters(discs)),
        "g_params": float(count_parameters(generator)),
    }


# ------------------------------------------------------------------------------------------------
# sr_disc_probe
# ------------------------------------------------------------------------------------------------


def _patch_pool(
    ctx: RunContext, names: list[str], count: int, size: int, seed: int, what: str
) -> torch.Tensor:
    """``count`` random HR patches of the datasets ``names`` (uint8, cached by content)."""
    key = {
        "what": what,
        "version": CACHE_VERSION,
        "data": _checksums(ctx, names),
        "count": count,
        "size": size,
        "seed": seed,
    }

    def create() -> torch.Tensor:
        images = [image for images in load_sets(ctx, names).values() for _, image in images]
        generator = torch.Generator().manual_seed(seed)
        return quantize(random_patches(images, count, size, generator)).mul(255).to(torch.uint8)

    for name in names:
        ctx.data.require(name)
        ctx.record_data(name, ctx.data.checksum(name))
    return ContentCache(ctx.settings.cache_dir, "sr_probe_patches").get_or_create(key, create)


@torch.no_grad()
def detection_logits(
    discs: Discriminators,
    patches: torch.Tensor,
    band: tuple[float, float],
    gain: float,
    device: torch.device,
    chunk: int = 256,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The ensemble's logits on every patch and on its band-attenuated twin, ``(N,)`` each."""
    was_training = discs.training
    discs.eval()
    real_logits, fake_logits = [], []
    for start in range(0, patches.shape[0], chunk):
        real = patches[start : start + chunk].to(device).float() / 255.0
        real_logits.append(discs.combined(real).float().cpu())
        fake_logits.append(discs.combined(attenuate_band(real, band, gain)).float().cpu())
    discs.train(was_training)
    return torch.cat(real_logits), torch.cat(fake_logits)


def detection_accuracy(
    discs: Discriminators,
    patches: torch.Tensor,
    band: tuple[float, float],
    gain: float,
    device: torch.device,
) -> float:
    """Balanced accuracy of ``logit > 0 ⇔ real`` on every patch and its band-attenuated twin."""
    real, fake = detection_logits(discs, patches, band, gain, device)
    return accuracy_of(real, fake)


def accuracy_of(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> float:
    """Balanced accuracy of ``logit > 0 ⇔ real`` (a logit of exactly 0 counts as fake)."""
    correct = int((real_logits > 0).sum()) + int((fake_logits <= 0).sum())
    return correct / (real_logits.numel() + fake_logits.numel())


def _fit_probe(
    ctx: RunContext,
    cfg: SrProbeConfig,
    discs: Discriminators,
    train: torch.Tensor,
    val: torch.Tensor,
    band: tuple[float, float],
    seed: int,
) -> Any:
    """Train every member with its own BCE loss on real (1) / attenuated (0) twins; keep the
    weights with the best validation accuracy of the ensemble (``harness.train.fit``)."""
    device = ctx.device
    optimizer = torch.optim.Adam(discs.parameters(), lr=cfg.d_lr, betas=(0.9, 0.99))
    data_gen = torch.Generator().manual_seed(seed)
    half = max(1, cfg.batch_size // 2)
    labels = torch.cat([torch.ones(half), torch.zeros(half)]).to(device)

    def step(_: int) -> torch.Tensor:
        index = torch.randint(train.shape[0], (half,), generator=data_gen)
        real = train[index].to(device).float() / 255.0
        batch = torch.cat([real, attenuate_band(real, band, cfg.gain)])
        with ctx.autocast():
            logits = discs(batch)
        loss = sum(F.binary_cross_entropy_with_logits(v.float(), labels) for v in logits.values())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss.detach()

    def evaluate() -> dict[str, float]:
        return {"val_acc": detection_accuracy(discs, val, band, cfg.gain, device)}

    return fit(
        ctx,
        discs,
        step,
        evaluate,
        steps=cfg.steps,
        eval_every=cfg.eval_every,
        select="val_acc",
        goal="max",
    )


def probe_bands(cfg: SrProbeConfig) -> dict[str, tuple[float, float]]:
    """The radial bands the probe attenuates: low ``[0, low_cut)``, mid ``[low_cut, high_cut)``
    (with ``mid_band``, when ``low_cut < high_cut``) and high ``[high_cut, 1]``."""
    bands = {"low": (0.0, cfg.low_cut)}
    if cfg.mid_band and cfg.low_cut < cfg.high_cut:
        bands["mid"] = (cfg.low_cut, cfg.high_cut)
    bands["high"] = (cfg.high_cut, 1.0)
    return bands


def run_disc_probe(
    cfg: SrProbeConfig, ctx: RunContext, build: Callable[[Any], Any]
) -> dict[str, float]:
    """For each radial band (:func:`probe_bands`): train the method's discriminators (BCE, real =
    1) on training patches and their band-attenuated twins, keep the weights with the best
    accuracy on validation patches held back from the training pool, report accuracy on held-out
    test patches (other images). The test logits of every band are saved with the record."""
    device = ctx.device
    size = cfg.image_size
    train = _patch_pool(ctx, list(cfg.train_sets), cfg.train_patches, size, ctx.seed, "train")
    n_val = max(2, cfg.train_patches // 8)
    train, val = train[n_val:], train[:n_val]
    test = _patch_pool(ctx, list(cfg.test_sets), cfg.test_patches, size, 0, "test")
    bands = probe_bands(cfg)
    metrics: dict[str, float] = {}
    arrays: dict[str, Any] = {"bands": np.asarray(list(bands.values())), "names": list(bands)}
    steps_total, seconds_total = 0, 0.0
    for index, (band_name, band) in enumerate(bands.items()):
        discs: Discriminators = build(disc_problem(cfg, size)).to(device)
        metrics["d_params"] = float(count_parameters(discs))
        if len(discs):
            before = ctx.seconds["train"]
            result = _fit_probe(ctx, cfg, discs, train, val, band, ctx.seed * 7919 + 3 + index)
            steps_total += cfg.steps
            seconds_total += ctx.seconds["train"] - before
            metrics[f"val_acc_{band_name}"] = result.metrics["val_acc"]
            metrics[f"best_step_{band_name}"] = float(result.best_step)
        with ctx.timer("eval"):
            real, fake = detection_logits(discs, test, band, cfg.gain, device)
        metrics[f"acc_{band_name}"] = accuracy_of(real, fake)
        arrays[f"real_logits_{band_name}"] = real
        arrays[f"fake_logits_{band_name}"] = fake
    ctx.save_arrays("probe_logits", **arrays)
    metrics["acc_mean"] = float(np.mean([metrics[f"acc_{name}"] for name in bands]))
    metrics["steps_per_s"] = steps_total / seconds_total if seconds_total > 0 else 0.0
    return metrics
