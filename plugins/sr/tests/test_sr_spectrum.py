"""SR family: the patch spectrum transform, radial bands and band attenuation."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from spectral_harness_sr.spectrum import (
    HIGH,
    LOW,
    MID,
    attenuate_band,
    azimuthal_average,
    band_magnitude_rmse,
    band_mask,
    patch_power_spectrum,
    radial_frequency,
)


def _cosine(size: int, ky: int, kx: int) -> torch.Tensor:
    grid = torch.arange(size, dtype=torch.float64)
    y, x = torch.meshgrid(grid, grid, indexing="ij")
    return torch.cos(2 * math.pi * (ky * y + kx * x) / size)


@pytest.mark.parametrize("ky,kx", [(0, 3), (2, 5), (-4, 1), (6, 6)])
def test_pure_sinusoid_lands_in_expected_bins(ky: int, kx: int) -> None:
    patch = 16
    image = _cosine(patch, ky, kx).expand(1, 3, patch, patch).clone()
    spec = patch_power_spectrum(image, patch)[0, 0]
    centre = patch // 2  # fftshift puts DC at index N // 2
    expected = {(centre + ky, centre + kx), (centre - ky, centre - kx)}
    peaks = {tuple(int(i) for i in idx) for idx in torch.nonzero(spec > 0.5)}
    assert peaks == expected
    assert float(spec.max()) == pytest.approx(1.0, abs=1e-4)
    assert float(spec.min()) == pytest.approx(0.0, abs=1e-6)


def test_each_patch_has_its_own_spectrum() -> None:
    """Tiles are transformed separately and put back where they were."""
    patch = 8
    left, right = _cosine(patch, 0, 1), _cosine(patch, 3, 0)
    image = torch.cat([left, right], dim=1).expand(1, 1, patch, 2 * patch)
    spec = patch_power_spectrum(image, patch)[0, 0]
    assert torch.allclose(spec[:, :patch], patch_power_spectrum(left[None, None], patch)[0, 0])
    assert torch.allclose(spec[:, patch:], patch_power_spectrum(right[None, None], patch)[0, 0])


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    batch=st.integers(2, 5),
    index=st.integers(0, 1),
    gain=st.floats(0.1, 100.0),
)
def test_per_patch_normalisation_is_independent_of_the_batch(
    seed: int, batch: int, index: int, gain: float
) -> None:
    gen = torch.Generator().manual_seed(seed)
    images = torch.rand(batch, 3, 16, 16, generator=gen, dtype=torch.float64)
    images[1 - index] *= 50.0  # a very different neighbour must not change sample ``index``
    together = patch_power_spectrum(images, 8)[index]
    alone = patch_power_spectrum(images[index : index + 1], 8)[0]
    assert torch.allclose(together, alone, atol=1e-10)
    scaled = patch_power_spectrum(images[index : index + 1] * gain, 8)[0]
    assert torch.allclose(scaled, alone, atol=1e-3)  # min-max: invariant to contrast


def test_radius_definition_of_the_notes() -> None:
    """r = 0 at DC, 1/sqrt(2) at one axis's Nyquist, 1 at the corner (both Nyquist)."""
    n = 16
    shifted = radial_frequency(n, n, shifted=True)
    c = n // 2
    assert float(shifted[c, c]) == 0.0
    assert float(shifted[0, 0]) == pytest.approx(1.0)
    assert float(shifted[c, 0]) == pytest.approx(1 / math.sqrt(2))
    plain = radial_frequency(n, n, shifted=False)
    assert float(plain[0, 0]) == 0.0
    assert float(plain[c, c]) == pytest.approx(1.0)
    assert torch.allclose(torch.fft.fftshift(plain), shifted)


@settings(max_examples=15, deadline=None)
@given(h=st.integers(2, 40), w=st.integers(2, 40))
def test_radius_formula_and_band_partition(h: int, w: int) -> None:
    r = radial_frequency(h, w, shifted=False).double()
    fy = torch.fft.fftfreq(h, dtype=torch.float64)[:, None]
    fx = torch.fft.fftfreq(w, dtype=torch.float64)[None, :]
    expected = torch.sqrt((2 * fy) ** 2 + (2 * fx) ** 2) / math.sqrt(2)
    assert torch.allclose(r, expected, atol=1e-6)
    assert float(r.max()) <= 1.0 + 1e-6
    masks = [band_mask(h, w, band, shifted=False) for band in (LOW, MID, HIGH)]
    assert torch.equal(sum(m.int() for m in masks), torch.ones(h, w, dtype=torch.int))
    for band, mask in zip((LOW, MID, HIGH), masks, strict=True):
        inside = r[mask].float()
        assert bool((inside >= band[0] - 1e-6).all())
        assert bool((inside <= band[1] + 1e-6).all())


def test_attenuation_hits_only_its_band() -> None:
    low = _cosine(32, 0, 2)  # r = 2/16/sqrt2 ≈ 0.09
    high = _cosine(32, 14, 14)  # r = 14/16 = 0.875
    image = (low + high)[None, None]
    out = attenuate_band(image, (0.6, 1.0), 0.0)[0, 0]
    assert torch.allclose(out, low, atol=1e-6)
    out = attenuate_band(image, (0.0, 0.3), 0.5)[0, 0]
    assert torch.allclose(out, 0.5 * low + high, atol=1e-6)
    assert torch.allclose(attenuate_band(image, (0.0, 1.0), 1.0), image, atol=1e-6)


def test_band_rmse_and_profile() -> None:
    hr = _cosine(32, 0, 2) + _cosine(32, 14, 14)
    sr = _cosine(32, 0, 2)
    rmse = band_magnitude_rmse(sr, hr)
    assert rmse["low"] == pytest.approx(0.0, abs=1e-9)
    assert rmse["high"] > 0.1
    flat = torch.full((2, 9, 9), 3.0)
    assert torch.allclose(azimuthal_average(flat, 4), torch.full((2, 4), 3.0))
