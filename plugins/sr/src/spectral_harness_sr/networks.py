"""Networks of the SR family: the ESRGAN generator and the discriminators (written from the
papers' descriptions).

* :class:`RRDBNet` — ESRGAN (Wang et al. 2018): residual-in-residual dense blocks, residual
  scaling 0.2, two nearest ×2 upsampling stages.
* :class:`PatchTransformer` — a hierarchical patch Transformer with global attention inside each
  stage and 2×2 patch merging between stages. At the paper's sizes (128² input, patch 32, Swin
  window 4) Swin's windows cover the whole 4×4 token grid, so its attention is global too; we use
  learned absolute position embeddings instead of Swin's relative position bias.
* :class:`ReducedSpectrumMLP` — the older spectral discriminator: azimuthal average of the whole
  image's log power spectrum, min–max normalised per sample, then an MLP.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from spectral_harness_sr.spectrum import patch_power_spectrum, reduced_spectrum


class DenseBlock(nn.Module):
    """Five 3×3 convolutions with dense connections; output scaled by 0.2 and added."""

    def __init__(self, features: int, growth: int) -> None:
        super().__init__()
        self.convs = nn.ModuleList(
            nn.Conv2d(features + i * growth, growth if i < 4 else features, 3, padding=1)
            for i in range(5)
        )
        for conv in self.convs:  # ESRGAN scales the Kaiming init by 0.1
            nn.init.kaiming_normal_(conv.weight, a=0.0, mode="fan_in")
            conv.weight.data.mul_(0.1)
            nn.init.zeros_(conv.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = [x]
        for i, conv in enumerate(self.convs):
            out = conv(torch.cat(features, dim=1))
            if i < 4:
                features.append(F.leaky_relu(out, 0.2))
        return x + 0.2 * out


class RRDB(nn.Module):
    """Residual in residual dense block: three dense blocks, scaled residual."""

    def __init__(self, features: int, growth: int) -> None:
        super().__init__()
        self.blocks = nn.Sequential(*(DenseBlock(features, growth) for _ in range(3)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + 0.2 * self.blocks(x)


class RRDBNet(nn.Module):
    """ESRGAN generator for ×4 (two ×2 nearest-neighbour upsampling + conv stages)."""

    def __init__(self, blocks: int, features: int, growth: int, channels: int = 3) -> None:
        super().__init__()
        self.conv_first = nn.Conv2d(channels, features, 3, padding=1)
        self.body = nn.Sequential(*(RRDB(features, growth) for _ in range(blocks)))
        self.conv_body = nn.Conv2d(features, features, 3, padding=1)
        self.conv_up1 = nn.Conv2d(features, features, 3, padding=1)
        self.conv_up2 = nn.Conv2d(features, features, 3, padding=1)
        self.conv_hr = nn.Conv2d(features, features, 3, padding=1)
        self.conv_last = nn.Conv2d(features, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feat = self.conv_first(x)
        feat = feat + self.conv_body(self.body(feat))
        for conv in (self.conv_up1, self.conv_up2):
            feat = F.leaky_relu(conv(F.interpolate(feat, scale_factor=2, mode="nearest")), 0.2)
        return self.conv_last(F.leaky_relu(self.conv_hr(feat), 0.2))


class TransformerBlock(nn.Module):
    """Pre-norm multi-head self-attention + MLP, both residual."""

    def __init__(self, dim: int, heads: int, mlp_ratio: float) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.norm2 = nn.LayerNorm(dim)
        hidden = int(dim * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.norm1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.norm2(x))


class PatchTransformer(nn.Module):
    """Patch-token Transformer discriminator: ``(B, C, S, S)`` → one logit per image.

    Each ``patch × patch`` tile is linearly embedded as a token (a strided convolution), stages of
    Transformer blocks attend over all tokens, 2×2 patch merging halves the grid and doubles the
    width between stages, and the mean token gives the logit. ``spectral=True`` first replaces
    every tile by its normalised power spectrum (:func:`patch_power_spectrum`), so each token is
    one patch's spectrum — the paper's spectral discriminator.
    """

    def __init__(
        self,
        image_size: int,
        patch: int,
        embed_dim: int,
        depths: tuple[int, ...],
        heads: tuple[int, ...],
        mlp_ratio: float = 4.0,
        channels: int = 3,
        spectral: bool = False,
    ) -> None:
        super().__init__()
        if image_size % patch:
            raise ValueError(f"image size {image_size} is not a multiple of the patch {patch}")
        grid = image_size // patch
        if grid % 2 ** (len(depths) - 1):
            raise ValueError(f"a {grid}x{grid} token grid cannot be merged {len(depths) - 1} times")
        self.patch, self.spectral, self.image_size = patch, spectral, image_size
        self.embed = nn.Conv2d(channels, embed_dim, patch, stride=patch)
        self.pos = nn.Parameter(torch.zeros(1, grid * grid, embed_dim))
        nn.init.trunc_normal_(self.pos, std=0.02)
        self.stages = nn.ModuleList()
        self.merges = nn.ModuleList()
        dim = embed_dim
        for i, (depth, head) in enumerate(zip(depths, heads, strict=True)):
            self.stages.append(
                nn.Sequential(*(TransformerBlock(dim, head, mlp_ratio) for _ in range(depth)))
            )
            if i < len(depths) - 1:
                self.merges.append(
                    nn.Sequential(nn.LayerNorm(4 * dim), nn.Linear(4 * dim, 2 * dim))
                )
                dim *= 2
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != self.image_size or x.shape[-2] != self.image_size:
            raise ValueError(f"discriminator expects {self.image_size}² inputs, got {x.shape}")
        if self.spectral:
            x = patch_power_spectrum(x, self.patch)
        tokens = self.embed(x)  # (B, D, g, g)
        b, d, g, _ = tokens.shape
        tokens = tokens.flatten(2).transpose(1, 2) + self.pos
        for i, stage in enumerate(self.stages):
            tokens = stage(tokens)
            if i < len(self.merges):
                grid = tokens.reshape(b, g, g, d)
                merged = torch.cat(
                    [
                        grid[:, 0::2, 0::2],
                        grid[:, 1::2, 0::2],
                        grid[:, 0::2, 1::2],
                        grid[:, 1::2, 1::2],
                    ],
                    dim=-1,
                )
                g //= 2
                tokens = self.merges[i](merged.reshape(b, g * g, 4 * d))
                d *= 2
        return self.head(self.norm(tokens).mean(dim=1)).squeeze(-1)


class ReducedSpectrumMLP(nn.Module):
    """The older spectral discriminator: 1-D reduced (azimuthally averaged) log power spectrum of
    the whole image, min–max normalised per sample, classified by an MLP."""

    def __init__(self, bins: int, hidden: int) -> None:
        super().__init__()
        self.bins = bins
        self.mlp = nn.Sequential(
            nn.Linear(bins, hidden),
            nn.LeakyReLU(0.2),
            nn.Linear(hidden, hidden),
            nn.LeakyReLU(0.2),
            nn.Linear(hidden, 1),
        )

    def features(self, x: torch.Tensor) -> torch.Tensor:
        profile = reduced_spectrum(x, self.bins)
        low = profile.amin(dim=1, keepdim=True)
        high = profile.amax(dim=1, keepdim=True)
        return (profile - low) / (high - low + 1e-5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mlp(self.features(x)).squeeze(-1)
