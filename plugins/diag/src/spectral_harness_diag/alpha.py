"""FARMS (Hu et al. 2025): the heavy-tail exponent α of a weight's eigenspectrum depends on the
matrix's aspect ratio (the Marchenko–Pastur law does); fitting α on the pooled spectra of
fixed-aspect sub-matrices removes that bias.

Random matrices with i.i.d. entries (Gaussian, or Student-t with ``dof`` degrees of freedom) of
shapes ``rows`` × {64, 128, 256, 512}: one distribution, so the "true" α is one number, and the
spread of the estimates across aspect ratios is pure bias plus noise."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from harness import RunContext, esd, hill_alpha
from spectral_harness_diag.contract import AlphaProblem

Build = Callable[[Any], Any]


def draw(
    distribution: str, dof: float, shape: tuple[int, int], gen: torch.Generator
) -> torch.Tensor:
    """A matrix of i.i.d. standard Gaussian or Student-t(``dof``) entries (float64)."""
    z = torch.randn(shape, generator=gen, dtype=torch.float64)
    if distribution == "gaussian":
        return z
    chi2 = 2 * torch.distributions.Gamma(dof / 2, 1.0).sample(shape).to(torch.float64)
    return z / torch.sqrt(chi2 / dof)


def run_alpha_aspect(cfg: Any, ctx: RunContext, build: Build) -> dict[str, float]:
    """α of each shape by the method, and by plain Hill for reference; their spreads."""
    estimate = build(AlphaProblem(cfg.rows))
    gen = torch.Generator().manual_seed(ctx.seed)
    torch.manual_seed(ctx.seed)  # the Gamma sampler draws from the global generator
    alphas, plain = [], []
    with ctx.timer("eval"):
        for cols in cfg.columns:
            w = draw(cfg.distribution, cfg.dof, (cfg.rows, cols), gen)
            alphas.append(estimate(w))
            plain.append(hill_alpha(esd(w)))
    a, p = torch.tensor(alphas), torch.tensor(plain)
    spread, plain_spread = float(a.max() - a.min()), float(p.max() - p.min())
    columns = torch.tensor(cfg.columns).numpy()
    ctx.save_arrays("alpha", columns=columns, alpha=a.numpy(), hill=p.numpy())
    out = {f"alpha_{c}": float(v) for c, v in zip(cfg.columns, alphas, strict=True)}
    return {
        **out,
        "alpha_spread": spread,
        "alpha_mean": float(a.mean()),
        "hill_spread": plain_spread,
        "spread_ratio": spread / plain_spread,
        "spread_shrink": plain_spread / max(spread, 1e-12),
    }
