"""The estimators (empirical, k-step balanced) and spectral filters (KRR, gradient flow,
spectral cut-off)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from spectral_harness_eigen import balancing, kernels
from spectral_harness_eigen.stats_contract import BalancingProblem


@dataclass(frozen=True)
class BalancedEstimator:
    """E under the empirical joint after ``steps`` alternating marginal fits (0: empirical)."""

    steps: int

    def __call__(self, problem: BalancingProblem) -> np.ndarray:
        """One estimate per count table."""
        q = balancing.balanced(problem.counts, problem.marginal_x, problem.marginal_y, self.steps)
        return (q * problem.h[None]).sum(axis=(1, 2))


@dataclass(frozen=True)
class SpectralFilter:
    """A learning profile and its qualification."""

    profile: Any
    qualification: float


def build_empirical(cfg: Any, problem: Any) -> BalancedEstimator:
    """The plain empirical mean of h."""
    return BalancedEstimator(0)


def build_balanced(cfg: Any, problem: Any) -> BalancedEstimator:
    """The ``cfg.steps``-step balanced estimator."""
    return BalancedEstimator(cfg.steps)


def build_krr(cfg: Any, problem: Any) -> SpectralFilter:
    """Kernel ridge regression (Tikhonov, qualification 1)."""
    return SpectralFilter(kernels.krr, 1.0)


def build_gradient_flow(cfg: Any, problem: Any) -> SpectralFilter:
    """Gradient flow with early stopping (no saturation)."""
    return SpectralFilter(kernels.gradient_flow, math.inf)


def build_spectral_cutoff(cfg: Any, problem: Any) -> SpectralFilter:
    """Spectral cut-off (no saturation)."""
    return SpectralFilter(kernels.spectral_cutoff, math.inf)
