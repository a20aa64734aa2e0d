"""Eigen-solvers on matrix families with known spectra, and spectral estimators with exact answers.

Slots ``eigensolver`` (k extremal eigenpairs of a Hermitian operator), ``nonhermitian_eigensolver``
and ``ground_state`` share one contract (:mod:`.contract`): a counted operator in, eigenvalues and
vectors out; the task counts matvecs, times the solve and scores the answer against the exact
spectrum. Methods: ``dense`` (LAPACK), ``arpack`` (plain and ``arpack_shift_invert``), ``lobpcg``,
``consensus`` (our well-defined decentralised solver for Katende 2024) and ``cooling`` (a
Chebyshev sign-filter stand-in for dynamical cooling, 2404.05810).

This module is what the entry point loads: it declares, it imports neither numpy nor torch.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness import (
    MethodConfig,
    MethodSpec,
    MetricSpec,
    PaperReference,
    SlotSpec,
    TaskConfig,
    TaskSpec,
    hookimpl,
    param,
)
from spectral_harness_eigen.claims import spectral_harness_register_claims
from spectral_harness_eigen.contract import GENERAL_WHICH, HERMITIAN_WHICH, SLOT_SPECS
from spectral_harness_eigen.cooling_specs import COOLING_METHODS, COOLING_TASKS
from spectral_harness_eigen.stats_contract import SLOT_SPECS as STATS_SLOT_SPECS

EIGENSOLVER, NONHERMITIAN, GROUND = (spec.name for spec in SLOT_SPECS)
ESTIMATOR, FILTER = (spec.name for spec in STATS_SLOT_SPECS)
__all__ = ["spectral_harness_register_claims"]  # a hook implementation, re-exported for pluggy

# ------------------------------------------------------------------------------------------------
# Task configs
# ------------------------------------------------------------------------------------------------


@dataclass
class _SolveConfig(TaskConfig):
    """k eigenvalues, relative tolerance ``tol``, a budget of ``max_matvecs``."""

    k: int | None = param(None, ge=1)
    tol: float = param(1e-10, gt=0, lt=1)
    max_matvecs: int = param(200_000, ge=1)


@dataclass
class HermitianTaskConfig(_SolveConfig):
    """k eigenvalues at the ``which`` end (SA/LA) of a Hermitian operator."""

    which: str | None = param(None, choices=HERMITIAN_WHICH)


@dataclass
class GeneralTaskConfig(_SolveConfig):
    """k eigenvalues at the ``which`` end (LR/SR/LM/SM) of a general operator."""

    which: str | None = param(None, choices=GENERAL_WHICH)


@dataclass
class GroundTaskConfig(_SolveConfig):
    """The lowest eigenpair (k = 1, SA), a budget of 20 000 matvecs."""

    k: int = param(1, ge=1, le=1)
    which: str = param("SA", choices=("SA",))
    max_matvecs: int = param(20_000, ge=1)


@dataclass
class GoeConfig(HermitianTaskConfig):
    """GOE of size ``n`` (semicircle on [−2, 2]), drawn from the run's seed."""

    n: int | None = param(None, ge=4)


@dataclass
class WishartConfig(HermitianTaskConfig):
    """Wishart XᵀX/m of size ``n`` with ``ratio`` = n/m (Marchenko–Pastur), seeded draw."""

    n: int | None = param(None, ge=4)
    ratio: float = param(0.25, gt=0, le=1)


@dataclass
class SykConfig(HermitianTaskConfig):
    """Majorana SYK q = 4 with ``majoranas`` (even) fermions: dimension 2^(N/2)."""

    majoranas: int | None = param(None, ge=6, le=24)


@dataclass
class HankelConfig(HermitianTaskConfig):
    """The STU Hankel matrix of sequence ``length`` T."""

    length: int | None = param(None, ge=4)


