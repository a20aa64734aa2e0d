"""Compressors: RTN's grid, EoRA's exactness at full rank and optimality against plain SVD on the
calibration inputs, ResQ's orthogonal PCA basis, and the slot's check."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from harness import ContractError
from spectral_harness_peft import compressors
from spectral_harness_peft.compressors import (
    eigen_compensation,
    quantize_rows,
    resq_basis,
    svd_compensation,
)
from spectral_harness_peft.contract import CompressProblem, check_compressor


def layer_and_inputs(d_out: int, d_in: int, seed: int, outliers: int = 0):
    generator = torch.Generator().manual_seed(seed)
    linear = torch.nn.Linear(d_in, d_out)
    with torch.no_grad():
        linear.weight.copy_(torch.randn(d_out, d_in, generator=generator))
    mixing = torch.randn(d_in, d_in, generator=generator)
    x = torch.randn(4 * d_in, d_in, generator=generator) @ mixing
    x[:, :outliers] *= 20
    return linear, x


def problem(bits=3, rank=4, act_bits=None) -> CompressProblem:
    linear, x = layer_and_inputs(10, 12, 0)
    return CompressProblem(bits, rank, act_bits, linear, x)


BUILDS = {
    "rtn": SimpleNamespace(),
    "rtn_svd": SimpleNamespace(),
    "eora": SimpleNamespace(),
    "resq": SimpleNamespace(fraction=0.125, high_bits=8, rotation_seed=0),
}


def compress(method: str, p: CompressProblem):
    return getattr(compressors, f"build_{method}")(BUILDS[method], p)


@pytest.mark.parametrize("act_bits", [None, 4])
@pytest.mark.parametrize("method", sorted(BUILDS))
def test_every_compressor_passes_the_slot_check(method, act_bits):
    p = problem(act_bits=act_bits)
    check_compressor(compress(method, p), p)


@settings(max_examples=25, deadline=None)
@given(bits=st.integers(2, 8), seed=st.integers(0, 999))
def test_rtn_uses_at_most_2_to_the_bits_levels_per_row_within_half_a_step(bits, seed):
    w = torch.randn(6, 40, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    q = quantize_rows(w, bits)
    step = (w.amax(1) - w.amin(1)) / (2**bits - 1)
    assert ((q - w).abs() <= step[:, None] / 2 + 1e-12).all()
    assert all(len(torch.unique(row)) <= 2**bits for row in q)


@settings(max_examples=20, deadline=None)
@given(d_out=st.integers(2, 12), d_in=st.integers(2, 12), seed=st.integers(0, 999))
def test_eora_at_full_rank_recovers_the_uncompressed_layer_exactly(d_out, d_in, seed):
    linear, x = layer_and_inputs(d_out, d_in, seed)
    layer = compress("eora", CompressProblem(2, max(d_out, d_in), None, linear, x))(linear, x)
    with torch.no_grad():
        y = linear(x)
        assert torch.allclose(layer(x), y, rtol=1e-4, atol=1e-3 * float(y.abs().max()))
    w = linear.weight.detach().double()
    delta = w - quantize_rows(w, 2)
    b, a = eigen_compensation(delta, x, min(d_out, d_in))
    assert torch.allclose(b @ a, delta, atol=1e-8)


@settings(max_examples=20, deadline=None)
@given(rank=st.integers(0, 8), seed=st.integers(0, 999))
def test_eora_never_loses_to_plain_svd_on_the_calibration_inputs(rank, seed):
    linear, x = layer_and_inputs(10, 12, seed, outliers=2)
    w = linear.weight.detach().double()
    delta = w - quantize_rows(w, 3)
    xd = x.double()

    def error(b, a):
        return float(((delta - b @ a) @ xd.T).norm())

    assert (
        error(*eigen_compensation(delta, x, rank)) <= error(*svd_compensation(delta, rank)) + 1e-9
    )


def test_eora_at_rank_zero_is_rtn():
    p = problem(rank=0)
    x = p.probe_inputs
    eora = compress("eora", p)(p.probe_linear, x)
    rtn = compress("rtn", p)(p.probe_linear, x)
    assert torch.equal(eora(x), rtn(x)) and eora.rank == 0


def test_resq_basis_is_orthogonal_and_puts_the_high_variance_first():
    _, x = layer_and_inputs(8, 16, 0, outliers=2)
    r = resq_basis(x, 2, torch.Generator().manual_seed(0))
    assert torch.allclose(r.T @ r, torch.eye(16, dtype=torch.float64), atol=1e-10)
    variance = (x.double() @ r).var(0)
    assert variance[:2].sum() > variance[2:].max() * 2


def test_resq_without_rounding_is_the_layer_and_beats_rtn_with_outliers():
    linear, x = layer_and_inputs(16, 32, 1, outliers=3)
    exact = compressors.Compressor("resq", 16, 0, None, fraction=0.125, high_bits=16, seed=0)
    assert torch.allclose(exact(linear, x)(x), linear(x), rtol=1e-3, atol=1e-2)
    p = CompressProblem(3, 0, 4, linear, x)
    y = linear(x)
    resq_error = (compress("resq", p)(linear, x)(x) - y).norm()
    rtn_error = (compress("rtn", p)(linear, x)(x) - y).norm()
    assert resq_error < rtn_error


def test_bits_per_weight_count_the_overheads():
    p = problem(bits=3, rank=4)
    x = p.probe_inputs
    assert compress("rtn", p)(p.probe_linear, x).bits_per_weight == pytest.approx(3 + 32 / 12)
    svd = compress("rtn_svd", p)(p.probe_linear, x)
    assert svd.bits_per_weight == pytest.approx(3 + 32 / 12 + 16 * 4 * 22 / 120)
    assert svd.rank == 4


def test_the_check_refuses_a_compressor_of_the_wrong_shape():
    p = problem()

    def bad(linear, inputs):
        layer = torch.nn.Linear(linear.in_features, linear.out_features + 1)
        layer.bits_per_weight, layer.rank = 3.0, 0
        return layer

    with pytest.raises(ContractError, match="expected compressed output shape"):
        check_compressor(bad, p)
