"""Patch power spectra, radial bands and spectrum metrics for the SR family (torch).

Candidates for ``harness/spectral.py``: they are generic 2-D spectral utilities, kept here until
the host adopts them.

Radial frequency convention (research notes §C, ``mask_out``): the normalised radius of a 2-D
frequency ``(fy, fx)`` (cycles per sample, each in [-0.5, 0.5)) is

    r = sqrt((fy / 0.5)² + (fx / 0.5)²) / sqrt(2)

so ``r = 0`` at DC, ``r = 1/sqrt(2)`` at the Nyquist frequency of one axis (edge of the shifted
spectrum) and ``r = 1`` at the corner (Nyquist on both axes). Bands are half-open ``[r1, r2)``
except that a band ending at 1 includes the corner. The reference code measures distances from
the geometric centre ``(N-1)/2`` of the shifted spectrum, half a bin away from DC for even N, and
its ``[r1, 1)`` band leaves out the corner; we measure from DC itself.
"""

from __future__ import annotations

import math

import torch

LOW, MID, HIGH = (0.0, 0.3), (0.3, 0.8), (0.8, 1.0)
METRIC_BANDS = {"low": LOW, "mid": MID, "high": HIGH}


def radial_frequency(height: int, width: int, shifted: bool = True) -> torch.Tensor:
    """Normalised radius ``r`` (see module doc) of every bin of an ``height × width`` FFT.

    ``shifted``: the layout after ``fftshift`` (DC at ``(height // 2, width // 2)``); otherwise
    the plain FFT layout (DC at ``(0, 0)``).
    """
    fy = torch.fft.fftfreq(height, dtype=torch.float64)
    fx = torch.fft.fftfreq(width, dtype=torch.float64)
    if shifted:
        fy, fx = torch.fft.fftshift(fy), torch.fft.fftshift(fx)
    radius = torch.sqrt((fy[:, None] / 0.5) ** 2 + (fx[None, :] / 0.5) ** 2) / math.sqrt(2.0)
    return radius.float()


def band_mask(
    height: int, width: int, band: tuple[float, float], shifted: bool = True
) -> torch.Tensor:
    """Boolean mask of the bins with ``r1 <= r < r2`` (``r <= 1`` when ``r2 >= 1``)."""
    r1, r2 = band
    radius = radial_frequency(height, width, shifted)
    upper = radius <= r2 if r2 >= 1.0 else radius < r2
    return (radius >= r1) & upper


def attenuate_band(x: torch.Tensor, band: tuple[float, float], gain: float) -> torch.Tensor:
    """Multiply the Fourier coefficients of ``x`` (``(..., H, W)``) in ``band`` by ``gain``.

    ``gain = 0`` removes the band (the reference code's ``mask_out`` with ``complement=True``);
    the mask is symmetric under ``f → -f``, so the result stays real.
    """
    height, width = x.shape[-2:]
    mask = band_mask(height, width, band, shifted=False).to(x.device)
    work = x if x.dtype == torch.float64 else x.float()
    scale = torch.where(mask, torch.tensor(gain, dtype=work.dtype, device=x.device), 1.0)
    spectrum = torch.fft.fft2(work)
    return torch.fft.ifft2(spectrum * scale).real.to(x.dtype)


def patch_power_spectrum(x: torch.Tensor, patch: int, eps: float = 1e-5) -> torch.Tensor:
    """The paper's spectrum transform: a "spectral image" of per-patch power spectra.

    ``x`` is ``(B, C, H, W)`` with ``H`` and ``W`` multiples of ``patch``. Each ``patch × patch``
    tile gets ``P = |fftshift(fft2(tile))|²`` per channel (linear scale), then is min–max
    normalised over its channels and pixels: ``(P - min) / (max - min + eps)`` — per patch, so a
    sample's spectrum never depends on the rest of the batch. The tiles are put back in place.
    """
    b, c, h, w = x.shape
    if h % patch or w % patch:
        raise ValueError(f"image {h}x{w} is not a multiple of the spectrum patch {patch}")
    gh, gw = h // patch, w // patch
    tiles = x.float().reshape(b, c, gh, patch, gw, patch).permute(0, 2, 4, 1, 3, 5)
    spectrum = torch.fft.fftshift(torch.fft.fft2(tiles), dim=(-2, -1))
    power = spectrum.real**2 + spectrum.imag**2  # (B, gh, gw, C, p, p)
    low = power.amin(dim=(-3, -2, -1), keepdim=True)
    high = power.amax(dim=(-3, -2, -1), keepdim=True)
    power = (power - low) / (high - low + eps)
    return power.permute(0, 3, 1, 4, 2, 5).reshape(b, c, h, w).to(x.dtype)


