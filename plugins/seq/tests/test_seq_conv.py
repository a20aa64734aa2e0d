"""The causal convolutions: FFT and direct agree with each other and with numpy, for any
length (a power of two or not), and neither reads the future."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from spectral_harness_seq.conv import causal_direct_conv, causal_fft_conv, fft_size


def test_fft_size_leaves_room_for_a_linear_convolution():
    for length in (1, 2, 3, 255, 256, 257, 4096):
        n = fft_size(length)
        assert n >= 2 * length - 1 and n & (n - 1) == 0


@settings(max_examples=30, deadline=None)
@given(
    length=st.integers(1, 70),
    d_in=st.integers(1, 3),
    d_out=st.integers(1, 3),
    seed=st.integers(0, 10_000),
)
def test_fft_and_direct_agree_with_numpy(length, d_in, d_out, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(2, length, d_in, generator=g, dtype=torch.float64)
    kernel = torch.randn(length + 3, d_out, d_in, generator=g, dtype=torch.float64)
    expected = np.zeros((2, length, d_out))
    for b in range(2):
        for o in range(d_out):
            for i in range(d_in):
                expected[b, :, o] += np.convolve(x[b, :, i], kernel[:, o, i])[:length]
    np.testing.assert_allclose(causal_fft_conv(x, kernel).numpy(), expected, atol=1e-10)
    np.testing.assert_allclose(causal_direct_conv(x, kernel).numpy(), expected, atol=1e-10)


@settings(max_examples=10, deadline=None)
@given(length=st.integers(2, 64), data=st.data())
def test_outputs_never_read_later_inputs(length, data):
    t = data.draw(st.integers(0, length - 2))
    x = torch.randn(1, length, 2, dtype=torch.float64)
    kernel = torch.randn(length, 3, 2, dtype=torch.float64)
    changed = x.clone()
    changed[:, t + 1 :] += 100.0
    for conv in (causal_fft_conv, causal_direct_conv):
        torch.testing.assert_close(conv(changed, kernel)[:, : t + 1], conv(x, kernel)[:, : t + 1])
