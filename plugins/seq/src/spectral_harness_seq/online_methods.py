"""Build functions of the ``online_predictor`` methods: config + problem → online predictor."""

from __future__ import annotations

import numpy as np

from harness import UserError
from spectral_harness_seq import (
    KalmanConfig,
    OnlineArConfig,
    OnlineDiagSsmConfig,
    OnlineSfConfig,
)
from spectral_harness_seq.online import (
    DiagonalModes,
    InputLags,
    LinearOnlinePredictor,
    OutputLags,
    SpectralFeatures,
    default_input_lags,
    filter_window,
    preconditioner,
)
from spectral_harness_seq.online_contract import OnlineProblem
from spectral_harness_seq.online_systems import KalmanPredictor


def build_online_sf(cfg: OnlineSfConfig, problem: OnlineProblem) -> LinearOnlinePredictor:
    """Spectral filtering with a fixed preconditioner (USP): input lags (``ar_input``, default
    degree + 1), the Hankel features over ``window`` past inputs, optional output lags."""
    window = filter_window(cfg.window, problem.horizon)
    lags = cfg.ar_input
    if lags is None:
        lags = default_input_lags(cfg.precondition, cfg.degree)
    maps = [
        InputLags(lags),
        SpectralFeatures(min(cfg.num_filters, window), window, cfg.negative_branch),
    ]
    if cfg.ar_output:
        maps.append(OutputLags(cfg.ar_output))
    return LinearOnlinePredictor(
        maps,
        d_in=problem.d_in,
        d_out=problem.d_out,
        horizon=problem.horizon,
        coefficients=preconditioner(cfg.precondition, cfg.degree),
        solver=cfg.solver,
        lr=cfg.lr,
        radius=cfg.radius,
        ridge=cfg.ridge,
    )


def build_online_ar(cfg: OnlineArConfig, problem: OnlineProblem) -> LinearOnlinePredictor:
    """ARX(k, m): the last ``ar_output`` outputs and ``ar_input`` inputs, weights learned online."""
    maps = [OutputLags(cfg.ar_output), InputLags(cfg.ar_input)]
    return LinearOnlinePredictor(
        [m for m in maps if m.lags],
        d_in=problem.d_in,
        d_out=problem.d_out,
        horizon=problem.horizon,
        coefficients=np.ones(1),
        solver=cfg.solver,
        lr=cfg.lr,
        radius=cfg.radius,
        ridge=cfg.ridge,
    )


def build_online_diag_ssm(
    cfg: OnlineDiagSsmConfig, problem: OnlineProblem
) -> LinearOnlinePredictor:
    """A fixed diagonal SSM (``state_dim`` LRU-ring modes per input, drawn from the problem's
    seed) plus the last ``ar_output`` outputs, with a read-out learned online."""
    modes = DiagonalModes(
        cfg.state_dim,
        problem.d_in,
        r_min=cfg.r_min,
        r_max=cfg.r_max,
        max_phase=cfg.max_phase,
        rng=np.random.default_rng(problem.seed),
    )
    maps = [modes, OutputLags(cfg.ar_output)] if cfg.ar_output else [modes]
    return LinearOnlinePredictor(
        maps,
        d_in=problem.d_in,
        d_out=problem.d_out,
        horizon=problem.horizon,
        coefficients=np.ones(1),
        solver=cfg.solver,
        lr=cfg.lr,
        radius=cfg.radius,
        ridge=cfg.ridge,
    )


def build_kalman(cfg: KalmanConfig, problem: OnlineProblem) -> KalmanPredictor:
    """The oracle: the Kalman filter of the true system (refused where the task gives none)."""
    if problem.system is None:
        raise UserError("method kalman is an oracle: the task must give the true system")
    return KalmanPredictor(problem.system)
