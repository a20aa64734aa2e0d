"""Sequential digits: sklearn's 8 × 8 digits read as 64-step sequences, one pixel per step.

The images (1,797, shipped with scikit-learn, pixels / 16 in [0, 1]) are split once by a seeded
permutation into train / validation / test. The robustness test adds Gaussian noise of standard
deviation σ to every pixel of the test sequences, drawn from a fixed seed per level, so every
method and training seed sees the same noisy inputs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import torch

EVAL_BATCH = 256


@dataclass(frozen=True)
class DigitSequences:
    """Splits ``name → (x (n, 64, 1) float32, labels (n,) int64)`` and their checksum."""

    splits: dict[str, tuple[np.ndarray, np.ndarray]]
    checksum: str


def digit_sequences(n_val: int, n_test: int, seed: int) -> DigitSequences:
    """The digits as (n, 64, 1) pixel sequences in raster order; ``n_val`` and ``n_test`` images
    held out by a permutation drawn from ``seed``, the rest for training."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    if n_val + n_test >= len(y):
        raise ValueError(f"n_val + n_test = {n_val + n_test} leaves no training images")
    order = np.random.default_rng(seed).permutation(len(y))
    x = (x / 16.0).astype(np.float32)[:, :, None]
    y = y.astype(np.int64)
    parts = {
        "val": order[:n_val],
        "test": order[n_val : n_val + n_test],
        "train": order[n_val + n_test :],
    }
    splits = {name: (x[rows], y[rows]) for name, rows in parts.items()}
    digest = hashlib.sha256()
    for name in ("train", "val", "test"):
        digest.update(splits[name][0].tobytes() + splits[name][1].tobytes())
    return DigitSequences(splits, digest.hexdigest())


def add_noise(x: torch.Tensor, sigma: float, seed: int) -> torch.Tensor:
    """``x`` plus Gaussian noise of standard deviation ``sigma`` drawn from ``seed`` (on the CPU,
    so the noise is the same on every device); ``sigma = 0`` returns ``x`` unchanged."""
    if sigma < 0:
        raise ValueError(f"noise level must be >= 0, not {sigma}")
    if sigma == 0:
        return x
    generator = torch.Generator().manual_seed(seed)
    noise = torch.randn(x.shape, generator=generator, dtype=x.dtype)
    return x + sigma * noise.to(x.device)


def add_sine(x: torch.Tensor, amplitude: float, min_freq: float, seed: int) -> torch.Tensor:
    """``x`` plus one sinusoid per sequence, ``amplitude · sin(2π f t + φ)`` over the steps t,
    with f uniform in [``min_freq``, 0.5] cycles per step (high frequencies, up to Nyquist) and
    φ uniform, drawn from ``seed`` on the CPU (S4-PTD's Fourier-mode input noise)."""
    if amplitude < 0 or not 0 <= min_freq <= 0.5:
        raise ValueError(
            f"need amplitude >= 0 and 0 <= min_freq <= 0.5, not {amplitude}, {min_freq}"
        )
    generator = torch.Generator().manual_seed(seed)
    freq = min_freq + (0.5 - min_freq) * torch.rand(x.shape[0], 1, generator=generator)
    phase = 2 * torch.pi * torch.rand(x.shape[0], 1, generator=generator)
    steps = torch.arange(x.shape[1], dtype=torch.float64)[None, :]
    wave = amplitude * torch.sin(2 * torch.pi * freq.double() * steps + phase.double())
    return x + wave.to(x.dtype).to(x.device)[:, :, None]


def logits(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Class scores (n, classes): the sequence model's per-step outputs averaged over steps."""
    return model(x).mean(dim=1)


@torch.no_grad()
def accuracy(model: torch.nn.Module, x: torch.Tensor, labels: torch.Tensor) -> float:
    """Fraction of sequences whose mean-pooled scores pick the right class, in eval mode."""
    was_training = model.training
    model.eval()
    correct = 0
    for start in range(0, x.shape[0], EVAL_BATCH):
        rows = slice(start, start + EVAL_BATCH)
        correct += int((logits(model, x[rows]).argmax(dim=1) == labels[rows]).sum())
    model.train(was_training)
    return correct / x.shape[0]
