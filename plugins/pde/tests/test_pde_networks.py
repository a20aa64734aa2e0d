"""Defining properties of the ``pde_model`` networks: LSM's Neural Spectral Block, FNO's
resolution-consistent Fourier layer, and shape handling of all three at any grid size."""

from __future__ import annotations

import math

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from harness import count_parameters
from spectral_harness_pde import FnoConfig, LsmConfig, UNetConfig
from spectral_harness_pde.methods import PdeProblem, build_fno, build_lsm, build_unet
from spectral_harness_pde.networks import NeuralSpectralBlock, SpectralConv2d, auto_patch


def test_auto_patch_matches_reference_configs():
    assert auto_patch(85, 85) == (6, 6)  # Darcy 85 → padded 96, patch 6
    assert auto_patch(64, 64) == (4, 4)  # Navier–Stokes
    assert auto_patch(16, 16) == (1, 1)


def test_nsb_is_permutation_equivariant_within_a_patch():
    """With one patch covering the map, latent tokens are an attention pooling (invariant to
    the order of the pixels) and the decoder acts per pixel: permuting pixels permutes the
    output the same way."""
    torch.manual_seed(0)
    block = NeuralSpectralBlock(16, (4, 4), basis=12, tokens=4)
    x = torch.randn(2, 16, 4, 4)
    perm = torch.randperm(16)
    permuted = x.flatten(2)[:, :, perm].reshape_as(x)
    expected = block(x).flatten(2)[:, :, perm].reshape_as(x)
    torch.testing.assert_close(block(permuted), expected, atol=1e-5, rtol=1e-5)


def test_nsb_spectral_transition_is_a_per_channel_trig_series():
    """Zero series weights make the transition the identity; one sin weight adds
    sin(π j T / K) of the latent values; the frequencies are buffers (no hard-coded device)."""
    torch.manual_seed(0)
    block = NeuralSpectralBlock(8, (2, 2), basis=4, tokens=2)
    assert "frequencies" in dict(block.named_buffers())
    torch.testing.assert_close(block.frequencies, math.pi * torch.arange(4.0) / 4)
    x = torch.randn(1, 8, 2, 2)
    with torch.no_grad():
        block.series.zero_()
        base = block(x)
        block.series[:, 1] = 1.0  # j = 1 sine term for every channel
        changed = block(x)
    assert not torch.allclose(base, changed)
    with torch.no_grad():
        block.series.zero_()
    torch.testing.assert_close(block(x), base)


def test_nsb_rejects_channels_not_divisible_by_heads():
    try:
        NeuralSpectralBlock(12, (2, 2), 12, 4)
    except ValueError as exc:
        assert "divisible" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected a ValueError")


def _problem(h: int, w: int, periodic=(False, False), width: int = 8) -> PdeProblem:
    return PdeProblem(3, 1, (h, w), periodic, width, 4)


@settings(max_examples=8, deadline=None)
@given(h=st.integers(5, 40), w=st.integers(5, 40))
def test_every_method_keeps_any_grid_shape(h, w):
    """No divisibility constraint leaks out: padding/cropping happens inside the models."""
    x = torch.randn(2, 3, h, w)
    for model in (
        build_lsm(LsmConfig(), _problem(h, w)),
        build_fno(FnoConfig(), _problem(h, w)),
        build_unet(UNetConfig(), _problem(h, w)),
    ):
        model.eval()
        assert model(x).shape == (2, 1, h, w)


def test_lsm_has_a_spectral_block_per_scale_and_unet_none():
    lsm = build_lsm(LsmConfig(), _problem(32, 32))
    unet = build_unet(UNetConfig(), _problem(32, 32))
    blocks = [m for m in lsm.modules() if isinstance(m, NeuralSpectralBlock)]
    assert [b.channels for b in blocks] == [8, 16, 32, 64, 64]
    assert all(b.patch == (2, 2) for b in blocks)
    assert not any(isinstance(m, NeuralSpectralBlock) for m in unet.modules())
    assert count_parameters(lsm) > count_parameters(unet)


def test_lsm_runs_at_a_second_resolution():
    """The notes' resolution sanity check: the same LSM runs at 64² and 96² (patch 6 vs 4)."""
    for size, patch in ((64, 4), (96, 6)):
        model = build_lsm(LsmConfig(patch=patch), _problem(size, size)).eval()
        assert model(torch.randn(1, 3, size, size)).shape == (1, 1, size, size)


def _band_limited(size: int, modes: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    coords = torch.arange(size, dtype=torch.float64) / size
    field = torch.zeros(size, size, dtype=torch.float64)
    for kx in range(-modes + 1, modes):
        for ky in range(0, modes):
            a, b = torch.randn(2, generator=g, dtype=torch.float64)
            phase = 2 * math.pi * (kx * coords[:, None] + ky * coords[None, :])
            field += a * torch.cos(phase) + b * torch.sin(phase)
    return field.float()


def test_fourier_layer_is_resolution_consistent():
    """FNO's defining property: on a band-limited periodic input, the Fourier layer computed at
    32² and subsampled equals the layer computed at 16² (the weights act on modes, not pixels)."""
    torch.manual_seed(0)
    layer = SpectralConv2d(2, 3, modes1=4, modes2=4)
    fine = torch.stack([_band_limited(32, 4, s) for s in (0, 1)])[None]
    coarse = fine[..., ::2, ::2]
    torch.testing.assert_close(layer(fine)[..., ::2, ::2], layer(coarse), atol=1e-4, rtol=1e-4)


def test_fourier_layer_is_shift_equivariant():
    torch.manual_seed(0)
    layer = SpectralConv2d(1, 1, modes1=6, modes2=6)
    x = torch.randn(1, 1, 16, 16)
    shifted = torch.roll(x, shifts=(3, 5), dims=(-2, -1))
    torch.testing.assert_close(
        layer(shifted), torch.roll(layer(x), shifts=(3, 5), dims=(-2, -1)), atol=1e-5, rtol=1e-5
    )


def test_fno_pads_only_non_periodic_axes():
    model = build_fno(FnoConfig(), _problem(17, 16, periodic=(False, True)))
    assert model.padding == (4, 0)
    assert build_fno(FnoConfig(padding=9), _problem(85, 85)).padding == (9, 9)
