"""FSIM and VSI: two more full-reference perceptual metrics with no learned weights (torch).

Written from the papers' equations, with the constants and pre-processing of the authors'
MATLAB reference code (which the papers point to):

- **FSIM / FSIMc** (Zhang, Zhang, Mou, Zhang, "FSIM: A feature similarity index for image
  quality assessment", IEEE TIP 2011): phase congruency (Kovesi's log-Gabor measure, 4 scales ×
  4 orientations) and Scharr gradient magnitude of the luma compared with the similarity
  ``(2ab + T) / (a² + b² + T)``, pooled with the larger phase congruency as weight; FSIMc also
  multiplies the similarity of the I and Q chroma channels raised to λ = 0.03.
- **VSI** (Zhang, Shen, Li, "VSI: A visual saliency-induced index for perceptual image quality
  assessment", IEEE TIP 2014): SDSP visual saliency (log-Gabor band-pass of CIELab at 256²,
  centre bias, warm-colour bias), gradient magnitude and LMN chroma similarities, pooled with
  the larger saliency as weight.

Both first average and subsample the images by ``F = max(1, round(min(H, W) / 256))`` (an
``F × F`` mean centred as MATLAB's ``conv2(..., 'same')``, then every ``F``-th pixel), take
``(B, 3, H, W)`` RGB tensors in [0, 1] (FSIM also grey ``(B, 1, H, W)``: luma-only FSIM) and
return one value per image, ``(B,)``: 1 for identical images, lower is worse. Internally images
are on the 0..255 scale, as in the papers' constants.
"""

from __future__ import annotations

import math

import torch
from torch.nn import functional as F

from spectral_harness_sr.quality import rgb_to_yiq

# FSIM (phasecong2 of the reference code: 4 scales, 4 orientations, shortest wavelength 6 px,
# scale factor 2, σ_f 0.55, Δθ/σ_θ 1.2, noise threshold k = 2; similarity constants T1..T4, λ)
PC_SCALES = 4
PC_ORIENTATIONS = 4
PC_MIN_WAVELENGTH = 6.0
PC_MULT = 2.0
PC_SIGMA_ON_F = 0.55
PC_D_THETA_ON_SIGMA = 1.2
PC_K = 2.0
PC_EPSILON = 1e-4
PC_LOWPASS = (0.45, 15)  # cutoff, order of the Butterworth low-pass applied to every filter
FSIM_T = (0.85, 160.0, 200.0, 200.0)
FSIM_LAMBDA = 0.03
# VSI (constants of the paper, Table I, and of its reference code)
VSI_C = (1.27, 386.0, 130.0)  # saliency, gradient, chroma
VSI_ALPHA = 0.40
VSI_LAMBDA = 0.020
SDSP_SIZE = 256
SDSP_OMEGA0 = 0.021
SDSP_SIGMA_F = 1.34
SDSP_SIGMA_D = 145.0
SDSP_SIGMA_C = 0.001
# RGB → LMN (VSI's opponent colour space) and the CIE constants of SDSP's CIELab (D50 white)
_LMN = ((0.06, 0.63, 0.27), (0.30, 0.04, -0.35), (0.34, -0.60, 0.17))
_SRGB_TO_XYZ = (
    (0.4124564, 0.3575761, 0.1804375),
    (0.2126729, 0.7151522, 0.0721750),
    (0.0193339, 0.1191920, 0.9503041),
)
_D50 = (0.9642, 1.0, 0.8251)
_CIE_EPSILON = 0.008856
_CIE_KAPPA = 903.3


def _check(x: torch.Tensor, y: torch.Tensor, channels: tuple[int, ...]) -> None:
    if x.shape != y.shape or x.dim() != 4 or x.shape[1] not in channels:
        wanted = "|".join(str(c) for c in channels)
        raise ValueError(
            f"expected two (B, {wanted}, H, W) images of one shape, got {x.shape}, {y.shape}"
        )
    if min(x.shape[-2:]) < 8:
        raise ValueError("FSIM / VSI need images of at least 8 × 8 pixels")


