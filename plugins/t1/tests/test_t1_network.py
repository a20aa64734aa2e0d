"""T1's defining properties: shapes in 1-D and 2-D, the first m modes only, the loss in the
transform domain, and the variance-preserving initialisation through depth."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from spectral_harness_t1.dct import dctn, idctn
from spectral_harness_t1.network import T1, channel_std, transform_domain_relative_l2
from spectral_harness_t1.speed import relative_l2

AXES = (-2, -1)


def model(grid=(16, 16), modes=6, **kwargs) -> T1:
    torch.manual_seed(0)
    return T1(3, 2, width=8, modes=modes, grid=grid, layers=3, **kwargs)


@pytest.mark.parametrize("grid", [(16, 16), (12, 20), (1, 256)], ids=["2d", "2d-rect", "1d"])
def test_output_has_the_input_grid_also_on_other_grids(grid):
    net = model(grid)
    for shape in (grid, (grid[0], 2 * grid[1]), (max(1, grid[0] // 2), 3)):
        x = torch.randn(4, 3, *shape)
        assert net(x).shape == (4, 2, *shape)
        assert torch.isfinite(net(x)).all()


def test_1d_grid_keeps_one_mode_along_the_unit_axis():
    net = model((1, 64), modes=10)
    assert net.modes == (1, 10)
    assert net.coefficients(torch.randn(2, 3, 1, 64)).shape == (2, 2, 1, 10)


def test_output_lives_in_the_first_modes_only():
    net = model()
    y = net(torch.randn(3, 3, 16, 16))
    spectrum = dctn(y, AXES)
    assert spectrum[..., 6:, :].abs().max() < 1e-4
    assert spectrum[..., :, 6:].abs().max() < 1e-4
    assert spectrum[..., :6, :6].abs().max() > 1e-2


def test_input_modes_beyond_m_do_not_change_the_output():
    """One transform at the input, truncated: content above the first m modes is dropped."""
    net = model()
    x = torch.randn(2, 3, 16, 16)
    high = torch.zeros_like(x)
    high[..., 9, 3] = 5.0  # a single DCT mode outside the kept 6 × 6
    high[..., 2, 12] = -3.0
    torch.testing.assert_close(net(x + idctn(high, AXES)), net(x), rtol=1e-4, atol=1e-4)
    low = torch.zeros_like(x)
    low[..., 2, 3] = 5.0
    assert (net(x + idctn(low, AXES)) - net(x)).abs().max() > 1e-3


def test_the_grid_loss_is_the_transform_domain_loss():
    """Parseval: the task's relative L2 on the field equals the paper's loss on the kept
    coefficients against the target's DCT, in value and in gradient."""
    x, y = torch.randn(4, 3, 16, 16), torch.randn(4, 2, 16, 16)
    grid_net, spectral_net = model(), model()
    grid_loss = relative_l2(grid_net(x), y).sum()
    spectral_loss = transform_domain_relative_l2(spectral_net.coefficients(x), y).sum()
    torch.testing.assert_close(grid_loss, spectral_loss, rtol=1e-5, atol=1e-6)
    grid_loss.backward()
    spectral_loss.backward()
    for a, b in zip(grid_net.parameters(), spectral_net.parameters(), strict=True):
        torch.testing.assert_close(a.grad, b.grad, rtol=1e-3, atol=1e-6)


def field_variance_through_depth(init: str, depth: int = 8, seeds: int = 4) -> list[float]:
    """Variance of the field the modes stand for (Parseval: ‖z‖² / N per point) after each of
    ``depth`` linear blocks without residual, relative to a white input's, averaged over seeds."""
    grid, modes, width = (32, 32), 8, 32
    ratios = torch.zeros(depth)
    for seed in range(seeds):
        torch.manual_seed(seed)
        net = T1(
            3, 1, width, modes, grid, layers=depth, init=init, activation="identity", residual=False
        )
        u = torch.randn(16, width, *grid)
        z = dctn(u, AXES)[..., :modes, :modes]
        for i, block in enumerate(net.blocks):
            z = block(z)
            ratios[i] += z.pow(2).mean() * modes * modes / (grid[0] * grid[1]) / u.pow(2).mean()
    return (ratios / seeds).tolist()


def test_vp_init_preserves_the_variance_through_depth():
    ratios = field_variance_through_depth("vp")
    assert all(0.7 < r < 1.4 for r in ratios), ratios


def test_naive_init_lets_the_variance_vanish_with_depth():
    ratios = field_variance_through_depth("naive", depth=5)
    assert ratios[0] < 1e-3 and ratios[-1] < 1e-15, ratios
    assert all(b < a * 1e-3 for a, b in itertools.pairwise(ratios)), ratios


def test_init_scales():
    # VP: N / (m · fan_in) where the truncation happens, 1 / fan_in after; naive: FNO's
    assert channel_std("vp", 16, 256, 64, first=True) == pytest.approx(math.sqrt(256 / 1024))
    assert channel_std("vp", 16, 256, 64, first=False) == pytest.approx(0.25)
    assert channel_std("naive", 16, 256, 64, first=True) == pytest.approx(1 / 256)
    with pytest.raises(ValueError, match="init='xavier'"):
        channel_std("xavier", 16, 256, 64, first=True)
