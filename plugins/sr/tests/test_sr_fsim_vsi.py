"""FSIM(c) and VSI (``spectral_harness_sr.fsim_vsi``): identity and monotonicity on generated
images, the reference code's pre-processing, and agreement with the ``piq`` package (a test-only
reference: ``pip install -e plugins/sr[test]``; skipped without it) on random and real images.

``piq``'s ``__init__`` imports every metric, among them the learned ones that need
``torchvision``; FSIM and VSI need only torch, so :func:`piq_metrics` loads those two modules
without running that ``__init__`` when the plain import fails.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types

import numpy as np
import pytest
import torch
from skimage import data as skimage_data
from torch.nn import functional as F

from spectral_harness_sr.fsim_vsi import (
    average_subsample,
    downsample_factor,
    fsim,
    is_grey,
    phase_congruency,
    sdsp,
    vsi,
)
from spectral_harness_sr.task import image_metrics


def piq_metrics() -> tuple:
    """``(piq.fsim.fsim, piq.vsi.vsi)``; the test is skipped when ``piq`` is not installed."""
    spec = importlib.util.find_spec("piq")
    if spec is None or spec.submodule_search_locations is None:
        pytest.skip("piq is not installed (test-only reference: pip install -e plugins/sr[test])")
    try:
        piq = importlib.import_module("piq")
        return piq.fsim.fsim, piq.vsi.vsi
    except (ImportError, RuntimeError):  # torchvision missing, or built for another torch
        pass
    saved = {k: v for k, v in sys.modules.items() if k == "piq" or k.startswith("piq.")}
    package = types.ModuleType("piq")
    package.__path__ = list(spec.submodule_search_locations)
    sys.modules["piq"] = package
    try:
        fsim_module = importlib.import_module("piq.fsim")
        vsi_module = importlib.import_module("piq.vsi")
    finally:
        for name in [k for k in sys.modules if k == "piq" or k.startswith("piq.")]:
            del sys.modules[name]
        sys.modules.update(saved)
    return fsim_module.fsim, vsi_module.vsi


def noisy_pair(shape: tuple[int, ...], amount: float, seed: int) -> tuple[torch.Tensor, ...]:
    """A uniform random reference and the same plus Gaussian noise (float64, in [0, 1])."""
    generator = torch.Generator().manual_seed(seed)
    ref = torch.rand(shape, generator=generator, dtype=torch.float64)
    noise = torch.randn(shape, generator=generator, dtype=torch.float64)
    return (ref + amount * noise).clamp(0, 1), ref


def bicubic_pair(name: str, size: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """A scikit-image photograph (optionally its top-left ``size``²) and its bicubic ×4
    down-and-up version: the kind of pair an SR board scores."""
    image = getattr(skimage_data, name)()
    ref = torch.from_numpy(image.astype(np.float64) / 255.0).permute(2, 0, 1)[None]
    height, width = ref.shape[-2] // 4 * 4, ref.shape[-1] // 4 * 4
    if size:
        height = width = size
    ref = ref[..., :height, :width].contiguous()
    low = F.interpolate(ref, scale_factor=0.25, mode="bicubic", antialias=True)
    return F.interpolate(low, size=(height, width), mode="bicubic").clamp(0, 1), ref


@pytest.mark.parametrize("metric", [fsim, vsi], ids=["fsim", "vsi"])
def test_identity_scores_one_and_more_noise_scores_lower(metric) -> None:
    ref = noisy_pair((2, 3, 40, 52), 0.0, 0)[1]
    assert torch.allclose(metric(ref, ref), torch.ones(2, dtype=torch.float64))
    scores = [
        float(metric(*noisy_pair((1, 3, 40, 52), amount, 0))[0])
        for amount in (0.01, 0.05, 0.1, 0.3)
    ]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 4
    assert 0 < scores[-1] < 1


def test_downsampling_is_matlab_mean_then_every_fth_pixel() -> None:
    assert [downsample_factor(n, n + 1) for n in (100, 383, 384, 639, 640)] == [1, 1, 2, 2, 3]
    # F = 2: the 2 × 2 mean starting at each odd pixel (1-based), zeros beyond the edge
    ones = torch.ones(1, 1, 3, 3, dtype=torch.float64)
    assert average_subsample(ones, 2)[0, 0].tolist() == [[1.0, 0.5], [0.5, 0.25]]
    # F = 3: the 3 × 3 mean centred on pixels 1, 4, … (1-based), zeros beyond the edges
    ones = torch.ones(1, 1, 6, 6, dtype=torch.float64)
    expected = [[4 / 9, 6 / 9], [6 / 9, 1.0]]
    assert torch.allclose(average_subsample(ones, 3)[0, 0], torch.tensor(expected).double())


def test_phase_congruency_marks_an_edge_and_not_a_flat_region() -> None:
    step = torch.zeros(1, 1, 64, 128, dtype=torch.float64)
    step[..., 64:] = 255.0  # edges at column 64 and, periodically, at column 0
    pc = phase_congruency(step)[0, 0]
    assert pc.shape == (64, 128) and float(pc.min()) >= 0 and float(pc.max()) <= 1
    assert float(pc[:, 63:65].amax()) > 0.7 and float(pc[:, 16:48].mean()) < 0.25


def test_grey_reference_keeps_vsi_defined() -> None:
    # SDSP's warm-colour bias is 0/0 on a grey image: it is dropped for both images of the pair
    distorted, ref = noisy_pair((1, 1, 48, 48), 0.05, 1)
    grey_ref, grey_distorted = ref.expand(-1, 3, -1, -1), distorted.expand(-1, 3, -1, -1)
    assert is_grey(grey_ref).tolist() == [True]
    tinted = grey_distorted.clone()
    tinted[:, 0] = (tinted[:, 0] + 0.01).clamp(0, 1)  # an SR output is never exactly grey
    for x in (grey_distorted, tinted):
        score = float(vsi(x, grey_ref)[0])
        assert np.isfinite(score) and 0 < score < 1
    assert torch.isfinite(sdsp(grey_ref * 255.0, torch.tensor([False]))).all()


def test_bad_inputs_are_refused() -> None:
    ref = torch.rand(1, 3, 32, 32, dtype=torch.float64)
    with pytest.raises(ValueError, match="one shape"):
        fsim(ref, ref[..., :30])
    with pytest.raises(ValueError, match=r"\(B, 3, H, W\)"):
        vsi(ref[:, :1], ref[:, :1])  # VSI is defined on colour images only
    with pytest.raises(ValueError, match="at least 8"):
        fsim(ref[..., :6, :6], ref[..., :6, :6])


def test_image_metrics_report_fsim_and_vsi() -> None:
    distorted, ref = bicubic_pair("astronaut", 96)
    same = image_metrics(ref[0].float(), ref[0].float())
    worse = image_metrics(distorted[0].float(), ref[0].float())
    assert same["fsim"] == pytest.approx(1.0) and same["vsi"] == pytest.approx(1.0)
    assert 0 < worse["fsim"] < 1 and 0 < worse["vsi"] < 1


# Where the pipelines coincide (no resizing: images under 384 px for FSIM, exactly 256² for VSI's
# saliency), ours and piq's differ only by the reference code's details piq changed: real((S_I
# S_Q)^λ) vs |S_I S_Q|^λ for negative chroma products and YIQ rounding (FSIMc), the mean of the
# two middle values as the median, ε's. Elsewhere piq resizes differently (bilinear without
# antialiasing, align_corners=True, replicate padding before VSI's mean filter).
@pytest.mark.parametrize("shape", [(2, 3, 64, 80), (1, 3, 97, 120)], ids=["64x80", "97x120"])
def test_matches_piq_on_random_images(shape) -> None:
    piq_fsim, piq_vsi = piq_metrics()
    x, y = noisy_pair(shape, 0.1, 2)
    grey_x, grey_y = x.mean(dim=1, keepdim=True), y.mean(dim=1, keepdim=True)
    reference = piq_fsim(grey_x, grey_y, reduction="none", chromatic=False)
    assert torch.allclose(fsim(grey_x, grey_y), reference, atol=2e-5)
    assert torch.allclose(fsim(x, y), piq_fsim(x, y, reduction="none"), atol=5e-4)
    x, y = noisy_pair((2, 3, 256, 256), 0.1, 3)
    assert torch.allclose(vsi(x, y), piq_vsi(x, y, reduction="none"), atol=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["astronaut", "coffee", "chelsea"])
def test_matches_piq_on_real_images(name) -> None:
    piq_fsim, piq_vsi = piq_metrics()
    sr, hr = bicubic_pair(name)  # 512², 400 × 600 (F = 2 for FSIM) and 300 × 448
    assert float((fsim(sr, hr) - piq_fsim(sr, hr, reduction="none")).abs()) < 1e-5
    assert float((vsi(sr, hr) - piq_vsi(sr, hr, reduction="none")).abs()) < 1e-3
    sr, hr = bicubic_pair(name, 256)
    assert float((vsi(sr, hr) - piq_vsi(sr, hr, reduction="none")).abs()) < 1e-6