def downsample_factor(height: int, width: int) -> int:
    """The papers' pre-filtering factor ``max(1, round(min(H, W) / 256))`` (MATLAB rounding)."""
    return max(1, math.floor(min(height, width) / 256 + 0.5))


def average_subsample(x: torch.Tensor, factor: int) -> torch.Tensor:
    """``F × F`` mean filter placed as MATLAB's ``conv2(x, ones(F)/F², 'same')`` (zero padding),
    then every ``F``-th pixel from the first: ``(B, C, ceil(H/F), ceil(W/F))``."""
    if factor == 1:
        return x
    before, after = factor - 1 - factor // 2, factor // 2
    padded = F.pad(x, [before, after, before, after])
    return F.avg_pool2d(padded, kernel_size=factor, stride=factor)


def _conv_same(x: torch.Tensor, kernels: torch.Tensor) -> torch.Tensor:
    """``(B, 1, H, W)`` ⊛ each ``(K, 3, 3)`` kernel (true convolution, zero padding)."""
    return F.conv2d(F.pad(x, [1, 1, 1, 1]), kernels.flip(-1, -2)[:, None])


def scharr_magnitude(luma: torch.Tensor) -> torch.Tensor:
    """Gradient magnitude with the papers' Scharr kernels ``[3 0 −3; 10 0 −10; 3 0 −3] / 16``."""
    dx = torch.tensor(
        [[3.0, 0.0, -3.0], [10.0, 0.0, -10.0], [3.0, 0.0, -3.0]], dtype=luma.dtype
    ).to(luma.device)
    grads = _conv_same(luma, torch.stack([dx / 16.0, dx.T / 16.0]))
    return grads.pow(2).sum(dim=1, keepdim=True).sqrt()


def _similarity(a: torch.Tensor, b: torch.Tensor, c: float) -> torch.Tensor:
    return (2.0 * a * b + c) / (a * a + b * b + c)


def _real_power(z: torch.Tensor, p: float) -> torch.Tensor:
    """``real(z ** p)`` for real ``z`` (MATLAB's principal branch: ``|z|^p cos(pπ)`` for z < 0)."""
    magnitude = z.abs().pow(p)
    return torch.where(z < 0, magnitude * math.cos(p * math.pi), magnitude)


