"""The contract of the two exact-answer slots: ``estimator`` (data balancing) and
``spectral_filter`` (spectral algorithms for kernel regression). Torch-free at import."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness import ContractError, SlotSpec


@dataclass(frozen=True)
class BalancingProblem:
    """``counts`` (reps, m, m): empirical count tables of n pairs each; ``marginal_x`` and
    ``marginal_y`` (m,): the known marginals; ``h`` (m, m): the function whose mean is wanted."""

    counts: Any
    marginal_x: Any
    marginal_y: Any
    h: Any


@dataclass(frozen=True)
class FilterProblem:
    """A spectral algorithm sees the empirical kernel eigenvalues ``eigenvalues`` (λ̂ of K/N)
    and the grid of regularisations ``etas`` the task tunes over (oracle tuning)."""

    eigenvalues: Any
    etas: Any


SLOT_SPECS = (
    SlotSpec(
        name="estimator",
        summary="an estimator of E_P[h(X, Y)] from paired samples with known marginals",
        problem="spectral_harness_eigen.stats_contract.BalancingProblem: counts (reps, m, m), "
        "marginal_x, marginal_y (m,), h (m, m)",
        component="an object with `steps` (int: balancing steps, 0 = none; the task computes "
        "the limit of n·MSE that this k predicts) and __call__(problem) -> (reps,) estimates",
        result="n_mse (primary) beside theory_n_mse and their ratio",
        check="spectral_harness_eigen.stats_contract:check_estimator",
    ),
    SlotSpec(
        name="spectral_filter",
        summary="a learning profile h(λ; η) of a spectral kernel-regression algorithm",
        problem="spectral_harness_eigen.stats_contract.FilterProblem: eigenvalues (N,), etas (E,)",
        component="an object with `qualification` (float, inf for none: the source smoothness "
        "at which its rate saturates) and profile(lam, eta) -> values in [0, 1] broadcast over "
        "(E, N)",
        result="exponent (primary: fitted decay of the test loss in N) beside the theory's",
        check="spectral_harness_eigen.stats_contract:check_filter",
    ),
)


def check_estimator(component: Any, problem: BalancingProblem) -> None:
    """Refuse an estimator without an int ``steps`` or whose estimates are not (reps,) finite."""
    import numpy as np

    steps = getattr(component, "steps", None)
    if not isinstance(steps, int) or steps < 0:
        raise ContractError(f"expected an int `steps` >= 0, got {steps!r}")
    estimates = np.asarray(component(problem))
    reps = np.asarray(problem.counts).shape[0]
    if estimates.shape != (reps,) or not np.isfinite(estimates).all():
        raise ContractError(f"expected ({reps},) finite estimates, got shape {estimates.shape}")


def check_filter(component: Any, problem: FilterProblem) -> None:
    """Refuse a profile outside [0, 1] or of the wrong shape, or a missing ``qualification``."""
    import numpy as np

    if not isinstance(getattr(component, "qualification", None), float):
        raise ContractError("expected a float `qualification` (inf: no saturation)")
    lam = np.asarray(problem.eigenvalues)[None, :]
    etas = np.asarray(problem.etas)[:, None]
    values = np.asarray(component.profile(lam, etas))
    if values.shape != (etas.shape[0], lam.shape[1]):
        raise ContractError(
            f"expected profile shape {(etas.shape[0], lam.shape[1])}, got {values.shape}"
        )
    if not (np.isfinite(values).all() and values.min() >= 0 and values.max() <= 1):
        raise ContractError("expected profile values in [0, 1]")
