"""Build functions of the step-by-step ground-state preparers: dynamical cooling and its two
classical references (imaginary-time evolution, Lanczos from the same start state)."""

from __future__ import annotations

from typing import Any

from spectral_harness_eigen.contract import Solver
from spectral_harness_eigen.dynamical_cooling import DynamicalCooling
from spectral_harness_eigen.imaginary_time import ImaginaryTime
from spectral_harness_eigen.krylov import lanczos_from_start
from spectral_harness_eigen.sign_polynomial import SignPolynomial


def build_dynamical_cooling(cfg: Any, problem: Any) -> Solver:
    """Dynamical cooling with the config's sign polynomial, gap, perturbation and μ schedule."""
    return DynamicalCooling(
        SignPolynomial(cfg.degree, cfg.sharpness),
        cfg.gap,
        cfg.strength,
        cfg.offset,
        cfg.dwell,
        cfg.dwells,
    )


def build_imaginary_time(cfg: Any, problem: Any) -> Solver:
    """Normalised imaginary-time steps of length ``cfg.step``."""
    return ImaginaryTime(cfg.step)


def build_lanczos(cfg: Any, problem: Any) -> Solver:
    """Plain Lanczos from the problem's start state, one matvec per step."""
    return lanczos_from_start
