"""Transform Once (T1, Poli et al. NeurIPS 2022), written from the paper's equations.

    u = lift(x)                                   pointwise, in the grid domain
    z = DCT(u)[:m₁, :m₂] · √(N_train / N)        the one forward transform; first m modes only
    z ← z + W_sp ⋆ σ(W_ch ⋆ z)                    L blocks, all in the transform domain
    ẑ = head(z)                                   pointwise over channels, per mode
    y = IDCT(pad(ẑ) · √(N / N_train))            only to hand the slot a field (see loss below)

``W_ch ∈ ℝ^{w×w×m₁×m₂}`` mixes channels mode by mode; ``W_sp`` mixes modes, one
``ℝ^{mᵢ×mᵢ×w}`` matrix per axis and channel. On a grid of one row (H = 1) the transform along H
is the identity and the network is the 1-D T1. The √(N_train/N) factor is 1 on the training
grid; on another grid it matches the orthonormal coefficients' size (they grow as √N for a
fixed smooth field), so a trained T1 also runs zero-shot on finer grids.

Loss in the transform domain: the orthonormal DCT preserves the L2 norm (Parseval), so the
task's relative L2 on ``y`` equals the relative L2 between ``ẑ`` (zero beyond the kept modes)
and the target's DCT — :func:`transform_domain_relative_l2`, the paper's training loss. The
values and gradients agree (tested); the slot only costs the one inverse DCT of the output.

Initialisation (:func:`channel_std`): ``vp`` is the variance-preserving rule
σ² = N / (m · fan_in) where the m-of-N truncation happens (the first block) and σ² = 1/fan_in
after it, so the variance of the field the modes stand for is kept through depth; ``naive`` is
FNO's 1/(fan_in · fan_out) in every block. Mode mixing is Kaiming (σ² = 1/mᵢ) in both.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from spectral_harness_t1.dct import dctn, idctn

AXES = (-2, -1)
ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "gelu": F.gelu,
    "sin": torch.sin,
    "identity": lambda t: t,
}
INITS = ("vp", "naive")


def channel_std(init: str, width: int, grid_points: int, modes: int, first: bool) -> float:
    """Standard deviation of a block's channel-mixing weights.

    ``vp``: √(N / (m · w)) in the first block (its input lost all but m of N modes) and √(1/w)
    after (no further truncation); ``naive``: 1 / (w · w), FNO's scale, in every block.
    """
    if init == "vp":
        return math.sqrt(grid_points / (modes * width)) if first else math.sqrt(1.0 / width)
    if init == "naive":
        return 1.0 / (width * width)
    raise ValueError(f"init={init!r}; choose one of {', '.join(INITS)}")


class T1Block(nn.Module):
    """z ← z + W_sp ⋆ σ(W_ch ⋆ z) on the kept modes (no residual: z ← W_sp ⋆ σ(W_ch ⋆ z))."""

    def __init__(
        self,
        width: int,
        modes: tuple[int, int],
        channel_std: float,
        activation: str = "gelu",
        residual: bool = True,
    ) -> None:
        super().__init__()
        m1, m2 = modes
        self.channel = nn.Parameter(channel_std * torch.randn(width, width, m1, m2))
        self.mode_h = nn.Parameter(torch.randn(m1, m1, width) / math.sqrt(m1))
        self.mode_w = nn.Parameter(torch.randn(m2, m2, width) / math.sqrt(m2))
        self.activation = ACTIVATIONS[activation]
        self.residual = residual

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        k1, k2 = z.shape[-2:]
        u = torch.einsum("bixy,ioxy->boxy", z, self.channel[:, :, :k1, :k2])
        u = self.activation(u)
        u = torch.einsum("bcxy,xpc->bcpy", u, self.mode_h[:k1, :k1])
        u = torch.einsum("bcxy,yqc->bcxq", u, self.mode_w[:k2, :k2])
        return z + u if self.residual else u


class T1(nn.Module):
    """T1 on a 2-D grid (1-D when H = 1): lift → DCT, keep m modes → blocks → head → IDCT.

    ``grid`` is the training grid (H, W); ``modes`` is capped per axis at the grid's size.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        width: int,
        modes: int,
        grid: tuple[int, int],
        layers: int = 4,
        init: str = "vp",
        activation: str = "gelu",
        residual: bool = True,
        head_width: int = 128,
    ) -> None:
        super().__init__()
        self.grid = grid
        self.modes = (min(modes, grid[0]), min(modes, grid[1]))
        kept = self.modes[0] * self.modes[1]
        points = grid[0] * grid[1]
        self.lift = nn.Linear(in_channels, width)
        self.blocks = nn.ModuleList(
            T1Block(
                width,
                self.modes,
                channel_std(init, width, points, kept, first=i == 0),
                activation,
                residual,
            )
            for i in range(layers)
        )
        self.head_in = nn.Linear(width, head_width, bias=False)
        self.head_out = nn.Linear(head_width, out_channels, bias=False)
        self.activation = ACTIVATIONS[activation]

    def _rescale(self, shape: tuple[int, int]) -> float:
        return math.sqrt(self.grid[0] * self.grid[1] / (shape[0] * shape[1]))

    def transform(self, x: torch.Tensor) -> torch.Tensor:
        """Lift and transform once: the kept modes (B, width, k₁, k₂) of a (B, C, H, W) input."""
        h, w = x.shape[-2:]
        u = self.lift(x.movedim(1, -1)).movedim(-1, 1).float()
        k1, k2 = min(self.modes[0], h), min(self.modes[1], w)
        return dctn(u, AXES)[..., :k1, :k2] * self._rescale((h, w))

    def coefficients(self, x: torch.Tensor) -> torch.Tensor:
        """The prediction in the transform domain: (B, out_channels, k₁, k₂) kept modes of the
        output on ``x``'s grid (what the paper's loss compares with the target's DCT)."""
        z = self.transform(x)
        for block in self.blocks:
            z = block(z)
        z = z.movedim(1, -1)
        z = self.head_out(self.activation(self.head_in(z)))
        return z.movedim(-1, 1) / self._rescale(tuple(x.shape[-2:]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        z = self.coefficients(x)
        k1, k2 = z.shape[-2:]
        return idctn(F.pad(z, (0, w - k2, 0, h - k1)), AXES)


def transform_domain_relative_l2(coefficients: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Per-sample relative L2 in the transform domain: ‖ẑ − DCT(y)‖₂ / ‖DCT(y)‖₂ with ẑ the kept
    modes (B, C, k₁, k₂), zero beyond them, and ``target`` the grid-domain field (B, C, H, W)."""
    spectrum = dctn(target.float(), AXES)
    k1, k2 = coefficients.shape[-2:]
    kept = (coefficients - spectrum[..., :k1, :k2]).flatten(1).pow(2).sum(1)
    dropped = spectrum.flatten(1).pow(2).sum(1) - spectrum[..., :k1, :k2].flatten(1).pow(2).sum(1)
    return (kept + dropped.clamp(min=0)).sqrt() / spectrum.flatten(1).norm(dim=1).clamp(min=1e-12)
