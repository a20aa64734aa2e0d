"""Matrix families with known spectra (numpy/scipy only).

Each builder returns the matrix (dense ``ndarray`` or ``scipy.sparse`` CSR) and, where the
family has one, its exact spectrum in closed form; :func:`reference_spectrum` says which
spectrum a task measures a solver against. Conventions are stated on each builder.
"""

from __future__ import annotations

from itertools import combinations
from math import comb

import numpy as np
import scipy.sparse as sp
from scipy.special import jn_zeros

# ------------------------------------------------------------------------------------------------
# Random ensembles (the spectrum is known in the large-n limit; finite n: dense reference)
# ------------------------------------------------------------------------------------------------


def goe(n: int, rng: np.random.Generator) -> np.ndarray:
    """GOE matrix scaled so its spectrum fills the semicircle on [-2, 2] as n → ∞
    (off-diagonal entries N(0, 1/n), diagonal N(0, 2/n))."""
    g = rng.standard_normal((n, n))
    return (g + g.T) / np.sqrt(2.0 * n)


def semicircle_cdf(x: np.ndarray) -> np.ndarray:
    """CDF of Wigner's semicircle density sqrt(4 - x²)/(2π) on [-2, 2]."""
    x = np.clip(x, -2.0, 2.0)
    return 0.5 + (x * np.sqrt(4.0 - x**2) / 2.0 + 2.0 * np.arcsin(x / 2.0)) / (2.0 * np.pi)


def wishart(n: int, ratio: float, rng: np.random.Generator) -> np.ndarray:
    """Sample covariance ``XᵀX/m`` of an (m, n) standard Gaussian X with ``ratio`` = n/m ≤ 1:
    its spectrum fills the Marchenko–Pastur law on [(1-√q)², (1+√q)²] as n → ∞."""
    m = round(n / ratio)
    x = rng.standard_normal((m, n))
    return x.T @ x / m


def marchenko_pastur_edges(ratio: float) -> tuple[float, float]:
    """The support [(1-√q)², (1+√q)²] of the Marchenko–Pastur law with ratio q ≤ 1."""
    root = np.sqrt(ratio)
    return float((1.0 - root) ** 2), float((1.0 + root) ** 2)


def syk(n_majorana: int, rng: np.random.Generator, coupling: float = 1.0) -> np.ndarray:
    """Dense Majorana SYK (q = 4) Hamiltonian H = Σ_{i<j<k<l} J_ijkl χ_i χ_j χ_k χ_l on
    2^(N/2) states (Jordan–Wigner Majoranas with {χ_i, χ_j} = δ_ij, so χ_i² = 1/2), couplings
    J_ijkl ~ N(0, 3! J²/N³). Returns the real-symmetric or complex-Hermitian matrix."""
    if n_majorana % 2 or n_majorana < 4:
        raise ValueError(f"SYK needs an even number of Majoranas >= 4, got {n_majorana}")
    chis = majoranas(n_majorana)
    scale = np.sqrt(6.0 * coupling**2 / n_majorana**3)
    couplings = rng.standard_normal(comb(n_majorana, 4)) * scale
    dim = chis[0].shape[0]
    h = np.zeros((dim, dim), dtype=complex)
    for value, (i, j, k, m) in zip(couplings, combinations(range(n_majorana), 4), strict=True):
        h += value * (chis[i] @ chis[j] @ chis[k] @ chis[m])
    h = (h + h.conj().T) / 2.0
    return h.real.copy() if np.abs(h.imag).max() == 0.0 else h


def syk_coupling_variance_sum(n_majorana: int, h: np.ndarray) -> float:
    """tr(H²)/dim, which for the SYK Hamiltonian equals Σ J_ijkl² / 16 exactly."""
    return float(np.real(np.trace(h @ h)) / h.shape[0])


def majoranas(n_majorana: int) -> list[np.ndarray]:
    """Jordan–Wigner Majorana matrices χ_{2j} = Z…Z X / √2, χ_{2j+1} = Z…Z Y / √2."""
    x = np.array([[0, 1], [1, 0]], dtype=complex)
    y = np.array([[0, -1j], [1j, 0]], dtype=complex)
    z = np.diag([1.0, -1.0]).astype(complex)
    qubits = n_majorana // 2
    out = []
    for j in range(qubits):
        for pauli in (x, y):
            factors = [z] * j + [pauli] + [np.eye(2)] * (qubits - j - 1)
            op = factors[0]
            for factor in factors[1:]:
                op = np.kron(op, factor)
            out.append(op / np.sqrt(2.0))
    return out