@dataclass
class HessianConfig(HermitianTaskConfig):
    """Hessian of a tanh MLP (``dim`` → ``width`` → ``width`` → ``classes``) after
    ``train_steps`` full-batch Adam steps on ``samples`` seeded Gaussian-blob points."""

    samples: int = param(256, ge=8)
    dim: int = param(10, ge=1)
    width: int | None = param(None, ge=1)
    classes: int = param(3, ge=2)
    train_steps: int = param(200, ge=0)


@dataclass
class PlanetoidConfig(HermitianTaskConfig):
    """Normalised Laplacian of the largest component of a Planetoid citation graph (its first
    ``nodes`` nodes in breadth-first order; 0: all)."""

    dataset: str = param("cora", choices=("cora", "citeseer"))
    nodes: int | None = param(None, ge=0)


@dataclass
class HatanoNelsonConfig(GeneralTaskConfig):
    """Hatano–Nelson chain of ``n`` sites, asymmetry g, periodic or open."""

    n: int | None = param(None, ge=4)
    asymmetry: float = param(0.5, ge=0)
    periodic: bool = True


@dataclass
class AubryAndreConfig(GeneralTaskConfig):
    """Non-Hermitian Aubry–André chain on ``n`` (a Fibonacci number) sites, asymmetry g,
    potential V (localised, real PBC spectrum, when ln(V/2) > g)."""

    n: int | None = param(None, ge=5)
    asymmetry: float = param(0.5, ge=0)
    potential: float = param(5.0, ge=0)
    periodic: bool = True


@dataclass
class HippoConfig(GeneralTaskConfig):
    """HiPPO-LegS of state size ``n`` under a seeded random orthogonal similarity."""

    n: int | None = param(None, ge=2)


@dataclass
class BesselConfig(GeneralTaskConfig):
    """Radial Bessel operator of angular ``order`` on ``points`` (odd) Chebyshev points."""

    points: int | None = param(None, ge=7)
    order: int = param(1, ge=0)


@dataclass
class DiracConfig(GeneralTaskConfig):
    """Radial Dirac operator with quantum number ``kappa`` (non-zero) in the Coulomb potential
    −ζ/r (``coupling`` ζ < |κ|) on ``points`` Chebyshev points, map scale ``scale``."""

    points: int | None = param(None, ge=7)
    kappa: int = param(-1)
    coupling: float = param(0.5, gt=0)
    scale: float = param(2.0, gt=0)


@dataclass
class GridConfig(GroundTaskConfig):
    """Dirichlet Laplacian of a ``side`` × ``side`` grid."""

    side: int | None = param(None, ge=2)


@dataclass
class TfimConfig(GroundTaskConfig):
    """Open transverse-field Ising chain of ``qubits`` spins, J = 1, transverse ``field``."""

    qubits: int | None = param(None, ge=2, le=16)
    field: float = param(1.0, gt=0)


@dataclass
class BalancingConfig(TaskConfig):
    """``reps`` Monte-Carlo samples of ``n`` pairs from the ``levels`` × ``levels`` joint with
    dependence ρ (second singular value of its conditional-mean operators); h drawn from
    ``data_seed``."""

    levels: int = param(8, ge=2)
    dependence: float = param(0.6, ge=0, lt=1)
    n: int | None = param(None, ge=1)
    reps: int | None = param(None, ge=2)
    data_seed: int = param(0, ge=0)


@dataclass
class _KernelConfig(TaskConfig):
    """Power laws λ_l ~ l^−ν, c_l² ~ l^−(κ+1), noise σ², N = 2^min_log2 … 2^max_log2, ``etas``
    regularisations log-spaced from 10^eta_min_log10 to 1 (oracle tuning on the expected loss)."""

    nu: float = param(1.5, gt=1)
    kappa: float = param(2.0, gt=1)
    noise: float = param(0.01, ge=0)
    min_log2: int | None = param(None, ge=2)
    max_log2: int | None = param(None, ge=3)
    etas: int = param(49, ge=2)
    eta_min_log10: float = param(-12.0, lt=0)


@dataclass
class KernelCircleConfig(_KernelConfig):
    """Circle model: kernel eigenvalues (|l|+1)^−ν on frequencies |l| ≤ ``cutoff``."""

    cutoff: int | None = param(None, ge=8)


