"""Weight- and activation-spectrum kernels against exact answers: ESDs, Marchenko–Pastur edges,
Hill/MLE exponents on exact power laws, FARMS windows, Spectrum's SNR, effective ranks, and the
streaming covariance of activation taps."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.weight_spectra import (
    ActivationTaps,
    StreamingCovariance,
    esd,
    farms_esd,
    hard_rank,
    hill_alpha,
    mle_alpha,
    mp_singular_edge,
    power_law_fit,
    soft_rank,
    spectrum_snr,
    weight_matrices,
)

SEEDS = st.integers(0, 2**31 - 1)


def _pareto_quantiles(n: int, alpha: float) -> torch.Tensor:
    """n exact quantiles of the density p(λ) ∝ λ^−α on [1, ∞)."""
    u = (torch.arange(n, dtype=torch.float64) + 0.5) / n
    return u ** (-1 / (alpha - 1))


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 40), st.integers(2, 40), SEEDS)
def test_esd_is_the_spectrum_of_wtw(rows, cols, seed):
    w = torch.randn(rows, cols, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    exact = torch.linalg.eigvalsh(w.T @ w).flip(0)[: min(rows, cols)]
    assert torch.allclose(esd(w), exact, atol=1e-9)


def test_conv_kernels_are_read_as_out_by_fan_in():
    conv = torch.nn.Conv2d(3, 8, 3)
    names = dict(weight_matrices(conv))
    assert names["weight"].shape == (8, 27)
    assert "bias" not in names


def test_the_top_singular_value_of_noise_sits_at_the_mp_edge():
    g = torch.Generator().manual_seed(0)
    w = 0.5 * torch.randn(2000, 500, generator=g, dtype=torch.float64)
    top = float(torch.linalg.svdvals(w)[0])
    assert top == pytest.approx(mp_singular_edge(0.5, 2000, 500), rel=0.02)


@settings(max_examples=20, deadline=None)
@given(st.floats(1.5, 6.0), st.floats(1e-3, 1e3))
def test_hill_recovers_an_exact_power_law_and_ignores_scale(alpha, scale):
    lam = _pareto_quantiles(20000, alpha)
    assert hill_alpha(lam) == pytest.approx(alpha, rel=0.02)
    assert hill_alpha(scale * lam) == pytest.approx(hill_alpha(lam), rel=1e-9)


def test_mle_recovers_a_power_law_tail_above_a_bulk():
    tail = _pareto_quantiles(2000, 3.0) * 2.0  # x_min = 2
    bulk = torch.linspace(0.1, 1.9, 500, dtype=torch.float64)
    alpha, xmin = mle_alpha(torch.cat([bulk, tail]))
    assert alpha == pytest.approx(3.0, rel=0.05)
    assert xmin == pytest.approx(2.0, rel=0.05)


def test_hill_refuses_a_k_it_cannot_use():
    with pytest.raises(ValueError, match="1 <= k"):
        hill_alpha(torch.ones(4, dtype=torch.float64), k=4)


@settings(max_examples=10, deadline=None)
@given(st.sampled_from([64, 128, 256, 512]), SEEDS)
def test_farms_windows_share_one_mp_law_whatever_the_shape(cols, seed):
    g = torch.Generator().manual_seed(seed)
    w = torch.randn(512, cols, generator=g, dtype=torch.float64)
    pooled = farms_esd(w, rows=64, aspect=1.0)
    # each 64 × 64 window: eigenvalues of XXᵀ/64 average the entries' variance (1)
    assert float(pooled.mean()) == pytest.approx(1.0, rel=0.05)
    assert float(pooled.max()) < (1 + 1) ** 2 * 1.3  # MP edge (1 + √1)² for square windows


def test_farms_on_one_window_is_the_plain_esd():
    w = torch.randn(32, 32, dtype=torch.float64)
    assert torch.allclose(farms_esd(w, overlap=0.0), esd(w) / 32)


def test_spectrum_snr_follows_its_definition():
    s = torch.tensor([10.0, 3.0, 0.5, 0.4, 0.3], dtype=torch.float64)
    w = torch.zeros(5, 8, dtype=torch.float64)
    w[range(5), range(5)] = s
    q1, q3 = torch.quantile(s, torch.tensor([0.25, 0.75], dtype=torch.float64))
    tau = float(q3 - q1) / 1.349 * (1 + math.sqrt(5 / 8))
    signal, noise = float(s[s > tau].sum()), float(s[s <= tau].sum())
    out = spectrum_snr(w)
    assert out["threshold"] == pytest.approx(tau)
    assert out["snr"] == pytest.approx(signal / noise)
    assert out["score"] == pytest.approx(signal / noise / 10.0)


def test_a_spike_raises_the_snr_of_noise():
    g = torch.Generator().manual_seed(1)
    noise = torch.randn(200, 100, generator=g, dtype=torch.float64) * 0.1
    u, v = torch.randn(200, 1, dtype=torch.float64), torch.randn(1, 100, dtype=torch.float64)
    assert spectrum_snr(noise + u @ v)["snr"] > 2 * spectrum_snr(noise)["snr"]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0.0, 100.0), min_size=1, max_size=50).filter(lambda x: sum(x) > 1e-6))
def test_hard_rank_never_exceeds_soft_rank(values):
    lam = torch.tensor(values, dtype=torch.float64)
    positive = int((lam > 0).sum())
    assert 1 - 1e-9 <= hard_rank(lam) <= soft_rank(lam) + 1e-9
    assert soft_rank(lam) <= positive + 1e-9


@settings(deadline=None)  # timing on a loaded machine is not the property
@given(st.integers(1, 100))
def test_flat_spectra_have_rank_equal_to_their_size(k):
    lam = torch.ones(k, dtype=torch.float64)
    assert soft_rank(lam) == pytest.approx(k) and hard_rank(lam) == pytest.approx(k)


@settings(deadline=None)
@given(st.floats(-3, 3), st.floats(0.1, 10))
def test_power_law_fit_recovers_an_exact_law(slope, a):
    x = torch.tensor([64.0, 128, 256, 512, 1024], dtype=torch.float64)
    fit = power_law_fit(x, a * x**slope)
    assert fit.slope == pytest.approx(slope, abs=1e-9)
    assert math.exp(fit.log_a) == pytest.approx(a, rel=1e-9)
    assert fit.r2 == pytest.approx(1.0)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(1, 20), min_size=1, max_size=5), SEEDS)
def test_streaming_covariance_matches_the_batch_covariance(sizes, seed):
    g = torch.Generator().manual_seed(seed)
    batches = [torch.randn(n, 2, 4, generator=g, dtype=torch.float64) for n in sizes]
    acc = StreamingCovariance()
    for batch in batches:
        acc.update(batch)
    rows = torch.cat(batches).reshape(-1, 4)
    assert acc.count == rows.shape[0]
    assert torch.allclose(acc.covariance(), torch.cov(rows.T, correction=0), atol=1e-10)


def test_activation_taps_follow_the_name_pattern_and_unhook():
    model = torch.nn.Sequential(
        torch.nn.Linear(3, 6), torch.nn.ReLU(), torch.nn.Linear(6, 6), torch.nn.ReLU()
    ).double()
    x = torch.randn(50, 3, dtype=torch.float64)
    with ActivationTaps(model, r"^[13]$") as taps:
        model(x)
    assert set(taps.stats) == {"1", "3"}
    hidden = torch.relu(model[0](x))
    assert torch.allclose(taps.stats["1"].covariance(), torch.cov(hidden.T, correction=0))
    model(x)  # the hooks are gone
    assert taps.stats["1"].count == 50
    with pytest.raises(ValueError, match="no module"), ActivationTaps(model, "attention"):
        pass
