"""The ``pde_model`` methods: each builds a field-to-field network for a :class:`PdeProblem`."""

from __future__ import annotations

import math

from torch import nn

from spectral_harness_pde import FnoConfig, LsmConfig, UNetConfig
from spectral_harness_pde.contract import PdeProblem
from spectral_harness_pde.networks import FNO2d, auto_patch, lsm, unet


def build_lsm(cfg: LsmConfig, problem: PdeProblem) -> nn.Module:
    """LSM-2D with 8 heads, ``tokens`` latent tokens and ``basis`` sin/cos terms."""
    width = cfg.width or problem.width
    patch = (cfg.patch, cfg.patch) if cfg.patch > 0 else auto_patch(*problem.grid)
    return lsm(
        problem.in_channels,
        problem.out_channels,
        width,
        patch,
        basis=cfg.basis or problem.modes,
        tokens=cfg.tokens,
    )


def build_fno(cfg: FnoConfig, problem: PdeProblem) -> nn.Module:
    """FNO-2D; non-periodic axes padded (default ⌈n/8⌉ + 1 points: 9 for FNO's 64-ish grids)."""
    padding = tuple(
        0 if periodic else (cfg.padding if cfg.padding >= 0 else math.ceil(n / 8) + 1)
        for n, periodic in zip(problem.grid, problem.periodic, strict=True)
    )
    modes = cfg.modes or problem.modes
    return FNO2d(
        problem.in_channels,
        problem.out_channels,
        cfg.width or problem.width,
        (modes, modes),
        layers=cfg.layers,
        padding=padding,  # type: ignore[arg-type]
    )


def build_unet(cfg: UNetConfig, problem: PdeProblem) -> nn.Module:
    """The five-scale U-Net of LSM without its spectral blocks."""
    return unet(problem.in_channels, problem.out_channels, cfg.width or problem.width)
