"""Spectral scaling laws (Jha & Reagen 2025): the soft (Shannon) rank of FFN activations follows
a power law in FFN width almost perfectly; the hard rank (participation ratio) grows sublinearly
and less regularly.

A tiny char-level transformer LM is trained on a corpus of Python standard-library docstrings at
each FFN width; the covariance spectrum of the FFN's hidden activations (after GELU; averaged over
layers) on held-out text is measured, the method turns it into a rank, and rank ≈ a · width^β is
fitted in log-log. The trained spectra are cached per (config, seed), so both rank measures of a
seed read the same networks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from harness import ActivationTaps, ContentCache, RunContext, power_law_fit
from spectral_harness_diag.contract import RankProblem
from spectral_harness_diag.nets import TinyLM, corpus

Build = Callable[[Any], Any]
TAP = r"ffn\.1$"


def _batch(data: torch.Tensor, context: int, size: int, gen: torch.Generator):
    starts = torch.randint(0, data.numel() - context - 1, (size,), generator=gen)
    x = torch.stack([data[s : s + context] for s in starts])
    y = torch.stack([data[s + 1 : s + context + 1] for s in starts])
    return x, y


def train_spectra(cfg: Any, seed: int, device: torch.device) -> dict[str, Any]:
    """Train one LM per FFN width; each layer's FFN activation covariance eigenvalues."""
    text, _ = corpus()
    chars = sorted(set(text))
    lookup = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([lookup[c] for c in text])
    split = int(0.9 * data.numel())
    spectra, losses = {}, {}
    for width in cfg.ffn_widths:
        torch.manual_seed(seed)
        gen = torch.Generator().manual_seed(seed)
        model = TinyLM(len(chars), cfg.width, width, cfg.layers, cfg.context).to(device)
        opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr)
        for _ in range(cfg.steps):
            x, y = _batch(data[:split], cfg.context, cfg.batch, gen)
            logits = model(x.to(device))
            loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1), y.to(device).flatten())
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        held = torch.Generator().manual_seed(10_000 + seed)
        with torch.no_grad(), ActivationTaps(model, TAP) as taps:
            total = 0.0
            for _ in range(cfg.eval_batches):
                x, y = _batch(data[split:], cfg.context, cfg.batch, held)
                logits = model(x.to(device))
                y = y.to(device).flatten()
                total += float(torch.nn.functional.cross_entropy(logits.flatten(0, 1), y))
        spectra[width] = [torch.linalg.eigvalsh(s.covariance()) for s in taps.stats.values()]
        losses[width] = total / cfg.eval_batches
    return {"spectra": spectra, "losses": losses}


def run_ffn_rank_scaling(cfg: Any, ctx: RunContext, build: Build) -> dict[str, float]:
    """Fit the method's rank against FFN width (log-log least squares)."""
    rank = build(RankProblem())
    _, digest = corpus()
    ctx.record_data("stdlib_docstrings", digest)
    fields = ("width", "layers", "context", "batch", "steps", "lr", "eval_batches")
    key = {
        "task": "ffn_rank_scaling",
        "seed": ctx.seed,
        "corpus": digest,
        **{f: getattr(cfg, f) for f in fields},
        "ffn_widths": list(cfg.ffn_widths),
        "torch": torch.__version__,
    }
    cache = ContentCache(ctx.settings.cache_dir, "diag_ffn_spectra")
    with ctx.timer("train"):
        trained = cache.get_or_create(key, lambda: train_spectra(cfg, ctx.seed, ctx.device))
    widths = torch.tensor(list(cfg.ffn_widths), dtype=torch.float64)
    layer_mean = [
        sum(rank(lam) for lam in trained["spectra"][w]) / len(trained["spectra"][w])
        for w in cfg.ffn_widths
    ]
    ranks = torch.tensor(layer_mean, dtype=torch.float64)
    fit = power_law_fit(widths, ranks)
    ctx.save_arrays("ranks", width=widths.numpy(), rank=ranks.numpy())
    out = {f"rank_{w}": float(r) for w, r in zip(cfg.ffn_widths, ranks, strict=True)}
    out.update({f"loss_{w}": float(trained["losses"][w]) for w in cfg.ffn_widths})
    return {**out, "fit_r2": fit.r2, "fit_slope": fit.slope}
