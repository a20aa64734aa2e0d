"""Declarations of the cooling bench (research notes D2): the ``tfim_cooling`` task and the
``dynamical_cooling``, ``imaginary_time`` and ``lanczos`` methods, with their configs.
Torch- and numpy-free: imported when the plugin registers."""

from __future__ import annotations

from dataclasses import dataclass

from harness import (
    MethodConfig,
    MethodSpec,
    MetricSpec,
    PaperReference,
    TaskConfig,
    TaskSpec,
    param,
)

GROUND_SLOT = "ground_state"


@dataclass
class TfimCoolingConfig(TaskConfig):
    """Open TFIM chain of ``qubits`` spins (J = 1, transverse ``field``), ``steps`` K of every
    method from the seed's random product state; k = 1 (SA) of the ground-state slot."""

    qubits: int | None = param(None, ge=2, le=10)
    field: float = param(1.0, gt=0)
    steps: int = param(50, ge=1, le=500)
    k: int = param(1, ge=1, le=1)
    which: str = param("SA", choices=("SA",))
    tol: float = param(1e-10, gt=0, lt=1)
    max_matvecs: int = param(20_000, ge=1)


@dataclass
class DynamicalCoolingConfig(MethodConfig):
    """Sign polynomial of ``degree`` and ``sharpness`` β (width 1/β on the scaled axis); band
    ``gap`` Δ; perturbation ``strength`` λ; μ = E + ``offset``·σ; dwell times t_max·j/m for
    j = 1..m with t_max = ``dwell``, m = ``dwells``."""

    degree: int = param(601, ge=3, le=5001)
    sharpness: float = param(40.0, gt=0)
    gap: float = param(0.5, gt=0)
    strength: float = param(1.0, gt=0)
    offset: float = param(0.0, ge=-5, le=5)
    dwell: float = param(6.0, gt=0)
    dwells: int = param(24, ge=1, le=1000)


@dataclass
class ImaginaryTimeConfig(MethodConfig):
    """Imaginary-time ``step`` τ (in units of 1/J)."""

    step: float = param(0.2, gt=0)


@dataclass
class LanczosConfig(MethodConfig):
    """Plain Lanczos has no options."""


DYNAMICAL_COOLING = PaperReference(
    title="Ground state preparation via dynamical cooling",
    arxiv="2404.05810",
    note="our version of the abstract's dynamics (sign-transformed H + random local "
    "perturbation, energy-selected dwell time); the paper's bounds are asymptotic (no numbers)",
)
CLASSICAL = PaperReference(
    title="Imaginary-time evolution and Lanczos (textbook references)",
    note="exact classical references from the same start state and step count",
)
COOLING_METRICS = (
    MetricSpec("fidelity", "max", "|⟨ψ_K, ground eigenspace⟩|² after K steps"),
    MetricSpec("eig_error", "min", "|E_K − E_0| / spectral radius"),
    MetricSpec("residual", "min", "‖Hψ − Eψ‖ / spectral radius"),
    MetricSpec("matvecs", "min", "operator products (dense read: n)", kind="cost"),
    MetricSpec("solves", "min", "shift-invert solves", kind="cost"),
    MetricSpec("seconds", "min", "wall time of the solve", "s", kind="cost"),
    MetricSpec("n", description="Hilbert-space dimension", kind="diagnostic"),
    MetricSpec(
        "fidelity_drop", description="largest one-step fall of the fidelity", kind="diagnostic"
    ),
    MetricSpec("energy_rise", description="largest one-step rise of the energy", kind="diagnostic"),
    MetricSpec("initial_fidelity", description="fidelity of the start state", kind="diagnostic"),
    MetricSpec(
        "steps_to_090", description="first step with fidelity ≥ 0.9 (K+1: never)", kind="diagnostic"
    ),
    MetricSpec("fact_{name}", description="a known property of the chain", kind="diagnostic"),
    MetricSpec("info_{name}", description="the method's own diagnostics", kind="diagnostic"),
)
COOLING_TASKS = [
    TaskSpec(
        name="tfim_cooling",
        slot=GROUND_SLOT,
        config=TfimCoolingConfig,
        run="spectral_harness_eigen.cooling_task:run_tfim_cooling",
        metrics=COOLING_METRICS,
        primary="fidelity",
        scales={
            "smoke": dict(qubits=4, steps=10),
            "cpu": dict(qubits=8, steps=50),
            "full": dict(qubits=10, steps=50),
        },
        summary="TFIM ground state from a random product state in K steps: energy and "
        "fidelity per step (dynamical-cooling bench)",
    )
]
COOLING_METHODS = [
    MethodSpec(
        name="dynamical_cooling",
        slot=GROUND_SLOT,
        config=DynamicalCoolingConfig,
        build="spectral_harness_eigen.cooling_methods:build_dynamical_cooling",
        summary="sign-transformed H plus a random local perturbation, K unitary cooling steps "
        "with a falling μ (our version of 2404.05810)",
        paper=DYNAMICAL_COOLING,
    ),
    MethodSpec(
        name="imaginary_time",
        slot=GROUND_SLOT,
        config=ImaginaryTimeConfig,
        build="spectral_harness_eigen.cooling_methods:build_imaginary_time",
        summary="normalised imaginary-time evolution e^{−τH}, exact",
        paper=CLASSICAL,
        is_baseline=True,
    ),
    MethodSpec(
        name="lanczos",
        slot=GROUND_SLOT,
        config=LanczosConfig,
        build="spectral_harness_eigen.cooling_methods:build_lanczos",
        summary="plain Lanczos from the same start state (one matvec per step)",
        paper=CLASSICAL,
        is_baseline=True,
    ),
]
