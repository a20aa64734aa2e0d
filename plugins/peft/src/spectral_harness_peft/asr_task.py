"""The ``compressor`` slot on speech: compress every linear layer of the Whisper tiny.en encoder
from calibration activations and score greedy transcripts by word error rate.

Audio: Harvard sentences spoken by espeak-ng (:mod:`.speech`); the run's seed draws ``n_calib``
calibration utterances from the calibration pool (lists 1–2), the first ``n_eval`` sentences of
the evaluation split (lists 3–5) are scored. Features: Whisper's 80-bin log-mel of the
utterance padded to 30 s (:mod:`.logmel`). Calibration: the inputs of each encoder linear
(``layers.<i>.query|key|value|out|fc1|fc2``, 24 of them) on the calibration utterances, all
1 500 frames of each window; each layer is compressed from its own inputs (the uncompressed
model's). Evaluation: the compressed encoder's output decoded greedily by Whisper's decoder
(:mod:`.whisper_decode`), corpus WER against the sentences (:mod:`.wer`).

Reported: ``wer`` (primary); ``encoder_flops_kept`` and ``encoder_params_kept``, the compressed
encoder's multiply-accumulates per 30-s window (convolutions, linears and the attention
products, the last unchanged: the paper's reduced-dimension attention is not modelled) and
parameters over the uncompressed encoder's; ``rank`` (mean over the 24 linears, full rank for a
dense one); ``feature_error`` (relative error of the encoder output on the evaluated
utterances); ``layer_error`` (mean relative output error of the layers on the first evaluated
utterance); ``bits_per_weight``. The uncompressed encoder's outputs, the reference of
``feature_error``, are cached by the model's and the audio's sha256.

Before any speech is made the method is built and checked on a problem probed with one second
of seeded noise, so the slot's checks run where espeak-ng is absent; the task itself then
refuses in one line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from harness import ContentCache, RunContext
from spectral_harness_peft.assets import record_asset
from spectral_harness_peft.contract import CompressProblem
from spectral_harness_peft.logmel import SAMPLE_RATE, log_mel
from spectral_harness_peft.speech import Utterance, espeak_version, split_indices, utterance
from spectral_harness_peft.wer import word_error_rate
from spectral_harness_peft.whisper import WhisperEncoder, whisper_encoder
from spectral_harness_peft.whisper_asset import resolve_whisper, whisper_model
from spectral_harness_peft.whisper_decode import WhisperText, greedy_decode, whisper_decoder

Build = Callable[[Any], Any]
LINEARS = ("query", "key", "value", "out", "fc1", "fc2")
FP_VERSION = "whisper-encoder torch float32 v1"


def linear_names(encoder: WhisperEncoder) -> list[str]:
    """The qualified names of the encoder's 6 linears per layer."""
    return [f"layers.{i}.{name}" for i in range(len(encoder.layers)) for name in LINEARS]


@torch.no_grad()
def collect_inputs(
    encoder: nn.Module, names: list[str], features: list[torch.Tensor]
) -> dict[str, list[torch.Tensor]]:
    """The inputs (frames, d_in) each named linear sees on each log-mel window."""
    seen: dict[str, list[torch.Tensor]] = {n: [] for n in names}
    hooks = [
        encoder.get_submodule(n).register_forward_pre_hook(
            lambda _m, args, n=n: seen[n].append(args[0].reshape(-1, args[0].shape[-1]))
        )
        for n in names
    ]
    try:
        for feature in features:
            encoder(feature[None])
    finally:
        for hook in hooks:
            hook.remove()
    return seen


def encoder_macs(encoder: WhisperEncoder, linear_macs: list[int], frames: int = 3000) -> float:
    """Multiply-accumulates of one encoder pass over ``frames`` log-mel frames, given each
    linear's MACs per token: the two convolutions, the linears and the attention products."""
    d, mels = encoder.conv1.out_channels, encoder.conv1.in_channels
    tokens = frames // 2
    convs = frames * d * mels * 3 + tokens * d * d * 3
    attention = len(encoder.layers) * 2 * tokens * tokens * d
    return float(convs + attention + tokens * sum(linear_macs))


def fp_outputs(ctx: RunContext, encoder: nn.Module, model_sha: str, utterances, features):
    """The uncompressed encoder's outputs, cached by the model's and each audio's sha256."""
    cache = ContentCache(ctx.settings.cache_dir, "whisper_fp_encoder")
    with torch.no_grad():
        return [
            cache.get_or_create(
                {"model": model_sha, "audio": u.sha256, "version": FP_VERSION},
                lambda f=f: encoder(f[None])[0],
            )
            for u, f in zip(utterances, features, strict=True)
        ]


