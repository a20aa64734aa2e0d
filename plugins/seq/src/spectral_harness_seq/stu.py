"""The Spectral Transform Unit (STU) of Agarwal, Suo, Chen & Hazan (arXiv 2312.06837).

For an input sequence u_1..u_L (d_in) the layer predicts, at every t (d_out)::

    ŷ_t = Σ_{j=1}^{k_y} M^y_j ŷ_{t-j}                    (AR on its own outputs, optional)
        + Σ_{i=0}^{k_u-1} M^u_i u_{t-i}                    (AR on inputs: the "M^u" part)
        + Σ_{k=1}^{K} M^{φ+}_k σ_k^{1/4} U^+_{t-2,k}
        + Σ_{k=1}^{K} M^{φ-}_k σ_k^{1/4} U^-_{t-2,k}

    U^+_{t,k} = Σ_{s=0}^{t} φ_k(s) u_{t-s},   U^-_{t,k} = Σ_{s=0}^{t} (-1)^s φ_k(s) u_{t-s}

with (σ_k, φ_k) the top-K eigenpairs of the Hankel matrix Z_L (:mod:`.filters`). The filters
are fixed (not learned, unless ``learn_filters``); only the M matrices train. The spectral
features are shifted by two steps because the first lags are the AR part's.

Everything but the output AR is linear and time-invariant, so it is one causal convolution of u
with the kernel ``K_s = Σ_{±,k} σ_k^{1/4} φ^±_k(s - 2) M^{φ±}_k + M^u_s`` (:meth:`STU.kernel`),
run by FFT (:func:`.conv.causal_fft_conv`): O(L log L) per step; ŷ_t reads u_1..u_t only.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from spectral_harness_seq.conv import Conv, causal_fft_conv
from spectral_harness_seq.filters import spectral_filters

SHIFT = 2


class STU(nn.Module):
    """One STU layer mapping (B, L, d_in) → (B, L, d_out), for sequences up to ``max_length``."""

    def __init__(
        self,
        d_in: int,
        d_out: int,
        max_length: int,
        num_filters: int = 24,
        ar_input: int = 3,
        ar_output: int = 0,
        negative_branch: bool = True,
        learn_filters: bool = False,
    ) -> None:
        super().__init__()
        k = min(num_filters, max_length)
        sigma, phi = spectral_filters(max_length, k)
        # the smallest eigenvalues of Z sit at round-off level and may come out slightly negative
        scaled = phi * np.clip(sigma, 0.0, None)[None, :] ** 0.25
        branches = [scaled, scaled * (-1.0) ** np.arange(max_length)[:, None]]
        filters = torch.tensor(
            np.stack(branches[: 2 if negative_branch else 1]), dtype=torch.float32
        )
        if learn_filters:
            self.filters = nn.Parameter(filters)  # (branches, L, K)
        else:
            self.register_buffer("filters", filters)
        self.m_phi = nn.Parameter(
            torch.randn(filters.shape[0], k, d_out, d_in) / math.sqrt(k * d_in)
        )
        self.m_u = nn.Parameter(torch.randn(ar_input, d_out, d_in) / math.sqrt(d_in * ar_input))
        self.m_y = nn.Parameter(torch.zeros(ar_output, d_out, d_out))
        self.max_length = max_length

    def kernel(self, length: int) -> torch.Tensor:
        """The layer's causal convolution kernel over the first ``length`` taps (L, d_out, d_in):
        the spectral filters shifted by two steps and projected by M^{φ±}, plus M^u."""
        shifted = nn.functional.pad(self.filters[:, : max(length - SHIFT, 0)], (0, 0, SHIFT, 0))
        kernel = torch.einsum("nsk,nkoi->soi", shifted[:, :length], self.m_phi)
        taps = min(self.m_u.shape[0], length)
        return torch.cat([kernel[:taps] + self.m_u[:taps], kernel[taps:]])

    def forward(self, u: torch.Tensor, conv: Conv = causal_fft_conv) -> torch.Tensor:
        """ŷ for ``u`` (B, L, d_in), L ≤ ``max_length``: (B, L, d_out); ``conv`` computes the
        causal convolution (by FFT unless told otherwise)."""
        length = u.shape[1]
        if length > self.max_length:
            raise ValueError(f"sequence length {length} > the filters' length {self.max_length}")
        y = conv(u, self.kernel(length))
        if self.m_y.shape[0]:
            y = self._output_recurrence(y)
        return y

    def _output_recurrence(self, delta: torch.Tensor) -> torch.Tensor:
        """ŷ_t = Σ_j M^y_j ŷ_{t-j} + δ_t, one step at a time (k_y is small)."""
        outputs: list[torch.Tensor] = []
        for t in range(delta.shape[1]):
            y_t = delta[:, t]
            for j in range(1, min(self.m_y.shape[0], t) + 1):
                y_t = y_t + outputs[t - j] @ self.m_y[j - 1].T
            outputs.append(y_t)
        return torch.stack(outputs, dim=1)
