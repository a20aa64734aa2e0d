"""The periodic-generation task: a conditional VAE whose decoder is the slot's component.

The task owns the encoder (an MLP over the masked signal, its mask and the condition → mean and
log-variance of ``latent_dim`` latents), identical for every decoder, so the board compares
decoders only. The condition is one-hot (family) ⊕ one-hot (cycles per window); the code the
decoder reads is latent ⊕ condition. Training: loss = MSE(decoded, noisy observation) +
``kl_weight`` · KL(q(z|x, c) ‖ N(0, I)) / length (+ the decoder's ``penalty()``), the encoder
seeing each step with probability U[``min_keep``, 1] per signal, the trainer's optimizer on
random minibatches through the host's ``fit`` (gradients clipped to norm 1); the model with
the best validation loss is restored. Test metrics (clean targets, z = posterior mean):
reconstruction and its amplitude spectrum, imputation of hidden steps, extrapolation over
[L, 2L); conditional generation from z ~ N(0, I) against each condition's known expected
spectrum.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from harness import RunContext, count_parameters, fit, make_optimizer
from spectral_harness_seq.fourier_decoder import mlp
from spectral_harness_seq.generator_contract import GenProblem
from spectral_harness_seq.periodic import FAMILIES, PeriodicData, periodic_data, periodic_signals
from spectral_harness_seq.periodic_config import PeriodicGenConfig

ENCODER_WIDTH = 128
EVAL_BATCH = 256
# log-variances clamped to [−LOGVAR_BOUND, LOGVAR_BOUND] and gradients clipped to norm
# GRAD_CLIP: one decoder diverged to NaN without them (the MLP decoder, 1 seed of 3)
LOGVAR_BOUND = 10.0
GRAD_CLIP = 1.0
Build = Callable[[Any], Any]


class Cvae(nn.Module):
    """The task's encoder and the method's decoder."""

    def __init__(self, length: int, cond_dim: int, latent_dim: int, decoder: nn.Module) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.encoder = mlp([2 * length + cond_dim, ENCODER_WIDTH, ENCODER_WIDTH, 2 * latent_dim])
        self.decoder = decoder

    def encode(
        self, signal: torch.Tensor, mask: torch.Tensor, cond: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Posterior mean and log-variance (B, latent_dim) from the visible steps."""
        out = self.encoder(torch.cat([signal * mask, mask, cond], dim=1))
        logvar = out[:, self.latent_dim :].clamp(-LOGVAR_BOUND, LOGVAR_BOUND)
        return out[:, : self.latent_dim], logvar

    def decode(self, z: torch.Tensor, cond: torch.Tensor, steps: int) -> torch.Tensor:
        """Signals (B, steps) for latents z and conditions."""
        return self.decoder(torch.cat([z, cond], dim=1), steps)

    def penalty(self) -> torch.Tensor | float:
        """The decoder's own regulariser, if it has one."""
        return self.decoder.penalty() if hasattr(self.decoder, "penalty") else 0.0


def conditions(data: PeriodicData, split: str) -> np.ndarray:
    """One-hot family ⊕ one-hot cycle count (count, families + cycle counts), float32."""
    part = data.splits[split]
    n_cycles = len(data.cycles)
    cond = np.zeros((len(part.family), len(FAMILIES) + n_cycles), dtype=np.float32)
    cond[np.arange(len(part.family)), part.family] = 1
    cond[np.arange(len(part.family)), len(FAMILIES) + part.cycle_index] = 1
    return cond


def amplitude(signals: torch.Tensor) -> torch.Tensor:
    """|rfft| / length along the last axis."""
    return torch.fft.rfft(signals, dim=-1).abs() / signals.shape[-1]