def probe_problem(cfg: Any, encoder: WhisperEncoder, names: list[str]) -> CompressProblem:
    """The slot's probe: the first linear and its inputs on one second of seeded noise."""
    noise = np.random.default_rng(0).standard_normal(SAMPLE_RATE).astype(np.float32) * 0.05
    features = log_mel(noise)[:, :100]
    inputs = torch.cat(collect_inputs(encoder, names[:1], [features])[names[0]])
    first = encoder.get_submodule(names[0])
    return CompressProblem(cfg.bits, cfg.rank, cfg.act_bits or None, first, inputs)


def speech(ctx: RunContext, cfg: Any) -> tuple[list[Utterance], list[Utterance]]:
    """The seed's calibration draw and the evaluated utterances, checksummed into the record."""
    pool = split_indices("calibration")
    rng = np.random.default_rng(cfg.data_seed + 1000 * ctx.seed)
    calib_ids = sorted(int(i) for i in rng.choice(pool, size=cfg.n_calib, replace=False))
    eval_ids = split_indices("eval")[: cfg.n_eval]
    cache = ctx.settings.cache_dir
    calib = [utterance(i, cache) for i in calib_ids]
    evals = [utterance(i, cache) for i in eval_ids]
    ctx.record_data("speech/espeak-ng", espeak_version())
    for index, u in zip(calib_ids + eval_ids, calib + evals, strict=True):
        ctx.record_data(f"speech/harvard_{index:02d}_{u.voice}_{u.rate}wpm.wav", u.sha256)
    return calib, evals


def run_speech_compression(cfg: Any, ctx: RunContext, build: Build) -> dict[str, float]:
    """Compress the encoder's linears from calibration speech, then transcribe and score."""
    asset = resolve_whisper()
    record_asset(ctx, asset)
    model = whisper_model(asset.file("model.bin"))
    encoder = whisper_encoder(model)
    names = linear_names(encoder)
    compress = build(probe_problem(cfg, encoder, names))
    calib, evals = speech(ctx, cfg)
    decoder, text = whisper_decoder(model), WhisperText(asset.path)
    compressed = whisper_encoder(model)
    ranks, macs, dense_macs, bits, weights = [], [], [], [], []
    with ctx.timer("train"), torch.no_grad():
        inputs = collect_inputs(encoder, names, [log_mel(u.audio) for u in calib])
        layers = {}
        for name in names:
            linear = encoder.get_submodule(name)
            layer = compress(linear, torch.cat(inputs.pop(name)))
            dense = linear.in_features * linear.out_features
            layers[name] = layer
            ranks.append(float(layer.rank))
            macs.append(int(getattr(layer, "macs", dense)))
            dense_macs.append(dense)
            bits.append(float(layer.bits_per_weight))
            weights.append(dense)
            parent, _, child = name.rpartition(".")
            setattr(compressed.get_submodule(parent), child, layer)
        del inputs
    with ctx.timer("eval"), torch.no_grad():
        features = [log_mel(u.audio) for u in evals]
        held_out = collect_inputs(encoder, names, features[:1])
        errors = []
        for name in names:
            x = held_out[name][0]
            y = encoder.get_submodule(name)(x)
            errors.append(float((layers[name](x) - y).norm() / y.norm()))
        references = fp_outputs(ctx, encoder, asset.checksums["model.bin"], evals, features)
        hypotheses, feature_errors = [], []
        for feature, reference in zip(features, references, strict=True):
            output = compressed(feature[None])
            feature_errors.append(float((output[0] - reference).norm() / reference.norm()))
            hypotheses.append(text.text(greedy_decode(decoder, output, text, cfg.max_tokens)))
    sentences = [u.text for u in evals]
    per_utterance = [word_error_rate([r], [h]) for r, h in zip(sentences, hypotheses, strict=True)]
    dense_total = sum(p.numel() for p in encoder.parameters())
    linear_weights = sum(dense_macs)
    ctx.save_arrays("layers", rank=np.array(ranks), macs=np.array(macs), error=np.array(errors))
    ctx.save_arrays(
        "transcripts",
        reference=np.array(sentences),
        hypothesis=np.array(hypotheses),
        wer=np.array(per_utterance),
        feature_error=np.array(feature_errors),
    )
    flops = encoder_macs(encoder, macs)
    return {
        "wer": word_error_rate(sentences, hypotheses),
        "encoder_flops_kept": flops / encoder_macs(encoder, dense_macs),
        "encoder_params_kept": (dense_total - linear_weights + sum(macs)) / dense_total,
        "rank": float(np.mean(ranks)),
        "feature_error": float(np.mean(feature_errors)),
        "layer_error": float(np.mean(errors)),
        "bits_per_weight": float(np.average(bits, weights=weights)),
        "encoder_gflops": 2 * flops / 1e9,
        "low_rank_layers": float(sum(m < d for m, d in zip(macs, dense_macs, strict=True))),
    }
