"""The eigen-solver slots' contract: what a task hands to a solver and what it gets back.

Three slots share it: ``eigensolver`` (k extremal eigenpairs of a Hermitian operator),
``nonhermitian_eigensolver`` (k eigenvalues of a general operator, picked by real part or
modulus) and ``ground_state`` (the lowest eigenpair of a Hermitian operator, k = 1).
Torch-free: imported when the plugin registers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from harness import ContractError, SlotSpec

HERMITIAN_WHICH = ("SA", "LA")
GENERAL_WHICH = ("LR", "SR", "LM", "SM")
PROBE_SIZE = 24


@dataclass(frozen=True)
class EigenProblem:
    """What a solver gets: a counted ``operator`` (``operators.CountedOperator``: products,
    blocks, shift-invert solves, the dense matrix at n matvecs; never the raw matrix), the
    number ``k`` of eigenvalues wanted and ``which`` end (SA/LA smallest/largest algebraic for a
    Hermitian operator; LR/SR/LM/SM largest/smallest real part/modulus otherwise), whether the
    operator is ``hermitian``, the relative tolerance ``tol``, a budget ``max_matvecs``, a shift
    ``sigma`` near the wanted end that the matrix family knows a priori (0 below a PSD
    Laplacian; a Gershgorin bound otherwise) for shift-invert, and a ``seed`` for start vectors."""

    operator: Any
    k: int
    which: str
    hermitian: bool
    tol: float
    max_matvecs: int
    sigma: complex
    seed: int


@dataclass
class EigenResult:
    """What a solver returns: ``values`` (k,), ``vectors`` (n, k) and a ``history`` of
    (matvecs so far, current estimates of the k values) per iteration, for convergence curves
    (empty for one-shot solvers) and ``info``, the solver's own diagnostics (reported as
    ``info_<name>``). Wall time and residuals are measured by the task."""

    values: Any
    vectors: Any
    history: list[tuple[float, Any]] = field(default_factory=list)
    info: dict[str, float] = field(default_factory=dict)


Solver = Callable[[EigenProblem], EigenResult]

_PROBLEM = (
    "spectral_harness_eigen.contract.EigenProblem: `operator` (a counted operator: `matmat`, "
    "`linear_operator()`, `shift_invert(sigma)`, `dense()` at n matvecs, `rows_matvec`, "
    "`bounds()`), `k`, `which`, `hermitian`, `tol`, `max_matvecs`, `sigma`, `seed`"
)
_COMPONENT = (
    "a callable solve(problem) -> EigenResult(values (k,), vectors (n, k), history); it reads "
    "the matrix only through the counted operator, so matvecs are the task's count"
)
_RESULT = (
    "eig_error (primary: matched eigenvalue error / spectral scale), residual (max "
    "‖Av − λv‖ / (scale ‖v‖)), matvecs, solves, seconds, and the family's facts"
)
SLOT_SPECS = (
    SlotSpec(
        name="eigensolver",
        summary="k extremal eigenpairs (SA or LA) of a Hermitian operator",
        problem=_PROBLEM + " (hermitian=True, which in SA/LA)",
        component=_COMPONENT,
        result=_RESULT,
        check="spectral_harness_eigen.contract:check",
    ),
    SlotSpec(
        name="nonhermitian_eigensolver",
        summary="k eigenvalues (LR, SR, LM or SM) of a general, possibly non-normal operator",
        problem=_PROBLEM + " (hermitian=False, which in LR/SR/LM/SM)",
        component=_COMPONENT,
        result=_RESULT,
        check="spectral_harness_eigen.contract:check",
    ),
    SlotSpec(
        name="ground_state",
        summary="the lowest eigenpair (k=1, SA) of a Hermitian operator (a Hamiltonian)",
        problem=_PROBLEM + " (hermitian=True, k=1, which=SA)",
        component=_COMPONENT,
        result=_RESULT + "; ground-state fidelity",
        check="spectral_harness_eigen.contract:check",
    ),
)


def probe_problem(problem: EigenProblem) -> EigenProblem:
    """A small problem of the same kind as ``problem``: a tridiagonal matrix with distinct
    eigenvalues (symmetric when ``problem`` is Hermitian, non-reciprocal otherwise)."""
    import numpy as np

    from spectral_harness_eigen.matrices import hatano_nelson
    from spectral_harness_eigen.operators import CountedOperator

    asymmetry = 0.0 if problem.hermitian else 0.2
    matrix = hatano_nelson(PROBE_SIZE, 1.0, asymmetry, periodic=False)
    matrix = matrix + np.diag(np.linspace(0.0, 1.0, PROBE_SIZE))
    return replace(
        problem,
        operator=CountedOperator(matrix),
        k=min(problem.k, 3),
        max_matvecs=10_000,
        sigma=-3.0 if problem.which in ("SA", "SR") else (0.0 if problem.which == "SM" else 4.0),
    )


def check(component: Any, problem: EigenProblem) -> None:
    """Run ``component`` on a tiny problem of ``problem``'s kind and refuse, in one line, a
    result that is not k finite values with (n, k) finite vectors."""
    import numpy as np

    if not callable(component):
        raise ContractError(f"build returned {type(component).__name__}, expected a callable")
    probe = probe_problem(problem)
    result = component(probe)
    if not isinstance(result, EigenResult):
        raise ContractError(f"the solver returned {type(result).__name__}, expected EigenResult")
    values = np.asarray(result.values)
    vectors = np.asarray(result.vectors)
    if values.shape != (probe.k,):
        raise ContractError(f"expected {probe.k} eigenvalues, got shape {values.shape}")
    if vectors.shape != (PROBE_SIZE, probe.k):
        raise ContractError(
            f"expected vectors of shape {(PROBE_SIZE, probe.k)}, got {vectors.shape}"
        )
    if not (np.isfinite(values).all() and np.isfinite(vectors).all()):
        raise ContractError("expected finite eigenvalues and vectors, got NaN or inf")
