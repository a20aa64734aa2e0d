"""The methods of the claim tasks: spectrum estimators (exact, Lanczos), ascent steps (GD, SAM),
update rules (SGD with momentum), α estimators (Hill, MLE, FARMS), rank measures (soft, hard) and
log-det estimators (eigvalsh, Chebyshev EES, SLQ)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

from harness import (
    chebyshev_logdet,
    esd,
    farms_esd,
    hard_rank,
    hill_alpha,
    lanczos_top,
    mle_alpha,
    slq_density,
    soft_rank,
    spectral_bounds,
)
from spectral_harness_diag.hessian import dense_hessian


# ---- hessian_spectrum --------------------------------------------------------------------------
def build_exact(cfg: Any, problem: Any):
    """The dense Hessian (dim products with unit vectors) and ``eigvalsh``."""

    def exact(matvec, dim, k, generator):
        values = torch.linalg.eigvalsh(dense_hessian(matvec, dim)).flip(0)[:k]
        return values.cpu(), dim

    return exact


def build_lanczos(cfg: Any, problem: Any):
    """Lanczos with full reorthogonalisation until the top-k residuals reach ``cfg.tol``."""

    def lanczos(matvec, dim, k, generator):
        values, _, matvecs = lanczos_top(
            matvec, dim, k, tol=cfg.tol, max_steps=cfg.max_steps, generator=generator
        )
        return values.cpu(), matvecs

    return lanczos


# ---- ascent --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Ascent:
    """ε(g) = ρ g (unnormalised) or ρ g / ‖g‖ (normalised); ρ = 0 is plain GD."""

    rho: float
    normalized: bool

    def __call__(self, grad: torch.Tensor) -> torch.Tensor:
        """The perturbation at which the second gradient is taken."""
        if self.normalized:
            return self.rho * grad / grad.norm().clamp_min(1e-30)
        return self.rho * grad


def build_gd(cfg: Any, problem: Any) -> Ascent:
    """No ascent: full-batch gradient descent."""
    return Ascent(0.0, False)


def build_sam(cfg: Any, problem: Any) -> Ascent:
    """Sharpness-aware minimisation with radius ``cfg.rho`` (``cfg.normalized``)."""
    return Ascent(float(cfg.rho), bool(cfg.normalized))


# ---- jacobian_optimizer -------------------------------------------------------------------------
@dataclass(frozen=True)
class Momentum:
    """Heavy-ball SGD: v ← μ v + g; θ ← θ − η v (pure: returns new tensors)."""

    momentum: float

    def init(self, theta: torch.Tensor) -> torch.Tensor:
        """Zero velocity."""
        return torch.zeros_like(theta)

    def update(self, theta, grad, state, lr):
        """One step."""
        velocity = self.momentum * state + grad
        return theta - lr * velocity, velocity


def build_sgd_momentum(cfg: Any, problem: Any) -> Momentum:
    """SGD with momentum ``cfg.momentum`` (the reference's 0.9)."""
    return Momentum(float(cfg.momentum))


# ---- alpha_estimator ----------------------------------------------------------------------------
def build_hill(cfg: Any, problem: Any):
    """Hill's α on the matrix's own ESD (top half of the eigenvalues)."""
    return lambda w: hill_alpha(esd(w))


def build_mle(cfg: Any, problem: Any):
    """weightwatcher-style power-law MLE with x_min by Kolmogorov–Smirnov distance."""
    return lambda w: mle_alpha(esd(w))[0]


def build_farms(cfg: Any, problem: Any):
    """Hill's α on the pooled ESD of ``cfg.window`` × ``cfg.window·cfg.aspect`` windows."""
    return lambda w: hill_alpha(
        farms_esd(w, rows=cfg.window, aspect=cfg.aspect, overlap=cfg.overlap)
    )


# ---- rank_measure -------------------------------------------------------------------------------
def build_soft_rank(cfg: Any, problem: Any):
    """Shannon effective rank exp(H(p))."""
    return soft_rank


def build_hard_rank(cfg: Any, problem: Any):
    """Participation ratio (Σλ)²/Σλ²."""
    return hard_rank


# ---- logdet_estimator ---------------------------------------------------------------------------
def build_eigvalsh(cfg: Any, problem: Any):
    """Σ log of the eigenvalues from LAPACK ``eigvalsh`` (the EigenScore's exact route)."""

    def exact(a, floor, generator):
        return float(torch.log(torch.linalg.eigvalsh(a)).sum()), a.shape[0]

    return exact


def build_ees(cfg: Any, problem: Any):
    """Chebyshev degree ``cfg.degree``, ``cfg.probes`` Rademacher probes, on [floor, λ̂_max]
    with λ̂_max from ``cfg.bound_steps`` Lanczos steps."""

    def ees(a, floor, generator):
        a = a.to(getattr(torch, cfg.precision))
        matvec = a.__matmul__
        _, hi = spectral_bounds(
            matvec,
            a.shape[0],
            steps=cfg.bound_steps,
            generator=generator,
            dtype=a.dtype,
            device=a.device,
        )
        value = chebyshev_logdet(
            matvec,
            a.shape[0],
            (floor, hi),
            degree=cfg.degree,
            probes=cfg.probes,
            generator=generator,
            dtype=a.dtype,
            device=a.device,
        )
        return value, cfg.bound_steps + 1 + cfg.degree * cfg.probes

    return ees


def build_slq(cfg: Any, problem: Any):
    """Stochastic Lanczos quadrature: ``cfg.probes`` probes × ``cfg.steps`` steps, tr log."""

    def slq(a, floor, generator):
        result = slq_density(
            a.__matmul__,
            a.shape[0],
            probes=cfg.probes,
            steps=cfg.steps,
            generator=generator,
            dtype=a.dtype,
            device=a.device,
        )
        return result.trace_of(lambda x: torch.log(x.clamp_min(math.ulp(1.0)))), result.matvecs

    return slq
