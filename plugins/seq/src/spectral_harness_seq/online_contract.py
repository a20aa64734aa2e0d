"""The ``online_predictor`` slot's contract: what the online LDS task hands to a method, what it
gets back, and the probe that checks a built predictor (shape, finiteness, causality).

The protocol, per step t = 0, 1, …, T−1: the task asks ``predictor.predict()`` for ŷ_t (the
predictor has seen u_0..u_{t−1} and y_0..y_{t−1}), scores it against y_t, then hands over the
step's data with ``predictor.observe(u_t, y_t)``. ``predict`` takes no argument, so a
predictor can only use what it was given; the probe checks that it gives the same predictions
to two streams that agree up to a step, whatever follows.

Torch-free (numpy only): the registry imports it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np

from harness import ContractError, SlotSpec

PROBE_STEPS = 24


@dataclass(frozen=True)
class KnownSystem:
    """The true system x_{t+1} = A x_t + B u_t + w_t, y_t = C x_t + v_t (x_0 = 0), with
    w_t ~ N(0, ``q``) and v_t ~ N(0, ``r``). Only oracle methods may read it."""

    a: np.ndarray
    b: np.ndarray
    c: np.ndarray
    q: np.ndarray
    r: np.ndarray


@dataclass(frozen=True)
class OnlineProblem:
    """What the ``online_predictor`` slot hands to a method: channels ``d_in`` (inputs u_t) and
    ``d_out`` (outputs y_t), the number of steps ``horizon``, a ``seed`` for any random choice
    the method makes, and the true ``system`` (``None`` where unknown): a learner must not read
    it; an oracle (the Kalman filter) needs it."""

    d_in: int
    d_out: int
    horizon: int
    seed: int = 0
    system: KnownSystem | None = None


ONLINE_SLOT_SPEC = SlotSpec(
    name="online_predictor",
    summary="an online predictor of an LDS's next output: predict() → ŷ_t, then observe(u_t, y_t)",
    problem=(
        "spectral_harness_seq.online_contract.OnlineProblem: `d_in`, `d_out`, `horizon` (steps), "
        "`seed`, `system` (the true KnownSystem; for oracles only)"
    ),
    component=(
        "an object with predict() -> float array (d_out,) (the next output, from the data "
        "observed so far) and observe(u (d_in,), y (d_out,)) (the step's input and output; a "
        "learner updates on its last prediction's loss); finite and causal"
    ),
    result="average regret per step against the true system's Kalman predictor, over hidden dims",
    check="spectral_harness_seq.online_contract:check",
)


def _predictions(predictor: Any, u: np.ndarray, y: np.ndarray, d_out: int) -> np.ndarray:
    """Run a copy of ``predictor`` over the stream; its predictions (steps, d_out)."""
    predictor = copy.deepcopy(predictor)
    out = np.empty((len(u), d_out))
    for t in range(len(u)):
        guess = np.asarray(predictor.predict(), dtype=float)
        if guess.shape != (d_out,):
            raise ContractError(
                f"predict() returned shape {guess.shape}, expected ({d_out},) = (problem.d_out,)"
            )
        if not np.isfinite(guess).all():
            raise ContractError(f"predict() returned a non-finite value at step {t}")
        out[t] = guess
        predictor.observe(u[t], y[t])
    return out


def check(component: Any, problem: OnlineProblem) -> None:
    """Probe copies of ``component`` (the original is left untouched) on random streams of
    ``PROBE_STEPS`` steps (or ``horizon``, if shorter).

    Raises :class:`ContractError` (one line) unless it has callable ``predict`` and ``observe``,
    its predictions are finite arrays (d_out,), and it is causal: for s = 1, steps/3 and
    steps − 1, a stream that agrees with the first up to step s − 1 and differs from step s on
    gets the same predictions ŷ_0..ŷ_s.
    """
    for name in ("predict", "observe"):
        if not callable(getattr(component, name, None)):
            raise ContractError(
                f"build returned {type(component).__name__} without a {name}() method, "
                "expected an online predictor (predict() and observe(u, y))"
            )
    steps = max(2, min(PROBE_STEPS, problem.horizon))
    rng = np.random.default_rng(0)
    u = rng.standard_normal((steps, problem.d_in))
    y = rng.standard_normal((steps, problem.d_out))
    reference = _predictions(component, u, y, problem.d_out)
    for split in sorted({1, steps // 3, steps - 1}):
        u2, y2 = u.copy(), y.copy()
        u2[split:] = rng.standard_normal(u2[split:].shape)
        y2[split:] = rng.standard_normal(y2[split:].shape)
        other = _predictions(component, u2, y2, problem.d_out)
        moved = float(np.abs(other[: split + 1] - reference[: split + 1]).max())
        if moved > 1e-9 * (1.0 + float(np.abs(reference).max())):
            raise ContractError(
                f"not causal: predictions up to step {split} moved by {moved:.3g} when only the "
                f"data from step {split} on changed"
            )
