"""The cooling bench (research notes D2): prepare the TFIM ground state from a random product
state in K steps, and keep the energy and ground-state fidelity after every step as curves.

Every method gets the same :class:`.trajectory.CoolingProblem` (the seed's product state, K
steps). A method that returns a :class:`.trajectory.TrajectoryResult` is scored step by step
(curves ``energy``, ``energy_error``, ``fidelity``, ``matvecs``; arrays ``trajectory.npz``);
any other ground-state solver only by its answer.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from harness import RunContext
from spectral_harness_eigen import families
from spectral_harness_eigen.operators import CountedOperator
from spectral_harness_eigen.trajectory import CoolingProblem, TrajectoryResult, random_product_state

THRESHOLD = 0.9  # the notes' fidelity target


def trajectory_metrics(energies: np.ndarray, fidelities: np.ndarray) -> dict[str, float]:
    """Per-trajectory summaries: the largest one-step fall of the fidelity and rise of the energy
    (0 when monotone), the start fidelity, and the first step with fidelity ≥ 0.9 (K + 1 if
    never)."""
    reached = np.flatnonzero(fidelities >= THRESHOLD)
    return {
        "fidelity_drop": float(max(0.0, -np.diff(fidelities).min(initial=0.0))),
        "energy_rise": float(max(0.0, np.diff(energies).max(initial=0.0))),
        "initial_fidelity": float(fidelities[0]),
        "steps_to_090": float(reached[0] if reached.size else len(fidelities)),
    }


def run_tfim_cooling(cfg: Any, ctx: RunContext, build: Any) -> dict[str, float]:
    """TFIM chain of ``cfg.qubits`` spins from the seed's random product state, ``cfg.steps``
    steps of the method; scored against exact diagonalisation."""
    family = families.tfim(cfg.qubits, cfg.field)
    operator = CountedOperator(family.matrix)
    start = random_product_state(cfg.qubits, np.random.default_rng(ctx.seed))
    problem = CoolingProblem(
        operator=operator,
        k=1,
        which="SA",
        hermitian=True,
        tol=cfg.tol,
        max_matvecs=cfg.max_matvecs,
        sigma=operator.bounds()[0],
        seed=ctx.seed,
        start=start,
        steps=cfg.steps,
    )
    solver = build(problem)
    operator.matvecs = 0.0
    begin = time.perf_counter()
    with ctx.timer("train"):
        result = solver(problem)
    seconds = time.perf_counter() - begin
    exact = np.asarray(family.reference)
    dense = family.matrix
    scale = float(np.abs(exact).max())
    vector = np.asarray(result.vectors)[:, 0]
    vector = vector / np.linalg.norm(vector)
    value = float(np.asarray(result.values)[0])
    metrics = {
        "eig_error": abs(value - exact[0]) / scale,
        "residual": float(np.linalg.norm(dense @ vector - value * vector) / scale),
        "fidelity": float(np.linalg.norm(family.ground.conj().T @ vector) ** 2),
        "matvecs": float(operator.matvecs),
        "solves": float(operator.solves),
        "seconds": seconds,
        "n": float(operator.shape[0]),
        **{f"fact_{name}": float(v) for name, v in family.facts.items()},
        **{f"info_{name}": float(v) for name, v in result.info.items()},
    }
    if isinstance(result, TrajectoryResult):
        states = np.asarray(result.states)
        states = states / np.linalg.norm(states, axis=1, keepdims=True)
        energies = np.real(np.einsum("si,si->s", states.conj(), (dense @ states.T).T))
        fidelities = np.linalg.norm(states.conj() @ family.ground, axis=1) ** 2
        matvecs = np.array([m for m, _ in result.history], dtype=float)
        for step, (e, f, m) in enumerate(zip(energies, fidelities, matvecs, strict=True)):
            ctx.log_metrics(
                step,
                {"energy": e, "energy_error": (e - exact[0]) / scale, "fidelity": f, "matvecs": m},
            )
        ctx.save_arrays(
            "trajectory", energy=energies, fidelity=fidelities, matvecs=matvecs, ground=exact[:1]
        )
        metrics.update(trajectory_metrics(energies, fidelities))
    return metrics
