"""Belrose & Scherlis (2024), true against shuffled labels: the bulk of the training Jacobian
(σ ≈ 1) is nearly the same subspace whether the labels are true or shuffled.

Two runs start from the same θ_0 and see the same seeded batch order on sklearn's digits (the
``training_jacobian`` protocol); the second trains on a seeded permutation of the training
labels. Each run's J = ∂θ_T/∂θ_0 comes from forward-mode AD through the unrolled run. The bulk
subspaces (right singular vectors with σ within 1 ± ``bulk_width``) are compared by their mean
squared principal cosine, ‖V_trueᵀ V_shufᵀ‖²_F / min(k_true, k_shuf), against its expectation for
independent uniformly random subspaces of the same dimensions, max(k_true, k_shuf) / d."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch.func import grad, jvp, vmap

from harness import RunContext
from spectral_harness_diag.contract import JacobianProblem
from spectral_harness_diag.jacobian import regions
from spectral_harness_diag.nets import digits, flat_parameters, functional, mlp

Build = Callable[[Any], Any]
Run = Callable[[torch.Tensor], torch.Tensor]


def subspace_overlap(a: torch.Tensor, b: torch.Tensor) -> float:
    """Mean squared cosine of the principal angles between the column spans of the orthonormal
    ``a`` (d × k_a) and ``b`` (d × k_b): ‖aᵀb‖²_F / min(k_a, k_b), 1 when one span holds the
    other, 0 when they are orthogonal (0 for an empty span)."""
    k = min(a.shape[1], b.shape[1])
    return float((a.T @ b).pow(2).sum()) / k if k else 0.0


def chance_overlap(k_a: int, k_b: int, dim: int) -> float:
    """E[subspace_overlap] for independent uniformly random subspaces of dimensions k_a, k_b in
    R^dim: E‖aᵀb‖²_F = k_a·k_b/dim, so max(k_a, k_b)/dim after the normalisation."""
    return max(k_a, k_b) / dim if min(k_a, k_b) else 0.0


def unrolled_jacobian(run: Run, theta0: torch.Tensor, chunk: int) -> torch.Tensor:
    """∂run(θ)/∂θ at ``theta0`` (float64, column j = ∂θ_T/∂θ_0[j]) by ``vmap`` of ``jvp`` over
    ``chunk`` unit tangents at a time."""
    eye = torch.eye(theta0.numel(), dtype=theta0.dtype, device=theta0.device)

    def tangent(v: torch.Tensor) -> torch.Tensor:
        return jvp(run, (theta0,), (v,))[1]

    columns = [vmap(tangent)(eye[s : s + chunk]) for s in range(0, theta0.numel(), chunk)]
    return torch.cat(columns).T.to(torch.float64)


def run_jacobian_labels(cfg: Any, ctx: RunContext, build: Build) -> dict[str, float]:
    """Both runs, both Jacobians' SVDs, and the overlap of their bulk subspaces."""
    x, y = digits()
    perm = torch.randperm(x.shape[0], generator=torch.Generator().manual_seed(0))
    test, train = perm[: cfg.test_size], perm[cfg.test_size :]
    dtype = torch.float32
    xtr, xte = x[train].to(dtype).to(ctx.device), x[test].to(dtype).to(ctx.device)
    ytr, yte = y[train].to(ctx.device), y[test].to(ctx.device)
    shuffle = torch.Generator().manual_seed(ctx.seed + 1_000)
    yshuf = ytr[torch.randperm(ytr.numel(), generator=shuffle).to(ctx.device)]
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

    def trainer(labels: torch.Tensor) -> Run:
        def loss(theta: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
            return torch.nn.functional.cross_entropy(f(theta, xtr[idx]), labels[idx])

        def train_run(theta: torch.Tensor) -> torch.Tensor:
            state = rule.init(theta)
            for step, idx in enumerate(batches):
                lr = cfg.lr * 0.5 * (1 + math.cos(math.pi * step / total))
                theta, state = rule.update(theta, grad(loss)(theta, idx), state, lr)
            return theta

        return train_run

    out: dict[str, float] = {}
    bulks, spectra = [], {}
    for name, labels in (("true", ytr), ("shuffled", yshuf)):
        ctx.check_time()
        run = trainer(labels)
        with ctx.timer("train"):
            theta_t = run(theta0)
        with ctx.timer("eval"):
            _, sigma, vh = torch.linalg.svd(unrolled_jacobian(run, theta0, cfg.chunk))
        bulk = (sigma >= 1 - cfg.bulk_width) & (sigma <= 1 + cfg.bulk_width)
        bulks.append(vh[bulk].T)
        spectra[f"sigma_{name}"] = sigma.cpu().numpy()
        out[f"bulk_fraction_{name}"] = regions(sigma.cpu(), cfg.bulk_width)["bulk_fraction"]
        fit = (f(theta_t, xtr).argmax(1) == labels).to(torch.float64).mean()
        out[f"train_accuracy_{name}"] = float(fit)
        if name == "true":
            out["test_accuracy_true"] = float(
                (f(theta_t, xte).argmax(1) == yte).to(torch.float64).mean()
            )
    ctx.save_arrays("jacobian_labels", **spectra)
    dim = theta0.numel()
    overlap = subspace_overlap(*bulks)
    chance = chance_overlap(bulks[0].shape[1], bulks[1].shape[1], dim)
    return {
        "bulk_overlap_excess": (overlap - chance) / (1 - chance) if chance < 1 else 0.0,
        "bulk_overlap": overlap,
        "chance_overlap": chance,
        "bulk_fraction_gap": abs(out["bulk_fraction_true"] - out["bulk_fraction_shuffled"]),
        **out,
        "params": float(dim),
        "steps": float(total),
    }
