"""Agarwala & Dauphin (2023): SAM holds λ_max(H) at an edge of stability that (η, ρ) predict.

Full-batch MSE regression of one-hot digits by an MLP. GD's λ_max settles at 2/η; unnormalised
SAM multiplies the top eigendirection by 1 − ηλ(1 + ρλ) per step, so its λ_max settles at
λ* = (√(1 + 8ρ/η) − 1)/(2ρ); normalised SAM (ε = ρ g/‖g‖) has the same edge with ρ/‖g‖ in place
of ρ. λ_max is tracked by Lanczos on Hessian-vector products every ``track_every`` steps; the
median over the last ``tail`` of training is compared with the prediction."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from harness import RunContext, hvp_operator, lanczos_top
from spectral_harness_diag.contract import AscentProblem
from spectral_harness_diag.nets import digits, mlp

Build = Callable[[Any], Any]


def predicted_edge(lr: float, rho: float) -> float:
    """λ* for unnormalised SAM with step ``lr`` and radius ``rho`` (2/η at ρ = 0)."""
    if rho == 0:
        return 2.0 / lr
    return (math.sqrt(1 + 8 * rho / lr) - 1) / (2 * rho)


def top_eigenvalue(closure: Callable[[], torch.Tensor], params: list, seed: int) -> float:
    """λ_max of the Hessian of ``closure()`` (Lanczos, relative tolerance 1e-3)."""
    matvec, dim = hvp_operator(closure, params)
    values, _, _ = lanczos_top(
        matvec,
        dim,
        1,
        tol=1e-3,
        max_steps=30,
        generator=torch.Generator().manual_seed(seed),
        dtype=params[0].dtype,
        device=params[0].device,
    )
    return float(values[0])


def _flat(tensors: tuple[torch.Tensor, ...]) -> torch.Tensor:
    return torch.cat([t.reshape(-1) for t in tensors])


def _add(params: list[torch.Tensor], flat: torch.Tensor, scale: float) -> None:
    start = 0
    with torch.no_grad():
        for p in params:
            n = p.numel()
            p.add_(flat[start : start + n].view_as(p), alpha=scale)
            start += n


def run_sam_edge(cfg: Any, ctx: RunContext, build: Build) -> dict[str, float]:
    """Train with the method's ascent step; λ_max late in training against its predicted edge."""
    ascent = build(AscentProblem(cfg.lr))
    x, labels = digits(cfg.samples)
    x = x.to(ctx.device)
    y = torch.nn.functional.one_hot(labels, 10).to(x).to(ctx.device)
    torch.manual_seed(ctx.seed)
    model = mlp([64, cfg.width, 10], cfg.activation).to(ctx.device)
    params = list(model.parameters())

    def closure() -> torch.Tensor:
        return 0.5 * ((model(x) - y) ** 2).sum(dim=1).mean()

    ctx.expose_model(model, closure)
    steps, lams, edges = [], [], []
    for i in range(cfg.steps + 1):
        ctx.check_time()
        loss = closure()
        grad = _flat(torch.autograd.grad(loss, params))
        ctx.check_finite(float(loss), "training loss", i)
        if i % cfg.track_every == 0:
            with ctx.timer("eval"):
                lam = top_eigenvalue(closure, params, ctx.seed + i)
            rho = ascent.rho / float(grad.norm()) if ascent.normalized else ascent.rho
            steps.append(i)
            lams.append(lam)
            edges.append(predicted_edge(cfg.lr, rho))
            ctx.log_metrics(i, {"lambda_max": lam, "train/loss": float(loss)})
        if i == cfg.steps:
            break
        with ctx.timer("train"):
            eps = ascent(grad)
            if ascent.rho > 0:
                _add(params, eps, 1.0)
                grad = _flat(torch.autograd.grad(closure(), params))
                _add(params, eps, -1.0)
            _add(params, grad, -cfg.lr)
    tail = max(1, round(cfg.tail * len(lams)))
    lam_tail = float(torch.tensor(lams[-tail:]).median())
    edge = float(torch.tensor(edges[-tail:]).median())
    ctx.save_arrays(
        "lambda_max",
        step=torch.tensor(steps).numpy(),
        lambda_max=torch.tensor(lams).numpy(),
        predicted_edge=torch.tensor(edges).numpy(),
    )
    return {
        "edge_error": abs(lam_tail / edge - 1),
        "edge_ratio": lam_tail / edge,
        "lambda_max": lam_tail,
        "predicted_edge": edge,
        "gd_edge": 2.0 / cfg.lr,
        "train_loss": float(closure()),
    }
