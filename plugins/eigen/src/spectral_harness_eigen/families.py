"""One builder per eigen task: the matrix, its reference spectrum and the family's facts.

A :class:`Family` is what a task measures solvers against: ``reference`` is the exact spectrum
(closed form where the family has one, otherwise LAPACK in float64 on a well-conditioned
form), ``facts`` are the family's checkable numbers (an edge of a limiting law, the largest
imaginary part of a spectrum known to be real, …), reported as diagnostics.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.linalg import eig, eigvalsh
from scipy.sparse.csgraph import breadth_first_order, connected_components
from scipy.stats import ortho_group

from spectral_harness_eigen import matrices


@dataclass
class Family:
    """A matrix with its exact spectrum; ``ground`` is the exact lowest eigenspace (Hermitian
    ground-state tasks) for fidelities; ``products`` (A @ block), when set, is all a solver
    sees (a matvec-only operator), ``matrix`` then only scores the answer."""

    matrix: Any
    reference: np.ndarray
    hermitian: bool
    sigma: complex | None  # None: the Gershgorin bound at the wanted end
    facts: dict[str, float] = field(default_factory=dict)
    ground: np.ndarray | None = None
    products: Callable[[np.ndarray], np.ndarray] | None = None


def _dense(matrix: Any) -> np.ndarray:
    return matrix.toarray() if sp.issparse(matrix) else np.asarray(matrix)


def _hermitian(matrix: Any) -> Family:
    return Family(matrix, eigvalsh(_dense(matrix)), True, None)


def goe(n: int, seed: int) -> Family:
    """GOE (semicircle on [−2, 2]); facts: λ_max, λ_min and the KS distance to the semicircle."""
    matrix = matrices.goe(n, np.random.default_rng(seed))
    family = _hermitian(matrix)
    values = family.reference
    empirical = np.arange(1, n + 1) / n
    ks = float(np.abs(empirical - matrices.semicircle_cdf(values)).max())
    family.facts = {"lambda_max": values[-1], "lambda_min": values[0], "semicircle_ks": ks}
    return family


def wishart(n: int, ratio: float, seed: int) -> Family:
    """Wishart XᵀX/m (Marchenko–Pastur); facts: λ_max, λ_min (edges (1 ± √q)²)."""
    matrix = matrices.wishart(n, ratio, np.random.default_rng(seed))
    family = _hermitian(matrix)
    family.facts = {"lambda_max": family.reference[-1], "lambda_min": family.reference[0]}
    return family


def syk(majoranas: int, seed: int) -> Family:
    """Majorana SYK q=4; facts: tr(H²)/dim over its exact value Σ J²/16 (recomputed from the
    same draw) and the fraction of levels in degenerate pairs (1 for N mod 8 ∈ {2, 4, 6})."""
    rng = np.random.default_rng(seed)
    matrix = matrices.syk(majoranas, rng)
    rng = np.random.default_rng(seed)
    from math import comb

    couplings = rng.standard_normal(comb(majoranas, 4)) * np.sqrt(6.0 / majoranas**3)
    family = _hermitian(matrix)
    values = family.reference
    ratio = matrices.syk_coupling_variance_sum(majoranas, matrix) / (np.sum(couplings**2) / 16)
    gaps = np.diff(values)
    paired = float(np.mean(np.abs(gaps[::2]) < 1e-9 * max(abs(values).max(), 1.0)))
    family.facts = {"trace_ratio": float(ratio), "paired_fraction": paired}
    return family


def stu_hankel(length: int) -> Family:
    """STU Hankel matrix; facts: λ_max and the decay rate of log λ_j over the top 10."""
    matrix = matrices.stu_hankel(length)
    family = _hermitian(matrix)
    top = family.reference[::-1][:10]
    slope = float(np.polyfit(np.arange(len(top)), np.log(np.abs(top)), 1)[0])
    family.facts = {"lambda_max": top[0], "log_decay_per_index": slope}
    return family


def network_hessian(
    samples: int, dim: int, width: int, classes: int, steps: int, seed: int
) -> Family:
    """Hessian of a trained MLP's loss (:mod:`.hessian`), seen through Hessian–vector
    products; reference: LAPACK on the dense Hessian. Facts: λ_max, the trace, the outliers
    (eigenvalues above 5 % of λ_max), the fraction of negative eigenvalues, and how far the
    products are from the dense matrix (max |HVP(v) − Hv|/‖H‖ on a random block). The shift
    for shift-invert is the dense Hessian's Gershgorin bound (the task's knowledge, free)."""
    from spectral_harness_eigen import hessian

    loss, theta = hessian.trained_loss(samples, dim, width, classes, steps, seed)
    matrix = hessian.dense_hessian(loss, theta)
    products = hessian.hvp(loss, theta)
    values = eigvalsh(matrix)
    probe = np.random.default_rng(seed).standard_normal((len(theta), 4))
    scale = np.abs(values).max()
    radius = np.abs(matrix).sum(axis=1) - np.abs(np.diag(matrix))
    facts = {
        "lambda_max": values[-1],
        "trace": float(values.sum()),
        "outliers": float(np.sum(values > 0.05 * values[-1])),
        "negative_fraction": float(np.mean(values < -1e-12 * scale)),
        "hvp_error": float(np.abs(products(probe) - matrix @ probe).max() / scale),
    }
    sigma = float((np.diag(matrix) + radius).max())
    return Family(matrix, values, True, sigma, facts, products=products)


def planetoid_laplacian(
    data_dir: Path, name: str, nodes: int, cache_dir: Path, checksum: str
) -> Family:
    """Symmetric normalised Laplacian of the largest connected component of a Planetoid graph,
    or of its first ``nodes`` nodes in breadth-first order from its lowest id (0: all; still
    connected) (``harness.laplacian``; reference spectrum from the host's eigen cache). Facts:
    number of zero modes (1: connected) and λ_max (≤ 2)."""
    from harness import dataset_eigenpairs, laplacian

    with open(data_dir / "planetoid" / name / f"ind.{name}.graph", "rb") as handle:
        adjacency = pickle.load(handle, encoding="latin1")
    n = max(max(adjacency), max(max(v, default=0) for v in adjacency.values())) + 1
    src = np.array([u for u, vs in adjacency.items() for _ in vs], dtype=np.int64)
    dst = np.array([v for vs in adjacency.values() for v in vs], dtype=np.int64)
    graph = sp.csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    keep = np.flatnonzero(labels == np.bincount(labels).argmax())
    if 0 < nodes < len(keep):
        keep = np.sort(breadth_first_order(graph, keep[0], directed=False)[0][:nodes])
    index = np.full(n, -1)
    index[keep] = np.arange(len(keep))
    mask = (index[src] >= 0) & (index[dst] >= 0)
    edges = np.stack([index[src[mask]], index[dst[mask]]])
    matrix = sp.csr_matrix(laplacian(edges, len(keep), "sym"))
    pairs = dataset_eigenpairs(
        [(edges, len(keep))],
        len(keep),
        cache_dir,
        key={"dataset": f"planetoid_{name}", "nodes": nodes, "checksum": checksum},
    )
    values = pairs.eigvals[0].numpy()
    facts = {"zero_modes": float(np.sum(values < 1e-9)), "lambda_max": float(values[-1])}
    return Family(matrix, values, True, -1e-2, facts)


def hatano_nelson(n: int, asymmetry: float, periodic: bool) -> Family:
    """Hatano–Nelson chain, closed-form spectrum; fact: LAPACK's error on the full spectrum."""
    matrix = matrices.hatano_nelson(n, 1.0, asymmetry, periodic)
    exact = matrices.hatano_nelson_spectrum(n, 1.0, asymmetry, periodic)
    lapack = eig(matrix.toarray(), right=False)
    facts = {"lapack_error": matched_error(lapack, exact) / np.abs(exact).max()}
    return Family(matrix, exact, False, 2.0 * np.cosh(asymmetry) + 0.1, facts)


def aubry_andre(n: int, asymmetry: float, potential: float, periodic: bool) -> Family:
    """Non-Hermitian Aubry–André chain. OBC: exact reference from the similar Hermitian chain;
    PBC: LAPACK (well conditioned when localised). Facts: max |Im E| of the PBC/OBC spectrum
    and ln(V/2t) − g (real PBC spectrum predicted when positive)."""
    phase = 0.0
    matrix = matrices.aubry_andre(n, 1.0, asymmetry, potential, phase, periodic)
    lapack = eig(matrix.toarray(), right=False)
    if periodic:
        reference = lapack
    else:
        reference = matrices.aubry_andre_open_reference(n, 1.0, potential, phase)
    facts = {
        "max_imag": float(np.abs(lapack.imag).max()),
        "lyapunov_margin": matrices.aubry_andre_lyapunov(1.0, potential) - abs(asymmetry),
        "lapack_error": matched_error(lapack, reference) / np.abs(reference).max(),
    }
    sigma = 2.0 * np.exp(abs(asymmetry)) + potential + 0.1
    return Family(matrix, reference, False, sigma, facts)


def hippo(n: int, seed: int) -> Family:
    """HiPPO-LegS rotated by a seeded random orthogonal Q (same spectrum −1..−n and the same
    non-normality, without the triangular form LAPACK would exploit). Fact: LAPACK's error."""
    q = ortho_group.rvs(n, random_state=seed)
    matrix = q @ matrices.hippo_legs(n) @ q.T
    exact = matrices.hippo_spectrum(n)
    lapack = eig(matrix, right=False)
    facts = {"lapack_error": matched_error(lapack, exact) / n}
    return Family(matrix, exact, False, 0.5, facts)


def bessel(points: int, order: int, k: int) -> Family:
    """Radial Sturm–Liouville (Bessel) operator by Chebyshev collocation; exact eigenvalues
    j_{m,s}² for the k wanted. Facts: see :func:`_collocation_facts`."""
    matrix = matrices.bessel_collocation(points, order)
    fine = matrices.bessel_collocation(2 * points + 1, order)
    exact = matrices.bessel_spectrum(order, max(points, k)).real
    facts = _collocation_facts(matrix, fine, exact)
    return Family(matrix, exact[:k] + 0j, False, 0.0, facts)


def dirac(points: int, kappa: int, coupling: float, scale: float, k: int) -> Family:
    """Radial Dirac–Coulomb operator by Chebyshev collocation; exact Sommerfeld energies for
    the k bound states nearest zero (the lowest ones: the continua lie beyond |E| = 1).
    Facts: see :func:`_collocation_facts`."""
    matrix = matrices.dirac_collocation(points, kappa, coupling, scale)
    fine = matrices.dirac_collocation(2 * points + 1, kappa, coupling, scale)
    exact = matrices.dirac_coulomb_spectrum(kappa, coupling, max(points, k)).real
    facts = _collocation_facts(matrix, fine, exact, gap=1.0)
    return Family(matrix, exact[:k] + 0j, False, 0.0, facts)


def _collocation_facts(
    matrix: np.ndarray, fine: np.ndarray, exact: np.ndarray, gap: float | None = None
) -> dict:
    """The drift filter against a 2N+1-point discretisation (:func:`matrices.resolved_modes`):
    how many modes survive it (inside the gap |E| < ``gap`` where the bound states live, if
    given), the largest relative distance of a survivor to the nearest exact eigenvalue, and
    how many survivors are no exact eigenvalue at all (stable spurious modes, farther than
    1e-4 relative)."""
    coarse = eig(matrix, right=False)
    kept = matrices.resolved_modes(coarse, eig(fine, right=False)).real
    if gap is not None:
        kept = kept[np.abs(kept) < gap]
    distance = np.abs(kept[:, None] - exact[None, :]).min(axis=1) / np.abs(kept)
    spurious = distance > 1e-4
    return {
        "resolved_modes": float(len(kept)),
        "resolved_error": float(distance[~spurious].max()) if (~spurious).any() else np.inf,
        "spurious_modes": float(spurious.sum()),
    }


def grid(side: int) -> Family:
    """Dirichlet grid Laplacian, closed-form spectrum; ground state from the closed form
    (the product of the lowest sine modes)."""
    matrix = matrices.grid_laplacian(side)
    mode = np.sin(np.pi * np.arange(1, side + 1) / (side + 1))
    ground = np.kron(mode, mode)
    values = matrices.grid_laplacian_spectrum(side)
    return Family(matrix, values, True, -0.1, {}, (ground / np.linalg.norm(ground))[:, None])


def tfim(qubits: int, field_strength: float) -> Family:
    """Open transverse-field Ising chain (J = 1). Fact: the free-fermion ground energy's
    distance to the exact-diagonalisation one."""
    matrix = matrices.tfim(qubits, 1.0, field_strength)
    values, vectors = np.linalg.eigh(matrix.toarray())
    ground = vectors[:, np.abs(values - values[0]) < 1e-9]
    free = matrices.tfim_ground_energy(qubits, 1.0, field_strength)
    facts = {"free_fermion_gap": abs(free - values[0]), "spectral_gap": values[1] - values[0]}
    return Family(matrix, values, True, None, facts, ground)


def matched_error(values: np.ndarray, reference: np.ndarray) -> float:
    """Largest |λ̂ − λ| over a minimum-cost one-to-one matching of ``values`` to ``reference``."""
    from scipy.optimize import linear_sum_assignment

    cost = np.abs(np.asarray(values)[:, None] - np.asarray(reference)[None, :])
    rows, cols = linear_sum_assignment(cost)
    return float(cost[rows, cols].max())
