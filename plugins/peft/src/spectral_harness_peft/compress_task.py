"""The ``compressor`` slot's task: compress every linear layer of the pretrained MiniLM encoder
from calibration activations, with no training, and measure what is lost.

A linear probe (logistic regression) is fitted once on the uncompressed encoder's sentence
embeddings of the training sentences. Calibration inputs of every linear are collected on
``n_calib`` training sentences (padding excluded); each layer is compressed from its own inputs
(the uncompressed model's, one layer at a time). Reported: test accuracy of the compressed
encoder under the same probe (primary), the mean relative output error of the layers on held-out
test tokens, the cosine between compressed and uncompressed sentence embeddings, bits per weight
(over all compressed weights, overheads included) and the mean rank of the compensations.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from harness import RunContext
from spectral_harness_peft.assets import resolve_asset
from spectral_harness_peft.bert import linear_names, load_bert
from spectral_harness_peft.contract import CompressProblem
from spectral_harness_peft.task import sentiment_data
from spectral_harness_peft.text import make_sentences, tokenize

Build = Callable[[Any], Any]


@torch.no_grad()
def embed(encoder: nn.Module, ids: torch.Tensor, mask: torch.Tensor, batch: int = 128):
    """Sentence embeddings (N, d) in batches."""
    return torch.cat(
        [encoder(ids[i : i + batch], mask[i : i + batch]) for i in range(0, len(ids), batch)]
    )


@torch.no_grad()
def layer_inputs(
    encoder: nn.Module, names: list[str], ids: torch.Tensor, mask: torch.Tensor
) -> dict[str, torch.Tensor]:
    """The inputs (tokens, d_in) that each named linear sees on the unpadded tokens."""
    keep = mask.bool()
    seen: dict[str, list[torch.Tensor]] = {n: [] for n in names}
    hooks = [
        encoder.get_submodule(n).register_forward_pre_hook(
            lambda _m, args, n=n: seen[n].append(args[0][keep])
        )
        for n in names
    ]
    try:
        encoder(ids, mask)
    finally:
        for hook in hooks:
            hook.remove()
    return {n: torch.cat(v) for n, v in seen.items()}


def fit_probe(train_x: torch.Tensor, labels: torch.Tensor) -> Any:
    """A logistic-regression probe on standardised embeddings (sklearn, deterministic)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    probe = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
    return probe.fit(train_x.numpy(), labels.numpy())


def run_compression(cfg: Any, ctx: RunContext, build: Build) -> dict[str, float]:
    """Compress, then score layer errors, embedding fidelity and probe accuracy."""
    train, test = sentiment_data(cfg, ctx)
    minilm, vader = resolve_asset("minilm"), resolve_asset("vader")
    calib = make_sentences(vader, "train", cfg.n_calib, cfg.data_seed + 1 + ctx.seed)
    calib_ids, calib_mask = tokenize(minilm, calib.text, cfg.max_len)
    encoder = load_bert(minilm)
    names = linear_names(encoder)
    inputs = layer_inputs(encoder, names, calib_ids, calib_mask)
    held_out = layer_inputs(encoder, names, test[0][: cfg.n_calib], test[1][: cfg.n_calib])
    first = encoder.get_submodule(names[0])
    problem = CompressProblem(cfg.bits, cfg.rank, cfg.act_bits or None, first, inputs[names[0]])
    compress = build(problem)
    compressed = copy.deepcopy(encoder)
    errors, bits, ranks, sizes = [], [], [], []
    with ctx.timer("train"), torch.no_grad():
        for name in names:
            linear = encoder.get_submodule(name)
            layer = compress(linear, inputs[name])
            x = held_out[name]
            y = linear(x)
            errors.append(float((layer(x) - y).norm() / y.norm()))
            bits.append(layer.bits_per_weight)
            ranks.append(layer.rank)
            sizes.append(linear.weight.numel())
            parent, _, child = name.rpartition(".")
            setattr(compressed.get_submodule(parent), child, layer)
    with ctx.timer("eval"):
        probe = fit_probe(embed(encoder, train[0], train[1]), train[2])
        reference = embed(encoder, test[0], test[1])
        result = embed(compressed, test[0], test[1])
        accuracy_fp = float(probe.score(reference.numpy(), test[2].numpy()))
        accuracy = float(probe.score(result.numpy(), test[2].numpy()))
    cosine = nn.functional.cosine_similarity(result, reference, dim=-1)
    ctx.save_arrays("layers", error=np.array(errors), bits=np.array(bits), rank=np.array(ranks))
    return {
        "accuracy": accuracy,
        "accuracy_fp": accuracy_fp,
        "accuracy_drop": accuracy_fp - accuracy,
        "layer_error": float(np.mean(errors)),
        "embedding_cosine": float(cosine.mean()),
        "bits_per_weight": float(np.average(bits, weights=sizes)),
        "rank": float(np.mean(ranks)),
    }
