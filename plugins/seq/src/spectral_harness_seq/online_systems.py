"""The online task's systems, their data streams and the oracle predictors that know them.

A system is one of :func:`spectral_harness_seq.generators.random_system`'s asymmetric
rotation-block LDS (2×2 blocks r·R(θ), the slowest radius exactly ``max_eig``), with noise:

    x_{t+1} = A x_t + B u_t + w_t,   y_t = C x_t + v_t,   x_0 = 0,
    u_t ~ N(0, I),  w_t ~ N(0, process_noise² I),  v_t ~ N(0, obs_noise² I),

and C rescaled row by row so that every output channel of C x_t has unit stationary variance:
losses are then in units of the output's variance whatever the hidden dimension.

The oracles: :class:`KalmanPredictor` (the Bayes-optimal predictor of y_t from the past, given
the true system; the task's main comparator) and :class:`OpenLoopPredictor` (the true LDS run on
the inputs alone, ignoring the outputs: the "LDS predictor" of the comparator class). Without
noise both predict y_t exactly.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from scipy.linalg import solve_discrete_lyapunov

from spectral_harness_seq.generators import random_system
from spectral_harness_seq.online_contract import KnownSystem


def rotation_system(
    state_dim: int,
    d_in: int,
    d_out: int,
    *,
    max_eig: float,
    max_angle: float,
    process_noise: float,
    obs_noise: float,
    rng: np.random.Generator,
) -> KnownSystem:
    """A rotation-block system (see the module docstring) with unit stationary output variance."""
    base = random_system("rotation", state_dim, d_in, d_out, max_eig, rng, max_angle)
    q = process_noise**2 * np.eye(state_dim)
    covariance = solve_discrete_lyapunov(base.a, base.b @ base.b.T + q)
    scale = np.sqrt(np.einsum("ij,jk,ik->i", base.c, covariance, base.c))
    return KnownSystem(
        a=base.a, b=base.b, c=base.c / scale[:, None], q=q, r=obs_noise**2 * np.eye(d_out)
    )


@dataclass(frozen=True)
class Stream:
    """Inputs ``u`` (T, d_in) and outputs ``y`` (T, d_out) of one run of a system."""

    u: np.ndarray
    y: np.ndarray

    def checksum(self) -> str:
        """sha256 of the stream's bytes (the record's data provenance)."""
        digest = hashlib.sha256()
        for array in (self.u, self.y):
            digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()


def simulate(system: KnownSystem, horizon: int, rng: np.random.Generator) -> Stream:
    """``horizon`` steps of ``system`` from x_0 = 0 with fresh inputs and noise from ``rng``."""
    n, d_in = system.b.shape
    d_out = system.c.shape[0]
    u = rng.standard_normal((horizon, d_in))
    w = rng.standard_normal((horizon, n)) * np.sqrt(np.diag(system.q))
    v = rng.standard_normal((horizon, d_out)) * np.sqrt(np.diag(system.r))
    y = np.empty((horizon, d_out))
    state = np.zeros(n)
    for t in range(horizon):
        y[t] = system.c @ state + v[t]
        state = system.a @ state + system.b @ u[t] + w[t]
    return Stream(u, y)


class KalmanPredictor:
    """The Kalman filter of the true system as an online predictor (the oracle).

    Keeps x̂_{t|t−1} and its error covariance P (both 0 at t = 0: x_0 = 0 is known); predicts
    ŷ_t = C x̂_{t|t−1}; on (u_t, y_t) it corrects with the gain K = P Cᵀ S⁺ (S = C P Cᵀ + R, a
    pseudo-inverse so that a noise-free system, S = 0, needs no special case) and propagates.
    """

    def __init__(self, system: KnownSystem) -> None:
        self.system = system
        self.state = np.zeros(system.a.shape[0])
        self.cov = np.zeros_like(system.a)

    def predict(self) -> np.ndarray:
        """ŷ_t = C x̂_{t|t−1}."""
        return self.system.c @ self.state

    def observe(self, u: np.ndarray, y: np.ndarray) -> None:
        """Measurement update with y_t, then the time update with u_t."""
        a, b, c = self.system.a, self.system.b, self.system.c
        innovation_cov = c @ self.cov @ c.T + self.system.r
        gain = self.cov @ c.T @ np.linalg.pinv(innovation_cov, hermitian=True)
        state = self.state + gain @ (y - c @ self.state)
        cov = self.cov - gain @ c @ self.cov
        self.state = a @ state + b @ u
        self.cov = a @ cov @ a.T + self.system.q


class OpenLoopPredictor:
    """The true LDS driven by the inputs alone (outputs ignored): ŷ_t = C x̃_t,
    x̃_{t+1} = A x̃_t + B u_t."""

    def __init__(self, system: KnownSystem) -> None:
        self.system = system
        self.state = np.zeros(system.a.shape[0])

    def predict(self) -> np.ndarray:
        """ŷ_t = C x̃_t."""
        return self.system.c @ self.state

    def observe(self, u: np.ndarray, y: np.ndarray) -> None:
        """x̃_{t+1} = A x̃_t + B u_t (y is not used)."""
        self.state = self.system.a @ self.state + self.system.b @ u
