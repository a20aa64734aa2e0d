"""Data balancing (Liu, Mehta, Pal & Harchaoui, NeurIPS 2024): the model, the estimators and
the exact asymptotic variance.

Model: X, Y on {0..m−1} with equal marginals p and joint P = (1 − ρ) p⊗p + ρ diag(p). Its
conditional-mean operators have singular values 1 (constants) and ρ (every other direction):
the spectral gap is 1 − ρ. The quantity is φ = E_P[h(X, Y)] for a fixed table h.

Estimators from n i.i.d. pairs: the empirical mean of h, and the k-step balanced estimator
E_{P_n^{(k)}}[h], where P_n^{(k)} rescales the empirical joint alternately to the known X and Y
marginals (Sinkhorn/IPF; step 1 fits X). Linearising each step gives the influence function
IF_k = (I − μ_X)(I − μ_Y)(I − μ_X)… h (k factors, the first step's outermost), so
n·MSE → Var_P(IF_k); as k → ∞ it tends to Var_P(h − a*(X) − b*(Y)), the residual of h after
projecting on additive functions (alternating projections converge at rate ρ per step).
"""

from __future__ import annotations

import numpy as np


def joint(marginal: np.ndarray, dependence: float) -> np.ndarray:
    """(1 − ρ) p⊗p + ρ diag(p): marginals p on both sides, second singular value ρ."""
    return (1.0 - dependence) * np.outer(marginal, marginal) + dependence * np.diag(marginal)


def model(levels: int, dependence: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The joint (p ∝ 1/(1 + i)) and a test function h with seeded N(0, 1) entries."""
    marginal = 1.0 / (1.0 + np.arange(levels))
    marginal /= marginal.sum()
    h = np.random.default_rng(seed).standard_normal((levels, levels))
    return joint(marginal, dependence), h


def conditional_mean(p: np.ndarray, g: np.ndarray, axis: str) -> np.ndarray:
    """μ_X g (x, y) = E[g(x, Y) | X = x] (``axis="x"``), or μ_Y g = E[g(X, y) | Y = y]."""
    if axis == "x":
        return np.broadcast_to(((p * g).sum(1) / p.sum(1))[:, None], g.shape)
    return np.broadcast_to(((p * g).sum(0) / p.sum(0))[None, :], g.shape)


def influence(p: np.ndarray, h: np.ndarray, steps: int) -> np.ndarray:
    """IF_k = (I − μ_X)(I − μ_Y)… h with ``steps`` factors (0: the empirical estimator's h − φ)."""
    g = h - (p * h).sum()
    axes = ["x" if i % 2 == 0 else "y" for i in range(steps)]
    for axis in reversed(axes):  # the last step's projection is applied to h first
        g = g - conditional_mean(p, g, axis)
    return g


def asymptotic_variance(p: np.ndarray, h: np.ndarray, steps: int) -> float:
    """The limit of n·MSE of the ``steps``-step balanced estimator: Var_P(IF_k)."""
    g = influence(p, h, steps)
    return float((p * g**2).sum() - (p * g).sum() ** 2)


def additive_residual_variance(p: np.ndarray, h: np.ndarray) -> float:
    """Var_P(h − a*(X) − b*(Y)) by weighted least squares on the additive functions (k → ∞)."""
    m = p.shape[0]
    design = np.concatenate(
        [np.kron(np.eye(m), np.ones((m, 1))), np.kron(np.ones((m, 1)), np.eye(m))], axis=1
    )
    w = np.sqrt(p.ravel())
    coef, *_ = np.linalg.lstsq(design * w[:, None], h.ravel() * w, rcond=None)
    residual = h.ravel() - design @ coef
    return float((p.ravel() * residual**2).sum() - (p.ravel() * residual).sum() ** 2)


def sample_counts(p: np.ndarray, n: int, reps: int, rng: np.random.Generator) -> np.ndarray:
    """``reps`` empirical count tables of n i.i.d. pairs from p: shape (reps, m, m)."""
    return rng.multinomial(n, p.ravel(), size=reps).reshape(reps, *p.shape).astype(float)


def balanced(counts: np.ndarray, marginal_x: np.ndarray, marginal_y: np.ndarray, steps: int):
    """The empirical joints after ``steps`` alternating marginal fits (rows then columns);
    a row or column never observed stays empty (its target mass cannot be placed)."""
    q = counts / counts.sum(axis=(1, 2), keepdims=True)
    for i in range(steps):
        if i % 2 == 0:
            have = q.sum(axis=2, keepdims=True)
            q = q * np.divide(
                marginal_x[None, :, None], have, out=np.zeros_like(have), where=have > 0
            )
        else:
            have = q.sum(axis=1, keepdims=True)
            q = q * np.divide(
                marginal_y[None, None, :], have, out=np.zeros_like(have), where=have > 0
            )
    return q
