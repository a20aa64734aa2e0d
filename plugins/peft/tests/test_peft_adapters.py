"""Adapters: each starts at the pretrained function (the slot's check), trains only what it says,
and has its defining property: FourierFT's ΔW is the inverse DFT of its sparse spectrum (equal
to peft's), SpectralFT's gradient reaches its factors and its minor part is kept, Spectrum picks
by the Marchenko–Pastur SNR."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from peft_fixtures import tiny_problem

from harness import ContractError
from spectral_harness_peft import adapters
from spectral_harness_peft.contract import Adapted, check_adapter
from spectral_harness_peft.spectra import layer_snr, snr_ratio

CONFIGS = {
    "head_only": SimpleNamespace(),
    "full_ft": SimpleNamespace(lr=1e-4),
    "lora": SimpleNamespace(rank=2, alpha=4.0, targets="query,value", lr=1e-3),
    "fourierft": SimpleNamespace(
        n_frequency=20, scaling=150.0, entry_seed=777, targets="query,value", lr=0.05
    ),
    "fourierft_peft": SimpleNamespace(
        n_frequency=20, scaling=150.0, entry_seed=777, targets="query,value", lr=0.05
    ),
    "spectralft": SimpleNamespace(k=4, rank=2, targets="query,value", lr=1e-3),
    "spectrum": SimpleNamespace(fraction=0.5, selection="snr", lr=1e-4),
}


@pytest.fixture
def problem():
    """A fresh tiny adaptation problem."""
    return tiny_problem()


def build(method: str, problem):
    return getattr(adapters, f"build_{method}")(CONFIGS[method], problem)


def train_one_step(adapted: Adapted, problem) -> None:
    params = [p for g in adapted.groups for p in g["params"]]
    optimizer = torch.optim.SGD(params, lr=0.5)
    ids, mask = problem.probe
    adapted.encoder(ids, mask).pow(2).sum().backward()
    optimizer.step()


@pytest.mark.parametrize("method", sorted(CONFIGS))
def test_every_adapter_starts_at_the_pretrained_output(method, problem):
    adapted = build(method, problem)
    with torch.no_grad():
        check_adapter(adapted, problem)


@pytest.mark.parametrize("method", sorted(set(CONFIGS) - {"head_only"}))
def test_one_step_moves_the_output_and_only_the_trainable_weights(method, problem):
    adapted = build(method, problem)
    frozen = {
        n: p.detach().clone() for n, p in adapted.encoder.named_parameters() if not p.requires_grad
    }
    train_one_step(adapted, problem)
    for _ in range(2 if method in ("lora", "spectralft") else 0):  # B = 0 at start: A moves next
        train_one_step(adapted, problem)
    with torch.no_grad():
        moved = adapted.encoder(*problem.probe)
    assert not torch.allclose(moved, problem.probe_output, atol=1e-6)
    for name, p in adapted.encoder.named_parameters():
        if name in frozen:
            assert torch.equal(p, frozen[name]), name


def test_head_only_trains_nothing_in_the_encoder(problem):
    adapted = build("head_only", problem)
    assert adapted.groups == []
    assert not any(p.requires_grad for p in adapted.encoder.parameters())


def test_parameter_counts_match_the_papers_formulas(problem):
    lora = build("lora", tiny_problem())
    fourier = build("fourierft", tiny_problem())
    spectral = build("spectralft", tiny_problem())
    layers, d = 4, 16  # query and value in two layers, 16 × 16
    count = lambda a: sum(p.numel() for g in a.groups for p in g["params"])  # noqa: E731
    assert count(lora) == layers * 2 * (d + d)
    assert count(fourier) == layers * 20
    assert count(spectral) == layers * 2 * (d * 2 + 2 * 4)


@settings(max_examples=15, deadline=None)
@given(
    d_out=st.integers(3, 9), d_in=st.integers(3, 9), n=st.integers(1, 9), seed=st.integers(0, 99)
)
def test_fourier_delta_is_the_inverse_dft_of_the_sparse_spectrum(d_out, d_in, n, seed):
    n = min(n, d_out * d_in)
    base = torch.nn.Linear(d_in, d_out)
    entries = adapters.fourier_entries(d_out, d_in, n, seed)
    layer = adapters.FourierLinear(base, entries, scaling=2.5)
    with torch.no_grad():
        layer.spectrum.copy_(torch.randn(n, generator=torch.Generator().manual_seed(seed)))
    p = torch.arange(d_out, dtype=torch.float64)[:, None, None]
    q = torch.arange(d_in, dtype=torch.float64)[None, :, None]
    u, v = entries.double()
    phase = 2 * math.pi * (p * u / d_out + q * v / d_in)
    expected = 2.5 * (layer.spectrum.detach().double() * torch.cos(phase)).sum(-1) / (d_out * d_in)
    assert torch.allclose(layer.delta_weight().double(), expected, atol=1e-6)
    assert len({(int(a), int(b)) for a, b in entries.T}) == n


def test_our_fourierft_equals_peft_fourierft():
    ours = build("fourierft", tiny_problem())
    theirs = build("fourierft_peft", tiny_problem())
    name = "encoder.layer.1.attention.self.value"
    mine, peft_layer = ours.encoder.get_submodule(name), theirs.encoder.get_submodule(name)
    coefficients = torch.randn(20)
    with torch.no_grad():
        mine.spectrum.copy_(coefficients)
        peft_layer.fourierft_spectrum["default"].copy_(coefficients)
    assert torch.equal(mine.entries, peft_layer.indices["default"])
    assert torch.allclose(mine.delta_weight(), peft_layer.get_delta_weight("default"), atol=1e-7)
    x = torch.randn(5, 16)
    assert torch.allclose(mine(x), peft_layer(x), atol=1e-6)


def test_spectralft_keeps_the_minor_part_and_its_factors_get_gradients():
    base = torch.nn.Linear(12, 10)
    layer = adapters.SpectralLinear(base, k=4, r=2, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(layer.weight(), base.weight, atol=1e-5)
    assert torch.allclose(layer.u.T @ layer.minor, torch.zeros(4, 12), atol=1e-5)
    assert torch.linalg.matrix_rank(layer.minor) == 6  # W_m kept (the reference code drops it)
    layer(torch.randn(3, 12)).sum().backward()
    assert layer.b_u.grad.abs().sum() > 0 and layer.b_v.grad.abs().sum() > 0
    with torch.no_grad():
        layer.b_u.add_(0.1)
        layer.b_v.add_(0.1)
    layer.zero_grad()
    layer(torch.randn(3, 12)).sum().backward()
    assert layer.a_u.grad.abs().sum() > 0 and layer.a_v.grad.abs().sum() > 0


def test_snr_ranks_a_low_rank_signal_above_noise_and_the_score_scales_inversely():
    generator = torch.Generator().manual_seed(0)
    noise = torch.randn(64, 48, generator=generator)
    spike = torch.randn(64, 2, generator=generator) @ torch.randn(2, 48, generator=generator)
    assert snr_ratio(noise + 3 * spike)[0] > 2 * snr_ratio(noise)[0]
    assert math.isclose(layer_snr(noise / 4), 4 * layer_snr(noise), rel_tol=1e-9)
    assert math.isclose(layer_snr(noise.T), layer_snr(noise), rel_tol=1e-9)


def test_spectrum_selects_per_module_type():
    problem = tiny_problem()
    top = adapters.spectrum_selection(problem, 0.5, "snr", seed=0)
    bottom = adapters.spectrum_selection(problem, 0.5, "bottom", seed=0)
    assert len(top) == 6 and not set(top) & set(bottom)  # one of two layers, six kinds
    kinds = {name.split("layer.")[1].split(".", 1)[1] for name in top}
    assert len(kinds) == 6
    for name in top:
        twin = (
            name.replace("layer.0", "layer.1")
            if "layer.0" in name
            else name.replace("layer.1", "layer.0")
        )
        assert top[name] >= layer_snr(problem.encoder.get_submodule(twin).weight)
    assert adapters.spectrum_selection(problem, 0.5, "random", 3) == adapters.spectrum_selection(
        problem, 0.5, "random", 3
    )


def test_the_check_refuses_an_adapter_that_moves_the_start(problem):
    adapted = build("fourierft", problem)
    with torch.no_grad():
        for module in adapted.encoder.modules():
            if isinstance(module, adapters.FourierLinear):
                module.spectrum.fill_(1.0)
        with pytest.raises(ContractError, match="equal the pretrained one at initialisation"):
            check_adapter(adapted, problem)


def test_the_check_refuses_groups_that_miss_a_trainable_parameter(problem):
    adapted = build("lora", problem)
    adapted.groups[0]["params"] = adapted.groups[0]["params"][1:]
    with torch.no_grad(), pytest.raises(ContractError, match="exactly the"):
        check_adapter(adapted, problem)