@dataclass
class KernelWishartConfig(_KernelConfig):
    """Wishart model: Gaussian inputs with covariance diag(l^−ν), l = 1..``features``, each N's
    loss averaged over ``draws`` input draws; noise σ² = 1 by default (the noisy regime at
    small N)."""

    noise: float = param(1.0, ge=0)
    features: int | None = param(None, ge=8)
    draws: int = param(8, ge=1)


# ------------------------------------------------------------------------------------------------
# Method configs
# ------------------------------------------------------------------------------------------------


@dataclass
class BalancedConfig(MethodConfig):
    """``steps`` alternating marginal fits (X first)."""

    steps: int = param(4, ge=1)


@dataclass
class SolverConfig(MethodConfig):
    """A classical solver without options of its own."""


@dataclass
class ConsensusConfig(MethodConfig):
    """``agents`` holding row blocks, a ``ring`` or ``random`` communication graph, message
    loss probability ``drop``, messages up to ``delay`` rounds old, ``gossip_steps`` consensus
    exchanges per round."""

    agents: int = param(16, ge=1)
    topology: str = param("ring", choices=("ring", "random"))
    drop: float = param(0.0, ge=0, lt=1)
    delay: int = param(0, ge=0)
    gossip_steps: int = param(8, ge=1)


@dataclass
class CoolingConfig(MethodConfig):
    """Chebyshev ``degree`` of the sign filter and its ``sharpness`` β (on the scaled axis)."""

    degree: int = param(60, ge=2)
    sharpness: float = param(40.0, gt=0)


# ------------------------------------------------------------------------------------------------
# Presets, metrics, papers
# ------------------------------------------------------------------------------------------------


def _scales(smoke: dict, cpu: dict, full: dict) -> dict[str, dict]:
    return {"smoke": smoke, "cpu": cpu, "full": full}


EIGEN_METRICS = (
    MetricSpec("eig_error", "min", "max matched |λ̂ − λ| over the k wanted, / spectral radius"),
    MetricSpec("residual", "min", "max ‖Av − λ̂v‖ / (‖v‖ · spectral radius)"),
    MetricSpec("matvecs", "min", "operator products (dense: n)", kind="cost"),
    MetricSpec("solves", "min", "shift-invert solves (one LU each run)", kind="cost"),
    MetricSpec("seconds", "min", "wall time of the solve", "s", kind="cost"),
    MetricSpec("n", description="matrix dimension", kind="diagnostic"),
    MetricSpec("fact_{name}", description="a known property of the family", kind="diagnostic"),
    MetricSpec("info_{name}", description="the solver's own diagnostics", kind="diagnostic"),
)
GROUND_METRICS = (
    *EIGEN_METRICS,
    MetricSpec("fidelity", "max", "|⟨ψ, ground eigenspace⟩|² of the returned state"),
)
KATENDE = PaperReference(
    title="Decentralized Neural Networks for Robust and Scalable Eigenvalue Computation",
    arxiv="2409.06746",
    note="no code and no numbers to reproduce: the algorithm is our well-defined version",
)
COOLING = PaperReference(
    title="Ground state preparation via dynamical cooling",
    arxiv="2404.05810",
    note="a Chebyshev sign-filter stand-in; the paper's bath-free unitary dynamics is not "
    "simulated; its bounds are asymptotic (no numbers)",
)
BALANCE = PaperReference(
    title="The Benefits of Balance: From Information Projections to Variance Reduction",
    arxiv="2408.15065",
    note="the n·MSE limit is computed, not quoted: the paper's Figure numbers are not declared",
)
VELIKANOV = PaperReference(
    title="Generalization Error of Spectral Algorithms",
    arxiv="2403.11696",
    note="theory exponents are the classical optimally-tuned noisy rates the paper's loss "
    "asymptotics recover; computed, not quoted",
)
BALANCING_METRICS = (
    MetricSpec("n_mse", "min", "n × mean squared error over the Monte-Carlo samples"),
    MetricSpec("theory_n_mse", description="the limit Var_P(IF_k) for this k", kind="diagnostic"),
    MetricSpec("n_mse_ratio", description="n_mse / theory_n_mse", kind="diagnostic"),
    MetricSpec("n_bias2", description="n × squared mean error", kind="diagnostic"),
    MetricSpec("theory_empirical", description="Var_P(h): the empirical limit", kind="diagnostic"),
    MetricSpec("theory_limit", description="k → ∞ limit (additive residual)", kind="diagnostic"),
    MetricSpec("unseen_cells", description="fraction of unseen rows/columns", kind="diagnostic"),
)
_THEORY_METRICS = (
    MetricSpec("theory_exponent", description="the theory's exponent", kind="diagnostic"),
    MetricSpec("exponent_error", description="exponent − theory_exponent", kind="diagnostic"),
    MetricSpec("final_loss", description="tuned test loss at the largest N", kind="diagnostic"),
)
KERNEL_METRICS = (
    MetricSpec("exponent", "max", "fitted decay exponent of the tuned test loss in N"),
    MetricSpec("expected_exponent", description="same on the expected loss", kind="diagnostic"),
    *_THEORY_METRICS,
)
WISHART_METRICS = (
    MetricSpec("exponent", "max", "fitted decay exponent of the tuned noise-averaged loss in N"),
    MetricSpec("realised_exponent", description="same on the realised loss", kind="diagnostic"),
    *_THEORY_METRICS,
)
SCIPY = PaperReference(title="SciPy 1.0 (ARPACK, LOBPCG, LAPACK)", arxiv="1907.10121")

