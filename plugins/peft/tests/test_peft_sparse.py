"""2:4 pruning (exactly 2 of every 4 consecutive input weights zero, the largest kept), EoRA on
top of it (exact at full rank, never worse than SVD on the calibration inputs), RTN at the
method's own bits, and the slot's check for each."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from spectral_harness_peft import sparse
from spectral_harness_peft.compressors import eigen_compensation, svd_compensation
from spectral_harness_peft.contract import CompressProblem, check_compressor
from spectral_harness_peft.sparse import SPARSE_BITS, mask_2_4, prune_2_4


def layer_and_inputs(d_out: int, d_in: int, seed: int):
    generator = torch.Generator().manual_seed(seed)
    linear = torch.nn.Linear(d_in, d_out)
    with torch.no_grad():
        linear.weight.copy_(torch.randn(d_out, d_in, generator=generator))
    x = torch.randn(4 * d_in, d_in, generator=generator) @ torch.randn(
        d_in, d_in, generator=generator
    )
    return linear, x


BUILDS = {
    "sparse24": SimpleNamespace(),
    "sparse24_svd": SimpleNamespace(),
    "sparse24_eora": SimpleNamespace(),
    "rtn_bits": SimpleNamespace(bits=4),
}


def compress(method: str, p: CompressProblem):
    return getattr(sparse, f"build_{method}")(BUILDS[method], p)


@pytest.mark.parametrize("method", sorted(BUILDS))
def test_every_new_compressor_passes_the_slot_check(method):
    linear, x = layer_and_inputs(10, 12, 0)
    p = CompressProblem(3, 4, None, linear, x)
    check_compressor(compress(method, p), p)


@settings(max_examples=30, deadline=None)
@given(d_out=st.integers(1, 9), groups=st.integers(1, 8), seed=st.integers(0, 999))
def test_2_4_pruning_zeroes_exactly_2_of_every_4_and_keeps_the_largest(d_out, groups, seed):
    w = torch.randn(d_out, 4 * groups, generator=torch.Generator().manual_seed(seed))
    pruned = prune_2_4(w).reshape(d_out, groups, 4)
    assert ((pruned == 0).sum(-1) == 2).all()
    kept = pruned.abs().sort(-1).values[..., 2:]
    assert torch.equal(kept, w.abs().reshape(d_out, groups, 4).sort(-1).values[..., 2:])
    assert torch.equal(pruned[pruned != 0], w.reshape(d_out, groups, 4)[pruned != 0])


def test_2_4_mask_keeps_exactly_two_even_with_ties_and_zeros():
    w = torch.tensor([[0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]])
    assert mask_2_4(w).reshape(2, 4).sum(-1).tolist() == [2, 2]


def test_2_4_pruning_refuses_a_width_not_divisible_by_4():
    with pytest.raises(ValueError, match="divisible by 4"):
        prune_2_4(torch.ones(3, 6))


@settings(max_examples=20, deadline=None)
@given(d_out=st.integers(2, 12), groups=st.integers(1, 3), seed=st.integers(0, 999))
def test_eora_on_2_4_at_full_rank_recovers_the_uncompressed_layer(d_out, groups, seed):
    linear, x = layer_and_inputs(d_out, 4 * groups, seed)
    full = max(d_out, 4 * groups)
    layer = compress("sparse24_eora", CompressProblem(3, full, None, linear, x))(linear, x)
    with torch.no_grad():
        y = linear(x)
        assert torch.allclose(layer(x), y, rtol=1e-4, atol=1e-3 * float(y.abs().max()))
    assert not torch.equal(layer.weight, linear.weight.float())  # the base really is pruned


@settings(max_examples=20, deadline=None)
@given(rank=st.integers(0, 8), seed=st.integers(0, 999))
def test_eora_on_2_4_never_loses_to_svd_on_the_calibration_inputs(rank, seed):
    linear, x = layer_and_inputs(10, 12, seed)
    w = linear.weight.detach().double()
    delta = w - prune_2_4(w)
    xd = x.double()

    def error(b, a):
        return float(((delta - b @ a) @ xd.T).norm())

    assert (
        error(*eigen_compensation(delta, x, rank)) <= error(*svd_compensation(delta, rank)) + 1e-9
    )


def test_bits_per_weight_of_2_4_and_of_rtn_at_its_own_bits():
    linear, x = layer_and_inputs(10, 12, 0)
    p = CompressProblem(3, 4, None, linear, x)
    assert compress("sparse24", p)(linear, x).bits_per_weight == pytest.approx(SPARSE_BITS)
    assert SPARSE_BITS == 9.0
    eora = compress("sparse24_eora", p)(linear, x)
    assert eora.bits_per_weight == pytest.approx(9 + 16 * 4 * 22 / 120) and eora.rank == 4
    rtn4 = compress("rtn_bits", p)(linear, x)
    assert rtn4.bits_per_weight == pytest.approx(4 + 32 / 12)
    assert all(len(torch.unique(row)) <= 16 for row in rtn4.weight)
