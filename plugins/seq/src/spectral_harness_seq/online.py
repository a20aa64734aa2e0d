"""Online linear predictors of an LDS's next output: features of the past, weights learned
online, and an optional fixed preconditioner.

Every learner here predicts

    ŷ_t = −Σ_{i=1..n} c_i y_{t−i} + W φ_t,

with φ_t a feature vector of the data before step t and c a fixed preconditioner (n = 0: none),
and updates W on the loss ‖ŷ_t − y_t‖² once y_t arrives, by online gradient descent (OGD) or
recursive least squares (RLS). Equivalently, W learns to predict the *preconditioned* target
ỹ_t = Σ_{i=0..n} c_i y_{t−i} (c_0 = 1).

Universal Sequence Preconditioning (Marsden & Hazan, arXiv 2502.06545; its first version:
"Dimension-free regret for learning asymmetric linear dynamical systems"): for an LDS without
noise, ỹ_t = Σ_{k<n} C (Σ_{i≤k} c_i A^{k−i}) B u_{t−1−k} (a window of the last n inputs)
+ Σ_{j≥0} C p(A) A^j B u_{t−1−n−j}, with p(z) = Σ c_i z^{n−i}. With c the coefficients of
the monic Chebyshev polynomial of degree n, |p| ≤ 2^{1−n} on [−1, 1] and stays small near it in
the complex plane, so the tail the features must capture shrinks for every eigenvalue with a
small imaginary part, whatever the hidden dimension: the asymmetric-LDS extension of spectral
filtering. The spectral features are those
of Hazan, Singh & Zhang (2017) / STU: the inputs convolved with the top eigenvectors φ_k of the
Hankel matrix Z (:mod:`spectral_harness_seq.filters`), scaled by σ_k^{1/4}, and with the
(−1)^j φ_k branch.

Feature maps: :class:`InputLags` (u_{t−1..t−m}), :class:`OutputLags` (y_{t−1..t−k}),
:class:`SpectralFeatures` (the Hankel filters over a window of past inputs) and
:class:`DiagonalModes` (a fixed complex diagonal SSM driven by the inputs).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.polynomial import chebyshev, legendre

from spectral_harness_seq.filters import spectral_filters

PRECONDITIONERS = ("chebyshev", "legendre", "none")
SOLVERS = ("ogd", "rls")


def preconditioner(kind: str, degree: int) -> np.ndarray:
    """Coefficients c_0..c_n (c_0 = 1) of the monic ``kind`` polynomial of degree ``degree``,
    highest power first: p(z) = Σ_i c_i z^{n−i}. ``none`` is [1] (no preconditioning)."""
    if kind == "none":
        return np.ones(1)
    if degree < 1:
        raise ValueError(f"a {kind} preconditioner needs degree >= 1, not {degree}")
    basis = {"chebyshev": chebyshev.cheb2poly, "legendre": legendre.leg2poly}
    if kind not in basis:
        raise ValueError(f"unknown preconditioner {kind!r}; choose one of {PRECONDITIONERS}")
    power = basis[kind]([0.0] * degree + [1.0])  # lowest power first
    return (power / power[-1])[::-1].copy()


class History:
    """The inputs and outputs observed so far, zero before step 0 (x_0 = 0)."""

    def __init__(self, d_in: int, d_out: int, horizon: int, lags: int) -> None:
        self.pad = max(lags, 1)
        self.u = np.zeros((self.pad + horizon, d_in))
        self.y = np.zeros((self.pad + horizon, d_out))
        self.t = 0

    def append(self, u: np.ndarray, y: np.ndarray) -> None:
        """Record step t's input and output."""
        if self.pad + self.t >= len(self.u):
            raise ValueError(f"observed more than the horizon of {len(self.u) - self.pad} steps")
        self.u[self.pad + self.t] = u
        self.y[self.pad + self.t] = y
        self.t += 1

    def inputs(self, count: int) -> np.ndarray:
        """u_{t−1}, …, u_{t−count} (count, d_in), newest first."""
        end = self.pad + self.t
        return self.u[end - count : end][::-1]

    def outputs(self, count: int) -> np.ndarray:
        """y_{t−1}, …, y_{t−count} (count, d_out), newest first."""
        end = self.pad + self.t
        return self.y[end - count : end][::-1]


class InputLags:
    """φ = (u_{t−1}, …, u_{t−m})."""

    def __init__(self, count: int) -> None:
        self.lags = count

    def features(self, history: History) -> np.ndarray:
        """The last ``count`` inputs, flattened."""
        return history.inputs(self.lags).ravel()

    def observe(self, u: np.ndarray, y: np.ndarray) -> None:
        """Stateless."""


class OutputLags:
    """φ = (y_{t−1}, …, y_{t−k})."""

    def __init__(self, count: int) -> None:
        self.lags = count

    def features(self, history: History) -> np.ndarray:
        """The last ``count`` outputs, flattened."""
        return history.outputs(self.lags).ravel()

    def observe(self, u: np.ndarray, y: np.ndarray) -> None:
        """Stateless."""