def _centred_grid(size: int, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """Kovesi's normalised frequency axis: ``[-(n-1)/2 … (n-1)/2] / (n-1)`` for odd ``n``,
    ``[-n/2 … n/2-1] / n`` for even ``n``."""
    index = torch.arange(size, dtype=dtype, device=device)
    if size % 2:
        return (index - (size - 1) / 2) / (size - 1)
    return (index - size / 2) / size


def _ifftshift(x: torch.Tensor) -> torch.Tensor:
    return torch.fft.ifftshift(x, dim=(-2, -1))


def log_gabor_bank(
    height: int, width: int, dtype: torch.dtype, device: torch.device
) -> torch.Tensor:
    """The phase-congruency filters, ``(orientations, scales, H, W)`` in FFT order: a radial
    log-Gabor (``exp(−log²(r/f₀) / (2 log² σ_f))``, ``f₀ = 1 / (6 · 2^s)``, times a Butterworth
    low-pass) times an angular Gaussian around orientation ``o·π/4`` (σ_θ = π / (4 · 1.2))."""
    yy = _centred_grid(height, dtype, device)[:, None].expand(height, width)
    xx = _centred_grid(width, dtype, device)[None, :].expand(height, width)
    radius = torch.sqrt(xx**2 + yy**2)
    cutoff, order = PC_LOWPASS
    lowpass = _ifftshift(1.0 / (1.0 + (radius / cutoff) ** (2 * order)))
    radius = _ifftshift(radius).clone()
    theta = _ifftshift(torch.atan2(-yy, xx))
    radius[0, 0] = 1.0
    radial = []
    for s in range(PC_SCALES):
        f0 = 1.0 / (PC_MIN_WAVELENGTH * PC_MULT**s)
        band = torch.exp(-(torch.log(radius / f0) ** 2) / (2 * math.log(PC_SIGMA_ON_F) ** 2))
        band = band * lowpass
        band[0, 0] = 0.0
        radial.append(band)
    theta_sigma = math.pi / PC_ORIENTATIONS / PC_D_THETA_ON_SIGMA
    angular = []
    for o in range(PC_ORIENTATIONS):
        angle = o * math.pi / PC_ORIENTATIONS
        ds = torch.sin(theta) * math.cos(angle) - torch.cos(theta) * math.sin(angle)
        dc = torch.cos(theta) * math.cos(angle) + torch.sin(theta) * math.sin(angle)
        angular.append(torch.exp(-(torch.atan2(ds, dc).abs() ** 2) / (2 * theta_sigma**2)))
    return torch.stack(angular)[:, None] * torch.stack(radial)[None]


def _median(x: torch.Tensor) -> torch.Tensor:
    """The median over the last axis (the mean of the two middle values for an even count)."""
    n = x.shape[-1]
    upper = torch.kthvalue(x, n // 2 + 1, dim=-1).values
    return upper if n % 2 else (upper + torch.kthvalue(x, n // 2, dim=-1).values) / 2


def phase_congruency(luma: torch.Tensor) -> torch.Tensor:
    """Kovesi's phase congruency (``phasecong2`` of the FSIM reference code), ``(B, 1, H, W)``
    in [0, 1]: per orientation the energy ``Σ_s [A_s (cos Δφ_s − |sin Δφ_s|)]`` minus a noise
    threshold estimated from the smallest scale's median response, summed over orientations and
    divided by the summed amplitudes."""
    height, width = luma.shape[-2:]
    filters = log_gabor_bank(height, width, luma.dtype, luma.device)  # (O, S, H, W)
    responses = torch.fft.ifft2(torch.fft.fft2(luma[:, 0])[:, None, None] * filters)
    even, odd = responses.real, responses.imag  # (B, O, S, H, W)
    amplitude = responses.abs()
    sum_e, sum_o = even.sum(dim=2, keepdim=True), odd.sum(dim=2, keepdim=True)
    x_energy = torch.sqrt(sum_e**2 + sum_o**2) + PC_EPSILON
    mean_e, mean_o = sum_e / x_energy, sum_o / x_energy
    energy = (even * mean_e + odd * mean_o - (even * mean_o - odd * mean_e).abs()).sum(dim=2)
    # noise: the median of |EO|² at the smallest scale gives the mean noise energy² (Rayleigh)
    median_e2n = _median(amplitude[:, :, 0].flatten(2) ** 2)  # (B, O)
    mean_e2n = -median_e2n / math.log(0.5)
    em_n = (filters[:, 0] ** 2).sum(dim=(-2, -1))  # (O,)
    noise_power = mean_e2n / em_n
    spatial = torch.fft.ifft2(filters).real * math.sqrt(height * width)  # (O, S, H, W)
    sum_an2 = (spatial**2).sum(dim=(1, 2, 3))
    sum_ai_aj = torch.zeros_like(sum_an2)
    for si in range(PC_SCALES - 1):
        for sj in range(si + 1, PC_SCALES):
            sum_ai_aj = sum_ai_aj + (spatial[:, si] * spatial[:, sj]).sum(dim=(-2, -1))
    noise_energy2 = 2 * noise_power * sum_an2 + 4 * noise_power * sum_ai_aj
    tau = torch.sqrt(noise_energy2 / 2)
    threshold = (tau * math.sqrt(math.pi / 2) + PC_K * torch.sqrt((2 - math.pi / 2) * tau**2)) / 1.7
    energy = torch.clamp(energy - threshold[..., None, None], min=0.0)
    total_amplitude = amplitude.sum(dim=(1, 2))
    eps = torch.finfo(luma.dtype).eps
    return (energy.sum(dim=1) / (total_amplitude + eps))[:, None]


def fsim(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """FSIMc of ``x`` against the reference ``y`` (both in [0, 1]; luma-only FSIM for grey
    inputs): ``(B,)``, 1 for identical images.

    ``Σ PC_m · S_PC · S_G · real(S_I S_Q)^λ / Σ PC_m`` with ``PC_m = max(PC_x, PC_y)``,
    similarity constants T1 = 0.85, T2 = 160, T3 = T4 = 200 and λ = 0.03, on the
    average-subsampled YIQ image (``F = round(min(H, W) / 256)``).
    """
    _check(x, y, (1, 3))
    factor = downsample_factor(*x.shape[-2:])
    x = average_subsample(rgb_to_yiq(x.double() * 255.0), factor)
    y = average_subsample(rgb_to_yiq(y.double() * 255.0), factor)
    pc_x, pc_y = phase_congruency(torch.cat([x[:, :1], y[:, :1]])).chunk(2)
    t1, t2, t3, t4 = FSIM_T
    sim = _similarity(pc_x, pc_y, t1) * _similarity(
        scharr_magnitude(x[:, :1]), scharr_magnitude(y[:, :1]), t2
    )
    if x.shape[1] == 3:
        chroma = _similarity(x[:, 1:2], y[:, 1:2], t3) * _similarity(x[:, 2:], y[:, 2:], t4)
        sim = sim * _real_power(chroma, FSIM_LAMBDA)
    weight = torch.maximum(pc_x, pc_y)
    return (sim * weight).sum(dim=(1, 2, 3)) / weight.sum(dim=(1, 2, 3))


def _rgb_to_lab(rgb: torch.Tensor) -> torch.Tensor:
    """sRGB on 0..255 → CIELab with the D50 white point (SDSP's conversion)."""
    c = rgb / 255.0
    linear = torch.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    matrix = torch.tensor(_SRGB_TO_XYZ, dtype=rgb.dtype, device=rgb.device)
    white = torch.tensor(_D50, dtype=rgb.dtype, device=rgb.device)[None, :, None, None]
    xyz = torch.einsum("oc,bchw->bohw", matrix, linear) / white
    f = torch.where(xyz > _CIE_EPSILON, xyz ** (1.0 / 3.0), (_CIE_KAPPA * xyz + 16.0) / 116.0)
    fx, fy, fz = f[:, 0], f[:, 1], f[:, 2]
    return torch.stack([116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)], dim=1)


def _sdsp_log_gabor(size: int, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """SDSP's band-pass ``exp(−log²(r/ω₀) / (2σ_F²))`` in FFT order, zero beyond r = 0.5."""
    u = (torch.arange(size, dtype=dtype, device=device) - (size // 2)) / (size - size % 2)
    u2, u1 = torch.meshgrid(u, u, indexing="ij")
    radius = torch.sqrt(u1**2 + u2**2)
    radius = _ifftshift(torch.where(radius**2 > 0.25, torch.zeros_like(radius), radius))
    radius[0, 0] = 1.0
    gabor = torch.exp(-(torch.log(radius / SDSP_OMEGA0) ** 2) / (2 * SDSP_SIGMA_F**2))
    gabor[0, 0] = 0.0
    return gabor


def _resize(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Bilinear resize with antialiasing when shrinking (MATLAB ``imresize(…, 'bilinear')``)."""
    if tuple(x.shape[-2:]) == size:
        return x
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=True)


def _min_max(x: torch.Tensor) -> torch.Tensor:
    """``(x − min) / (max − min)`` per image and channel (0 where the channel is constant)."""
    low = x.amin(dim=(-2, -1), keepdim=True)
    span = x.amax(dim=(-2, -1), keepdim=True) - low
    return torch.where(span > 0, (x - low) / torch.where(span > 0, span, 1.0), 0.0)


def sdsp(rgb: torch.Tensor, warm: torch.Tensor | None = None) -> torch.Tensor:
    """SDSP visual saliency (Zhang, Gong, Zhang, Li, ICIP 2013), ``(B, 1, H, W)`` in [0, 1]:
    at 256², the product of the log-Gabor band-pass energy of CIELab, a centre bias
    ``exp(−d² / σ_D²)`` and a warm-colour bias ``1 − exp(−(a'² + b'²) / σ_C²)`` (min–max
    normalised a, b), resized back and min–max normalised; ``rgb`` on the 0..255 scale.

    ``warm`` (``(B,)`` bool, default all true) switches the warm-colour bias per image; where
    it is off the bias is 1 (used for grey references, where it is 0/0 in the reference code).
    """
    size = (SDSP_SIZE, SDSP_SIZE)
    lab = _rgb_to_lab(_resize(rgb, size))
    gabor = _sdsp_log_gabor(SDSP_SIZE, rgb.dtype, rgb.device)
    band = torch.fft.ifft2(torch.fft.fft2(lab) * gabor).real
    frequency = band.pow(2).sum(dim=1, keepdim=True).sqrt()
    coords = torch.arange(1, SDSP_SIZE + 1, dtype=rgb.dtype, device=rgb.device) - SDSP_SIZE / 2
    centre = torch.exp(-(coords[:, None] ** 2 + coords[None, :] ** 2) / SDSP_SIGMA_D**2)
    colour = 1.0 - torch.exp(
        -_min_max(lab[:, 1:]).pow(2).sum(dim=1, keepdim=True) / SDSP_SIGMA_C**2
    )
    if warm is not None:
        colour = torch.where(warm[:, None, None, None], colour, 1.0)
    saliency = _resize(frequency * centre * colour, tuple(rgb.shape[-2:]))
    return _min_max(saliency)


def is_grey(rgb: torch.Tensor) -> torch.Tensor:
    """``(B,)``: whether each image has R = G = B everywhere."""
    return (rgb.amax(dim=1) - rgb.amin(dim=1)).flatten(1).amax(dim=1) == 0


def vsi(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """VSI of ``x`` against the reference ``y`` (both RGB in [0, 1]): ``(B,)``, 1 for identical
    images.

    ``Σ VS_m · S_VS · S_G^α · real(S_M S_N)^λ / Σ VS_m`` with ``VS_m = max(VS_x, VS_y)`` (SDSP
    saliency; for a grey reference without the warm-colour bias, in both images), constants
    C1 = 1.27, C2 = 386, C3 = 130, α = 0.4, λ = 0.02, gradients of the L channel of LMN, all on
    the average-subsampled images (``F = round(min(H, W) / 256)``).
    """
    _check(x, y, (3,))
    x, y = x.double() * 255.0, y.double() * 255.0
    factor = downsample_factor(*x.shape[-2:])
    warm = ~is_grey(y)  # a grey reference has no colour for SDSP's warm-colour bias
    vs_x = average_subsample(sdsp(x, warm), factor)
    vs_y = average_subsample(sdsp(y, warm), factor)
    lmn = torch.tensor(_LMN, dtype=x.dtype, device=x.device)
    x_lmn = average_subsample(torch.einsum("oc,bchw->bohw", lmn, x), factor)
    y_lmn = average_subsample(torch.einsum("oc,bchw->bohw", lmn, y), factor)
    c_vs, c_g, c_c = VSI_C
    gradient = _similarity(scharr_magnitude(x_lmn[:, :1]), scharr_magnitude(y_lmn[:, :1]), c_g)
    chroma = _similarity(x_lmn[:, 1:2], y_lmn[:, 1:2], c_c) * _similarity(
        x_lmn[:, 2:], y_lmn[:, 2:], c_c
    )
    sim = _similarity(vs_x, vs_y, c_vs) * gradient.pow(VSI_ALPHA) * _real_power(chroma, VSI_LAMBDA)
    weight = torch.maximum(vs_x, vs_y)
    return (sim * weight).sum(dim=(1, 2, 3)) / weight.sum(dim=(1, 2, 3))
