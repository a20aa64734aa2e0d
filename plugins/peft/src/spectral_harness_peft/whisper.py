"""Whisper's audio encoder in plain torch, built from a CTranslate2 Whisper model's variables
(:mod:`.ct2`): the two-convolution stem, the stored position encodings, pre-norm transformer
layers (the fused q/k/v projection split into three ``nn.Linear``) and the final LayerNorm.
Its output matches CTranslate2's own ``Whisper.encode`` (a test), so LiteASR's compression can be
applied to real Whisper tiny.en weights.
"""

from __future__ import annotations

import math
import re

import numpy as np
import torch
from torch import Tensor, nn

from spectral_harness_peft.ct2 import Ct2Model


def _tensor(array: np.ndarray) -> Tensor:
    return torch.from_numpy(np.asarray(array, dtype=np.float32).copy())


class EncoderLayer(nn.Module):
    """Pre-norm block: x + attn(LN(x)), then x + fc2(GELU(fc1(LN(x))))."""

    def __init__(self, d: int, heads: int, ffn: int) -> None:
        super().__init__()
        self.heads = heads
        self.attn_norm = nn.LayerNorm(d)
        self.query, self.key, self.value = (nn.Linear(d, d) for _ in range(3))
        self.out = nn.Linear(d, d)
        self.ffn_norm = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, ffn)
        self.fc2 = nn.Linear(ffn, d)

    def forward(self, x: Tensor) -> Tensor:
        """One block on (B, T, d)."""
        b, t, d = x.shape
        h = self.attn_norm(x)

        def split(y: Tensor) -> Tensor:
            return y.view(b, t, self.heads, d // self.heads).transpose(1, 2)

        q, k, v = split(self.query(h)), split(self.key(h)), split(self.value(h))
        weights = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d // self.heads), dim=-1)
        x = x + self.out((weights @ v).transpose(1, 2).reshape(b, t, d))
        return x + self.fc2(nn.functional.gelu(self.fc1(self.ffn_norm(x))))


class WhisperEncoder(nn.Module):
    """log-mel (B, mels, frames) → (B, frames/2, d)."""

    def __init__(self, mels: int, d: int, heads: int, ffn: int, layers: int, positions: int):
        super().__init__()
        self.conv1 = nn.Conv1d(mels, d, 3, padding=1)
        self.conv2 = nn.Conv1d(d, d, 3, stride=2, padding=1)
        self.register_buffer("positions", torch.zeros(positions, d))
        self.layers = nn.ModuleList(EncoderLayer(d, heads, ffn) for _ in range(layers))
        self.norm = nn.LayerNorm(d)

    def forward(self, features: Tensor) -> Tensor:
        """Encode log-mel features."""
        x = nn.functional.gelu(self.conv1(features))
        x = nn.functional.gelu(self.conv2(x)).transpose(1, 2)
        x = x + self.positions[: x.shape[1]]
        for layer in self.layers:
            x = layer(x)
        return self.norm(x)


def _linear(module: nn.Linear, weight: np.ndarray, bias: np.ndarray) -> None:
    module.weight.data.copy_(_tensor(weight))
    module.bias.data.copy_(_tensor(bias))


def _norm(module: nn.LayerNorm, prefix: str, v: dict[str, np.ndarray]) -> None:
    module.weight.data.copy_(_tensor(v[f"{prefix}/gamma"]))
    module.bias.data.copy_(_tensor(v[f"{prefix}/beta"]))


def whisper_encoder(model: Ct2Model) -> WhisperEncoder:
    """The encoder of a CTranslate2 ``WhisperSpec`` model, weights in float32, eval mode."""
    v = model.variables
    count = len({m.group(1) for k in v if (m := re.match(r"encoder/layer_(\d+)/", k))})
    d = v["encoder/layer_0/self_attention/linear_1/weight"].shape[0]
    ffn = v["encoder/layer_0/ffn/linear_0/weight"].shape[0]
    mels = v["encoder/conv1/weight"].shape[1]
    positions = v["encoder/position_encodings/encodings"].shape[0]
    heads = int(v["encoder/num_heads"])
    encoder = WhisperEncoder(mels, d, heads, ffn, count, positions)
    with torch.no_grad():
        for conv in ("conv1", "conv2"):
            layer = getattr(encoder, conv)
            layer.weight.copy_(_tensor(v[f"encoder/{conv}/weight"]))
            layer.bias.copy_(_tensor(v[f"encoder/{conv}/bias"]))
        encoder.positions.copy_(_tensor(v["encoder/position_encodings/encodings"]))
        for i, layer in enumerate(encoder.layers):
            p = f"encoder/layer_{i}"
            qkv_w = v[f"{p}/self_attention/linear_0/weight"]
            qkv_b = v[f"{p}/self_attention/linear_0/bias"]
            for j, name in enumerate(("query", "key", "value")):
                rows = slice(j * d, (j + 1) * d)
                _linear(getattr(layer, name), qkv_w[rows], qkv_b[rows])
            attn_out = f"{p}/self_attention/linear_1"
            _linear(layer.out, v[f"{attn_out}/weight"], v[f"{attn_out}/bias"])
            _linear(layer.fc1, v[f"{p}/ffn/linear_0/weight"], v[f"{p}/ffn/linear_0/bias"])
            _linear(layer.fc2, v[f"{p}/ffn/linear_1/weight"], v[f"{p}/ffn/linear_1/bias"])
            _norm(layer.attn_norm, f"{p}/self_attention/layer_norm", v)
            _norm(layer.ffn_norm, f"{p}/ffn/layer_norm", v)
        _norm(encoder.norm, "encoder/layer_norm", v)
    return encoder.eval()
