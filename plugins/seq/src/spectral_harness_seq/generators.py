"""Linear dynamical systems with known spectra, and the sequence data they generate.

    x_t = A x_{t-1} + B u_t,   y_t = C x_t,   x_0 = 0,   u_t ~ N(0, I)

so y_t is a fixed linear function of u_1..u_t: the system itself predicts it with zero error,
and every model is measured against that known answer. Three families of A (state ``n``):

* ``symmetric``: A = Q diag(λ) Qᵀ, Q a random orthogonal matrix, λ_i = s_i |λ_i| with random
  signs s_i and the gaps ``1 - |λ_i|`` log-uniform in ``[1 - max_eig, 0.9]`` (time scales spread
  from 1 to 1/(1 - max_eig) steps), the first one exactly ``max_eig``: max |eig| = max_eig.
  ``max_eig`` ∈ {0.99, 0.999} gives the marginally stable systems.
* ``rotation``: A = Q blockdiag(r_j R(θ_j)) Qᵀ, 2×2 rotation blocks with radii drawn like
  |λ| above and angles uniform in ``[0, max_angle]``: an asymmetric A with complex eigenvalues
  ``r_j e^{±iθ_j}``.

B ~ N(0, 1/d_in), C ~ N(0, 1/n). Everything is drawn from ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

KINDS = ("symmetric", "rotation")
MIN_GAP_SPAN = 0.9  # the fastest mode: 1 - |λ| up to 0.9


@dataclass(frozen=True)
class LinearSystem:
    """System matrices A (n, n), B (n, d_in), C (d_out, n), float64."""

    a: np.ndarray
    b: np.ndarray
    c: np.ndarray

    def spectral_radius(self) -> float:
        """max |eig(A)|."""
        return float(np.abs(np.linalg.eigvals(self.a)).max())

    def simulate(self, u: np.ndarray) -> np.ndarray:
        """Outputs y (N, L, d_out) for inputs u (N, L, d_in)."""
        state = np.zeros((u.shape[0], self.a.shape[0]))
        outputs = np.empty((u.shape[0], u.shape[1], self.c.shape[0]))
        for t in range(u.shape[1]):
            state = state @ self.a.T + u[:, t] @ self.b.T
            outputs[:, t] = state @ self.c.T
        return outputs


def _radii(count: int, max_eig: float, rng: np.random.Generator) -> np.ndarray:
    gaps = np.exp(rng.uniform(np.log(1 - max_eig), np.log(MIN_GAP_SPAN), count))
    gaps[0] = 1 - max_eig
    return 1 - gaps


def _orthogonal(n: int, rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))[None, :]


def random_system(
    kind: str,
    state_dim: int,
    d_in: int,
    d_out: int,
    max_eig: float,
    rng: np.random.Generator,
    max_angle: float = 0.0,
) -> LinearSystem:
    """A random system of ``kind`` (see the module docstring) with max |eig(A)| = ``max_eig``."""
    if kind == "symmetric":
        signs = rng.choice([-1.0, 1.0], state_dim)
        core = np.diag(signs * _radii(state_dim, max_eig, rng))
    elif kind == "rotation":
        if state_dim % 2:
            raise ValueError(f"a rotation system needs an even state_dim, not {state_dim}")
        blocks = state_dim // 2
        radii = _radii(blocks, max_eig, rng)
        angles = rng.uniform(0.0, max_angle, blocks)
        core = np.zeros((state_dim, state_dim))
        for j, (r, theta) in enumerate(zip(radii, angles, strict=True)):
            cos, sin = r * np.cos(theta), r * np.sin(theta)
            core[2 * j : 2 * j + 2, 2 * j : 2 * j + 2] = [[cos, -sin], [sin, cos]]
    else:
        raise ValueError(f"unknown system kind {kind!r}; choose one of {KINDS}")
    q = _orthogonal(state_dim, rng)
    return LinearSystem(
        a=q @ core @ q.T,
        b=rng.standard_normal((state_dim, d_in)) / np.sqrt(d_in),
        c=rng.standard_normal((d_out, state_dim)) / np.sqrt(state_dim),
    )


@dataclass(frozen=True)
class SequenceData:
    """Inputs ``u`` and targets ``y`` per split (float32 (N, L, d)), targets scaled to unit
    variance per output channel on the training split (``y_scale`` holds the divisors)."""

    splits: dict[str, tuple[np.ndarray, np.ndarray]]
    y_scale: np.ndarray
    spectral_radius: float
    checksum: str


def lds_data(
    kind: str,
    *,
    state_dim: int,
    d_in: int,
    d_out: int,
    length: int,
    sizes: dict[str, int],
    max_eig: float,
    seed: int,
    max_angle: float = 0.0,
) -> SequenceData:
    """One system drawn from ``seed`` and ``sizes[split]`` input/output sequences per split."""
    rng = np.random.default_rng(seed)
    system = random_system(kind, state_dim, d_in, d_out, max_eig, rng, max_angle)
    raw = {}
    for split, count in sizes.items():
        u = rng.standard_normal((count, length, d_in))
        raw[split] = (u, system.simulate(u))
    y_scale = raw["train"][1].reshape(-1, d_out).std(axis=0)
    splits = {
        split: (u.astype(np.float32), (y / y_scale).astype(np.float32))
        for split, (u, y) in raw.items()
    }
    digest = hashlib.sha256()
    for split in sorted(splits):
        for array in splits[split]:
            digest.update(np.ascontiguousarray(array).tobytes())
    return SequenceData(splits, y_scale, system.spectral_radius(), digest.hexdigest())