def to_gray(x: torch.Tensor) -> torch.Tensor:
    """ITU-R BT.601 luma of ``(B, 3, H, W)`` RGB (passes ``(B, 1, H, W)`` through)."""
    if x.shape[1] == 1:
        return x
    weights = torch.tensor([0.299, 0.587, 0.114], dtype=x.dtype, device=x.device)
    return (x * weights[None, :, None, None]).sum(dim=1, keepdim=True)


def azimuthal_average(values: torch.Tensor, bins: int) -> torch.Tensor:
    """Average ``values`` (``(..., H, W)``, shifted layout) over ``bins`` equal radial bins of
    ``r ∈ [0, 1]``; returns ``(..., bins)``. Empty bins (tiny images) get 0."""
    height, width = values.shape[-2:]
    radius = radial_frequency(height, width, shifted=True).to(values.device)
    index = torch.clamp((radius * bins).long(), max=bins - 1).flatten()
    flat = values.reshape(-1, height * width).to(torch.float64)
    sums = torch.zeros(flat.shape[0], bins, dtype=torch.float64, device=values.device)
    sums.index_add_(1, index, flat)
    counts = torch.bincount(index, minlength=bins).to(torch.float64).clamp(min=1)
    return (sums / counts).reshape(*values.shape[:-2], bins).to(values.dtype)


def reduced_spectrum(x: torch.Tensor, bins: int, log: bool = True) -> torch.Tensor:
    """Azimuthally averaged power spectrum of the whole (grey) image, ``(B, bins)``.

    With ``log``, ``log10(P + 1e-8)`` is averaged (the reduced-spectrum discriminator's input and
    the spectral-profile metric); the FFT is orthonormal so images of any size are comparable.
    """
    gray = to_gray(x.float())[:, 0]
    spectrum = torch.fft.fftshift(torch.fft.fft2(gray, norm="ortho"), dim=(-2, -1))
    power = spectrum.real**2 + spectrum.imag**2
    if log:
        power = torch.log10(power + 1e-8)
    return azimuthal_average(power, bins)


def band_magnitude_rmse(
    sr: torch.Tensor, hr: torch.Tensor, bands: dict[str, tuple[float, float]] = METRIC_BANDS
) -> dict[str, float]:
    """RMSE between ``|FFT(sr)|`` and ``|FFT(hr)|`` (2-D, orthonormal) inside each radial band.

    ``sr`` and ``hr`` are single images ``(H, W)`` (e.g. the Y channel in [0, 1]).
    """
    height, width = hr.shape[-2:]
    diff = (
        torch.fft.fft2(sr.double(), norm="ortho").abs()
        - torch.fft.fft2(hr.double(), norm="ortho").abs()
    )
    out = {}
    for name, band in bands.items():
        mask = band_mask(height, width, band, shifted=False).to(diff.device)
        out[name] = float(torch.sqrt((diff[..., mask] ** 2).mean()))
    return out


def spectral_profile_distance(sr: torch.Tensor, hr: torch.Tensor, bins: int = 64) -> float:
    """Mean |log10 S̃_sr(r) − log10 S̃_hr(r)| between the azimuthally averaged log power spectra
    of two single images ``(H, W)`` (the paper's Fig. 1 reduced spectra, as one number)."""
    a = reduced_spectrum(sr[None, None].double(), bins)
    b = reduced_spectrum(hr[None, None].double(), bins)
    return float((a - b).abs().mean())
