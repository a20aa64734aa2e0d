"""Sagun et al. (2016, 2017): the Hessian of a trained classifier is a bulk at zero plus a few
outliers, as many as the data's classes (less one, for the cross-entropy), whatever the width.

A Gaussian-blob classifier is trained by full-batch GD at two widths (w and 2w); the method
estimates the top-k eigenvalues from Hessian-vector products and is scored against the exact
Hessian (built column by column from the same products and diagonalised in float64)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import torch

from harness import RunContext, hvp_operator
from spectral_harness_diag.contract import SpectrumProblem
from spectral_harness_diag.nets import blobs, mlp

Build = Callable[[Any], Any]


def outlier_count(values: torch.Tensor) -> int:
    """The number of eigenvalues above the largest relative gap λ_i / λ_{i+1} among the positive
    ones of ``values`` (descending): the outliers' count, without a threshold to tune."""
    top = values[values > 0]
    if top.numel() < 2:
        return int(top.numel())
    ratios = top[:-1] / top[1:]
    return int(torch.argmax(ratios)) + 1


def dense_hessian(matvec: Callable[[torch.Tensor], torch.Tensor], dim: int, chunk: int = 256):
    """The Hessian as a dense symmetric matrix, from products with blocks of unit vectors."""
    eye = torch.eye(dim, dtype=torch.float64)
    rows = [matvec(eye[i : i + chunk].to(torch.float64)) for i in range(0, dim, chunk)]
    h = torch.cat(rows).to(torch.float64)
    return (h + h.T) / 2


def _train(cfg: Any, width: int, x: torch.Tensor, y: torch.Tensor, seed: int):
    torch.manual_seed(seed)
    model = mlp([cfg.dim, width, width, cfg.classes], cfg.activation).to(x.device)
    opt = torch.optim.SGD(model.parameters(), lr=cfg.lr)
    for _ in range(cfg.steps):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    def closure() -> torch.Tensor:
        return torch.nn.functional.cross_entropy(model(x), y)

    return model, closure


def run_hessian_blobs(cfg: Any, ctx: RunContext, build: Build) -> dict[str, float]:
    """Train at widths w and 2w on one draw of blobs; the method's top-k against the exact."""
    gen = torch.Generator().manual_seed(ctx.seed)
    x, y = blobs(cfg.classes, cfg.dim, cfg.samples, cfg.spread, gen)
    x, y = x.to(ctx.device), y.to(ctx.device)
    k = cfg.k or cfg.classes + 4
    out: dict[str, float] = {}
    method = None
    seconds = 0.0
    errors = []
    for tag, width in (("", cfg.width), ("_wide", 2 * cfg.width)):
        with ctx.timer("train"):
            model, closure = _train(cfg, width, x, y, ctx.seed)
        matvec, dim = hvp_operator(closure, list(model.parameters()))
        if method is None:
            ctx.expose_model(model, closure)  # probes=[…] measure the width-w network
            method = build(SpectrumProblem(dim, k))
        with ctx.timer("eval"):
            exact = torch.linalg.eigvalsh(dense_hessian(matvec, dim)).flip(0).cpu()
            start = time.perf_counter()
            values, matvecs = method(matvec, dim, k, torch.Generator().manual_seed(ctx.seed))
            seconds += time.perf_counter() - start
        values = torch.as_tensor(values, dtype=torch.float64).cpu()
        lam_max = float(exact[0])
        errors.append(float(((values - exact[:k]).abs() / abs(lam_max)).max()))
        out[f"outliers{tag}"] = float(outlier_count(values))
        out[f"exact_outliers{tag}"] = float(outlier_count(exact[:k]))
        zero = exact.abs() < cfg.bulk_tol * lam_max
        out[f"near_zero_fraction{tag}"] = float(zero.to(torch.float64).mean())
        out[f"lambda_max{tag}"] = lam_max
        out[f"train_loss{tag}"] = float(closure())
        out[f"params{tag}"] = float(dim)
        out[f"matvecs{tag}"] = float(matvecs)
        ctx.save_arrays(f"spectrum{tag}", exact=exact.numpy(), method_topk=values.numpy())
    out["topk_error"] = max(errors)
    out["outlier_shift"] = out["outliers_wide"] - out["outliers"]
    out["near_zero_gain"] = out["near_zero_fraction_wide"] - out["near_zero_fraction"]
    out["outlier_error"] = abs(out["outliers"] - cfg.classes)
    out["seconds"] = seconds
    return out