# ------------------------------------------------------------------------------------------------
# Non-Hermitian families with closed-form spectra
# ------------------------------------------------------------------------------------------------


def hatano_nelson(n: int, hopping: float, asymmetry: float, periodic: bool) -> sp.csr_matrix:
    """(Hψ)_j = t e^g ψ_{j-1} + t e^-g ψ_{j+1}: non-reciprocal hopping, periodic or open chain."""
    return _nonreciprocal_chain(np.zeros(n), hopping, asymmetry, periodic)


def hatano_nelson_spectrum(n: int, hopping: float, asymmetry: float, periodic: bool) -> np.ndarray:
    """Closed form: PBC E_q = 2t cosh g cos q − 2i t sinh g sin q (q = 2πm/n), an ellipse;
    OBC E_m = 2t cos(πm/(n+1)), real (the chain is similar to the Hermitian one)."""
    if periodic:
        q = 2.0 * np.pi * np.arange(n) / n
        return 2 * hopping * (np.cosh(asymmetry) * np.cos(q) - 1j * np.sinh(asymmetry) * np.sin(q))
    m = np.arange(1, n + 1)
    return 2.0 * hopping * np.cos(np.pi * m / (n + 1)) + 0j


def fibonacci_pair(n: int) -> tuple[int, int]:
    """The largest Fibonacci number F ≤ n and its predecessor (α = F_{m-1}/F_m ≈ golden ratio
    − 1 gives an exactly periodic quasiperiodic potential on a ring of F sites)."""
    a, b = 1, 1
    while a + b <= n:
        a, b = b, a + b
    return b, a


def aubry_andre(
    n: int, hopping: float, asymmetry: float, potential: float, phase: float, periodic: bool
) -> sp.csr_matrix:
    """Non-Hermitian Aubry–André–Harper chain: Hatano–Nelson hopping plus V cos(2παj + φ) on a
    ring of n = F_m sites with α = F_{m-1}/F_m (n must be a Fibonacci number)."""
    size, previous = fibonacci_pair(n)
    if size != n:
        raise ValueError(f"the Aubry–André ring needs a Fibonacci number of sites, got {n}")
    sites = np.arange(n)
    onsite = potential * np.cos(2.0 * np.pi * previous / size * sites + phase)
    return _nonreciprocal_chain(onsite, hopping, asymmetry, periodic)


def aubry_andre_open_reference(
    n: int, hopping: float, potential: float, phase: float
) -> np.ndarray:
    """Exact OBC spectrum: the open non-reciprocal chain is similar (S = diag(e^{gj})) to the
    Hermitian Aubry–André chain, whose eigenvalues a symmetric solver gets to machine precision."""
    hermitian = aubry_andre(n, hopping, 0.0, potential, phase, periodic=False).toarray()
    return np.linalg.eigvalsh(hermitian) + 0j


def aubry_andre_lyapunov(hopping: float, potential: float) -> float:
    """Lyapunov exponent ln(V / 2t) of the Hermitian Aubry–André eigenstates (V > 2t; 0 else):
    PBC eigenvalues stay real when it exceeds the asymmetry g (Jiang et al. 2019)."""
    return float(max(np.log(potential / (2.0 * hopping)), 0.0)) if potential > 0 else 0.0


def _nonreciprocal_chain(
    onsite: np.ndarray, hopping: float, asymmetry: float, periodic: bool
) -> sp.csr_matrix:
    n = len(onsite)
    forward = hopping * np.exp(asymmetry)  # ψ_{j-1} → site j
    backward = hopping * np.exp(-asymmetry)  # ψ_{j+1} → site j
    rows = [np.arange(1, n), np.arange(n - 1), np.arange(n)]
    cols = [np.arange(n - 1), np.arange(1, n), np.arange(n)]
    vals = [np.full(n - 1, forward), np.full(n - 1, backward), onsite]
    if periodic:
        rows += [np.array([0]), np.array([n - 1])]
        cols += [np.array([n - 1]), np.array([0])]
        vals += [np.array([forward]), np.array([backward])]
    return sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)
    )