def kl_to_prior(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) ‖ N(0, I)) per signal, summed over latents (B,)."""
    return 0.5 * (mu**2 + logvar.exp() - 1 - logvar).sum(dim=1)


def run_periodic_gen(cfg: PeriodicGenConfig, ctx: RunContext, build: Build) -> dict[str, float]:
    """Train the CVAE with the slot's decoder; report spectral errors, MSEs and costs."""
    length = cfg.length
    cycles = tuple(range(1, cfg.max_cycles + 1))
    data = periodic_data(
        {"train": cfg.n_train, "val": cfg.n_val, "test": cfg.n_test},
        cycles=cycles,
        length=length,
        horizon=2 * length,
        max_harmonic=cfg.max_harmonic,
        amplitude=(cfg.amplitude_min, cfg.amplitude_max),
        noise=cfg.noise,
        seed=cfg.data_seed,
    )
    ctx.record_data("generated:periodic_gen", data.checksum)
    device = ctx.device

    def tensor(array: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(np.asarray(array, dtype=np.float32), device=device)

    splits = {
        split: {
            "noisy": tensor(part.noisy),
            "clean": tensor(part.clean),
            "cond": tensor(conditions(data, split)),
        }
        for split, part in data.splits.items()
    }
    cond_dim = splits["train"]["cond"].shape[1]
    problem = GenProblem(cfg.latent_dim + cond_dim, cfg.latent_dim, length, 2 * length)
    model = Cvae(length, cond_dim, cfg.latent_dim, build(problem)).to(device)
    optimizer = make_optimizer(ctx, model.parameters(), lr=cfg.lr)
    train = splits["train"]

    def batch_loss(rows: torch.Tensor, noise: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        observed = train["noisy"][rows, :length]
        cond = train["cond"][rows]
        mu, logvar = model.encode(observed, keep, cond)
        z = mu + (0.5 * logvar).exp() * noise
        mse = torch.mean((model.decode(z, cond, length) - observed) ** 2)
        kl = kl_to_prior(mu, logvar).mean()
        return mse + cfg.kl_weight * kl / length + model.penalty()

    def draw(rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        keep_p = cfg.min_keep + (1 - cfg.min_keep) * torch.rand(len(rows), 1, device=device)
        keep = (torch.rand(len(rows), length, device=device) < keep_p).float()
        return torch.randn(len(rows), cfg.latent_dim, device=device), keep

    def step(_: int) -> torch.Tensor:
        rows = torch.randint(cfg.n_train, (cfg.batch_size,), device=device)
        noise, keep = draw(rows)

        def closure() -> torch.Tensor:
            optimizer.zero_grad(set_to_none=True)
            loss = batch_loss(rows, noise, keep)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)
            return loss

        return optimizer.step(closure).detach()

    probe_rows = torch.arange(min(cfg.batch_size, cfg.n_train), device=device)
    probe_noise, probe_keep = draw(probe_rows)

    @torch.no_grad()
    def evaluate() -> dict[str, float]:
        was_training = model.training
        model.eval()
        val = splits["val"]
        observed = val["noisy"][:, :length]
        mu, logvar = model.encode(observed, torch.ones_like(observed), val["cond"])
        mse = float(torch.mean((model.decode(mu, val["cond"], length) - observed) ** 2))
        kl = float(kl_to_prior(mu, logvar).mean())
        model.train(was_training)
        return {"val_loss": mse + cfg.kl_weight * kl / length, "val_mse": mse}

    result = fit(
        ctx,
        model,
        step,
        evaluate,
        steps=cfg.steps,
        eval_every=cfg.eval_every,
        select="val_loss",
        goal="min",
        log_every=cfg.eval_every,
        probe_loss=lambda: batch_loss(probe_rows, probe_noise, probe_keep),
    )
    model.eval()
    with ctx.timer("eval"):
        scores = test_scores(model, splits["test"], cfg, ctx)
        scores.update(generation_scores(model, data, cfg, ctx))
    train_s = ctx.seconds["train"]
    return {
        **scores,
        "val_mse": result.metrics["val_mse"],
        "params": float(count_parameters(model)),
        "decoder_params": float(count_parameters(model.decoder)),
        "steps_per_s": cfg.steps / train_s if train_s > 0 else math.nan,
        "best_step": float(result.best_step),
    }


@torch.no_grad()
def test_scores(
    model: Cvae, test: dict[str, torch.Tensor], cfg: PeriodicGenConfig, ctx: RunContext
) -> dict[str, float]:
    """Reconstruction (MSE, amplitude-spectrum L1), extrapolation and imputation on the test
    split; saves the per-bin spectral error (``reconstruction_spectrum.npz``)."""
    length = cfg.length
    generator = torch.Generator().manual_seed(cfg.eval_seed)
    totals = {"recon": 0.0, "extrap": 0.0, "impute": 0.0, "hidden": 0.0}
    per_bin = torch.zeros(length // 2 + 1, device=ctx.device)
    count = test["noisy"].shape[0]
    for start in range(0, count, EVAL_BATCH):
        rows = slice(start, start + EVAL_BATCH)
        observed, clean, cond = (
            test["noisy"][rows, :length],
            test["clean"][rows],
            test["cond"][rows],
        )
        mu, _ = model.encode(observed, torch.ones_like(observed), cond)
        decoded = model.decode(mu, cond, 2 * length)
        totals["recon"] += float(((decoded[:, :length] - clean[:, :length]) ** 2).sum())
        totals["extrap"] += float(((decoded[:, length:] - clean[:, length:]) ** 2).sum())
        per_bin += (amplitude(decoded[:, :length]) - amplitude(clean[:, :length])).abs().sum(0)
        keep = (torch.rand(observed.shape, generator=generator) < cfg.impute_keep).float()
        keep = keep.to(ctx.device)
        mu, _ = model.encode(observed, keep, cond)
        hidden = 1 - keep
        imputed = model.decode(mu, cond, length)
        totals["impute"] += float((((imputed - clean[:, :length]) ** 2) * hidden).sum())
        totals["hidden"] += float(hidden.sum())
    per_bin /= count
    ctx.save_arrays("reconstruction_spectrum", abs_error_per_bin=per_bin.cpu().numpy())
    return {
        "recon_mse": totals["recon"] / (count * length),
        "extrap_mse": totals["extrap"] / (count * length),
        "impute_mse": totals["impute"] / totals["hidden"],
        "spectral_l1": float(per_bin.sum()),
    }


@torch.no_grad()
def generation_scores(
    model: Cvae, data: PeriodicData, cfg: PeriodicGenConfig, ctx: RunContext
) -> dict[str, float]:
    """Conditional generation from z ~ N(0, I): per condition (family, cycles), the L1 distance
    of the generated signals' mean amplitude spectrum to the known expected spectrum, averaged
    over conditions; the same for true signals drawn like them (the floor). Saves both spectra
    and the truth (``generation_spectrum.npz``, arrays (families, cycle counts, bins))."""
    length, samples = cfg.length, cfg.gen_samples
    generator = torch.Generator().manual_seed(cfg.eval_seed + 1)
    rng = np.random.default_rng(cfg.eval_seed + 2)
    shape = (len(FAMILIES), len(data.cycles), length // 2 + 1)
    generated, truth, floor = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    for f in range(len(FAMILIES)):
        for c, cycles in enumerate(data.cycles):
            cond = torch.zeros(samples, len(FAMILIES) + len(data.cycles), device=ctx.device)
            cond[:, f] = 1
            cond[:, len(FAMILIES) + c] = 1
            z = torch.randn(samples, cfg.latent_dim, generator=generator).to(ctx.device)
            signals = model.decode(z, cond, length)
            generated[f, c] = amplitude(signals).mean(0).double().cpu().numpy()
            truth[f, c] = data.expected_spectrum(f, c)
            reference = periodic_signals(
                np.full(samples, f),
                np.full(samples, cycles),
                rng.uniform(cfg.amplitude_min, cfg.amplitude_max, samples),
                rng.uniform(0, 2 * np.pi, samples),
                length=length,
                horizon=length,
                max_harmonic=cfg.max_harmonic,
            )
            floor[f, c] = (np.abs(np.fft.rfft(reference, axis=-1)) / length).mean(0)
    ctx.save_arrays("generation_spectrum", generated=generated, truth=truth, floor=floor)
    return {
        "gen_spectral_l1": float(np.abs(generated - truth).sum(-1).mean()),
        "gen_spectral_l1_floor": float(np.abs(floor - truth).sum(-1).mean()),
    }
