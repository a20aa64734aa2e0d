"""Whisper's text decoder in plain torch from a CTranslate2 Whisper model's variables (:mod:`.ct2`),
its byte-level BPE tokenizer (the ``tokenizer.json`` shipped beside ``model.bin``) and greedy
decoding, so a (compressed) encoder's output can be transcribed and scored by word error rate.

Decoder: token embeddings + stored positions, pre-norm layers of causal self-attention (fused
q/k/v ``linear_0``), cross-attention on the encoder output (query ``linear_0``, fused key/value
``linear_1``, out ``linear_2``) and GELU FFN, a final LayerNorm and logits tied to the embeddings.
Greedy decoding follows ``ctranslate2``'s ``Whisper.generate`` with ``beam_size=1``: the prompt
``<|startoftranscript|><|notimestamps|>``, the model's ``suppress_ids`` masked at every step and
``suppress_ids_begin`` (the blank and end-of-text) at the first, until end-of-text.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from spectral_harness_peft.ct2 import Ct2Model

SOT, NO_TIMESTAMPS, EOT = "<|startoftranscript|>", "<|notimestamps|>", "<|endoftext|>"


def _tensor(array: np.ndarray) -> Tensor:
    return torch.from_numpy(np.asarray(array, dtype=np.float32).copy())


def attention(q: Tensor, k: Tensor, v: Tensor, heads: int, causal: bool) -> Tensor:
    """Multi-head scaled dot-product attention on (B, T, d) tensors."""
    b, tq, d = q.shape

    def split(x: Tensor) -> Tensor:
        return x.view(b, x.shape[1], heads, d // heads).transpose(1, 2)

    scores = split(q) @ split(k).transpose(-1, -2) / math.sqrt(d // heads)
    if causal:
        mask = torch.ones(tq, k.shape[1], dtype=torch.bool).triu(1)
        scores = scores.masked_fill(mask, float("-inf"))
    return (torch.softmax(scores, dim=-1) @ split(v)).transpose(1, 2).reshape(b, tq, d)


class DecoderLayer(nn.Module):
    """Pre-norm block: causal self-attention, cross-attention on the audio, GELU FFN."""

    def __init__(self, d: int, heads: int, ffn: int) -> None:
        super().__init__()
        self.heads = heads
        self.self_norm, self.cross_norm, self.ffn_norm = (nn.LayerNorm(d) for _ in range(3))
        self.self_qkv = nn.Linear(d, 3 * d)
        self.self_out = nn.Linear(d, d)
        self.cross_q = nn.Linear(d, d)
        self.cross_kv = nn.Linear(d, 2 * d)
        self.cross_out = nn.Linear(d, d)
        self.fc1 = nn.Linear(d, ffn)
        self.fc2 = nn.Linear(ffn, d)

    def forward(self, x: Tensor, cross_k: Tensor, cross_v: Tensor) -> Tensor:
        """One block on the token states (B, T, d) given the audio's keys and values."""
        q, k, v = self.self_qkv(self.self_norm(x)).chunk(3, dim=-1)
        x = x + self.self_out(attention(q, k, v, self.heads, causal=True))
        q = self.cross_q(self.cross_norm(x))
        x = x + self.cross_out(attention(q, cross_k, cross_v, self.heads, causal=False))
        return x + self.fc2(nn.functional.gelu(self.fc1(self.ffn_norm(x))))


class WhisperDecoder(nn.Module):
    """Tokens (B, T) and encoder output (B, S, d) → next-token logits (B, T, vocab)."""

    def __init__(self, vocab: int, d: int, heads: int, ffn: int, layers: int, positions: int):
        super().__init__()
        self.embed = nn.Embedding(vocab, d)
        self.register_buffer("positions", torch.zeros(positions, d))
        self.layers = nn.ModuleList(DecoderLayer(d, heads, ffn) for _ in range(layers))
        self.norm = nn.LayerNorm(d)

    def audio_keys(self, audio: Tensor) -> list[tuple[Tensor, Tensor]]:
        """Each layer's cross-attention keys and values of the encoder output (computed once)."""
        return [tuple(layer.cross_kv(audio).chunk(2, dim=-1)) for layer in self.layers]

    def forward(self, tokens: Tensor, keys: list[tuple[Tensor, Tensor]]) -> Tensor:
        """Logits of every position given the audio keys from :meth:`audio_keys`."""
        x = self.embed(tokens) + self.positions[: tokens.shape[1]]
        for layer, (k, v) in zip(self.layers, keys, strict=True):
            x = layer(x, k, v)
        return self.norm(x) @ self.embed.weight.T


