"""The ``t1`` method: builds a :class:`T1` for a ``pde_model`` problem."""

from __future__ import annotations

from typing import Any

from torch import nn

from spectral_harness_t1 import T1Config
from spectral_harness_t1.network import T1


def build_t1(cfg: T1Config, problem: Any) -> nn.Module:
    """T1 on the problem's training grid (the slot's ``PdeProblem``: channels, grid, width,
    modes); width and modes default to the task's, so T1 and FNO compare at equal size."""
    return T1(
        problem.in_channels,
        problem.out_channels,
        cfg.width or problem.width,
        cfg.modes or problem.modes,
        tuple(problem.grid),
        layers=cfg.layers,
        init=cfg.init,
        activation=cfg.activation,
        residual=cfg.residual,
    )