HERMITIAN_TASKS = (
    (
        "goe",
        GoeConfig,
        "run_goe",
        "GOE random matrix (semicircle), top eigenvalues",
        _scales(
            dict(n=60, k=3, which="LA"),
            dict(n=800, k=6, which="LA"),
            dict(n=4000, k=10, which="LA"),
        ),
    ),
    (
        "wishart",
        WishartConfig,
        "run_wishart",
        "Wishart matrix (Marchenko–Pastur), top eigenvalues",
        _scales(
            dict(n=60, k=3, which="LA"),
            dict(n=800, k=6, which="LA"),
            dict(n=4000, k=10, which="LA"),
        ),
    ),
    (
        "syk",
        SykConfig,
        "run_syk",
        "Majorana SYK q=4 Hamiltonian, lowest levels",
        _scales(
            dict(majoranas=8, k=3, which="SA"),
            dict(majoranas=14, k=6, which="SA"),
            dict(majoranas=20, k=10, which="SA"),
        ),
    ),
    (
        "stu_hankel",
        HankelConfig,
        "run_stu_hankel",
        "STU Hankel matrix, top eigenvalues",
        _scales(
            dict(length=64, k=4, which="LA"),
            dict(length=1024, k=8, which="LA"),
            dict(length=4096, k=24, which="LA"),
        ),
    ),
    (
        "network_hessian",
        HessianConfig,
        "run_network_hessian",
        "Hessian of a small MLP's loss, seen only through Hessian–vector products, top eigenvalues",
        _scales(
            dict(samples=64, width=6, train_steps=50, k=3, which="LA"),
            dict(width=16, k=4, which="LA"),
            dict(samples=1024, width=32, k=10, which="LA"),
        ),
    ),
    (
        "planetoid_laplacian",
        PlanetoidConfig,
        "run_planetoid",
        "normalised Laplacian of a Planetoid graph's largest component, lowest eigenvalues",
        _scales(
            dict(nodes=300, k=3, which="SA"),
            dict(nodes=0, k=6, which="SA"),
            dict(nodes=0, k=20, which="SA"),
        ),
    ),
)
GENERAL_TASKS = (
    (
        "hatano_nelson",
        HatanoNelsonConfig,
        "run_hatano_nelson",
        "Hatano–Nelson non-reciprocal chain (closed-form ellipse spectrum)",
        _scales(
            dict(n=30, k=3, which="LR"),
            dict(n=400, k=5, which="LR"),
            dict(n=4000, k=11, which="LR"),
        ),
    ),
    (
        "aubry_andre",
        AubryAndreConfig,
        "run_aubry_andre",
        "non-Hermitian Aubry–André chain (real PBC spectrum when localised)",
        _scales(
            dict(n=55, k=3, which="LR"),
            dict(n=377, k=5, which="LR"),
            dict(n=2584, k=11, which="LR"),
        ),
    ),
    (
        "hippo_legs",
        HippoConfig,
        "run_hippo",
        "HiPPO-LegS (non-normal, eigenvalues −1..−n) under a random orthogonal similarity",
        _scales(
            dict(n=16, k=3, which="LR"), dict(n=64, k=4, which="LR"), dict(n=256, k=8, which="LR")
        ),
    ),
    (
        "bessel_collocation",
        BesselConfig,
        "run_bessel",
        "radial Sturm–Liouville (Bessel) operator by Chebyshev collocation, lowest modes",
        _scales(
            dict(points=31, k=3, which="SM"),
            dict(points=65, k=4, which="SM"),
            dict(points=129, k=8, which="SM"),
        ),
    ),
    (
        "dirac_collocation",
        DiracConfig,
        "run_dirac",
        "radial Dirac–Coulomb operator by Chebyshev collocation, lowest bound states",
        _scales(
            dict(points=33, k=3, which="SM"),
            dict(points=65, k=3, which="SM"),
            dict(points=129, k=6, which="SM"),
        ),
    ),
)
GROUND_TASKS = (
    (
        "grid_ground_state",
        GridConfig,
        "run_grid",
        "ground state of the Dirichlet grid Laplacian",
        _scales(dict(side=8), dict(side=16), dict(side=64)),
    ),
    (
        "tfim_ground_state",
        TfimConfig,
        "run_tfim",
        "ground state of the open transverse-field Ising chain at h = J",
        _scales(dict(qubits=4), dict(qubits=8), dict(qubits=12)),
    ),
)


