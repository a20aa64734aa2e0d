"""Causal multi-channel convolutions along time: by FFT (O(L log L)) and directly (O(L²)).

Both compute ``y[b, t, o] = Σ_{s=0}^{t} Σ_i K[s, o, i] · x[b, t - s, i]`` for a batch ``x``
(B, L, d_in) and a kernel ``K`` (≥L, d_out, d_in) (only its first L taps are used): output t
reads inputs up to t only. Every linear time-invariant causal layer of this family (STU, the
diagonal SSM in convolution mode) is such a convolution with its own kernel. The FFT zero-pads
to a length ≥ 2L, so the circular convolution it computes equals the linear one on the first L
outputs.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

Conv = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
"""A causal convolution ``(x (B, L, d_in), kernel (≥L, d_out, d_in)) → (B, L, d_out)``."""


def fft_size(length: int) -> int:
    """The smallest power of two ≥ ``2 * length`` (no wrap-around for a causal convolution)."""
    return 1 << (2 * length - 1).bit_length()


def causal_fft_conv(x: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """Causal convolution of ``x`` (B, L, d_in) with ``kernel`` (≥L, d_out, d_in) by real FFT:
    (B, L, d_out)."""
    length = x.shape[1]
    n = fft_size(length)
    x_hat = torch.fft.rfft(x, n=n, dim=1)
    k_hat = torch.fft.rfft(kernel[:length], n=n, dim=0)
    y_hat = torch.einsum("bfi,foi->bfo", x_hat, k_hat)
    return torch.fft.irfft(y_hat, n=n, dim=1)[:, :length]


def causal_direct_conv(x: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """The same convolution as :func:`causal_fft_conv`, computed directly (``conv1d`` over a
    left-padded input, O(L²·d_in·d_out)): the reference the FFT version is tested and timed
    against."""
    length = x.shape[1]
    weight = kernel[:length].flip(0).permute(1, 2, 0)  # (d_out, d_in, L): conv1d correlates
    y = F.conv1d(F.pad(x.transpose(1, 2), (length - 1, 0)), weight)
    return y.transpose(1, 2)
