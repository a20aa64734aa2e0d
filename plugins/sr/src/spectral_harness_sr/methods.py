"""The ``sr_discriminator`` methods: each builds a :class:`Discriminators` set for a
:class:`DiscProblem`, plus the relativistic-average GAN losses the tasks train them with."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from spectral_harness_sr import (
    DualConfig,
    NoneConfig,
    ReducedSpectrumConfig,
    SpatialConfig,
    SpectralConfig,
)
from spectral_harness_sr.contract import DiscProblem
from spectral_harness_sr.networks import PatchTransformer, ReducedSpectrumMLP


class Discriminators(nn.Module):
    """Named discriminators and the weights (summing to 1) that split the GAN loss among them.

    Empty for ``none``: the generator is then trained with its pixel loss only.
    """

    def __init__(self, members: dict[str, nn.Module], weights: dict[str, float]) -> None:
        super().__init__()
        self.members = nn.ModuleDict(members)
        total = sum(weights.values())
        self.weights = {k: v / total for k, v in weights.items()} if total > 0 else {}

    def __len__(self) -> int:
        return len(self.members)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """One logit per image from every member."""
        return {name: d(x) for name, d in self.members.items()}

    def combined(self, x: torch.Tensor) -> torch.Tensor:
        """The weighted sum of the members' logits (the ensemble's decision); zeros if empty."""
        if not self.members:
            return torch.zeros(x.shape[0], device=x.device)
        return sum(self.weights[name] * logit for name, logit in self(x).items())


def _transformer(problem: DiscProblem, spectral: bool) -> PatchTransformer:
    return PatchTransformer(
        problem.image_size,
        problem.patch,
        problem.embed_dim,
        tuple(problem.depths),
        tuple(problem.heads),
        problem.mlp_ratio,
        problem.channels,
        spectral=spectral,
    )


def build_none(cfg: NoneConfig, problem: DiscProblem) -> Discriminators:
    """No discriminator: pixel loss only."""
    return Discriminators({}, {})


def build_spatial(cfg: SpatialConfig, problem: DiscProblem) -> Discriminators:
    """Patch Transformer on pixels (the paper's Swin spatial discriminator)."""
    return Discriminators({"spatial": _transformer(problem, spectral=False)}, {"spatial": 1.0})


def build_spectral(cfg: SpectralConfig, problem: DiscProblem) -> Discriminators:
    """Patch Transformer on per-patch normalised power spectra (the paper's spectral D)."""
    return Discriminators({"spectral": _transformer(problem, spectral=True)}, {"spectral": 1.0})


def build_reduced_spectrum(cfg: ReducedSpectrumConfig, problem: DiscProblem) -> Discriminators:
    """MLP on the azimuthally averaged spectrum of the whole image (SSD-GAN / Durall et al.)."""
    bins = cfg.bins or problem.spectrum_bins
    hidden = cfg.hidden or problem.mlp_hidden
    return Discriminators({"reduced": ReducedSpectrumMLP(bins, hidden)}, {"reduced": 1.0})


def build_dual(cfg: DualConfig, problem: DiscProblem) -> Discriminators:
    """Spatial + spectral Transformers, GAN loss split by their (normalised) weights."""
    return Discriminators(
        {
            "spatial": _transformer(problem, spectral=False),
            "spectral": _transformer(problem, spectral=True),
        },
        {"spatial": cfg.spatial_weight, "spectral": cfg.spectral_weight},
    )


def ragan_d_loss(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Relativistic average discriminator loss (BCE on logits), ``fake`` detached by the caller:
    ½[BCE(D(x_r) − E D(x_f), 1) + BCE(D(x_f) − E D(x_r), 0)]."""
    ones, zeros = torch.ones_like(real), torch.zeros_like(fake)
    return 0.5 * (
        F.binary_cross_entropy_with_logits(real - fake.mean(), ones)
        + F.binary_cross_entropy_with_logits(fake - real.mean(), zeros)
    )


def ragan_g_loss(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """The generator's mirror of :func:`ragan_d_loss`, ``real`` detached by the caller:
    ½[BCE(D(x_r) − E D(x_f), 0) + BCE(D(x_f) − E D(x_r), 1)]."""
    ones, zeros = torch.ones_like(fake), torch.zeros_like(real)
    return 0.5 * (
        F.binary_cross_entropy_with_logits(real - fake.mean(), zeros)
        + F.binary_cross_entropy_with_logits(fake - real.mean(), ones)
    )