def _planetoid(cfg: PlanetoidConfig) -> list[str]:
    return [f"planetoid_{cfg.dataset}"]


def _task(slot: str, row: tuple, metrics: tuple[MetricSpec, ...]) -> TaskSpec:
    name, config, run, summary, scales = row
    extra = {}
    if name == "planetoid_laplacian":
        extra = dict(
            datasets=_planetoid,
            borrowed_datasets={
                "planetoid_cora": "spectral-harness-gcl",
                "planetoid_citeseer": "spectral-harness-gcl",
            },
        )
    return TaskSpec(
        name=name,
        slot=slot,
        config=config,
        run=f"spectral_harness_eigen.task:{run}",
        metrics=metrics,
        primary="eig_error",
        scales=scales,
        summary=summary,
        **extra,
    )


# (name, slots, config, build "module:function", summary, paper, is_baseline)
METHODS = (
    *(
        (name, (EIGENSOLVER, NONHERMITIAN, GROUND), SolverConfig, f"methods:{build}", summary,
         SCIPY, True)
        for name, build, summary in (
            ("dense", "build_dense", "LAPACK eigh/eig on the dense matrix (charged n matvecs)"),
            ("arpack", "build_arpack", "ARPACK implicitly restarted Lanczos/Arnoldi"),
            ("arpack_shift_invert", "build_arpack_shift_invert", "ARPACK shift-invert"),
        )
    ),
    ("lobpcg", (EIGENSOLVER, GROUND), SolverConfig, "methods:build_lobpcg",
     "LOBPCG, no preconditioner", SCIPY, True),
    ("consensus", (GROUND,), ConsensusConfig, "methods:build_consensus",
     "decentralised power iteration with gossip consensus (Katende, our version)", KATENDE, False),
    ("cooling", (GROUND,), CoolingConfig, "methods:build_cooling",
     "Chebyshev sign-filter cooling (stand-in for dynamical cooling)", COOLING, False),
    ("empirical", (ESTIMATOR,), SolverConfig, "stats_methods:build_empirical",
     "the empirical mean of h", BALANCE, True),
    ("balanced", (ESTIMATOR,), BalancedConfig, "stats_methods:build_balanced",
     "mean under the k-step balanced (Sinkhorn) empirical joint", BALANCE, False),
    ("krr", (FILTER,), SolverConfig, "stats_methods:build_krr",
     "kernel ridge regression λ/(λ+η)", VELIKANOV, True),
    ("gradient_flow", (FILTER,), SolverConfig, "stats_methods:build_gradient_flow",
     "gradient flow stopped at t = 1/η", VELIKANOV, False),
    ("spectral_cutoff", (FILTER,), SolverConfig, "stats_methods:build_spectral_cutoff",
     "spectral cut-off 1[λ > η]", VELIKANOV, False),
)  # fmt: skip
# (name, slot, config, run, metrics, primary, scales, summary): the exact-answer tasks
STATS_TASKS = (
    (
        "balancing",
        ESTIMATOR,
        BalancingConfig,
        "run_balancing",
        BALANCING_METRICS,
        "n_mse",
        _scales(dict(n=100, reps=50), dict(n=1000, reps=4000), dict(n=3000, reps=20000)),
        "n·MSE of E[h(X,Y)] estimators on a finite joint with spectral gap 1 − ρ",
    ),
    (
        "kernel_circle",
        FILTER,
        KernelCircleConfig,
        "run_kernel_circle",
        KERNEL_METRICS,
        "exponent",
        _scales(
            dict(min_log2=5, max_log2=8, cutoff=1024),
            dict(min_log2=9, max_log2=14, cutoff=2**15),
            dict(min_log2=9, max_log2=18, cutoff=2**20),
        ),
        "learning-curve exponent of a spectral algorithm on the circle model (FFT)",
    ),
    (
        "kernel_wishart",
        FILTER,
        KernelWishartConfig,
        "run_kernel_wishart",
        WISHART_METRICS,
        "exponent",
        _scales(
            dict(min_log2=4, max_log2=6, features=256, draws=2),
            dict(min_log2=5, max_log2=9, features=2048, draws=8),
            dict(min_log2=6, max_log2=11, features=8192, draws=16),
        ),
        "learning-curve exponent of a spectral algorithm on the Wishart model (Gram eigh)",
    ),
)


