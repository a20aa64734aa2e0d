"""SR family: discriminators, RaGAN losses and one adversarial step of each kind."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from spectral_harness_sr import (
    SR_SCALES,
    DualConfig,
    NoneConfig,
    ReducedSpectrumConfig,
    SpatialConfig,
    SpectralConfig,
    SrX4Config,
)
from spectral_harness_sr.images import bicubic_down, psnr_y, rgb_to_y
from spectral_harness_sr.methods import (
    DiscProblem,
    build_dual,
    build_none,
    build_reduced_spectrum,
    build_spatial,
    build_spectral,
    ragan_d_loss,
    ragan_g_loss,
)
from spectral_harness_sr.networks import RRDBNet
from spectral_harness_sr.task import adversarial_step, l1_weight_of

PROBLEM = DiscProblem(image_size=32, patch=8, embed_dim=16, depths=(1, 1), heads=(2, 2))
BUILDERS = {
    "spatial": (build_spatial, SpatialConfig()),
    "spectral": (build_spectral, SpectralConfig()),
    "reduced_spectrum": (build_reduced_spectrum, ReducedSpectrumConfig(bins=8, hidden=16)),
    "dual": (build_dual, DualConfig()),
}


def _batch(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    hr = torch.rand(4, 3, 32, 32, generator=gen)
    return bicubic_down(hr), hr


def test_members_and_weights() -> None:
    assert len(build_none(NoneConfig(), PROBLEM)) == 0
    dual = build_dual(DualConfig(spatial_weight=1.0, spectral_weight=3.0), PROBLEM)
    assert set(dual.members) == {"spatial", "spectral"}
    assert dual.weights == pytest.approx({"spatial": 0.25, "spectral": 0.75})
    assert build_dual(DualConfig(), PROBLEM).weights == {"spatial": 0.5, "spectral": 0.5}
    x = torch.rand(3, 3, 32, 32)
    logits = dual(x)
    expected = 0.25 * logits["spatial"] + 0.75 * logits["spectral"]
    assert torch.allclose(dual.combined(x), expected)


def test_spectral_member_sees_only_the_patch_spectra() -> None:
    """A spectral D is blind to a circular shift inside a patch (power spectra are shift
    invariant); the spatial D is not."""
    torch.manual_seed(0)
    spectral = build_spectral(SpectralConfig(), PROBLEM).eval()
    spatial = build_spatial(SpatialConfig(), PROBLEM).eval()
    x = torch.rand(2, 3, 32, 32)
    tiles = x.reshape(2, 3, 4, 8, 4, 8).roll(shifts=(3, 5), dims=(3, 5)).reshape(2, 3, 32, 32)
    with torch.no_grad():
        assert torch.allclose(spectral(x)["spectral"], spectral(tiles)["spectral"], atol=1e-5)
        assert not torch.allclose(spatial(x)["spatial"], spatial(tiles)["spatial"], atol=1e-5)


def test_ragan_losses_are_mirrored() -> None:
    real, fake = torch.tensor([2.0, 1.0]), torch.tensor([-1.0, 0.5])
    assert float(ragan_d_loss(real, fake)) == pytest.approx(float(ragan_g_loss(fake, real)))
    assert float(ragan_d_loss(real, fake)) < float(ragan_g_loss(real, fake))


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_discriminator_step_reduces_its_loss(name: str) -> None:
    torch.manual_seed(1)
    build, cfg = BUILDERS[name]
    discs = build(cfg, PROBLEM)
    lr, hr = _batch()
    fake = RRDBNet(1, 8, 8)(lr).detach()

    def loss() -> torch.Tensor:
        real_logits, fake_logits = discs(hr), discs(fake)
        return sum(ragan_d_loss(real_logits[k], fake_logits[k]) for k in discs.weights)

    optimizer = torch.optim.Adam(discs.parameters(), lr=1e-3)
    before = loss()
    optimizer.zero_grad()
    before.backward()
    optimizer.step()
    assert float(loss().detach()) < float(before.detach())


@pytest.mark.parametrize("name", ["none", *sorted(BUILDERS)])
def test_generator_step_reduces_its_loss(name: str) -> None:
    torch.manual_seed(2)
    cfg = dataclasses.replace(SrX4Config(), **SR_SCALES["smoke"])
    discs = (
        build_none(NoneConfig(), PROBLEM)
        if name == "none"
        else BUILDERS[name][0](BUILDERS[name][1], PROBLEM)
    )
    generator = RRDBNet(1, 8, 8)
    lr, hr = _batch()

    def g_loss() -> float:
        with torch.no_grad():
            sr = generator(lr)
            total = l1_weight_of(cfg) * torch.nn.functional.l1_loss(sr, hr)
            if len(discs):
                real, fake = discs(hr), discs(sr)
                total += cfg.gan_weight * sum(
                    w * ragan_g_loss(real[k], fake[k]) for k, w in discs.weights.items()
                )
        return float(total)

    opt_g = torch.optim.Adam(generator.parameters(), lr=1e-3)
    before = g_loss()
    state = {k: v.clone() for k, v in discs.state_dict().items()}
    # no discriminator optimiser: the step updates G only, so the loss is comparable
    out = adversarial_step(generator, discs, opt_g, None, lr, hr, cfg)
    assert out["loss_g"] == pytest.approx(before, rel=1e-5)
    assert float(g_loss()) < before
    assert all(torch.equal(state[k], v) for k, v in discs.state_dict().items())


def test_y_psnr_conventions() -> None:
    white = torch.ones(3, 8, 8)
    y = rgb_to_y(white)
    assert y.min() == pytest.approx(235.0)
    assert psnr_y(y, y) == float("inf")
    assert psnr_y(y, y - 1.0) == pytest.approx(48.1308, abs=1e-3)
    assert bicubic_down(torch.rand(1, 3, 36, 40)).shape == (1, 3, 9, 10)


@pytest.fixture(autouse=True)
def one_thread():
    """Two shared cores: keep torch to one thread inside these tests."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