def _linear(module: nn.Linear, v: dict[str, np.ndarray], prefix: str) -> None:
    module.weight.data.copy_(_tensor(v[f"{prefix}/weight"]))
    module.bias.data.copy_(_tensor(v[f"{prefix}/bias"]))


def _norm(module: nn.LayerNorm, v: dict[str, np.ndarray], prefix: str) -> None:
    module.weight.data.copy_(_tensor(v[f"{prefix}/gamma"]))
    module.bias.data.copy_(_tensor(v[f"{prefix}/beta"]))


def whisper_decoder(model: Ct2Model) -> WhisperDecoder:
    """The decoder of a CTranslate2 ``WhisperSpec`` model, weights in float32, eval mode."""
    v = model.variables
    if int(v["decoder/scale_embeddings"]) or not int(v["decoder/pre_norm"]):
        raise ValueError("expected Whisper's unscaled embeddings and pre-norm decoder layers")
    count = len({m.group(1) for k in v if (m := re.match(r"decoder/layer_(\d+)/", k))})
    vocab, d = v["decoder/embeddings/weight"].shape
    ffn = v["decoder/layer_0/ffn/linear_0/weight"].shape[0]
    positions = v["decoder/position_encodings/encodings"].shape[0]
    decoder = WhisperDecoder(vocab, d, int(v["decoder/num_heads"]), ffn, count, positions)
    with torch.no_grad():
        decoder.embed.weight.copy_(_tensor(v["decoder/embeddings/weight"]))
        decoder.positions.copy_(_tensor(v["decoder/position_encodings/encodings"]))
        for i, layer in enumerate(decoder.layers):
            p = f"decoder/layer_{i}"
            _linear(layer.self_qkv, v, f"{p}/self_attention/linear_0")
            _linear(layer.self_out, v, f"{p}/self_attention/linear_1")
            _linear(layer.cross_q, v, f"{p}/attention/linear_0")
            _linear(layer.cross_kv, v, f"{p}/attention/linear_1")
            _linear(layer.cross_out, v, f"{p}/attention/linear_2")
            _linear(layer.fc1, v, f"{p}/ffn/linear_0")
            _linear(layer.fc2, v, f"{p}/ffn/linear_1")
            _norm(layer.self_norm, v, f"{p}/self_attention/layer_norm")
            _norm(layer.cross_norm, v, f"{p}/attention/layer_norm")
            _norm(layer.ffn_norm, v, f"{p}/ffn/layer_norm")
        _norm(decoder.norm, v, "decoder/layer_norm")
    return decoder.eval()


class WhisperText:
    """The model folder's ``tokenizer.json`` (byte-level BPE) and ``config.json`` (suppressed
    tokens): the prompt, the end-of-text id and the decoding of token ids to text."""

    def __init__(self, folder: Path) -> None:
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        config = json.loads((folder / "config.json").read_text())
        self.suppress = list(config["suppress_ids"])
        self.suppress_begin = list(config["suppress_ids_begin"])
        self.eot = self._id(EOT)
        self.prompt = [self._id(SOT), self._id(NO_TIMESTAMPS)]

    def _id(self, token: str) -> int:
        found = self.tokenizer.token_to_id(token)
        if found is None:
            raise ValueError(f"the tokenizer has no {token}")
        return found

    def text(self, ids: list[int]) -> str:
        """The text of generated token ids (special tokens dropped), stripped."""
        return self.tokenizer.decode([i for i in ids if i < self.eot]).strip()


@torch.no_grad()
def greedy_decode(
    decoder: WhisperDecoder, audio: Tensor, text: WhisperText, max_tokens: int = 96
) -> list[int]:
    """Greedy token ids (prompt and end-of-text excluded) for one encoder output (1, S, d)."""
    keys = decoder.audio_keys(audio)
    tokens = list(text.prompt)
    vocab = decoder.embed.num_embeddings
    always = torch.zeros(vocab, dtype=torch.bool)
    always[text.suppress] = True
    always[text.eot + 1 :] = True  # special and timestamp tokens: never in a plain transcript
    begin = always.clone()
    begin[text.suppress_begin] = True
    limit = min(max_tokens, decoder.positions.shape[0] - len(tokens))
    for step in range(limit):
        logits = decoder(torch.tensor([tokens]), keys)[0, -1]
        logits = logits.masked_fill(begin if step == 0 else always, float("-inf"))
        token = int(logits.argmax())
        if token == text.eot:
            break
        tokens.append(token)
    return tokens[len(text.prompt) :]
