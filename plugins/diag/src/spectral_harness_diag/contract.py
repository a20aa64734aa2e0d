"""The contracts of the six claim-task slots: what each task hands to ``build(problem)`` and what
the component must be. Torch-free at import."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness import ContractError, SlotSpec


@dataclass(frozen=True)
class SpectrumProblem:
    """A symmetric operator's top of spectrum is wanted: its dimension ``dim`` and ``k``."""

    dim: int
    k: int


@dataclass(frozen=True)
class AscentProblem:
    """A full-batch step of size ``lr`` follows the component's ascent perturbation."""

    lr: float


@dataclass(frozen=True)
class JacobianProblem:
    """A pure training run of ``steps`` steps at peak learning rate ``lr`` (cosine schedule)."""

    steps: int
    lr: float


@dataclass(frozen=True)
class AlphaProblem:
    """Heavy-tail exponents of weight matrices with ``rows`` rows (the short side varies)."""

    rows: int


@dataclass(frozen=True)
class RankProblem:
    """An effective rank of covariance spectra of FFN activations."""


@dataclass(frozen=True)
class LogdetProblem:
    """log det of a symmetric positive-definite ``dim`` × ``dim`` matrix whose spectrum is known
    to lie above ``floor`` (the ridge α of an EigenScore covariance)."""

    dim: int
    floor: float


SLOT_SPECS = (
    SlotSpec(
        name="hessian_spectrum",
        summary="top-k eigenvalues of a network's loss Hessian from Hessian-vector products",
        problem="spectral_harness_diag.contract.SpectrumProblem: dim, k",
        component="a callable (matvec, dim, k, generator) -> (eigenvalues descending (k,), "
        "matvecs used); matvec maps a flat vector (or a (b, dim) block) to H·v",
        result="topk_error (primary: relative to the exact Hessian's) beside outlier counts",
        check="spectral_harness_diag.contract:check_spectrum",
    ),
    SlotSpec(
        name="ascent",
        summary="the ascent perturbation ε(g) of a sharpness-aware step (GD: none)",
        problem="spectral_harness_diag.contract.AscentProblem: lr",
        component="an object with `rho` (float ≥ 0), `normalized` (bool) and "
        "__call__(flat gradient) -> flat perturbation ε",
        result="edge_error (primary: |λ_max / predicted edge − 1| late in training)",
        check="spectral_harness_diag.contract:check_ascent",
    ),
    SlotSpec(
        name="jacobian_optimizer",
        summary="the pure update rule whose training Jacobian ∂θ_T/∂θ_0 is measured",
        problem="spectral_harness_diag.contract.JacobianProblem: steps, lr",
        component="an object with init(theta) -> state and "
        "update(theta, grad, state, lr) -> (theta, state), differentiable (torch.func)",
        result="bulk_fraction (primary: σ in [0.99, 1.01]) beside the bulk's alignment",
        check="spectral_harness_diag.contract:check_update",
    ),
    SlotSpec(
        name="alpha_estimator",
        summary="a heavy-tail exponent α of a weight matrix's eigenspectrum",
        problem="spectral_harness_diag.contract.AlphaProblem: rows",
        component="a callable (weight matrix) -> α (float)",
        result="alpha_spread (primary: max − min α over aspect ratios)",
        check="spectral_harness_diag.contract:check_alpha",
    ),
    SlotSpec(
        name="rank_measure",
        summary="an effective rank of a covariance spectrum",
        problem="spectral_harness_diag.contract.RankProblem",
        component="a callable (eigenvalues) -> rank (float ≥ 1)",
        result="fit_r2 (primary: R² of rank ≈ a·width^β across FFN widths)",
        check="spectral_harness_diag.contract:check_rank",
    ),
    SlotSpec(
        name="logdet_estimator",
        summary="log det of a symmetric positive-definite matrix",
        problem="spectral_harness_diag.contract.LogdetProblem: dim, floor",
        component="a callable (matrix (dim, dim) tensor, floor, generator) -> (log det, "
        "matvecs used)",
        result="rel_error (primary: |estimate − exact| / |exact|) beside seconds",
        check="spectral_harness_diag.contract:check_logdet",
    ),
)


def _fail(expected: str, got: Any) -> None:
    raise ContractError(f"expected {expected}, got {got!r}")


def check_spectrum(component: Any, problem: SpectrumProblem) -> None:
    """Refuse a component that does not return the top-k of a small diagonal operator."""
    import torch

    dim = min(problem.dim, 12)
    k = min(problem.k, dim)
    diag = torch.arange(1, dim + 1, dtype=torch.float64)
    values, matvecs = component(lambda v: diag * v, dim, k, torch.Generator().manual_seed(0))
    values = torch.as_tensor(values)
    if values.shape != (k,) or not isinstance(matvecs, int):
        _fail(f"({k},) eigenvalues and an int matvec count", (tuple(values.shape), matvecs))
    if not torch.allclose(values, diag.flip(0)[:k], atol=1e-6):
        _fail(f"the top {k} of diag(1..{dim})", values.tolist())


def check_ascent(component: Any, problem: AscentProblem) -> None:
    """Refuse a perturbation of the wrong shape or one without ``rho``/``normalized``."""
    import torch

    if not isinstance(getattr(component, "rho", None), float):
        _fail("a float `rho`", getattr(component, "rho", None))
    if not isinstance(getattr(component, "normalized", None), bool):
        _fail("a bool `normalized`", getattr(component, "normalized", None))
    eps = component(torch.ones(5, dtype=torch.float64))
    if tuple(eps.shape) != (5,):
        _fail("a perturbation of the gradient's shape (5,)", tuple(eps.shape))


def check_update(component: Any, problem: JacobianProblem) -> None:
    """Refuse an update that changes the parameter's shape."""
    import torch

    theta = torch.zeros(4, dtype=torch.float64)
    state = component.init(theta)
    new, _ = component.update(theta, torch.ones(4, dtype=torch.float64), state, problem.lr)
    if tuple(new.shape) != (4,):
        _fail("updated parameters of shape (4,)", tuple(new.shape))


def check_alpha(component: Any, problem: AlphaProblem) -> None:
    """Refuse an estimator that does not return a finite float > 1 on a Gaussian matrix."""
    import math

    import torch

    w = torch.randn(64, 32, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    alpha = component(w)
    if not isinstance(alpha, float) or not math.isfinite(alpha) or alpha <= 1:
        _fail("a finite float α > 1", alpha)


def check_rank(component: Any, problem: RankProblem) -> None:
    """Refuse a rank that is not k on k equal eigenvalues."""
    import torch

    rank = component(torch.ones(7, dtype=torch.float64))
    if not isinstance(rank, float) or abs(rank - 7.0) > 1e-6:
        _fail("rank 7.0 for seven equal eigenvalues", rank)


def check_logdet(component: Any, problem: LogdetProblem) -> None:
    """Refuse an estimator that misses log det of a small diagonal matrix by more than 5 %."""
    import math

    import torch

    d = torch.linspace(1.0, 4.0, 16, dtype=torch.float64)
    value, matvecs = component(torch.diag(d), 0.5, torch.Generator().manual_seed(0))
    exact = float(torch.log(d).sum())
    close = math.isfinite(value) and abs(value - exact) <= 0.05 * exact
    if not isinstance(matvecs, int) or not close:
        _fail(f"log det ≈ {exact:.4f} and an int matvec count", (value, matvecs))
