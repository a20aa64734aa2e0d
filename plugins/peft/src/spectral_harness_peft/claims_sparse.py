"""Claims on the compressor board's same-budget RTN reference and on 2:4 pruning (:mod:`.sparse`),
judged at the ``cpu`` scale of ``conf/experiment/peft_sparse_board.yaml`` (3 seeds)."""

from __future__ import annotations

from harness import Claim
from spectral_harness_peft.claims import COMPRESS, CPU, EORA


def sparse_claims() -> list[Claim]:
    """EoRA at 3 bits vs RTN at 4 bits (equal budget); EoRA on 2:4 pruning vs plain 2:4 and SVD."""
    return [
        Claim(
            "peft.eora.beats_rtn_at_equal_bits",
            EORA,
            "EoRA (3-bit RTN + rank 16) is more accurate than 4-bit RTN at the same budget "
            "(4.06 bits per weight each, overheads included)",
            COMPRESS,
            "accuracy",
            "eora",
            expect="better",
            baseline="rtn_bits",
            baseline_where={"method.bits": 4},
            scale=CPU,
            source="a same-budget control of the abstract's 3-bit gains (the paper compares at "
            "equal bits of the base quantiser, not of the whole layer)",
        ),
        Claim(
            "peft.eora.recovers_2_4_accuracy",
            EORA,
            "EoRA's rank-16 compensation recovers accuracy lost to magnitude 2:4 pruning",
            COMPRESS,
            "accuracy",
            "sparse24_eora",
            expect="better",
            baseline="sparse24",
            scale=CPU,
            source="abstract; the 2:4 sparsity results (LLaMA3-8B, SparseGPT/Wanda 2:4)",
        ),
        Claim(
            "peft.eora.beats_svd_on_2_4",
            EORA,
            "on 2:4 pruning, EoRA is more accurate than plain SVD compensation at the same rank",
            COMPRESS,
            "accuracy",
            "sparse24_eora",
            expect="better",
            baseline="sparse24_svd",
            scale=CPU,
            source="the 2:4 sparsity results (EoRA vs SVD)",
        ),
    ]
