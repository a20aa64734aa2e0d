"""The online LDS task: predict an asymmetric, marginally stable system's next output, step by
step, and measure the regret against the true system's Kalman predictor, at several hidden
dimensions.

For each hidden dimension d in ``cfg.state_dims``: one rotation-block system and one stream of
``horizon`` steps, drawn from (``data_seed``, the run's seed, d) (so every method of a seed sees
the same systems); the method's predictor is built fresh and run online (predict ŷ_t, then
observe (u_t, y_t)); the oracles (:class:`~spectral_harness_seq.online_systems.KalmanPredictor`,
:class:`~spectral_harness_seq.online_systems.OpenLoopPredictor`) run on the same stream. Losses
are ‖ŷ_t − y_t‖² / d_out, in units of the output's stationary variance.

Without noise (the default, the paper's setting) the true system predicts every y_t exactly,
so it is the best predictor in hindsight of the comparator class (linear dynamical predictors),
with zero loss, and the regret is the learner's cumulative loss; with noise the Kalman filter is
the comparator (the Bayes-optimal member of that class).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from harness import RunContext, UserError
from spectral_harness_seq import OnlineLdsConfig
from spectral_harness_seq.online_contract import OnlineProblem
from spectral_harness_seq.online_regret import (
    checkpoints,
    cumulative_regret,
    dimension_slope,
    regret_exponent,
)
from spectral_harness_seq.online_systems import (
    KalmanPredictor,
    OpenLoopPredictor,
    Stream,
    rotation_system,
    simulate,
)

CURVE_POINTS = 64
LATE_FRACTION = 0.25  # regret_late: the last quarter of the steps
Build = Callable[[Any], Any]


def run_online(predictor: Any, stream: Stream) -> np.ndarray:
    """Per-step losses ‖ŷ_t − y_t‖² / d_out of ``predictor`` run online over ``stream``."""
    losses = np.empty(len(stream.y))
    for t in range(len(stream.y)):
        error = np.asarray(predictor.predict(), dtype=float) - stream.y[t]
        losses[t] = float(error @ error) / len(error)
        predictor.observe(stream.u[t], stream.y[t])
    return losses


def check_dims(dims: list[int] | None) -> list[int]:
    """The hidden dimensions, sorted, refused in one line unless ≥ 2 distinct even numbers ≥ 2."""
    dims = [int(d) for d in dims or []]
    if len(set(dims)) < 2 or any(d < 2 or d % 2 for d in dims):
        raise UserError(
            f"invalid value task.state_dims={dims}: give at least two distinct even dimensions "
            ">= 2 (rotation blocks are 2×2)"
        )
    return sorted(set(dims))


def check_online_config(cfg: OnlineLdsConfig) -> None:
    """The task's whole-config check (before any cell starts): the hidden dimensions."""
    check_dims(cfg.state_dims)


def run_online_lds(cfg: OnlineLdsConfig, ctx: RunContext, build: Build) -> dict[str, float]:
    """Regret of the slot's online predictor at every hidden dimension of ``cfg.state_dims``."""
    dims = check_dims(cfg.state_dims)
    horizon = cfg.horizon
    points = checkpoints(horizon, CURVE_POINTS)
    late = slice(int(horizon * (1 - LATE_FRACTION)), horizon)
    regret, regret_lds, loss, oracle_loss, late_regret, params = [], [], [], [], [], 0
    curves, curves_lds, cumulative_total = [], [], np.zeros(horizon)
    for dim in dims:
        rng = np.random.default_rng([cfg.data_seed, ctx.seed, dim])
        system = rotation_system(
            dim,
            cfg.d_in,
            cfg.d_out,
            max_eig=cfg.max_eig,
            max_angle=cfg.max_angle,
            process_noise=cfg.process_noise,
            obs_noise=cfg.obs_noise,
            rng=rng,
        )
        stream = simulate(system, horizon, rng)
        ctx.record_data(f"generated:{ctx.task.name}:d{dim}", stream.checksum())
        with ctx.timer("eval"):
            oracle = run_online(KalmanPredictor(system), stream)
            open_loop = run_online(OpenLoopPredictor(system), stream)
        predictor = build(OnlineProblem(cfg.d_in, cfg.d_out, horizon, ctx.seed, system))
        with ctx.timer("train"):
            losses = run_online(predictor, stream)
        ctx.check_finite(float(losses.sum()), f"the loss at hidden dimension {dim}")
        params = max(params, int(getattr(predictor, "num_weights", 0)))
        cumulative = cumulative_regret(losses, oracle)
        cumulative_total += cumulative
        curves.append(cumulative[points - 1] / points)
        curves_lds.append(cumulative_regret(losses, open_loop)[points - 1] / points)
        regret.append(cumulative[-1] / horizon)
        regret_lds.append(float(np.mean(losses - open_loop)))
        loss.append(float(losses.mean()))
        oracle_loss.append(float(oracle.mean()))
        late_regret.append(float(np.mean(losses[late] - oracle[late])))
    for i, step in enumerate(points):
        ctx.log_metrics(
            int(step), {f"regret_d{d}": float(c[i]) for d, c in zip(dims, curves, strict=True)}
        )
    ctx.save_arrays(
        "regret",
        dims=np.asarray(dims),
        steps=points,
        average_regret=np.asarray(curves, dtype=np.float32),
        average_regret_lds=np.asarray(curves_lds, dtype=np.float32),
    )
    train_s = ctx.seconds.get("train", 0.0)
    metrics = {
        "regret": float(np.mean(regret)),
        "regret_min_dim": regret[0],
        "regret_max_dim": regret[-1],
        "regret_growth": regret[-1] - regret[0],
        "regret_dim_slope": dimension_slope(dims, regret),
        "regret_late": float(np.mean(late_regret)),
        "regret_lds": float(np.mean(regret_lds)),
        "loss": float(np.mean(loss)),
        "oracle_loss": float(np.mean(oracle_loss)),
        "params": float(params),
        "steps_per_s": len(dims) * horizon / train_s if train_s > 0 else math.nan,
    }
    exponent = regret_exponent(cumulative_total)
    if exponent is not None:
        metrics["regret_exponent"] = exponent
    return metrics
