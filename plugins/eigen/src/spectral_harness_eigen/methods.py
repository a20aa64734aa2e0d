"""Build functions of the eigen-solver methods: each returns ``solve(problem) -> EigenResult``."""

from __future__ import annotations

from typing import Any

from spectral_harness_eigen import solvers
from spectral_harness_eigen.consensus import ConsensusSolver
from spectral_harness_eigen.contract import Solver
from spectral_harness_eigen.cooling import SignFilterCooling


def build_dense(cfg: Any, problem: Any) -> Solver:
    """Dense LAPACK (``eigh``/``eig``)."""
    return solvers.dense


def build_arpack(cfg: Any, problem: Any) -> Solver:
    """ARPACK on the counted operator."""
    return solvers.arpack


def build_arpack_shift_invert(cfg: Any, problem: Any) -> Solver:
    """ARPACK in shift-invert mode around the family's shift."""
    return solvers.arpack_shift_invert


def build_lobpcg(cfg: Any, problem: Any) -> Solver:
    """LOBPCG without preconditioner."""
    return solvers.lobpcg_solver


def build_consensus(cfg: Any, problem: Any) -> Solver:
    """The decentralised consensus solver with the config's agents and network faults."""
    return ConsensusSolver(cfg.agents, cfg.topology, cfg.drop, cfg.delay, cfg.gossip_steps)


def build_cooling(cfg: Any, problem: Any) -> Solver:
    """Sign-filter cooling with a degree-``degree`` Chebyshev filter."""
    return SignFilterCooling(cfg.degree, cfg.sharpness)
