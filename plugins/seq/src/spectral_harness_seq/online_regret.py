"""Regret of an online predictor against a comparator, and the curves' summaries.

With per-step losses ℓ_t (the learner) and ℓ*_t (the comparator), the cumulative regret is
R(t) = Σ_{s<t} (ℓ_s − ℓ*_s) and the average regret R(T)/T. Sublinear regret (R(T)/T → 0) shows
as an exponent b < 1 in R(t) ∝ t^b; dimension-free regret as a flat line of the average regret
against log₂ of the hidden dimension.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def cumulative_regret(losses: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """R(t) for t = 1..T: the running sum of ``losses − reference`` (both (T,))."""
    losses, reference = np.asarray(losses, float), np.asarray(reference, float)
    if losses.shape != reference.shape or losses.ndim != 1:
        raise ValueError(f"losses {losses.shape} and reference {reference.shape} must be (T,)")
    return np.cumsum(losses - reference)


def checkpoints(horizon: int, count: int) -> np.ndarray:
    """Up to ``count`` distinct step counts t in [1, horizon], log-spaced, ending at horizon."""
    points = np.unique(np.round(np.geomspace(1, horizon, count)).astype(int))
    return points[(points >= 1) & (points <= horizon)]


def regret_exponent(cumulative: np.ndarray, start_fraction: float = 1 / 16) -> float | None:
    """The slope b of log R(t) against log t (least squares over log-spaced t from
    ``start_fraction``·T to T): R(t) ∝ t^b. ``None`` where R(t) ≤ 0 somewhere in that range
    (no power law to fit: the learner did as well as the comparator)."""
    horizon = len(cumulative)
    start = max(1, int(horizon * start_fraction))
    t = np.unique(np.round(np.geomspace(start, horizon, 32)).astype(int))
    values = np.asarray(cumulative, float)[t - 1]
    if len(t) < 2 or not (values > 0).all():
        return None
    slope, _ = np.polyfit(np.log(t), np.log(values), 1)
    return float(slope)


def dimension_slope(dims: Sequence[int], regrets: Sequence[float]) -> float:
    """Least-squares slope of the average regret against log₂(hidden dimension): the regret
    added per doubling of the dimension (0: dimension-free)."""
    if len(dims) < 2 or len(dims) != len(regrets):
        raise ValueError(f"need >= 2 dims with one regret each, got {dims} and {regrets}")
    slope, _ = np.polyfit(np.log2(np.asarray(dims, float)), np.asarray(regrets, float), 1)
    return float(slope)
