"""Spectral algorithms for kernel regression (Velikanov, Panov & Yarotsky, ICLR 2024) on the
paper's two data models: the circle model, exact through the discrete Fourier transform, and the
Wishart model, exact through one eigendecomposition of the N × N Gram matrix.

Circle model: the N training inputs are the grid x_j = 2πj/N, the kernel is translation
invariant with eigenvalues λ_l = (|l| + 1)^(−ν) on the Fourier modes e^{ilx}, and the target has
coefficients c_l = (|l| + 1)^(−(κ+1)/2) (so c_l² ~ l^(−κ−1)); y_j = f*(x_j) + N(0, σ²) noise.
The empirical kernel matrix K/N is circulant with eigenvalues λ̂_r = Σ_{l ≡ r (mod N)} λ_l, and
a spectral algorithm with learning profile h (KRR λ/(λ + η), gradient flow 1 − e^{−λ/η},
cut-off 1[λ > η]) predicts coefficients a_l = λ_l h(λ̂_r)/λ̂_r · ŷ_r (ŷ = the DFT of y), so the
test loss Σ_l |c_l − a_l|² is exact for a noise draw, and its expectation over the noise is
closed form. Frequencies are truncated at |l| ≤ L.

Wishart model: inputs x ~ N(0, diag λ) in P dimensions with λ_l = l^(−ν), l = 1..P, the linear
kernel x·x', the target f*(x) = w*·x with λ_l w*_l² = l^(−(κ+1)) (the same power laws), and
y = f*(X) + N(0, σ²). With K/N = XXᵀ/N = U diag(s) Uᵀ a spectral algorithm predicts with
w = Xᵀ U diag(h(s)/(N s)) Uᵀ y (KRR: Xᵀ(XXᵀ + Nη)⁻¹y); the test loss (w − w*)ᵀ diag(λ)(w − w*)
is exact for a draw of X and the noise, and its expectation over the noise is closed form.

Theory (noisy, optimally tuned, the classical rates that the paper's loss asymptotics recover):
L(N) ~ N^(−κ/(κ+1)) for gradient flow and cut-off; KRR saturates at κ = 2ν:
L(N) ~ N^(−min(κ, 2ν)/(min(κ, 2ν)+1)). Under noise the paper finds the same loss asymptotics
for both models (universality), so the two models share these exponents.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Profile = Callable[[np.ndarray, np.ndarray], np.ndarray]


def theory_exponent(kappa: float, nu: float, qualification: float) -> float:
    """The loss's decay exponent in N under noise with optimal regularisation, for a method
    whose rate saturates at source smoothness ``qualification`` (KRR 1, gradient flow ∞):
    s/(s + 1) with s = min(κ, 2ν · qualification)."""
    source = min(kappa, 2.0 * nu * qualification)
    return source / (source + 1.0)


def spectra(nu: float, kappa: float, cutoff: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frequencies l = −L..L, kernel eigenvalues λ_l and target coefficients c_l."""
    freq = np.arange(-cutoff, cutoff + 1)
    return freq, (np.abs(freq) + 1.0) ** (-nu), (np.abs(freq) + 1.0) ** (-(kappa + 1) / 2)


def losses(
    profile: Profile,
    etas: np.ndarray,
    n: int,
    nu: float,
    kappa: float,
    noise: float,
    cutoff: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """(realised, expected) test loss for each regularisation in ``etas`` with N = ``n``
    points; one noise draw (its DFT) is shared by all regularisations."""
    freq, lam, coef = spectra(nu, kappa, cutoff)
    residue = np.mod(freq, n)
    lam_hat = np.bincount(residue, weights=lam, minlength=n)
    signal = np.bincount(residue, weights=coef, minlength=n)
    lam_sq = np.bincount(residue, weights=lam**2, minlength=n)
    eps = np.fft.fft(rng.normal(0.0, np.sqrt(noise), n)) / n if noise > 0 else np.zeros(n)
    gain = profile(lam_hat[None, :], etas[:, None]) / lam_hat[None, :]  # (etas, n)
    fitted = lam[None, :] * gain[:, residue]  # (etas, frequencies)
    expected = np.sum((coef - fitted * signal[residue]) ** 2, axis=1)
    expected += noise / n * np.sum(gain**2 * lam_sq[None, :], axis=1)
    predicted = fitted * (signal[residue] + eps[residue])[None, :]
    realised = np.sum(np.abs(coef[None, :] - predicted) ** 2, axis=1)
    return realised, expected


def wishart_losses(
    profile: Profile,
    etas: np.ndarray,
    n: int,
    nu: float,
    kappa: float,
    noise: float,
    features: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """(realised, expected) test loss of the Wishart model for each regularisation in ``etas``
    with N = ``n`` samples of ``features`` dimensions; one draw of X and of the noise is
    shared by all regularisations."""
    index = np.arange(1.0, features + 1.0)
    lam = index ** (-nu)
    target = index ** ((nu - kappa - 1.0) / 2.0)  # λ_l w*_l² = l^−(κ+1)
    x = rng.standard_normal((n, features)) * np.sqrt(lam)
    s, u = np.linalg.eigh(x @ x.T / n)
    s = np.maximum(s, np.finfo(float).tiny)
    rotated = u.T @ x  # (N, P): Uᵀ X
    clean = rotated @ target  # Uᵀ X w*
    eps = rng.normal(0.0, np.sqrt(noise), n) if noise > 0 else np.zeros(n)
    gain = profile(s[None, :], etas[:, None]) / (n * s[None, :])  # (etas, N)
    fitted = (gain * clean[None, :]) @ rotated  # noiseless weights, (etas, P)
    expected = np.sum(lam * (fitted - target) ** 2, axis=1)
    expected += noise * np.sum(gain**2 * (rotated**2 @ lam)[None, :], axis=1)
    predicted = fitted + (gain * (u.T @ eps)[None, :]) @ rotated
    realised = np.sum(lam * (predicted - target) ** 2, axis=1)
    return realised, expected


def fit_exponent(sizes: np.ndarray, values: np.ndarray) -> float:
    """−slope of log(values) against log(sizes) (least squares)."""
    return float(-np.polyfit(np.log(sizes), np.log(values), 1)[0])


def krr(lam: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Kernel ridge regression's profile λ/(λ + η)."""
    return lam / (lam + eta)


def gradient_flow(lam: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Gradient flow stopped at time t = 1/η: 1 − e^{−λ/η}."""
    return -np.expm1(-lam / eta)


def spectral_cutoff(lam: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Spectral cut-off (principal components regression): 1[λ > η]."""
    return (lam > eta).astype(float)