class SpectralFeatures:
    """φ_k = σ_k^{1/4} Σ_{j=0..L−1} φ_k(j) u_{t−1−j} for the top-``num_filters`` eigenpairs of
    the Hankel matrix of size L = ``window``, and the (−1)^j branch."""

    def __init__(self, num_filters: int, window: int, negative_branch: bool) -> None:
        values, vectors = spectral_filters(window, num_filters)
        bank = (vectors * values[None, :] ** 0.25).T  # (K, L)
        if negative_branch:
            signs = (-1.0) ** np.arange(window)
            bank = np.concatenate([bank, bank * signs[None, :]])
        self.bank = bank
        self.lags = window

    def features(self, history: History) -> np.ndarray:
        """The filtered window of past inputs, (branches·K·d_in,)."""
        return (self.bank @ history.inputs(self.lags)).ravel()

    def observe(self, u: np.ndarray, y: np.ndarray) -> None:
        """Stateless (the window is read from the history)."""


class DiagonalModes:
    """A fixed complex diagonal SSM on the inputs, s_{t} = λ ⊙ s_{t−1} + u_{t−1} per input
    channel; φ = (Re s, Im s). The modes λ = r e^{iθ} are drawn once (LRU ring: r uniform in
    [r_min, r_max], θ uniform in [0, max_phase])."""

    def __init__(
        self,
        modes: int,
        d_in: int,
        *,
        r_min: float,
        r_max: float,
        max_phase: float,
        rng: np.random.Generator,
    ) -> None:
        radius = rng.uniform(r_min, r_max, modes)
        phase = rng.uniform(0.0, max_phase, modes)
        self.poles = (radius * np.exp(1j * phase))[:, None]
        self.state = np.zeros((modes, d_in), dtype=complex)
        self.lags = 0

    def features(self, history: History) -> np.ndarray:
        """Real and imaginary parts of the modes' states."""
        return np.concatenate([self.state.real.ravel(), self.state.imag.ravel()])

    def observe(self, u: np.ndarray, y: np.ndarray) -> None:
        """Advance the modes with the step's input."""
        self.state = self.poles * self.state + u[None, :]


FeatureMap = InputLags | OutputLags | SpectralFeatures | DiagonalModes


class LinearOnlinePredictor:
    """ŷ_t = −Σ_{i≥1} c_i y_{t−i} + W φ_t (see the module docstring), W learned online.

    ``solver="ogd"``: W ← Π(W − η_t (ŷ_t − y_t) φ_tᵀ) with η_t = ``lr`` / G_t,
    G_t = max_{s≤t} (1 + ‖φ_s‖²) (the step the squared loss's curvature allows, from the data
    seen so far) and Π the projection onto the Frobenius ball of radius ``radius`` (the bounded
    set of the regret analysis). ``solver="rls"``: recursive least squares, W_t the ridge
    (``ridge``) regression of the preconditioned targets on the features seen so far.
    """

    def __init__(
        self,
        maps: Sequence[FeatureMap],
        *,
        d_in: int,
        d_out: int,
        horizon: int,
        coefficients: np.ndarray,
        solver: str,
        lr: float,
        radius: float,
        ridge: float,
    ) -> None:
        if solver not in SOLVERS:
            raise ValueError(f"unknown solver {solver!r}; choose one of {SOLVERS}")
        self.maps = list(maps)
        self.coefficients = np.asarray(coefficients, dtype=float)
        lags = max([len(self.coefficients) - 1, *(m.lags for m in self.maps)])
        self.history = History(d_in, d_out, horizon, lags)
        size = len(self._features())
        self.weights = np.zeros((d_out, size))
        self.solver, self.lr, self.radius = solver, lr, radius
        self.curvature = 1.0
        self.inverse = np.eye(size) / ridge if solver == "rls" else None
        self._pending: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def num_weights(self) -> int:
        """The number of learned weights (the board's ``params``)."""
        return self.weights.size

    def _features(self) -> np.ndarray:
        return np.concatenate([m.features(self.history) for m in self.maps])

    def _offset(self) -> np.ndarray:
        n = len(self.coefficients) - 1
        if n == 0:
            return np.zeros(self.history.y.shape[1])
        return -(self.coefficients[1:] @ self.history.outputs(n))

    def predict(self) -> np.ndarray:
        """ŷ_t from the data before step t."""
        features = self._features()
        guess = self._offset() + self.weights @ features
        self._pending = (features, guess)
        return guess

    def observe(self, u: np.ndarray, y: np.ndarray) -> None:
        """Learn from y_t (the loss of ŷ_t), then record (u_t, y_t)."""
        u, y = np.asarray(u, dtype=float), np.asarray(y, dtype=float)
        if self._pending is None:
            self.predict()
        features, guess = self._pending
        error = guess - y
        if self.solver == "ogd":
            self.curvature = max(self.curvature, 1.0 + float(features @ features))
            self.weights -= (self.lr / self.curvature) * np.outer(error, features)
            norm = float(np.linalg.norm(self.weights))
            if norm > self.radius:
                self.weights *= self.radius / norm
        else:
            projected = self.inverse @ features
            gain = projected / (1.0 + float(features @ projected))
            self.weights -= np.outer(error, gain)
            self.inverse -= np.outer(gain, projected)
        self._pending = None
        self.history.append(u, y)
        for feature_map in self.maps:
            feature_map.observe(u, y)


def default_input_lags(kind: str, degree: int) -> int:
    """Input lags for a degree-n preconditioner: n + 1 (the target's window of the last n
    inputs and the tail's first term), and at least 3 (STU's M^u)."""
    return max(3, (degree if kind != "none" else 0) + 1)


def filter_window(window: int, horizon: int) -> int:
    """The filters' length: ``window``, capped at the horizon."""
    return max(1, min(window, horizon))
