"""2:4 semi-structured pruning as a compressor, EoRA / SVD compensation on top of it, and RTN at
a bit width of its own (the same-budget reference for the task's low-bit compensated methods).

* ``sparse24``: in every group of 4 consecutive input weights of a row, the 2 of largest
  magnitude are kept and the other 2 set to zero (magnitude 2:4, the pattern sparse tensor cores
  run); the kept weights stay in 16 bits;
* ``sparse24_svd`` / ``sparse24_eora``: + the rank-r truncated SVD of ΔW = W − P(W), or EoRA's
  rank-r B A minimising ‖(ΔW − B A) Xᵀ‖_F (Liu et al. 2024 compensate 2:4 pruning this way too;
  exact at full rank);
* ``rtn_bits``: per-output-channel RTN at ``cfg.bits`` instead of the task's bits.

Bits per weight of a 2:4 layer: two 16-bit values and two 2-bit positions per group of 4
(9 bits per weight), plus the 16-bit low-rank factors.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from spectral_harness_peft.compressors import (
    CompressedLinear,
    Compressor,
    _low_rank_bits,
    eigen_compensation,
    svd_compensation,
)

GROUP = 4
KEEP = 2
VALUE_BITS = 16
INDEX_BITS = 2
SPARSE_BITS = (KEEP * (VALUE_BITS + INDEX_BITS)) / GROUP


def mask_2_4(weight: Tensor) -> Tensor:
    """The boolean keep-mask of magnitude 2:4 pruning: in each group of 4 consecutive entries of
    a row, exactly the 2 of largest magnitude (ties to the lower index)."""
    d_out, d_in = weight.shape
    if d_in % GROUP:
        raise ValueError(f"2:4 pruning needs the input width divisible by 4, got {d_in}")
    groups = weight.abs().reshape(d_out, d_in // GROUP, GROUP)
    top = torch.topk(groups, KEEP, dim=-1, sorted=False).indices
    keep = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, top, True)
    return keep.reshape(d_out, d_in)


def prune_2_4(weight: Tensor) -> Tensor:
    """``weight`` with 2 of every 4 consecutive input weights (the smallest) set to zero."""
    return weight * mask_2_4(weight)


class SparseCompressor:
    """Magnitude 2:4 pruning of a layer, with an optional rank-``rank`` compensation
    (``compensation``: ``none``, ``svd`` or ``eora``)."""

    def __init__(self, compensation: str, rank: int, act_bits: int | None):
        self.compensation = compensation
        self.rank = rank
        self.act_bits = act_bits

    def __call__(self, linear: nn.Linear, inputs: Tensor) -> CompressedLinear:
        """Prune ``linear`` and compensate from its calibration ``inputs`` (tokens, d_in)."""
        weight = linear.weight.detach().double()
        d_out, d_in = weight.shape
        pruned = prune_2_4(weight)
        rank = min(self.rank, d_out, d_in)
        low_rank = None
        if self.compensation == "svd":
            low_rank = svd_compensation(weight - pruned, rank)
        elif self.compensation == "eora":
            low_rank = eigen_compensation(weight - pruned, inputs, rank)
        bits = SPARSE_BITS + (0.0 if low_rank is None else _low_rank_bits(rank, d_out, d_in))
        return CompressedLinear(
            pruned, linear.bias, bits, low_rank=low_rank, act_bits=self.act_bits
        )


def build_sparse24(cfg: Any, problem: Any) -> SparseCompressor:
    """Magnitude 2:4 pruning, no compensation (the task's bits are not used)."""
    return SparseCompressor("none", 0, problem.act_bits)


def build_sparse24_svd(cfg: Any, problem: Any) -> SparseCompressor:
    """2:4 pruning + truncated SVD of the pruning error at the task's rank."""
    return SparseCompressor("svd", problem.rank, problem.act_bits)


def build_sparse24_eora(cfg: Any, problem: Any) -> SparseCompressor:
    """2:4 pruning + EoRA's eigenspace low-rank compensation at the task's rank."""
    return SparseCompressor("eora", problem.rank, problem.act_bits)


def build_rtn_bits(cfg: Any, problem: Any) -> Compressor:
    """Plain RTN at ``cfg.bits`` (not the task's bits), no compensation."""
    return Compressor("rtn", cfg.bits, 0, problem.act_bits)
