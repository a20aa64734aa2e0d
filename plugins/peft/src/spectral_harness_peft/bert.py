"""A BERT encoder in plain torch that loads the MiniLM asset's safetensors weights by name.

The module tree mirrors the checkpoint's names (``encoder.layer.3.attention.self.query`` …), so
adapters address layers as the papers do (``query``, ``value``), and the same weights load into
``transformers.BertModel`` for a cross-check in the tests. Mean pooling over the attention mask
gives the sentence embedding, as sentence-transformers does for all-MiniLM-L6-v2.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache

import torch
from torch import Tensor, nn

from spectral_harness_peft.assets import Asset


@dataclass(frozen=True)
class BertShape:
    """The sizes a BERT checkpoint's ``config.json`` declares."""

    vocab: int
    hidden: int
    layers: int
    heads: int
    intermediate: int
    positions: int
    types: int
    eps: float


class SelfAttention(nn.Module):
    """Multi-head self-attention's projections ``query``, ``key``, ``value``."""

    def __init__(self, shape: BertShape) -> None:
        super().__init__()
        self.heads = shape.heads
        self.query = nn.Linear(shape.hidden, shape.hidden)
        self.key = nn.Linear(shape.hidden, shape.hidden)
        self.value = nn.Linear(shape.hidden, shape.hidden)

    def forward(self, x: Tensor, bias: Tensor) -> Tensor:
        """Attend over tokens; ``bias`` (B, 1, 1, T) is 0 on tokens and −inf-like on padding."""
        b, t, d = x.shape
        h = self.heads

        def split(y: Tensor) -> Tensor:
            return y.view(b, t, h, d // h).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(d // h) + bias
        out = torch.softmax(scores, dim=-1) @ v
        return out.transpose(1, 2).reshape(b, t, d)


class DenseNorm(nn.Module):
    """``LayerNorm(dense(x) + residual)``: BERT's attention-output and FFN-output blocks."""

    def __init__(self, d_in: int, d_out: int, eps: float) -> None:
        super().__init__()
        self.dense = nn.Linear(d_in, d_out)
        self.LayerNorm = nn.LayerNorm(d_out, eps=eps)

    def forward(self, x: Tensor, residual: Tensor) -> Tensor:
        """Project, add the residual, normalise."""
        return self.LayerNorm(self.dense(x) + residual)


class Attention(nn.Module):
    """``self`` (the projections) and ``output`` (dense + norm)."""

    def __init__(self, shape: BertShape) -> None:
        super().__init__()
        self.self = SelfAttention(shape)
        self.output = DenseNorm(shape.hidden, shape.hidden, shape.eps)

    def forward(self, x: Tensor, bias: Tensor) -> Tensor:
        """Attention block with residual."""
        return self.output(self.self(x, bias), x)


class Intermediate(nn.Module):
    """The FFN's first projection and GELU."""

    def __init__(self, shape: BertShape) -> None:
        super().__init__()
        self.dense = nn.Linear(shape.hidden, shape.intermediate)

    def forward(self, x: Tensor) -> Tensor:
        """GELU(dense(x))."""
        return nn.functional.gelu(self.dense(x))


class Layer(nn.Module):
    """One transformer block."""

    def __init__(self, shape: BertShape) -> None:
        super().__init__()
        self.attention = Attention(shape)
        self.intermediate = Intermediate(shape)
        self.output = DenseNorm(shape.intermediate, shape.hidden, shape.eps)

    def forward(self, x: Tensor, bias: Tensor) -> Tensor:
        """Attention then FFN, each with residual and LayerNorm (post-norm)."""
        x = self.attention(x, bias)
        return self.output(self.intermediate(x), x)


class Embeddings(nn.Module):
    """Word + position + token-type embeddings, then LayerNorm."""

    def __init__(self, shape: BertShape) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(shape.vocab, shape.hidden, padding_idx=0)
        self.position_embeddings = nn.Embedding(shape.positions, shape.hidden)
        self.token_type_embeddings = nn.Embedding(shape.types, shape.hidden)
        self.LayerNorm = nn.LayerNorm(shape.hidden, eps=shape.eps)

    def forward(self, ids: Tensor) -> Tensor:
        """Embed token ids (B, T) (token type 0 everywhere)."""
        positions = torch.arange(ids.shape[1], device=ids.device)
        x = self.word_embeddings(ids) + self.position_embeddings(positions)[None]
        return self.LayerNorm(x + self.token_type_embeddings.weight[0])


class Encoder(nn.Module):
    """The stack of layers (``encoder.layer.<i>``)."""

    def __init__(self, shape: BertShape) -> None:
        super().__init__()
        self.layer = nn.ModuleList(Layer(shape) for _ in range(shape.layers))


class Bert(nn.Module):
    """BERT without its pooler: ``forward(ids, mask)`` returns the mean-pooled sentence
    embedding (B, hidden); :meth:`tokens` returns the last hidden states (B, T, hidden)."""

    def __init__(self, shape: BertShape) -> None:
        super().__init__()
        self.shape = shape
        self.embeddings = Embeddings(shape)
        self.encoder = Encoder(shape)

    def tokens(self, ids: Tensor, mask: Tensor) -> Tensor:
        """Last hidden states of every token."""
        bias = (1.0 - mask[:, None, None, :].to(torch.float32)) * torch.finfo(torch.float32).min
        x = self.embeddings(ids)
        for layer in self.encoder.layer:
            x = layer(x, bias)
        return x

    def forward(self, ids: Tensor, mask: Tensor) -> Tensor:
        """Mean of the last hidden states over the tokens that ``mask`` keeps."""
        hidden = self.tokens(ids, mask)
        weights = mask.to(hidden.dtype)[..., None]
        return (hidden * weights).sum(1) / weights.sum(1).clamp_min(1.0)


def read_shape(asset: Asset) -> BertShape:
    """The architecture sizes from the asset's ``config.json``."""
    config = json.loads(asset.file("config.json").read_text())
    return BertShape(
        vocab=config["vocab_size"],
        hidden=config["hidden_size"],
        layers=config["num_hidden_layers"],
        heads=config["num_attention_heads"],
        intermediate=config["intermediate_size"],
        positions=config["max_position_embeddings"],
        types=config["type_vocab_size"],
        eps=config["layer_norm_eps"],
    )


@cache
def _state(path: str, sha256: str) -> dict[str, Tensor]:
    """The checkpoint's tensors, read once per process (keyed by content)."""
    from safetensors.torch import load_file

    return load_file(path)


def load_bert(asset: Asset) -> Bert:
    """A fresh :class:`Bert` holding the asset's pretrained weights (pooler dropped).

    Every checkpoint tensor except the pooler's must land on a parameter and every parameter
    must be filled, else a :class:`RuntimeError` names the mismatch.
    """
    model = Bert(read_shape(asset))
    state = _state(str(asset.file("model.safetensors")), asset.checksums["model.safetensors"])
    wanted = {k: v for k, v in state.items() if not k.startswith("pooler.")}
    wanted.pop("embeddings.position_ids", None)
    model.load_state_dict({k: v.clone() for k, v in wanted.items()}, strict=True)
    return model.eval()


def linear_names(model: nn.Module) -> list[str]:
    """Qualified names of the encoder's linear layers, in module order."""
    return [name for name, module in model.named_modules() if isinstance(module, nn.Linear)]


def module_kind(name: str) -> str:
    """The type of a linear layer by its role (``query``, ``key``, ``value``,
    ``attention.output``, ``intermediate``, ``output``), for per-type rankings."""
    parts = name.split(".")
    if parts[-1] in ("query", "key", "value"):
        return parts[-1]
    if "attention" in parts:
        return "attention.output"
    return parts[-2]