def hippo_legs(n: int) -> np.ndarray:
    """HiPPO-LegS state matrix A (S4's convention, negated): A_nk = −√(2n+1)√(2k+1) for n > k,
    −(n+1) on the diagonal, 0 above. Lower triangular, so its eigenvalues are exactly
    −1, −2, …, −n; highly non-normal (ill-conditioned eigenvectors)."""
    idx = np.arange(n)
    root = np.sqrt(2.0 * idx + 1.0)
    a = -np.tril(np.outer(root, root), k=-1)
    return a - np.diag(idx + 1.0)


def hippo_spectrum(n: int) -> np.ndarray:
    """The exact eigenvalues −1, …, −n of :func:`hippo_legs`."""
    return -np.arange(1.0, n + 1.0) + 0j


# ------------------------------------------------------------------------------------------------
# Structured symmetric families
# ------------------------------------------------------------------------------------------------


def stu_hankel(length: int) -> np.ndarray:
    """The Spectral State Space Model's Hankel matrix Z_ij = 2 / ((i+j)³ − (i+j)), i, j = 1..T:
    positive definite with exponentially decaying eigenvalues (Agarwal et al. 2023)."""
    s = np.arange(1, length + 1)[:, None] + np.arange(1, length + 1)[None, :]
    return 2.0 / (s.astype(float) ** 3 - s)


def grid_laplacian(side: int) -> sp.csr_matrix:
    """The 5-point Dirichlet Laplacian of a side × side grid (unit spacing), sparse."""
    path = sp.diags([-np.ones(side - 1), 2 * np.ones(side), -np.ones(side - 1)], [-1, 0, 1])
    eye = sp.identity(side)
    return (sp.kron(path, eye) + sp.kron(eye, path)).tocsr()


def grid_laplacian_spectrum(side: int) -> np.ndarray:
    """Closed form 4 sin²(πa/2(s+1)) + 4 sin²(πb/2(s+1)), a, b = 1..s, ascending."""
    one = 4.0 * np.sin(np.pi * np.arange(1, side + 1) / (2.0 * (side + 1))) ** 2
    return np.sort((one[:, None] + one[None, :]).ravel())


def tfim(qubits: int, coupling: float, field: float) -> sp.csr_matrix:
    """Open transverse-field Ising chain H = −J Σ Z_i Z_{i+1} − h Σ X_i (sparse, 2^n states)."""
    x = sp.csr_matrix(np.array([[0.0, 1.0], [1.0, 0.0]]))
    z = sp.csr_matrix(np.diag([1.0, -1.0]))

    def site_op(ops: dict[int, sp.csr_matrix]) -> sp.csr_matrix:
        out = sp.identity(1, format="csr")
        for i in range(qubits):
            out = sp.kron(out, ops.get(i, sp.identity(2, format="csr")), format="csr")
        return out

    dim = 2**qubits
    h = sp.csr_matrix((dim, dim))
    for i in range(qubits - 1):
        h = h - coupling * site_op({i: z, i + 1: z})
    for i in range(qubits):
        h = h - field * site_op({i: x})
    return h.tocsr()


def tfim_ground_energy(qubits: int, coupling: float, field: float) -> float:
    """Free-fermion ground energy of the open chain: −Σ_k ε_k / 2 with ε_k the singular values of
    the n × n matrix with 2h on the diagonal and 2J on the superdiagonal (Jordan–Wigner)."""
    m = 2.0 * field * np.eye(qubits) + 2.0 * coupling * np.eye(qubits, k=1)
    return float(-np.linalg.svd(m, compute_uv=False).sum() / 2.0)


# ------------------------------------------------------------------------------------------------
# Radial Sturm–Liouville operator by Chebyshev collocation
# ------------------------------------------------------------------------------------------------


