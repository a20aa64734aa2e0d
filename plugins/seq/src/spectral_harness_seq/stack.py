"""A deep diagonal SSM for classification: a stack of :class:`~.ssm.DiagonalSSM` layers.

    h = W_in u;   h ← h + GELU(SSM_l(LayerNorm(h)))   (l = 1..layers);   y = W_out LayerNorm(h)

Every step's output is a class-score vector; the task averages them over time (mean pooling
followed by a linear head is the same map). Causal, like each layer.

The HiPPO-based inits (``s4d_legs``, ``ptd``) use **one step Δ per layer**, shared by all modes,
drawn log-uniform in ``[dt_min, dt_max]``: ``exp(Δ Ã) = Ṽ exp(Δ Λ̃) Ṽ⁻¹``, so the PTD layer starts
as the discretised perturbed HiPPO-LegS system, whose impulse response is ε-close to HiPPO's.
The :class:`DiagonalSSM` constructor draws Δ per mode (as S5 does); for the normal part (unitary
V) that is harmless, but PTD's eigenvectors are ill-conditioned (κ ≈ 1e5 with random
perturbations), and per-mode steps break the cancellation between the large terms of Ṽ⁻¹B and
CṼ: the PTD layer then starts with an impulse response ~500× larger than HiPPO's (and than
S4D-LegS's). ``tests/test_seq_digits.py`` checks the shared-Δ layer against the dense
discretisation.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from spectral_harness_seq.hippo import diagonalise, hippo_legs, normal_part, ptd
from spectral_harness_seq.ssm import PTD_TRIALS, DiagonalSSM

STACK_INITS = ("lru", "s4d_lin", "s4d_legs", "ptd")


def hippo_layer(
    width: int,
    state_dim: int,
    init: str,
    dt: float,
    ptd_epsilon: float,
    rng: np.random.Generator,
) -> DiagonalSSM:
    """A ``width → width`` diagonal SSM initialised from HiPPO-LegS's normal part
    (``s4d_legs``) or its PTD diagonalisation (``ptd``), discretised with one step ``dt``."""
    if init == "s4d_legs":
        diagonal = diagonalise(normal_part(state_dim))
    elif init == "ptd":
        diagonal = ptd(hippo_legs(state_dim)[0], ptd_epsilon, PTD_TRIALS, rng)
    else:
        raise ValueError(f"hippo_layer needs init s4d_legs or ptd, not {init!r}")
    layer = DiagonalSSM(width, width, state_dim, init="lru")
    rate, angle = layer._project(diagonal, np.full(state_dim, dt))
    with torch.no_grad():
        layer.log_rate.copy_(torch.log(rate))
        layer.angle.copy_(angle)
    return layer


class SsmStack(nn.Module):
    """(B, L, d_in) → (B, L, d_out) through ``layers`` residual diagonal-SSM blocks of ``width``."""

    def __init__(
        self,
        d_in: int,
        d_out: int,
        width: int = 32,
        state_dim: int = 64,
        layers: int = 2,
        init: str = "lru",
        dt_min: float = 1e-2,
        dt_max: float = 1e-1,
        ptd_epsilon: float = 1e-2,
    ) -> None:
        super().__init__()
        if init not in STACK_INITS:
            raise ValueError(f"unknown init {init!r}; choose one of {STACK_INITS}")
        self.encoder = nn.Linear(d_in, width)
        self.norms = nn.ModuleList(nn.LayerNorm(width) for _ in range(layers))
        rng = np.random.default_rng(int(torch.randint(2**62, ())))
        blocks = []
        for _ in range(layers):
            if init in ("s4d_legs", "ptd"):
                dt = math.exp(rng.uniform(math.log(dt_min), math.log(dt_max)))
                blocks.append(hippo_layer(width, state_dim, init, dt, ptd_epsilon, rng))
            else:
                blocks.append(DiagonalSSM(width, width, state_dim, init=init))
        self.blocks = nn.ModuleList(blocks)
        self.final_norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, d_out)

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        """Per-step outputs (B, L, d_out)."""
        h = self.encoder(u)
        for norm, block in zip(self.norms, self.blocks, strict=True):
            h = h + nn.functional.gelu(block(norm(h)))
        return self.head(self.final_norm(h))
