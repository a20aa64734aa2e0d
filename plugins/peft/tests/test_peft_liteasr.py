"""LiteASR's defining properties: full rank reproduces a layer and a whole Whisper encoder
exactly; the rank is the energy threshold's; the low-rank layer is the projection of the outputs
on their principal subspace around the mean; bad thresholds are refused in one line."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from harness.testing import assert_refused
from spectral_harness_peft.asr_task import collect_inputs, linear_names
from spectral_harness_peft.liteasr import (
    DenseLinear,
    LowRankLinear,
    energy_rank,
    liteasr_compress,
    output_pca,
)
from spectral_harness_peft.whisper import WhisperEncoder


def _layer(d_in: int = 24, d_out: int = 16, seed: int = 0) -> tuple[nn.Linear, torch.Tensor]:
    torch.manual_seed(seed)
    return nn.Linear(d_in, d_out), torch.randn(300, d_in)


def test_full_rank_reproduces_the_layer_exactly():
    linear, x = _layer()
    layer = liteasr_compress(linear, x, theta=1.0, step=16, max_cost=10.0)
    assert isinstance(layer, LowRankLinear) and layer.rank == 16
    held_out = torch.randn(50, 24)
    with torch.no_grad():
        assert torch.allclose(layer(held_out), linear(held_out), atol=1e-5)


def test_full_rank_liteasr_reproduces_a_whisper_encoder_exactly():
    torch.manual_seed(0)
    encoder = WhisperEncoder(mels=8, d=16, heads=2, ffn=32, layers=2, positions=20).eval()
    torch.nn.init.normal_(encoder.positions)
    features = [torch.randn(8, 40) for _ in range(3)]
    names = linear_names(encoder)
    inputs = collect_inputs(encoder, names, features)
    compressed = WhisperEncoder(mels=8, d=16, heads=2, ffn=32, layers=2, positions=20).eval()
    compressed.load_state_dict(encoder.state_dict())
    for name in names:
        layer = liteasr_compress(encoder.get_submodule(name), torch.cat(inputs[name]), 1.0, 16, 10)
        parent, _, child = name.rpartition(".")
        setattr(compressed.get_submodule(parent), child, layer)
    probe = torch.randn(2, 8, 40)
    with torch.no_grad():
        assert torch.allclose(compressed(probe), encoder(probe), atol=1e-4)


def test_the_rank_is_the_smallest_multiple_of_the_step_above_the_energy_threshold():
    values = torch.tensor([50.0, 30.0, 10.0, 5.0, 3.0, 2.0])  # cumulative 0.5 0.8 0.9 0.95 0.98 1
    assert energy_rank(values, 0.85, step=1) == 3
    assert energy_rank(values, 0.97, step=1) == 5
    assert energy_rank(values, 0.85, step=2) == 4
    assert energy_rank(values, 1.0, step=2) == 6  # no multiple exceeds θ = 1: full rank


def test_the_layer_projects_its_outputs_on_their_principal_subspace_around_the_mean():
    linear, _ = _layer()
    torch.manual_seed(1)
    x = torch.randn(400, 3) @ torch.randn(3, 24)  # outputs span an affine 3-dim subspace
    layer = liteasr_compress(linear, x, theta=0.999999, step=1)
    assert layer.rank == 3 and layer.macs == 3 * (24 + 16)
    mean, _, vectors = output_pca(linear, x)
    basis = vectors[:, :3].float()
    held_out = torch.randn(20, 24)
    with torch.no_grad():
        y = linear(held_out)
        expected = mean.float() + (y - mean.float()) @ basis @ basis.T
        assert torch.allclose(layer(held_out), expected, atol=1e-4)
        assert torch.allclose(layer(x[:20]), linear(x[:20]), atol=1e-4)  # exact on its span


def test_a_layer_whose_factors_cost_more_stays_dense():
    linear, x = _layer(d_in=16, d_out=16)
    layer = liteasr_compress(linear, x, theta=1.0, step=16)  # 16 * 32 > 16 * 16
    assert isinstance(layer, DenseLinear) and layer.linear is linear


@pytest.mark.parametrize("theta", [0.0, 1.5, -0.1])
def test_a_bad_threshold_is_refused_in_one_line(theta):
    message = assert_refused("whisper_compression", "liteasr", method_overrides={"theta": theta})
    assert "\n" not in message
    assert_refused("whisper_compression", "liteasr", method_overrides={"theta_mlp": theta})
