"""Weight-spectrum statistics: Spectrum's Marchenko–Pastur signal-to-noise ratio of a layer.

Spectrum (Hartford et al. 2024) estimates the noise scale from the interquartile range of the
*singular values* (σ̂ = IQR(S)/1.349, a heuristic of the reference code, not the entry-wise
estimate the MP law assumes), puts the noise edge at τ = σ̂ (1 + √β) with β = min(m,n)/max(m,n),
and scores a layer by SNR = Σ_{S>τ} S / Σ_{S≤τ} S, normalised by the largest singular value.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor


def mp_threshold(singular: Tensor, rows: int, cols: int) -> float:
    """τ = σ̂ (1 + √β) with σ̂ = IQR(singular values)/1.349 and β = min/max aspect ratio."""
    q1, q3 = torch.quantile(singular.double(), torch.tensor([0.25, 0.75], dtype=torch.float64))
    sigma = float(q3 - q1) / 1.349
    beta = min(rows, cols) / max(rows, cols)
    return sigma * (1.0 + math.sqrt(beta))


def snr_ratio(weight: Tensor) -> tuple[float, float]:
    """(Σ_{S>τ} S / Σ_{S≤τ} S, max S) of a weight matrix (the ratio is ∞ when no singular value
    lies under τ)."""
    singular = torch.linalg.svdvals(weight.detach().double())
    tau = mp_threshold(singular, *weight.shape)
    signal = float(singular[singular > tau].sum())
    noise = float(singular[singular <= tau].sum())
    return (signal / noise if noise > 0 else math.inf), float(singular.max())


def layer_snr(weight: Tensor) -> float:
    """Spectrum's score of a weight matrix: the SNR divided by the largest singular value."""
    ratio, top = snr_ratio(weight)
    return ratio / top
