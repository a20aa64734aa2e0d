"""Belrose & Scherlis (2024): the training Jacobian J = ∂θ_T/∂θ_0 of a whole deterministic run
has a chaotic region (σ ≫ 1), a bulk (σ ≈ 1) and a stable region (σ < 1); along the bulk the left
and right singular vectors nearly coincide (training leaves those directions alone).

An MLP (64 → hidden → 10, GELU) is trained on sklearn's digits (pixels / 16, 197 held out) with
the method's update rule, cosine learning rate, batch 64 in a fixed seeded order; J comes from
forward-mode AD through the unrolled run (``vmap`` of ``jvp`` over chunks of unit tangents)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch.func import grad, jvp, vmap

from harness import RunContext
from spectral_harness_diag.contract import JacobianProblem
from spectral_harness_diag.nets import digits, flat_parameters, functional, mlp

Build = Callable[[Any], Any]


def regions(sigma: torch.Tensor, width: float) -> dict[str, float]:
    """Fractions of singular values above, within and below [1 − width, 1 + width]."""
    n = sigma.numel()
    return {
        "chaotic_fraction": float((sigma > 1 + width).sum()) / n,
        "bulk_fraction": float(((sigma >= 1 - width) & (sigma <= 1 + width)).sum()) / n,
        "stable_fraction": float((sigma < 1 - width).sum()) / n,
    }


def run_training_jacobian(cfg: Any, ctx: RunContext, build: Build) -> dict[str, float]:
    """The unrolled run, its Jacobian's SVD, the three regions and the bulk's alignment."""
    x, y = digits()
    perm = torch.randperm(x.shape[0], generator=torch.Generator().manual_seed(0))
    test, train = perm[: cfg.test_size], perm[cfg.test_size :]
    dtype = torch.float32
    xtr, ytr = x[train].to(dtype).to(ctx.device), y[train].to(ctx.device)
    xte, yte = x[test].to(dtype).to(ctx.device), y[test].to(ctx.device)
    order = torch.Generator().manual_seed(ctx.seed)
    n = xtr.shape[0]
    batches = [
        p[i : i + cfg.batch]
        for p in (torch.randperm(n, generator=order) for _ in range(cfg.epochs))
        for i in range(0, n - cfg.batch + 1, cfg.batch)
    ]
    total = len(batches)
    rule = build(JacobianProblem(total, cfg.lr))
    torch.manual_seed(ctx.seed)
    model = mlp([64, cfg.hidden, 10], cfg.activation).to(dtype).to(ctx.device)
    f = functional(model)
    theta0 = flat_parameters(model)

    def loss(theta: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.cross_entropy(f(theta, xtr[idx]), ytr[idx])

    def train_run(theta: torch.Tensor) -> torch.Tensor:
        state = rule.init(theta)
        for step, idx in enumerate(batches):
            lr = cfg.lr * 0.5 * (1 + math.cos(math.pi * step / total))
            theta, state = rule.update(theta, grad(loss)(theta, idx), state, lr)
        return theta

    with ctx.timer("train"):
        theta_t = train_run(theta0)
    accuracy = float((f(theta_t, xte).argmax(1) == yte).to(torch.float64).mean())
    dim = theta0.numel()
    eye = torch.eye(dim, dtype=dtype, device=ctx.device)

    def tangent(v: torch.Tensor) -> torch.Tensor:
        return jvp(train_run, (theta0,), (v,))[1]

    columns = []
    with ctx.timer("eval"):
        for start in range(0, dim, cfg.chunk):
            ctx.check_time()
            columns.append(vmap(tangent)(eye[start : start + cfg.chunk]))
        jac = torch.cat(columns).T.to(torch.float64)  # jac[:, j] = ∂θ_T / ∂θ_0[j]
        u, sigma, vh = torch.linalg.svd(jac)
    bulk = (sigma >= 1 - cfg.bulk_width) & (sigma <= 1 + cfg.bulk_width)
    alignment = (u[:, bulk] * vh.T[:, bulk]).sum(0).abs()
    every = (u * vh.T).sum(0).abs()
    ctx.save_arrays("jacobian_spectrum", sigma=sigma.cpu().numpy(), alignment=every.cpu().numpy())
    return {
        **regions(sigma.cpu(), cfg.bulk_width),
        "bulk_alignment": float(alignment.mean()) if alignment.numel() else 0.0,
        "sigma_max": float(sigma[0]),
        "test_accuracy": accuracy,
        "params": float(dim),
        "steps": float(total),
    }
