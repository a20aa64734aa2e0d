"""Full-reference perceptual image-quality metrics that need no learned weights (torch).

Written from the papers' equations (the ``piq`` package implements the same metrics but imports
``torchvision``, whose PyPI wheels do not load beside the host's CPU build of torch):

- **HaarPSI** (Reisenhofer, Bosse, Kutyniok, Wiegand, "A Haar wavelet-based perceptual similarity
  index for image quality assessment", Signal Processing: Image Communication 2018): local
  similarities of Haar wavelet magnitudes at three scales, weighted by the coarsest scale's
  magnitudes, passed through a logistic function. 1 for identical images, lower is worse.
- **MS-GMSD** (Zhang, Sander, Bermak, "Gradient magnitude similarity deviation on multiple scales
  for color image quality assessment", ICASSP 2017; GMSD: Xue, Zhang, Mou, Bovik 2014): the
  standard deviation of the gradient-magnitude similarity map at four scales, combined with the
  paper's scale weights. 0 for identical images, higher is worse.

Both take ``(B, 3, H, W)`` RGB (or ``(B, 1, H, W)`` grey) tensors in [0, 1] and return one value
per image, ``(B,)``; internally images are on the 0..255 scale, as in the papers' constants.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

# NTSC YIQ (the papers' colour space)
_YIQ = (
    (0.299, 0.587, 0.114),
    (0.596, -0.274, -0.322),
    (0.211, -0.523, 0.312),
)
HAARPSI_C = 30.0
HAARPSI_ALPHA = 4.2
HAARPSI_SCALES = 3
GMSD_C = 170.0
MS_GMSD_WEIGHTS = (0.096, 0.596, 0.289, 0.019)
MS_GMSD_ALPHA = 0.5


def rgb_to_yiq(x: torch.Tensor) -> torch.Tensor:
    """``(B, 3, H, W)`` RGB → YIQ (same scale); grey ``(B, 1, H, W)`` is passed through."""
    if x.shape[1] == 1:
        return x
    matrix = torch.tensor(_YIQ, dtype=x.dtype, device=x.device)
    return torch.einsum("oc,bchw->bohw", matrix, x)


def _prepare(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    if x.shape != y.shape or x.dim() != 4 or x.shape[1] not in (1, 3):
        raise ValueError(
            f"expected two (B, 1|3, H, W) images of one shape, got {x.shape}, {y.shape}"
        )
    return rgb_to_yiq(x.double() * 255.0), rgb_to_yiq(y.double() * 255.0)


def _halve(x: torch.Tensor) -> torch.Tensor:
    """2×2 mean then keep every second pixel (odd sizes padded with zeros at the bottom/right)."""
    pad = [0, x.shape[-1] % 2, 0, x.shape[-2] % 2]
    return F.avg_pool2d(F.pad(x, pad), kernel_size=2, stride=2)


def _similarity(a: torch.Tensor, b: torch.Tensor, c: float, alpha: float = 0.0) -> torch.Tensor:
    """``(2ab − αab + c) / (a² + b² − αab + c)``: 1 where ``a = b``."""
    return (2.0 * a * b - alpha * a * b + c) / (a * a + b * b - alpha * a * b + c)


def _haar_coefficients(luma: torch.Tensor, scales: int) -> torch.Tensor:
    """``(B, 2·scales, H, W)``: horizontal then vertical Haar wavelet coefficients at scales
    1..``scales`` (filter 2^j × 2^j, entries ±2^-j), zero-padded to keep the image size."""
    out = []
    for orientation in range(2):
        for j in range(1, scales + 1):
            size = 2**j
            kernel = torch.full((size, size), 1.0 / size, dtype=luma.dtype, device=luma.device)
            kernel[: size // 2] *= -1.0
            if orientation:
                kernel = kernel.T
            pad = [size // 2 - 1, size // 2, size // 2 - 1, size // 2]
            out.append(F.conv2d(F.pad(luma, pad), kernel[None, None]))
    return torch.cat(out, dim=1)


def haarpsi(x: torch.Tensor, y: torch.Tensor, subsample: bool = True) -> torch.Tensor:
    """HaarPSI of ``x`` against the reference ``y`` (both in [0, 1]): ``(B,)`` in (0, 1].

    With ``subsample`` (the paper's default) both images are first 2×2 averaged and halved.
    Images must be at least 16 × 16 pixels (after subsampling: 8, the coarsest filter).
    """
    x, y = _prepare(x, y)
    if subsample:
        x, y = _halve(x), _halve(y)
    if min(x.shape[-2:]) < 2**HAARPSI_SCALES:
        raise ValueError(f"HaarPSI needs images of at least {2 ** (HAARPSI_SCALES + 1)} pixels")
    n = HAARPSI_SCALES
    cx, cy = _haar_coefficients(x[:, :1], n), _haar_coefficients(y[:, :1], n)
    similarities, weights = [], []
    for orientation in range(2):
        fine = slice(orientation * n, orientation * n + 2)  # scales 1 and 2
        coarse = orientation * n + n - 1  # scale 3 gives the weight
        sim = _similarity(cx[:, fine].abs(), cy[:, fine].abs(), HAARPSI_C).mean(dim=1)
        similarities.append(sim)
        weights.append(torch.maximum(cx[:, coarse].abs(), cy[:, coarse].abs()))
    if x.shape[1] == 3:
        pad = [0, 1, 0, 1]
        ix = F.avg_pool2d(F.pad(x[:, 1:], pad), kernel_size=2, stride=1).abs()
        iy = F.avg_pool2d(F.pad(y[:, 1:], pad), kernel_size=2, stride=1).abs()
        similarities.append(_similarity(ix, iy, HAARPSI_C).mean(dim=1))
        weights.append((weights[0] + weights[1]) / 2.0)
    sim = torch.stack(similarities, dim=1)
    weight = torch.stack(weights, dim=1)
    eps = torch.finfo(sim.dtype).eps
    pooled = (torch.sigmoid(HAARPSI_ALPHA * sim) * weight).sum(dim=(1, 2, 3)) + eps
    pooled = pooled / (weight.sum(dim=(1, 2, 3)) + eps)
    return (torch.logit(pooled) / HAARPSI_ALPHA) ** 2


def _gradient_magnitude(luma: torch.Tensor) -> torch.Tensor:
    prewitt = torch.tensor([[-1.0, 0.0, 1.0]] * 3, dtype=luma.dtype, device=luma.device) / 3.0
    kernels = torch.stack([prewitt, prewitt.T])[:, None]
    grads = F.conv2d(luma, kernels, padding=1)
    return grads.pow(2).sum(dim=1).sqrt()


def gmsd_map_deviation(
    x_luma: torch.Tensor, y_luma: torch.Tensor, alpha: float = 0.0
) -> torch.Tensor:
    """Standard deviation of the gradient-magnitude similarity map (GMSD at one scale), ``(B,)``;
    lumas ``(B, 1, H, W)`` on the 0..255 scale."""
    gms = _similarity(_gradient_magnitude(x_luma), _gradient_magnitude(y_luma), GMSD_C, alpha)
    return gms.flatten(1).std(dim=1, unbiased=False)


def ms_gmsd(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """MS-GMSD of ``x`` against the reference ``y`` (both in [0, 1]): ``(B,)``, 0 when equal.

    ``sqrt(Σ_j w_j GMSD_j²)`` over four dyadic scales of the luma (2×2 mean + halving between
    scales), weights (0.096, 0.596, 0.289, 0.019), masking α = 0.5. Images must be at least
    17 × 17 pixels.
    """
    x, y = _prepare(x, y)
    if min(x.shape[-2:]) < 2 ** len(MS_GMSD_WEIGHTS) + 1:
        raise ValueError(f"MS-GMSD needs images of at least {2 ** len(MS_GMSD_WEIGHTS) + 1} px")
    xl, yl = x[:, :1], y[:, :1]
    total = torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)
    for j, weight in enumerate(MS_GMSD_WEIGHTS):
        if j:
            xl, yl = _halve(xl), _halve(yl)
        total = total + weight * gmsd_map_deviation(xl, yl, MS_GMSD_ALPHA) ** 2
    return total.sqrt()
