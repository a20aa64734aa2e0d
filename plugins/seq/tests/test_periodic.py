"""Periodic generation (slot ``sequence_generator``): the signal generator's spectra are the
closed-form ones, the Fourier decoder is exactly periodic and band-limited as constructed, the
slot's probe refuses what breaks the contract, bad configs are refused in one line, and a smoke
cell runs end to end with its spectra saved."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from harness import UserError, count_parameters
from harness.runner import TrainerOptions, make_cell, run_cell
from harness.specs import resolve
from harness.testing import assert_contract_error, assert_refused
from spectral_harness_seq.fourier_decoder import FourierDecoder, build_fourier_decoder
from spectral_harness_seq.generator_contract import SLOT_SPEC, GenProblem, check
from spectral_harness_seq.periodic import (
    FAMILIES,
    amplitude_spectrum,
    periodic_data,
    periodic_signals,
    shape_coefficients,
)
from spectral_harness_seq.periodic_claims import PLAIN_DECODERS
from spectral_harness_seq.periodic_config import FourierDecoderConfig, PeriodicGenConfig
from spectral_harness_seq.periodic_task import generation_scores

METHODS = ("fourier_decoder", *PLAIN_DECODERS)
PROBLEM = GenProblem(code_dim=7, latent_dim=3, length=16, horizon=32)
# the cpu problem: 8 latents + 4 families + 4 cycle counts, window 128
CPU_PROBLEM = GenProblem(code_dim=16, latent_dim=8, length=128, horizon=256)

# ------------------------------------------------------------------------------------------------
# The generator: known spectra
# ------------------------------------------------------------------------------------------------

SHAPES = {
    "square": lambda theta: np.sign(np.sin(theta)),
    "sawtooth": lambda theta: ((theta + np.pi) % (2 * np.pi) - np.pi) / np.pi,
    "triangle": lambda theta: 2 / np.pi * np.arcsin(np.sin(theta)),
}


@pytest.mark.parametrize("family", sorted(SHAPES))
def test_coefficients_are_the_shapes_fourier_series(family):
    """Many harmonics of c_n reproduce the textbook shape away from its jumps."""
    theta = np.linspace(0.3, 2 * np.pi - 0.3, 50)
    theta = theta[np.abs(theta - np.pi) > 0.3]
    c = shape_coefficients(family, 4000)
    series = np.sin(np.outer(theta, np.arange(1, 4001))) @ c
    np.testing.assert_allclose(series, SHAPES[family](theta), atol=2e-2)


@settings(max_examples=40, deadline=None)
@given(
    family=st.integers(0, len(FAMILIES) - 1),
    cycles=st.integers(1, 4),
    max_harmonic=st.integers(1, 6),
    amplitude=st.floats(0.1, 3.0),
    phase=st.floats(0, 2 * math.pi),
    extra=st.integers(0, 40),
)
def test_generated_spectra_are_the_closed_form_ones(
    family, cycles, max_harmonic, amplitude, phase, extra
):
    length = 2 * max_harmonic * cycles + 1 + extra
    x = periodic_signals(
        np.array([family]),
        np.array([cycles]),
        np.array([amplitude]),
        np.array([phase]),
        length=length,
        horizon=length,
        max_harmonic=max_harmonic,
    )[0]
    expected = amplitude_spectrum(
        FAMILIES[family], cycles, amplitude, length=length, max_harmonic=max_harmonic
    )
    np.testing.assert_allclose(np.abs(np.fft.rfft(x)) / length, expected, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(cycles=st.sampled_from([1, 2, 4, 8]), phase=st.floats(0, 2 * math.pi))
def test_generated_signals_repeat_exactly_every_period(cycles, phase):
    length = 64
    x = periodic_signals(
        np.arange(4),
        np.full(4, cycles),
        np.ones(4),
        np.full(4, phase),
        length=length,
        horizon=3 * length,
        max_harmonic=3,
    )
    period = length // cycles
    assert np.array_equal(x[:, period:], x[:, :-period])


def test_spectra_at_the_nyquist_bin_are_refused():
    with pytest.raises(ValueError, match="Nyquist"):
        amplitude_spectrum("square", 4, 1.0, length=64, max_harmonic=8)


def test_data_is_seeded_and_noisy_as_configured():
    kwargs = dict(
        cycles=(1, 2),
        length=32,
        horizon=64,
        max_harmonic=3,
        amplitude=(0.5, 1.5),
        noise=0.2,
    )
    a = periodic_data({"train": 400, "test": 10}, seed=3, **kwargs)
    b = periodic_data({"train": 400, "test": 10}, seed=3, **kwargs)
    c = periodic_data({"train": 400, "test": 10}, seed=4, **kwargs)
    assert a.checksum == b.checksum != c.checksum
    train = a.splits["train"]
    assert np.std(train.noisy - train.clean) == pytest.approx(0.2, rel=0.02)
    assert set(np.unique(train.family)) == set(range(len(FAMILIES)))
    assert train.amplitude.min() >= 0.5 and train.amplitude.max() <= 1.5


# ------------------------------------------------------------------------------------------------
# The Fourier decoder: periodic and band-limited by construction
# ------------------------------------------------------------------------------------------------


def _fourier(length: int, harmonics: int, min_harmonic: int, seed: int) -> FourierDecoder:
    torch.manual_seed(seed)
    return FourierDecoder(5, length, harmonics, min_harmonic, 16, 2, 1e-3)


@settings(max_examples=30, deadline=None)
@given(
    length=st.integers(8, 96),
    harmonics=st.integers(1, 6),
    min_harmonic=st.integers(0, 3),
    seed=st.integers(0, 1000),
)
def test_fourier_decoder_is_exactly_periodic(length, harmonics, min_harmonic, seed):
    decoder = _fourier(length, harmonics, min_harmonic, seed)
    with torch.no_grad():
        out = decoder(torch.randn(3, 5), 3 * length)
    assert torch.equal(out[:, length : 2 * length], out[:, :length])
    assert torch.equal(out[:, 2 * length :], out[:, :length])


@settings(max_examples=30, deadline=None)
@given(
    length=st.integers(16, 96),
    harmonics=st.integers(1, 6),
    min_harmonic=st.integers(0, 3),
    seed=st.integers(0, 1000),
)
def test_fourier_decoder_is_band_limited_to_its_grid(length, harmonics, min_harmonic, seed):
    """Its DFT over the window is (b_k − i a_k)·L/2 on the grid (L·b_0 at k = 0), zero off it."""
    decoder = _fourier(length, harmonics, min_harmonic, seed).double()
    code = torch.randn(3, 5, dtype=torch.float64)
    with torch.no_grad():
        spectrum = torch.fft.rfft(decoder(code, length)) / length
        coefficients = decoder.coefficients(code)
    expected = torch.zeros_like(spectrum)
    for j, k in enumerate(decoder.orders.tolist()):
        a, b = coefficients[:, j, 0], coefficients[:, j, 1]
        expected[:, k] = b if k == 0 else (b - 1j * a) / 2
    torch.testing.assert_close(spectrum, expected, atol=1e-10, rtol=0)


def test_the_orthogonality_penalty_vanishes_only_for_orthogonal_embeddings():
    decoder = _fourier(32, 4, 1, 0)
    with torch.no_grad():
        assert float(decoder.penalty()) > 0
        decoder.embedding.weight.copy_(torch.eye(4, 5) * 3.0)
        assert float(decoder.penalty()) == pytest.approx(0.0, abs=1e-7)


def test_a_grid_reaching_nyquist_is_refused_in_one_line():
    with pytest.raises(UserError, match=r"^method.harmonics=8 .* Nyquist bin 8") as info:
        build_fourier_decoder(FourierDecoderConfig(harmonics=8), PROBLEM)
    assert "\n" not in str(info.value)


# ------------------------------------------------------------------------------------------------
# The slot contract
# ------------------------------------------------------------------------------------------------


class _LengthAware(nn.Linear):
    """Reads the number of steps asked for: not prefix-consistent."""

    def forward(self, code: torch.Tensor, steps: int) -> torch.Tensor:
        return super().forward(code).expand(-1, steps) * steps


class _Constant(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, code: torch.Tensor, steps: int) -> torch.Tensor:
        return self.bias.expand(len(code), steps)


class _Short(nn.Linear):
    def forward(self, code: torch.Tensor, steps: int) -> torch.Tensor:
        return super().forward(code).expand(-1, steps)[:, :-1]


class _Exploding(nn.Linear):
    def forward(self, code: torch.Tensor, steps: int) -> torch.Tensor:
        return super().forward(code).expand(-1, steps) / 0.0


def _build(registry, method: str, problem: GenProblem) -> nn.Module:
    spec = registry.method(method, "sequence_generator")
    cfg = spec.config(name=method)
    if method == "fourier_decoder":
        cfg.harmonics = problem.length // 2 - 1
    return resolve(spec.build)(cfg, problem)


def test_the_slot_is_registered_with_this_contract(registry):
    assert registry.slots["sequence_generator"] is SLOT_SPEC
    assert resolve(SLOT_SPEC.check) is check
    assert set(registry.methods_for_slot("sequence_generator")) == set(METHODS)


@pytest.mark.parametrize("method", METHODS)
def test_every_method_passes_the_check(registry, method):
    model = _build(registry, method, PROBLEM)
    with torch.no_grad():
        check(model, PROBLEM)
    assert model.training, "the check restores the model's mode"


@pytest.mark.parametrize(
    ("component", "fragments"),
    [
        (_LengthAware(7, 1), ("not prefix-consistent", "first 1 steps")),
        (_Constant(), ("does not depend on the code",)),
        (_Short(7, 1), ("shape", "(3, 32)")),
        (_Exploding(7, 1), ("non-finite",)),
        (object(), ("nn.Module",)),
    ],
    ids=["reads-the-length", "ignores-the-code", "wrong-shape", "not-finite", "not-a-module"],
)
def test_broken_components_are_refused_in_one_line(component, fragments):
    with torch.no_grad():
        assert_contract_error("sequence_generator", component, PROBLEM, *fragments)


def test_the_plain_decoders_match_the_fourier_decoders_size(registry):
    """Equal budgets on the cpu problem (32 harmonics): within 5 % of the Fourier decoder."""
    spec = registry.method("fourier_decoder", "sequence_generator")
    cfg = spec.config(name="fourier_decoder", harmonics=spec.scales["cpu"]["harmonics"])
    fourier = count_parameters(resolve(spec.build)(cfg, CPU_PROBLEM))
    for method in PLAIN_DECODERS:
        size = count_parameters(_build(registry, method, CPU_PROBLEM))
        assert abs(size - fourier) <= 0.05 * fourier, (method, size, fourier)


# ------------------------------------------------------------------------------------------------
# The task
# ------------------------------------------------------------------------------------------------


class _Zero(nn.Module):
    def decode(self, z: torch.Tensor, cond: torch.Tensor, steps: int) -> torch.Tensor:
        return torch.zeros(len(z), steps)


def test_generation_error_of_silence_is_the_spectrum_mass_and_the_floor_is_small():
    cfg = PeriodicGenConfig(
        length=64, max_cycles=2, max_harmonic=4, n_train=1, n_val=1, n_test=1, gen_samples=256
    )
    data = periodic_data(
        {"train": 1},
        cycles=(1, 2),
        length=64,
        horizon=128,
        max_harmonic=4,
        amplitude=(0.5, 1.5),
        noise=0.1,
        seed=0,
    )
    saved = {}
    ctx = SimpleNamespace(device=torch.device("cpu"), save_arrays=lambda n, **a: saved.update(a))
    scores = generation_scores(_Zero(), data, cfg, ctx)
    truth = saved["truth"]
    assert scores["gen_spectral_l1"] == pytest.approx(truth.sum(-1).mean())
    assert scores["gen_spectral_l1_floor"] < 0.05 * scores["gen_spectral_l1"]
    assert saved["generated"].shape == (len(FAMILIES), 2, 33)


def test_task_and_claims_are_registered(registry):
    spec = registry.task("periodic_gen")
    assert spec.slot == "sequence_generator" and spec.primary == "gen_spectral_l1"
    assert set(spec.scales) == {"smoke", "cpu", "full"}
    claims = [c for c in registry.claims.values() if c.task == "periodic_gen"]
    assert {c.id for c in claims} >= {f"fourier-vs-{b}-gen-spectral" for b in PLAIN_DECODERS}
    for claim in claims:
        assert claim.method == "fourier_decoder"
        baselines = claim.baseline if isinstance(claim.baseline, tuple) else (claim.baseline,)
        assert set(baselines) <= set(PLAIN_DECODERS)
        assert spec.declares(claim.metric)


def test_smoke_cell_end_to_end(registry, settings):
    cell = make_cell(
        registry, "periodic_gen", "fourier_decoder", trainer=TrainerOptions(num_threads=1)
    )
    record = run_cell(cell, registry, settings)
    assert record.status == "ok", record.error
    for name in ("gen_spectral_l1", "spectral_l1", "recon_mse", "extrap_mse", "impute_mse"):
        assert math.isfinite(record.metrics[name]) and record.metrics[name] >= 0, name
    assert 0 < record.metrics["decoder_params"] < record.metrics["params"]
    assert {"generation_spectrum", "reconstruction_spectrum"} <= set(record.artifacts)
    assert record.data, "the run must record its data checksum"


@pytest.mark.parametrize(
    ("method", "task_overrides", "method_overrides", "match"),
    [
        ("fourier_decoder", {"max_harmonic": 8}, {}, r"^task.max_harmonic=8 × .*Nyquist"),
        ("fourier_decoder", {"amplitude_min": 2.0}, {}, r"^task.amplitude_min=2.0 exceeds"),
        ("fourier_decoder", {"impute_keep": 1.0}, {}, None),
        ("fourier_decoder", {}, {"harmonics": 0}, None),
        ("transformer_decoder", {}, {"width": 20, "heads": 3}, r"^method.width=20 must be"),
        ("gru_decoder", {}, {"width": 0}, None),
    ],
)
def test_bad_config_values_are_refused_in_one_line(
    registry, method, task_overrides, method_overrides, match
):
    assert_refused(
        "periodic_gen",
        method,
        task_overrides=task_overrides,
        method_overrides=method_overrides,
        match=match,
        registry=registry,
    )
