"""The ``pde_model`` networks: LSM (Wu et al. 2023), FNO (Li et al. 2021) and a U-Net.

All map a (B, C_in, H, W) field (grid coordinates already appended by the task) to a
(B, C_out, H, W) field, at any H, W: shape constraints are met by padding on the right and
bottom inside the model and cropping afterwards, so no caller has to pick divisible sizes.
Written from the papers' equations and the research notes (§F1), not from the reference code.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

# ------------------------------------------------------------------------------------------------
# U-Net backbone (shared by LSM and the U-Net baseline)
# ------------------------------------------------------------------------------------------------


class DoubleConv(nn.Module):
    """(3×3 conv → BatchNorm → ReLU) × 2."""

    def __init__(self, cin: int, cout: int, mid: int | None = None) -> None:
        super().__init__()
        mid = mid or cout
        self.body = nn.Sequential(
            nn.Conv2d(cin, mid, 3, padding=1, bias=False),
            nn.BatchNorm2d(mid),
            nn.ReLU(inplace=True),
            nn.Conv2d(mid, cout, 3, padding=1, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class Down(nn.Module):
    """2×2 max-pool then :class:`DoubleConv`."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.conv = DoubleConv(cin, cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.max_pool2d(x, 2))


class Up(nn.Module):
    """Bilinear ×2 upsampling, concatenation with the skip feature, :class:`DoubleConv`."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.conv = DoubleConv(cin, cout, cin // 2)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(x, size=skip.shape[-2:], mode="bilinear", align_corners=True)
        return self.conv(torch.cat([skip, x], dim=1))


def _pad_to_multiple(x: torch.Tensor, multiple: tuple[int, int]) -> torch.Tensor:
    h, w = x.shape[-2:]
    ph = -h % multiple[0]
    pw = -w % multiple[1]
    return F.pad(x, (0, pw, 0, ph)) if ph or pw else x


class HierarchicalNet(nn.Module):
    """LSM's hierarchical projection network: lift → 5-scale U-Net whose skip features pass
    through ``skip_blocks`` (Neural Spectral Blocks for LSM, identities for the U-Net) →
    1×1 conv → crop → two-layer pointwise head.

    Inputs are zero-padded on the right and bottom so that H and W are divisible by
    16 × ``patch`` (the patch must tile the feature map at every one of the five scales).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        width: int,
        patch: tuple[int, int],
        skip_blocks: list[nn.Module] | None = None,
    ) -> None:
        super().__init__()
        self.patch = patch
        self.lift = nn.Linear(in_channels, width)
        self.inc = DoubleConv(width, width)
        self.down1 = Down(width, 2 * width)
        self.down2 = Down(2 * width, 4 * width)
        self.down3 = Down(4 * width, 8 * width)
        self.down4 = Down(8 * width, 8 * width)
        self.up1 = Up(16 * width, 4 * width)
        self.up2 = Up(8 * width, 2 * width)
        self.up3 = Up(4 * width, width)
        self.up4 = Up(2 * width, width)
        self.outc = nn.Conv2d(width, width, 1)
        self.skips = nn.ModuleList(skip_blocks or [nn.Identity() for _ in range(5)])
        self.head = nn.Sequential(nn.Linear(width, 128), nn.GELU(), nn.Linear(128, out_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        x = self.lift(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        x = _pad_to_multiple(x, (16 * self.patch[0], 16 * self.patch[1]))
        x1 = self.inc(x)
        x2 = self.down1(x1)
        x3 = self.down2(x2)
        x4 = self.down3(x3)
        x5 = self.down4(x4)
        s1, s2, s3, s4, s5 = self.skips
        y = self.up1(s5(x5), s4(x4))
        y = self.up2(y, s3(x3))
        y = self.up3(y, s2(x2))
        y = self.up4(y, s1(x1))
        y = self.outc(y)[..., :h, :w]
        return self.head(y.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


# ------------------------------------------------------------------------------------------------
# LSM: Neural Spectral Block
# ------------------------------------------------------------------------------------------------


class NeuralSpectralBlock(nn.Module):
    """Patchify → attend onto ``tokens`` learned latent tokens → learned truncated sin/cos series
    on the latent token values (per channel, K = ``basis`` terms) → attend back to the pixels.

    Encoder: T = softmax(Q Kᵀ) V + Q with K, V from a 1×1 conv of the patch pixels and Q a learned
    (heads, tokens, C/heads) query; no 1/√d scaling (as in the paper's block).
    Spectral transition: T ← Σ_j [a_cj sin(π j T / K) + b_cj cos(π j T / K)] + T, j = 0…K−1.
    Decoder: pixel queries (1×1 conv) attend to the tokens (softmax over tokens) + residual.
    """

    def __init__(
        self, channels: int, patch: tuple[int, int], basis: int, tokens: int, heads: int = 8
    ) -> None:
        super().__init__()
        if channels % heads:
            raise ValueError(f"NSB channels ({channels}) must be divisible by heads ({heads})")
        self.channels, self.patch, self.heads = channels, patch, heads
        self.latent = nn.Parameter(torch.rand(heads, tokens, channels // heads) / channels)
        self.to_kv = nn.Conv2d(channels, 2 * channels, 1)
        self.to_q = nn.Conv2d(channels, channels, 1)
        self.series = nn.Parameter(torch.rand(channels, 2 * basis) / channels)
        self.register_buffer(
            "frequencies", math.pi * torch.arange(basis, dtype=torch.float32) / basis
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        ph, pw = self.patch
        nh, nw = h // ph, w // pw
        heads, d = self.heads, c // self.heads
        patches = x.reshape(b, c, nh, ph, nw, pw).permute(0, 2, 4, 1, 3, 5).reshape(-1, c, ph, pw)
        n = patches.shape[0]
        # encoder attention: latent queries over the patch's pixels
        kv = self.to_kv(patches).reshape(n, 2, heads, d, ph * pw)
        keys, values = kv[:, 0].transpose(-1, -2), kv[:, 1].transpose(-1, -2)  # (n, H, L, d)
        attn = torch.softmax(torch.einsum("htd,nhld->nhtl", self.latent, keys), dim=-1)
        tokens = torch.einsum("nhtl,nhld->nhtd", attn, values) + self.latent  # (n, H, k, d)
        tokens = tokens.permute(0, 1, 3, 2).reshape(n, c, -1)  # (n, C, k)
        # spectral transition: a learned truncated trigonometric series per channel
        arg = tokens[..., None] * self.frequencies  # (n, C, k, K)
        basis = torch.cat([torch.sin(arg), torch.cos(arg)], dim=-1)  # (n, C, k, 2K)
        tokens = torch.einsum("nckj,cj->nck", basis, self.series) + tokens
        tokens = tokens.reshape(n, heads, d, -1).permute(0, 1, 3, 2)  # (n, H, k, d)
        # decoder attention: pixels query the latent tokens
        q = self.to_q(patches).reshape(n, heads, d, ph * pw).transpose(-1, -2)  # (n, H, L, d)
        attn = torch.softmax(torch.einsum("nhld,nhtd->nhlt", q, tokens), dim=-1)
        out = torch.einsum("nhlt,nhtd->nhld", attn, tokens)
        out = out.transpose(-1, -2).reshape(n, c, ph, pw) + patches
        return out.reshape(b, nh, nw, c, ph, pw).permute(0, 3, 1, 4, 2, 5).reshape(b, c, h, w)


def lsm(
    in_channels: int,
    out_channels: int,
    width: int,
    patch: tuple[int, int],
    basis: int = 12,
    tokens: int = 4,
) -> HierarchicalNet:
    """LSM-2D: the hierarchical net with a Neural Spectral Block on each of its five skips."""
    widths = (width, 2 * width, 4 * width, 8 * width, 8 * width)
    blocks: list[nn.Module] = [NeuralSpectralBlock(c, patch, basis, tokens) for c in widths]
    return HierarchicalNet(in_channels, out_channels, width, patch, blocks)


def unet(in_channels: int, out_channels: int, width: int) -> HierarchicalNet:
    """The same five-scale U-Net without spectral blocks (padding only to a multiple of 16)."""
    return HierarchicalNet(in_channels, out_channels, width, (1, 1))


def auto_patch(height: int, width: int) -> tuple[int, int]:
    """Patch size that makes the coarsest of the five scales one patch: ⌈n/16⌉ per axis
    (the reference configs: 85 → 6, 64 → 4)."""
    return max(1, math.ceil(height / 16)), max(1, math.ceil(width / 16))


# ------------------------------------------------------------------------------------------------
# FNO
# ------------------------------------------------------------------------------------------------


class SpectralConv2d(nn.Module):
    """Fourier layer: rfft2 → multiply the lowest ``modes`` (both signs along H) by learned
    complex matrices → irfft2. Modes beyond the grid's are skipped, so any resolution works."""

    def __init__(self, cin: int, cout: int, modes1: int, modes2: int) -> None:
        super().__init__()
        self.modes1, self.modes2 = modes1, modes2
        scale = 1.0 / (cin * cout)
        self.weight_pos = nn.Parameter(scale * torch.rand(cin, cout, modes1, modes2, 2))
        self.weight_neg = nn.Parameter(scale * torch.rand(cin, cout, modes1, modes2, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, _, h, w = x.shape
        x_hat = torch.fft.rfft2(x.float())
        m1 = min(self.modes1, h // 2)
        m2 = min(self.modes2, w // 2 + 1)
        cout = self.weight_pos.shape[1]
        out = torch.zeros(b, cout, h, w // 2 + 1, dtype=torch.cfloat, device=x.device)
        wp = torch.view_as_complex(self.weight_pos[:, :, :m1, :m2].contiguous())
        wn = torch.view_as_complex(self.weight_neg[:, :, :m1, :m2].contiguous())
        out[:, :, :m1, :m2] = torch.einsum("bixy,ioxy->boxy", x_hat[:, :, :m1, :m2], wp)
        out[:, :, h - m1 :, :m2] = torch.einsum("bixy,ioxy->boxy", x_hat[:, :, h - m1 :, :m2], wn)
        return torch.fft.irfft2(out, s=(h, w))


class FNO2d(nn.Module):
    """Lift (pointwise) → ``layers`` × [spectral conv + 1×1 conv, GELU] → pointwise head.

    Non-periodic axes are zero-padded by ``padding`` points (right/bottom) and cropped, as FNO
    does for Darcy; periodic axes are left alone.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        width: int,
        modes: tuple[int, int],
        layers: int = 4,
        padding: tuple[int, int] = (0, 0),
    ) -> None:
        super().__init__()
        self.padding = padding
        self.lift = nn.Linear(in_channels, width)
        self.spectral = nn.ModuleList(
            SpectralConv2d(width, width, modes[0], modes[1]) for _ in range(layers)
        )
        self.pointwise = nn.ModuleList(nn.Conv2d(width, width, 1) for _ in range(layers))
        self.head = nn.Sequential(nn.Linear(width, 128), nn.GELU(), nn.Linear(128, out_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        x = self.lift(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        if any(self.padding):
            x = F.pad(x, (0, self.padding[1], 0, self.padding[0]))
        last = len(self.spectral) - 1
        for i, (spec, point) in enumerate(zip(self.spectral, self.pointwise, strict=True)):
            x = spec(x) + point(x)
            if i < last:
                x = F.gelu(x)
        x = x[..., :h, :w]
        return self.head(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
