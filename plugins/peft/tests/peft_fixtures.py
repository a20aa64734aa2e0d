"""Test helpers: a tiny random BERT and an adaptation problem on it (fast)."""

from __future__ import annotations

import torch

from spectral_harness_peft.bert import Bert, BertShape, linear_names
from spectral_harness_peft.contract import AdaptProblem

TINY = BertShape(
    vocab=50, hidden=16, layers=2, heads=2, intermediate=32, positions=16, types=2, eps=1e-12
)


def tiny_problem(seed: int = 0) -> AdaptProblem:
    """An adaptation problem on a random tiny BERT with a probe batch of 3 sentences."""
    torch.manual_seed(seed)
    encoder = Bert(TINY).eval()
    ids = torch.randint(1, TINY.vocab, (3, 7))
    mask = torch.ones_like(ids)
    mask[0, 5:] = 0
    with torch.no_grad():
        output = encoder(ids, mask)
    return AdaptProblem(encoder, tuple(linear_names(encoder)), (ids, mask), output, seed, 10)
