"""Image I/O, bicubic degradation, patch sampling and the SR image-quality metrics."""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from skimage.metrics import structural_similarity
from torch.nn import functional as F

SCALE = 4
BORDER = 4


def dataset_images(data_dir: Path, files: list[str]) -> list[Path]:
    """The PNG files of a dataset (relative paths from its spec), sorted, as absolute paths."""
    return [data_dir / rel for rel in sorted(files) if rel.lower().endswith(".png")]


def load_rgb(path: Path) -> torch.Tensor:
    """``(3, H, W)`` float32 in [0, 1]; grey images are repeated over the three channels.

    Decoded images are memoised per process (cells of a sweep share them): treat as read-only.
    """
    stat = path.stat()
    return _decode(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _decode(path: str, size: int, mtime_ns: int) -> torch.Tensor:
    array = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32) / 255.0
    return torch.from_numpy(array).permute(2, 0, 1).contiguous()


def mod_crop(image: torch.Tensor, scale: int = SCALE) -> torch.Tensor:
    """Crop the bottom/right edges so both sides are multiples of ``scale`` (top-left kept)."""
    h, w = image.shape[-2:]
    return image[..., : h - h % scale, : w - w % scale]


def center_crop(image: torch.Tensor, size: int) -> torch.Tensor:
    """Centre ``size × size`` crop (the whole image if it is smaller)."""
    h, w = image.shape[-2:]
    top, left = max(0, (h - size) // 2), max(0, (w - size) // 2)
    return image[..., top : top + size, left : left + size]


def bicubic_down(hr: torch.Tensor, scale: int = SCALE) -> torch.Tensor:
    """Antialiased bicubic downscaling of ``(B, C, H, W)`` by ``scale`` (MATLAB ``imresize``-like),
    clamped to [0, 1]."""
    h, w = hr.shape[-2:]
    lr = F.interpolate(
        hr, size=(h // scale, w // scale), mode="bicubic", align_corners=False, antialias=True
    )
    return lr.clamp(0.0, 1.0)


def random_patches(
    images: list[torch.Tensor], count: int, size: int, generator: torch.Generator
) -> torch.Tensor:
    """``count`` random ``size × size`` crops with random flips / 90° rotations, ``(N, 3, S, S)``.

    Images smaller than ``size`` are skipped; the image of each crop is drawn uniformly.
    """
    usable = [im for im in images if min(im.shape[-2:]) >= size]
    if not usable:
        raise ValueError(f"no training image is at least {size} px on each side")
    picks = torch.randint(len(usable), (count,), generator=generator).tolist()
    out = torch.empty(count, usable[0].shape[0], size, size)
    for i, k in enumerate(picks):
        image = usable[k]
        h, w = image.shape[-2:]
        top = int(torch.randint(h - size + 1, (1,), generator=generator))
        left = int(torch.randint(w - size + 1, (1,), generator=generator))
        patch = image[:, top : top + size, left : left + size]
        flip, rot = torch.randint(2, (2,), generator=generator).tolist()
        if flip:
            patch = patch.flip(-1)
        if rot:
            patch = patch.transpose(-2, -1)
        out[i] = patch
    return out


def quantize(x: torch.Tensor) -> torch.Tensor:
    """Round [0, 1] images to 8-bit levels (as saved PNGs), still in [0, 1]."""
    return torch.round(x.clamp(0.0, 1.0) * 255.0) / 255.0


def rgb_to_y(image: torch.Tensor) -> np.ndarray:
    """ITU-R BT.601 luma in [16, 235] of a ``(3, H, W)`` [0, 1] image (MATLAB ``rgb2ycbcr``)."""
    r, g, b = (image[i].double().numpy() for i in range(3))
    return 16.0 + 65.481 * r + 128.553 * g + 24.966 * b


def shave(y: np.ndarray, border: int = BORDER) -> np.ndarray:
    """Remove ``border`` pixels on every side."""
    return y[border:-border, border:-border] if border else y


def psnr_y(sr_y: np.ndarray, hr_y: np.ndarray) -> float:
    """PSNR of two luma images on the 0..255 scale."""
    mse = float(np.mean((sr_y - hr_y) ** 2))
    return math.inf if mse == 0 else 10.0 * math.log10(255.0**2 / mse)


def ssim_y(sr_y: np.ndarray, hr_y: np.ndarray) -> float:
    """SSIM (Wang et al. 2004: Gaussian window σ = 1.5, K1 = 0.01, K2 = 0.03, L = 255)."""
    return float(
        structural_similarity(
            sr_y,
            hr_y,
            gaussian_weights=True,
            sigma=1.5,
            use_sample_covariance=False,
            data_range=255.0,
        )
    )