def chebyshev_differentiation(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Chebyshev points x_j = cos(πj/n), j = 0..n, and the differentiation matrix (Trefethen,
    Spectral Methods in MATLAB, cheb.m)."""
    x = np.cos(np.pi * np.arange(n + 1) / n)
    c = np.ones(n + 1)
    c[0] = c[-1] = 2.0
    c *= (-1.0) ** np.arange(n + 1)
    dx = x[:, None] - x[None, :]
    d = np.outer(c, 1.0 / c) / (dx + np.eye(n + 1))
    d -= np.diag(d.sum(axis=1))
    return x, d


def bessel_collocation(points: int, order: int) -> np.ndarray:
    """−(u'' + u'/r − m²u/r²) on the unit disk's radius, u(1) = 0, by Chebyshev collocation on
    [−1, 1] with N odd (no point at r = 0) folded by the parity (−1)^m of the mode (Trefethen's
    program 28): a non-symmetric ((N−1)/2)² matrix whose exact eigenvalues are j_{m,s}²."""
    if points % 2 == 0:
        raise ValueError(f"the collocation needs an odd N (no point at r = 0), got {points}")
    x, d = chebyshev_differentiation(points)
    d2 = d @ d
    half = (points - 1) // 2
    inner = slice(1, half + 1)
    mirror = slice(points - 1, points - half - 1, -1)
    parity = (-1.0) ** order
    d1f = d[inner, inner] + parity * d[inner, mirror]
    d2f = d2[inner, inner] + parity * d2[inner, mirror]
    r = x[inner]
    operator = d2f + np.diag(1.0 / r) @ d1f - np.diag(order**2 / r**2)
    return -operator


def bessel_spectrum(order: int, count: int) -> np.ndarray:
    """Exact eigenvalues j_{m,s}², s = 1..count (squared zeros of the Bessel function J_m)."""
    return jn_zeros(order, count) ** 2 + 0j


def resolved_modes(coarse: np.ndarray, fine: np.ndarray, threshold: float = 1e-6) -> np.ndarray:
    """Spurious-mode filter (Boyd's drift test): keep the eigenvalues of the coarse
    discretisation that a finer one reproduces to a relative ``threshold``; unresolved and
    spurious modes move with the resolution and are dropped."""
    coarse = np.asarray(coarse)
    fine = np.asarray(fine)
    drift = np.abs(coarse[:, None] - fine[None, :]).min(axis=1)
    return coarse[drift <= threshold * np.maximum(np.abs(coarse), 1.0)]


# ------------------------------------------------------------------------------------------------
# Radial Dirac operator (Coulomb) by Chebyshev collocation
# ------------------------------------------------------------------------------------------------


def dirac_collocation(points: int, kappa: int, coupling: float, scale: float) -> np.ndarray:
    """Radial Dirac Hamiltonian of an electron in the Coulomb potential V = −ζ/r (units
    m = c = ħ = 1, ζ = Zα), acting on (G, F):

        H = [[1 + V, −d/dr + κ/r], [d/dr + κ/r, −1 + V]],

    on r ∈ (0, ∞) mapped to x ∈ (−1, 1) by r = L(1 + x)/(1 − x), collocated on the N − 1
    interior Chebyshev points with G = F = 0 at both ends: a non-symmetric 2(N − 1) square
    matrix. Its bound states approach the Sommerfeld energies; the discretised continua
    (|E| > 1) and spurious modes do not converge (:func:`resolved_modes` drops them)."""
    if kappa == 0:
        raise ValueError("the Dirac quantum number κ is a non-zero integer")
    if not 0 < coupling < abs(kappa):
        raise ValueError(f"need 0 < ζ < |κ| (a real γ = √(κ² − ζ²)), got ζ={coupling}")
    x, d = chebyshev_differentiation(points)
    inner = slice(1, points)
    x = x[inner]
    radius = scale * (1.0 + x) / (1.0 - x)
    derivative = ((1.0 - x) ** 2 / (2.0 * scale))[:, None] * d[inner, inner]
    potential = np.diag(-coupling / radius)
    centrifugal = np.diag(kappa / radius)
    eye = np.eye(points - 1)
    return np.block(
        [
            [eye + potential, -derivative + centrifugal],
            [derivative + centrifugal, -eye + potential],
        ]
    )


def dirac_coulomb_spectrum(kappa: int, coupling: float, count: int) -> np.ndarray:
    """Sommerfeld's exact bound-state energies E = (1 + (ζ/(n_r + γ))²)^(−1/2), γ = √(κ² − ζ²),
    for the first ``count`` radial quantum numbers (n_r ≥ 0 for κ < 0, n_r ≥ 1 for κ > 0)."""
    gamma = np.sqrt(kappa**2 - coupling**2)
    radial = np.arange(count) + (1 if kappa > 0 else 0)
    return (1.0 + (coupling / (radial + gamma)) ** 2) ** -0.5 + 0j
