"""The orthonormal discrete cosine transform (DCT-II) and its inverse (DCT-III), built on
``torch.fft`` (Makhoul's reordering: one complex FFT of length N per transform), differentiable,
along any axis. The host has no DCT (``harness`` offers spectral utilities but no transforms), so
it lives here.

Orthonormal DCT-II: X_k = s_k Σ_n x_n cos(π k (2n + 1) / 2N), s_0 = √(1/N), s_k = √(2/N).
DCT-III with the same scaling is its inverse and its transpose (the matrix is orthogonal).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch


def _twiddle(n: int, device: torch.device, sign: float) -> torch.Tensor:
    k = torch.arange(n, device=device, dtype=torch.float64)
    return torch.polar(torch.ones_like(k), sign * math.pi * k / (2 * n)).to(torch.complex64)


def _scales(n: int, device: torch.device) -> torch.Tensor:
    scale = torch.full((n,), math.sqrt(2.0 / n), device=device)
    scale[0] = math.sqrt(1.0 / n)
    return scale


def dct(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Orthonormal DCT-II of a real float tensor along ``dim``."""
    x = x.movedim(dim, -1)
    n = x.shape[-1]
    # v = (x_0, x_2, x_4, …, x_5, x_3, x_1): evens, then odds reversed
    v = torch.cat([x[..., ::2], x[..., 1::2].flip(-1)], dim=-1)
    spectrum = torch.fft.fft(v, dim=-1)
    coefficients = 2 * (spectrum * _twiddle(n, x.device, -1.0)).real
    return (coefficients * _scales(n, x.device) / 2).movedim(-1, dim)


def idct(coefficients: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Orthonormal DCT-III along ``dim``: the inverse of :func:`dct`."""
    y = coefficients.movedim(dim, -1)
    n = y.shape[-1]
    y = 2 * y / _scales(n, y.device)  # the unnormalised DCT-II coefficients Y_k
    # V_k = (Y_k − i Y_{N−k}) e^{iπk/2N} / 2 with Y_N = 0, then v = ifft(V), undo the reordering
    shifted = torch.cat([torch.zeros_like(y[..., :1]), y[..., 1:].flip(-1)], dim=-1)
    spectrum = torch.complex(y, -shifted) * _twiddle(n, y.device, 1.0) / 2
    v = torch.fft.ifft(spectrum, dim=-1).real
    x = torch.empty_like(v)
    half = (n + 1) // 2
    x[..., ::2] = v[..., :half]
    x[..., 1::2] = v[..., half:].flip(-1)
    return x.movedim(-1, dim)


def dctn(x: torch.Tensor, dims: Sequence[int]) -> torch.Tensor:
    """Orthonormal DCT-II along each of ``dims`` (separable)."""
    for dim in dims:
        x = dct(x, dim)
    return x


def idctn(coefficients: torch.Tensor, dims: Sequence[int]) -> torch.Tensor:
    """Orthonormal DCT-III along each of ``dims``: the inverse of :func:`dctn`."""
    for dim in reversed(dims):
        coefficients = idct(coefficients, dim)
    return coefficients
