"""Probes: spectral diagnostics of any cell's trained model, run by the host after training
(``probes=[hessian_top,...]``) or at each evaluation (``lambda_max``, tracked).

Each probe is ``run(target, cfg) -> {metric: float}``; ``target.model`` is the trained model
(eval mode), ``target.loss`` a closure ``() -> scalar`` on a fixed batch (or None),
``target.ctx`` the cell's context (``save_arrays``, ``device``, ``seed``). Non-scalar results
(spectra, densities, per-layer α) are saved as arrays beside the record. The kernels are the
host's (``harness.hvp_operator``, ``lanczos_top``, ``slq_density``, ``farms_esd`` …), so the
probes run on any device the model lives on."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from harness import (
    density_on_grid,
    esd,
    farms_esd,
    hill_alpha,
    hvp_operator,
    lanczos_top,
    slq_density,
    spectrum_snr,
    weight_matrices,
)


def _hessian(target: Any) -> tuple[Any, int, torch.dtype, torch.device]:
    """The Hessian of ``target.loss`` over the model's trainable parameters (call with grad
    enabled: the host may run probes under ``no_grad``)."""
    if target.loss is None:
        raise ValueError("this probe needs the task's loss closure (target.loss is None)")
    params = [p for p in target.model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("the model has no trainable parameters")
    matvec, dim = hvp_operator(target.loss, params)
    return matvec, dim, params[0].dtype, params[0].device


def _generator(target: Any) -> torch.Generator:
    return torch.Generator().manual_seed(int(target.ctx.seed))


def hessian_top(target: Any, cfg: Any) -> dict[str, float]:
    """Top-``k`` Hessian eigenvalues by Lanczos (full reorthogonalisation) on HVPs; the outlier
    count above the largest relative gap; the eigenvalues as arrays."""
    with torch.enable_grad():
        matvec, dim, dtype, device = _hessian(target)
        values, _, matvecs = lanczos_top(
            matvec,
            dim,
            cfg.k,
            tol=cfg.tol,
            max_steps=cfg.max_steps,
            generator=_generator(target),
            dtype=dtype,
            device=device,
        )
    values = values.to(torch.float64).cpu()
    positive = values[values > 0]
    gaps = positive[:-1] / positive[1:] if positive.numel() > 1 else torch.ones(1)
    target.ctx.save_arrays("hessian_top", eigenvalues=values.numpy())
    return {
        "lambda_max": float(values[0]),
        "lambda_k": float(values[-1]),
        "outliers": float(int(torch.argmax(gaps)) + 1) if positive.numel() > 1 else 1.0,
        "matvecs": float(matvecs),
        "params": float(dim),
    }


def hessian_density(target: Any, cfg: Any) -> dict[str, float]:
    """The Hessian's eigenvalue density by stochastic Lanczos quadrature (``probes`` × ``steps``),
    broadened on a ``grid``-point grid; its trace, mass near zero and negative mass."""
    with torch.enable_grad():
        matvec, dim, dtype, device = _hessian(target)
        result = slq_density(
            matvec,
            dim,
            probes=cfg.probes,
            steps=cfg.steps,
            generator=_generator(target),
            dtype=dtype,
            device=device,
        )
    lo, hi = float(result.nodes.min()), float(result.nodes.max())
    width = max(hi - lo, 1e-12)
    sigma = cfg.sigma * width
    grid = torch.linspace(lo - 5 * sigma, hi + 5 * sigma, cfg.grid, dtype=torch.float64)
    density = density_on_grid(result, grid, sigma)
    near = (result.nodes.abs() <= cfg.zero_tol * max(abs(lo), abs(hi))).to(torch.float64)
    target.ctx.save_arrays(
        "hessian_density",
        grid=grid.numpy(),
        density=density.numpy(),
        nodes=result.nodes.numpy(),
        weights=result.weights.numpy(),
    )
    return {
        "trace": result.trace_of(lambda x: x),
        "lambda_max": hi,
        "lambda_min": lo,
        "near_zero_mass": float((result.weights * near).sum(1).mean()),
        "negative_mass": float((result.weights * (result.nodes < 0)).sum(1).mean()),
        "matvecs": float(result.matvecs),
    }


def _layers(target: Any, cfg: Any) -> list[tuple[str, torch.Tensor]]:
    matrices = weight_matrices(target.model, cfg.pattern)
    layers = [(n, w) for n, w in matrices if min(w.shape) >= cfg.min_side]
    if not layers:
        raise ValueError(
            f"no weight matrix matches {cfg.pattern!r} with both sides >= {cfg.min_side}"
        )
    return layers


def weight_alpha(target: Any, cfg: Any) -> dict[str, float]:
    """Per layer: Hill's α on the weight's ESD and on its FARMS windows (square, ``window`` rows
    at most); their means and spreads across layers; per-layer arrays."""
    names, plain, farms, shapes = [], [], [], []
    for name, w in _layers(target, cfg):
        window = min(cfg.window, *w.shape)
        names.append(name)
        plain.append(hill_alpha(esd(w)))
        farms.append(hill_alpha(farms_esd(w, rows=window, overlap=cfg.overlap)))
        shapes.append(w.shape)
    p, f = np.array(plain), np.array(farms)
    target.ctx.save_arrays(
        "weight_alpha",
        layer=np.array(names),
        alpha=p,
        farms_alpha=f,
        rows=np.array([s[0] for s in shapes]),
        cols=np.array([s[1] for s in shapes]),
    )
    return {
        "alpha_mean": float(p.mean()),
        "alpha_spread": float(p.max() - p.min()),
        "farms_alpha_mean": float(f.mean()),
        "farms_alpha_spread": float(f.max() - f.min()),
        "layers": float(len(names)),
    }


def layer_snr(target: Any, cfg: Any) -> dict[str, float]:
    """Spectrum's per-layer SNR against the Marchenko–Pastur threshold (σ̂ from the IQR of the
    singular values: Spectrum's heuristic); mean, min and max over the layers with a noise part,
    the count of layers without one (every singular value above τ: SNR infinite), and
    per-layer arrays."""
    names, snr, score, above = [], [], [], []
    for name, w in _layers(target, cfg):
        out = spectrum_snr(w)
        names.append(name)
        snr.append(out["snr"])
        score.append(out["score"])
        above.append(out["above"])
    s, sc = np.array(snr), np.array(score)
    finite = np.isfinite(s)
    target.ctx.save_arrays(
        "layer_snr", layer=np.array(names), snr=s, score=sc, above=np.array(above)
    )
    if not finite.any():
        raise ValueError("no layer has singular values below its MP threshold: SNR is infinite")
    return {
        "snr_mean": float(s[finite].mean()),
        "snr_min": float(s[finite].min()),
        "snr_max": float(s[finite].max()),
        "score_mean": float(sc[finite].mean()),
        "infinite": float((~finite).sum()),
        "layers": float(len(names)),
    }


def lambda_max(target: Any, cfg: Any) -> dict[str, float]:
    """λ_max of the Hessian (Lanczos, relative tolerance ``tol``); tracked during training it is
    the sharpness curve of an edge-of-stability analysis."""
    with torch.enable_grad():
        matvec, dim, dtype, device = _hessian(target)
        values, _, matvecs = lanczos_top(
            matvec,
            dim,
            1,
            tol=cfg.tol,
            max_steps=cfg.max_steps,
            generator=_generator(target),
            dtype=dtype,
            device=device,
        )
    return {"lambda_max": float(values[0]), "matvecs": float(matvecs)}