@hookimpl
def spectral_harness_register_slots() -> list[SlotSpec]:
    """The three eigen-solver slots and the two exact-answer ones."""
    return [*SLOT_SPECS, *STATS_SLOT_SPECS]


@hookimpl
def spectral_harness_register_tasks() -> list[TaskSpec]:
    """The matrix families, one task each, and the exact-answer tasks."""
    return [
        *(_task(EIGENSOLVER, row, EIGEN_METRICS) for row in HERMITIAN_TASKS),
        *(_task(NONHERMITIAN, row, EIGEN_METRICS) for row in GENERAL_TASKS),
        *(_task(GROUND, row, GROUND_METRICS) for row in GROUND_TASKS),
        *(
            TaskSpec(
                name=name,
                slot=slot,
                config=config,
                run=f"spectral_harness_eigen.stats_task:{run}",
                metrics=metrics,
                primary=primary,
                scales=scales,
                summary=summary,
            )
            for name, slot, config, run, metrics, primary, scales, summary in STATS_TASKS
        ),
        *COOLING_TASKS,
    ]


@hookimpl
def spectral_harness_register_methods() -> list[MethodSpec]:
    """The classical solvers in every eigen slot, LOBPCG for Hermitian ones, the two papers'
    solvers for the ground state, the balancing estimators and the spectral filters."""
    return [
        MethodSpec(
            name=name,
            slot=slot,
            config=config,
            build=f"spectral_harness_eigen.{build}",
            summary=summary,
            paper=paper,
            is_baseline=base,
        )
        for name, slots, config, build, summary, paper, base in METHODS
        for slot in slots
    ] + COOLING_METHODS
