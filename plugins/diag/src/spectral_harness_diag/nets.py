"""Data and small networks of the claim tasks: Gaussian blobs, sklearn's digits, a char-level
corpus of Python standard-library docstrings, MLPs, a tiny causal transformer LM, and the flat
parameter view that ``torch.func`` needs."""

from __future__ import annotations

import hashlib
import importlib
import inspect
import itertools
import math
from collections.abc import Callable

import torch
from torch import nn

# Standard-library modules whose public docstrings make the LM corpus (it depends on the Python
# version; its sha256 is recorded with each run).
CORPUS_MODULES = (
    "argparse",
    "bisect",
    "collections",
    "datetime",
    "decimal",
    "fractions",
    "functools",
    "heapq",
    "itertools",
    "json",
    "logging",
    "os",
    "pathlib",
    "random",
    "re",
    "statistics",
    "string",
    "subprocess",
    "textwrap",
    "typing",
)
ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU}


def blobs(
    classes: int, dim: int, samples: int, spread: float, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """``samples`` points of ``classes`` isotropic unit Gaussians in ``dim`` dimensions, whose
    centres are drawn N(0, spread²·I): float64 inputs and int64 labels."""
    centres = torch.randn(classes, dim, generator=generator, dtype=torch.float64) * spread
    labels = torch.randint(0, classes, (samples,), generator=generator)
    points = centres[labels] + torch.randn(samples, dim, generator=generator, dtype=torch.float64)
    return points, labels


def digits(samples: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """sklearn's 8 × 8 digits (1 797 images, shipped with scikit-learn), pixels / 16, float64,
    the first ``samples`` of them."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    x, y = x[:samples], y[:samples]
    return torch.tensor(x / 16.0, dtype=torch.float64), torch.tensor(y, dtype=torch.int64)


def mlp(sizes: list[int], activation: str) -> nn.Sequential:
    """Linear layers of ``sizes`` with ``activation`` between them, float64."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        if i:
            layers.append(ACTIVATIONS[activation]())
        layers.append(nn.Linear(a, b))
    return nn.Sequential(*layers).double()


def flat_parameters(model: nn.Module) -> torch.Tensor:
    """The model's parameters as one detached flat vector."""
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()])


def functional(
    model: nn.Module,
) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """``f(theta, x)``: the model's output at flat parameters ``theta`` (``functional_call``)."""
    names = [n for n, _ in model.named_parameters()]
    shapes = [p.shape for p in model.parameters()]

    def f(theta: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        params, start = {}, 0
        for name, shape in zip(names, shapes, strict=True):
            size = math.prod(shape)
            params[name] = theta[start : start + size].reshape(shape)
            start += size
        return torch.func.functional_call(model, params, (x,))

    return f


def corpus() -> tuple[str, str]:
    """The docstring corpus and its sha256."""
    parts = []
    for name in CORPUS_MODULES:
        module = importlib.import_module(name)
        for attr in sorted(dir(module)):
            if not attr.startswith("_"):
                doc = inspect.getdoc(getattr(module, attr, None))
                if doc:
                    parts.append(doc)
    text = "\n\n".join(parts)
    return text, hashlib.sha256(text.encode()).hexdigest()


class Block(nn.Module):
    """Pre-norm transformer block; its FFN is ``ffn`` = Linear, GELU (tap ``ffn.1``), Linear."""

    def __init__(self, width: int, ffn: int, heads: int) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(width)
        self.attn = nn.MultiheadAttention(width, heads, batch_first=True)
        self.ln2 = nn.LayerNorm(width)
        self.ffn = nn.Sequential(nn.Linear(width, ffn), nn.GELU(), nn.Linear(ffn, width))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """One causal block."""
        a = self.ln1(x)
        x = x + self.attn(a, a, a, attn_mask=mask, need_weights=False)[0]
        return x + self.ffn(self.ln2(x))


class TinyLM(nn.Module):
    """A char-level causal transformer: embeddings, ``layers`` blocks, a linear head."""

    def __init__(
        self, vocab: int, width: int, ffn: int, layers: int, context: int, heads: int = 2
    ) -> None:
        super().__init__()
        self.emb = nn.Embedding(vocab, width)
        self.pos = nn.Parameter(torch.randn(context, width) * 0.02)
        self.blocks = nn.ModuleList([Block(width, ffn, heads) for _ in range(layers)])
        self.ln = nn.LayerNorm(width)
        self.head = nn.Linear(width, vocab)
        mask = torch.triu(torch.full((context, context), float("-inf")), 1)
        self.register_buffer("mask", mask)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        """Next-character logits (batch, length, vocab)."""
        n = idx.shape[1]
        x = self.emb(idx) + self.pos[:n]
        for block in self.blocks:
            x = block(x, self.mask[:n, :n])
        return self.head(self.ln(x))
