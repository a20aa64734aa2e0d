"""A tiny character-level GPT and the text it is pretrained on, both obtainable offline.

The corpus is the interpreter's own help text: ``pydoc_data.topics.topics`` of the standard
library (the topics ``help()`` shows: the language reference's sections in plain English prose
with code), joined in sorted topic order. It ships with every CPython, but changes with the
Python version, so the record carries its sha256 and the encoded corpus is cached by that hash.

The model is a pre-LayerNorm decoder (Radford et al. 2019) small enough to pretrain on a CPU:
token and position embeddings, ``layers`` blocks of causal self-attention (separate ``query``,
``key``, ``value``, ``out`` linears) and an MLP (``up``, ``down``), a final norm and a linear
head. The six linears of every block are the ones the ``pretrainer`` methods re-parametrise.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

BLOCK_LINEARS = ("query", "key", "value", "out", "up", "down")


@dataclass(frozen=True)
class Corpus:
    """The encoded text: ``ids`` (N,) int64, the ``alphabet`` (index → character), the sha256
    of the text and its source."""

    ids: Tensor
    alphabet: str
    sha256: str
    source: str


def corpus_text() -> tuple[str, str]:
    """The standard library's help topics joined in sorted order, and a name of that source
    (module and Python version)."""
    import sys
    from pydoc_data.topics import topics

    text = "\n\n".join(topics[key] for key in sorted(topics))
    version = ".".join(map(str, sys.version_info[:3]))
    return text, f"pydoc_data.topics (CPython {version})"


def encode(text: str) -> tuple[Tensor, str]:
    """Character ids (N,) over the sorted alphabet of ``text``, and that alphabet."""
    alphabet = "".join(sorted(set(text)))
    index = {c: i for i, c in enumerate(alphabet)}
    return torch.tensor([index[c] for c in text], dtype=torch.int64), alphabet


def load_corpus() -> Corpus:
    """The encoded help-topics corpus (encoding is cheap; callers cache by ``sha256``)."""
    text, source = corpus_text()
    ids, alphabet = encode(text)
    return Corpus(ids, alphabet, hashlib.sha256(text.encode()).hexdigest(), source)


@dataclass(frozen=True)
class GptShape:
    """Vocabulary, width, depth, heads, MLP width and context length."""

    vocab: int
    width: int
    layers: int
    heads: int
    mlp: int
    context: int


class Block(nn.Module):
    """x + attn(LN(x)), then x + MLP(LN(x)), causal attention over the sequence."""

    def __init__(self, shape: GptShape) -> None:
        super().__init__()
        d = shape.width
        self.heads = shape.heads
        self.norm1 = nn.LayerNorm(d)
        self.query = nn.Linear(d, d)
        self.key = nn.Linear(d, d)
        self.value = nn.Linear(d, d)
        self.out = nn.Linear(d, d)
        self.norm2 = nn.LayerNorm(d)
        self.up = nn.Linear(d, shape.mlp)
        self.down = nn.Linear(shape.mlp, d)

    def forward(self, x: Tensor) -> Tensor:
        """(B, T, d) → (B, T, d)."""
        b, t, d = x.shape
        h = self.norm1(x)

        def split(y: Tensor) -> Tensor:
            return y.view(b, t, self.heads, d // self.heads).transpose(1, 2)

        q, k, v = split(self.query(h)), split(self.key(h)), split(self.value(h))
        att = nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.out(att.transpose(1, 2).reshape(b, t, d))
        return x + self.down(nn.functional.gelu(self.up(self.norm2(x))))


class TinyGpt(nn.Module):
    """Character-level causal language model: ids (B, T) → logits (B, T, vocab)."""

    def __init__(self, shape: GptShape) -> None:
        super().__init__()
        self.shape = shape
        self.embed = nn.Embedding(shape.vocab, shape.width)
        self.position = nn.Embedding(shape.context, shape.width)
        self.blocks = nn.ModuleList(Block(shape) for _ in range(shape.layers))
        self.norm = nn.LayerNorm(shape.width)
        self.head = nn.Linear(shape.width, shape.vocab)
        for module in self.modules():  # GPT-2's initialisation: N(0, 0.02), zero biases
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, std=0.02)
            if isinstance(module, nn.Linear):
                nn.init.zeros_(module.bias)
        for block in self.blocks:  # residual projections scaled by 1/sqrt(2 layers)
            for linear in (block.out, block.down):
                nn.init.normal_(linear.weight, std=0.02 / math.sqrt(2 * shape.layers))

    def forward(self, ids: Tensor) -> Tensor:
        """Next-character logits at every position."""
        positions = torch.arange(ids.shape[1], device=ids.device)
        x = self.embed(ids) + self.position(positions)
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x))


def block_linears(model: TinyGpt) -> list[str]:
    """Qualified names of the re-parametrisable linears (``blocks.0.query`` …)."""
    return [f"blocks.{i}.{name}" for i in range(len(model.blocks)) for name in BLOCK_LINEARS]


def nll(model: nn.Module, ids: Tensor) -> Tensor:
    """Mean next-token negative log-likelihood (nats) of windows ``ids`` (B, T+1)."""
    logits = model(ids[:, :-1])
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1))


@torch.no_grad()
def perplexity(model: nn.Module, windows: Tensor, batch: int) -> float:
    """exp(mean NLL) over every predicted token of ``windows`` (N, T+1), evaluated in batches
    (each window has the same number of predictions, so the mean of batch sums is exact)."""
    model.eval()
    total, count = 0.0, 0
    for i in range(0, windows.shape[0], batch):
        chunk = windows[i : i + batch]
        total += float(nll(model, chunk)) * chunk.shape[0] * (chunk.shape[1] - 1)
        count += chunk.shape[0] * (chunk.shape[1] - 1)
    return math.exp(total / count)
