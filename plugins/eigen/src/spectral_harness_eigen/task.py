"""The eigen tasks: build the family, hand the counted operator to the solver, score the answer
against the exact spectrum, and keep the convergence curve and the spectra with the record."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from harness import RunContext
from spectral_harness_eigen import families
from spectral_harness_eigen.contract import EigenProblem
from spectral_harness_eigen.operators import CountedOperator
from spectral_harness_eigen.solvers import order

Build = Callable[[Any], Any]


def run_goe(cfg: Any, ctx: RunContext, build: Build) -> dict[str, float]:
    """GOE matrix drawn from the run's seed."""
    return solve_and_score(families.goe(cfg.n, ctx.seed), cfg, ctx, build)


def run_wishart(cfg: Any, ctx: RunContext, build: Build) -> dict[str, float]:
    """Wishart matrix drawn from the run's seed."""
    return solve_and_score(families.wishart(cfg.n, cfg.ratio, ctx.seed), cfg, ctx, build)


def run_syk(cfg: Any, ctx: RunContext, build: Build) -> dict[str, float]:
    """SYK Hamiltonian drawn from the run's seed."""
    return solve_and_score(families.syk(cfg.majoranas, ctx.seed), cfg, ctx, build)


def run_stu_hankel(cfg: Any, ctx: RunContext, build: Build) -> dict[str, float]:
    """The STU Hankel matrix (deterministic; the seed only moves start vectors)."""
    return solve_and_score(families.stu_hankel(cfg.length), cfg, ctx, build)


def run_planetoid(cfg: Any, ctx: RunContext, build: Build) -> dict[str, float]:
    """Normalised Laplacian of a Planetoid graph's largest component."""
    entry = f"planetoid_{cfg.dataset}"
    data_dir = ctx.data.require(entry)
    checksum = ctx.data.checksum(entry)
    ctx.record_data(entry, checksum)
    family = families.planetoid_laplacian(
        data_dir, cfg.dataset, cfg.nodes, ctx.settings.cache_dir, checksum
    )
    return solve_and_score(family, cfg, ctx, build)


def run_hatano_nelson(cfg: Any, ctx: RunContext, build: Build) -> dict[str, float]:
    """Hatano–Nelson chain (closed-form spectrum)."""
    family = families.hatano_nelson(cfg.n, cfg.asymmetry, cfg.periodic)
    return solve_and_score(family, cfg, ctx, build)


def run_aubry_andre(cfg: Any, ctx: RunContext, build: Build) -> dict[str, float]:
    """Non-Hermitian Aubry–André chain."""
    family = families.aubry_andre(cfg.n, cfg.asymmetry, cfg.potential, cfg.periodic)
    return solve_and_score(family, cfg, ctx, build)


def run_hippo(cfg: Any, ctx: RunContext, build: Build) -> dict[str, float]:
    """HiPPO-LegS under a random orthogonal similarity drawn from the run's seed."""
    return solve_and_score(families.hippo(cfg.n, ctx.seed), cfg, ctx, build)


def run_bessel(cfg: Any, ctx: RunContext, build: Build) -> dict[str, float]:
    """Radial Sturm–Liouville operator by Chebyshev collocation."""
    return solve_and_score(families.bessel(cfg.points, cfg.order, cfg.k), cfg, ctx, build)


def run_dirac(cfg: Any, ctx: RunContext, build: Build) -> dict[str, float]:
    """Radial Dirac–Coulomb operator by Chebyshev collocation."""
    family = families.dirac(cfg.points, cfg.kappa, cfg.coupling, cfg.scale, cfg.k)
    return solve_and_score(family, cfg, ctx, build)


def run_network_hessian(cfg: Any, ctx: RunContext, build: Build) -> dict[str, float]:
    """Hessian of a small MLP's loss, trained from the run's seed; matvec-only (HVPs)."""
    family = families.network_hessian(
        cfg.samples, cfg.dim, cfg.width, cfg.classes, cfg.train_steps, ctx.seed
    )
    return solve_and_score(family, cfg, ctx, build)


def run_grid(cfg: Any, ctx: RunContext, build: Build) -> dict[str, float]:
    """Ground state of the Dirichlet grid Laplacian (closed form)."""
    return solve_and_score(families.grid(cfg.side), cfg, ctx, build)


def run_tfim(cfg: Any, ctx: RunContext, build: Build) -> dict[str, float]:
    """Ground state of the open transverse-field Ising chain."""
    return solve_and_score(families.tfim(cfg.qubits, cfg.field), cfg, ctx, build)


def wanted(reference: np.ndarray, k: int, which: str) -> np.ndarray:
    """The k eigenvalues of ``reference`` that ``which`` asks for, most wanted first."""
    return np.asarray(reference)[order(np.asarray(reference), which)[:k]]


def solve_and_score(family: families.Family, cfg: Any, ctx: RunContext, build: Build):
    """Solve ``family`` with the run's method and report error, residual and cost."""
    if family.products is None:
        operator = CountedOperator(family.matrix)
    else:
        operator = CountedOperator.from_products(family.products, family.matrix.shape[0])
    sigma = family.sigma
    if sigma is None:
        low, high = operator.bounds()
        sigma = low if cfg.which in ("SA", "SR") else high
    problem = EigenProblem(
        operator=operator,
        k=cfg.k,
        which=cfg.which,
        hermitian=family.hermitian,
        tol=cfg.tol,
        max_matvecs=cfg.max_matvecs,
        sigma=sigma,
        seed=ctx.seed,
    )
    solver = build(problem)
    operator.matvecs = 0.0  # the contract probe ran on its own operator; start clean anyway
    start = time.perf_counter()
    with ctx.timer("train"):
        result = solver(problem)
    seconds = time.perf_counter() - start
    values = np.asarray(result.values)
    vectors = np.asarray(result.vectors)
    target = wanted(family.reference, cfg.k, cfg.which)
    scale = float(np.abs(family.reference).max())
    error = families.matched_error(values, target) / scale
    dense = family.matrix
    products = dense @ vectors
    norms = np.linalg.norm(vectors, axis=0)
    residual = float((np.linalg.norm(products - vectors * values, axis=0) / norms).max() / scale)
    for step, (matvecs, estimate) in enumerate(result.history):
        ctx.log_metrics(
            step,
            {
                "matvecs": float(matvecs),
                "eig_error": families.matched_error(np.atleast_1d(estimate), target) / scale,
            },
        )
    ctx.save_arrays(
        "spectrum", values=values, wanted=target, reference=np.asarray(family.reference)
    )
    metrics = {
        "eig_error": error,
        "residual": residual,
        "matvecs": float(operator.matvecs),
        "solves": float(operator.solves),
        "seconds": seconds,
        "n": float(operator.shape[0]),
        **{f"fact_{name}": float(value) for name, value in family.facts.items()},
        **{f"info_{name}": float(value) for name, value in result.info.items()},
    }
    if family.ground is not None:
        v = vectors[:, 0] / norms[0]
        metrics["fidelity"] = float(np.linalg.norm(family.ground.conj().T @ v) ** 2)
    return metrics
