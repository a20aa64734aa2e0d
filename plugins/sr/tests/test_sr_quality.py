"""The weight-free perceptual metrics (HaarPSI, MS-GMSD) on small generated images: the identity
scores best, stronger degradations score monotonically worse, and the values match the ``piq``
package's (0.8.0, float64) on a fixed image pair."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from spectral_harness_sr.quality import haarpsi, ms_gmsd, rgb_to_yiq
from spectral_harness_sr.task import image_metrics


def pattern(h: int = 48, w: int = 56) -> torch.Tensor:
    """A deterministic colour test image with edges and texture at several frequencies."""
    yy, xx = torch.meshgrid(
        torch.arange(h, dtype=torch.float64), torch.arange(w, dtype=torch.float64), indexing="ij"
    )
    r = (
        0.5
        + 0.3 * torch.sin(xx / 3.0) * torch.cos(yy / 5.0)
        + 0.15 * torch.sin((xx + 2 * yy) / 1.7)
    )
    g = 0.5 + 0.4 * torch.cos(xx / 7.0 + yy / 4.0)
    b = (xx + yy) / (h + w)
    return torch.stack([r, g, b])[None].clamp(0, 1)


def ripple(ref: torch.Tensor, amount: float) -> torch.Tensor:
    """A deterministic, noise-like perturbation of strength ``amount``."""
    wave = torch.sin(torch.arange(ref.numel(), dtype=torch.float64) * 1.3).reshape(ref.shape)
    return (ref + amount * wave).clamp(0, 1)


def blur(ref: torch.Tensor, passes: int) -> torch.Tensor:
    """``passes`` 3×3 box blurs (replicate border)."""
    out = ref
    for _ in range(passes):
        out = F.avg_pool2d(F.pad(out, [1, 1, 1, 1], mode="replicate"), 3, stride=1)
    return out


def test_identity_is_the_best_value() -> None:
    ref = pattern()
    assert float(haarpsi(ref, ref)[0]) == pytest.approx(1.0, abs=1e-9)
    assert float(ms_gmsd(ref, ref)[0]) == pytest.approx(0.0, abs=1e-12)
    for degraded in (ripple(ref, 0.02), blur(ref, 1)):
        assert float(haarpsi(degraded, ref)[0]) < 1.0
        assert float(ms_gmsd(degraded, ref)[0]) > 0.0


@pytest.mark.parametrize(
    "degrade, levels",
    [(ripple, [0.01, 0.03, 0.08, 0.2]), (blur, [1, 2, 4, 8])],
    ids=["noise", "blur"],
)
def test_stronger_degradations_score_monotonically_worse(degrade, levels) -> None:
    ref = pattern()
    scores = [float(haarpsi(degrade(ref, level), ref)[0]) for level in levels]
    deviations = [float(ms_gmsd(degrade(ref, level), ref)[0]) for level in levels]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == len(scores)
    assert deviations == sorted(deviations) and len(set(deviations)) == len(deviations)


def test_values_match_piq() -> None:
    # piq 0.8.0 (float64 inputs): piq.haarpsi / piq.multi_scale_gmsd(reduction="none") on this
    # pair give 0.9773126185929082 / 0.021045074508080016
    ref = pattern()
    dist = ripple(ref, 0.08)
    assert float(haarpsi(dist, ref)[0]) == pytest.approx(0.9773126185929082, abs=2e-6)
    assert float(ms_gmsd(dist, ref)[0]) == pytest.approx(0.021045074508080016, rel=1e-9)


def test_batch_and_grey_inputs() -> None:
    ref = pattern()
    batch = torch.cat([ripple(ref, 0.02), ripple(ref, 0.1)])
    both = haarpsi(batch, ref.expand(2, -1, -1, -1))
    assert both.shape == (2,) and both[0] > both[1]
    grey = ref.mean(dim=1, keepdim=True)
    assert float(haarpsi(grey, grey)[0]) == pytest.approx(1.0, abs=1e-9)
    assert torch.allclose(rgb_to_yiq(grey), grey)
    with pytest.raises(ValueError, match="at least"):
        haarpsi(ref[..., :12, :12], ref[..., :12, :12])
    with pytest.raises(ValueError, match="one shape"):
        ms_gmsd(ref, ref[..., :40])


def test_image_metrics_identity_and_degradation() -> None:
    ref = pattern(40, 44)[0].float()
    same = image_metrics(ref, ref)
    assert same["haarpsi"] == pytest.approx(1.0, abs=1e-6) and same["ms_gmsd"] == 0.0
    assert same["psnr_y"] == float("inf") and same["spec_dist"] == 0.0
    worse = image_metrics(blur(ref[None].double(), 2)[0].float(), ref)
    assert worse["haarpsi"] < 1.0 and worse["ms_gmsd"] > 0 and worse["rmse_high"] > 0
