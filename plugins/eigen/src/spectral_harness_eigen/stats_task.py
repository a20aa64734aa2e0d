"""The exact-answer tasks: Monte-Carlo n·MSE of a balancing estimator against its limit, and the
fitted learning-curve exponent of a spectral algorithm against the theory's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from harness import RunContext
from spectral_harness_eigen import balancing, kernels
from spectral_harness_eigen.stats_contract import BalancingProblem, FilterProblem

Build = Callable[[Any], Any]


def run_balancing(cfg: Any, ctx: RunContext, build: Build) -> dict[str, float]:
    """``reps`` samples of n pairs (seeded by the run), the method's estimates, n·MSE."""
    p, h = balancing.model(cfg.levels, cfg.dependence, cfg.data_seed)
    px, py = p.sum(axis=1), p.sum(axis=0)
    counts = balancing.sample_counts(p, cfg.n, cfg.reps, np.random.default_rng(ctx.seed))
    problem = BalancingProblem(counts, px, py, h)
    estimator = build(problem)
    with ctx.timer("eval"):
        estimates = np.asarray(estimator(problem))
    truth = float((p * h).sum())
    errors = estimates - truth
    n_mse = float(cfg.n * np.mean(errors**2))
    theory = balancing.asymptotic_variance(p, h, estimator.steps)
    ctx.save_arrays("estimates", estimates=estimates, truth=np.array(truth))
    return {
        "n_mse": n_mse,
        "theory_n_mse": theory,
        "n_mse_ratio": n_mse / theory,
        "n_bias2": float(cfg.n * np.mean(errors) ** 2),
        "theory_empirical": balancing.asymptotic_variance(p, h, 0),
        "theory_limit": balancing.additive_residual_variance(p, h),
        "unseen_cells": float(np.mean(counts.sum(axis=2) == 0) + np.mean(counts.sum(axis=1) == 0)),
    }


def run_kernel_circle(cfg: Any, ctx: RunContext, build: Build) -> dict[str, float]:
    """Circle model: learning curve over N = 2^min_log2 … 2^max_log2 with oracle-tuned
    regularisation; the noise draws come from the run's seed. ``exponent`` is fitted on the
    realised loss of one noise draw per N."""

    def losses(profile: kernels.Profile, etas: np.ndarray, n: int, rng: np.random.Generator):
        return kernels.losses(profile, etas, n, cfg.nu, cfg.kappa, cfg.noise, cfg.cutoff, rng)

    sizes, realised, expected, theory = _learning_curve(cfg, ctx, build, losses)
    exponent = kernels.fit_exponent(sizes, realised)
    return {
        "exponent": exponent,
        "expected_exponent": kernels.fit_exponent(sizes, expected),
        "theory_exponent": theory,
        "exponent_error": exponent - theory,
        "final_loss": float(realised[-1]),
    }


def run_kernel_wishart(cfg: Any, ctx: RunContext, build: Build) -> dict[str, float]:
    """Wishart model: learning curve over N with oracle-tuned regularisation, each N's loss
    averaged over ``draws`` independent draws of the inputs (and noise) from the run's seed.
    ``exponent`` is fitted on the loss averaged exactly over the noise (closed form given X),
    ``realised_exponent`` on the realised loss of the noise draws."""

    def losses(profile: kernels.Profile, etas: np.ndarray, n: int, rng: np.random.Generator):
        pairs = [
            kernels.wishart_losses(
                profile, etas, n, cfg.nu, cfg.kappa, cfg.noise, cfg.features, rng
            )
            for _ in range(cfg.draws)
        ]
        return np.mean([r for r, _ in pairs], axis=0), np.mean([e for _, e in pairs], axis=0)

    sizes, realised, expected, theory = _learning_curve(cfg, ctx, build, losses)
    exponent = kernels.fit_exponent(sizes, expected)
    return {
        "exponent": exponent,
        "realised_exponent": kernels.fit_exponent(sizes, realised),
        "theory_exponent": theory,
        "exponent_error": exponent - theory,
        "final_loss": float(expected[-1]),
    }


def _learning_curve(cfg: Any, ctx: RunContext, build: Build, losses: Callable):
    """Tune η on the expected loss at each N = 2^min_log2 … 2^max_log2; log and store the
    curve. Returns the sizes, the tuned realised and expected losses, and the theory's
    exponent for the method's qualification."""
    sizes = 2 ** np.arange(cfg.min_log2, cfg.max_log2 + 1)
    etas = np.logspace(cfg.eta_min_log10, 0.0, cfg.etas)
    rng = np.random.default_rng(ctx.seed)
    probe_lam = (np.arange(sizes[0]) + 1.0) ** (-cfg.nu)
    method = build(FilterProblem(probe_lam, etas))
    realised, expected, tuned = [], [], []
    with ctx.timer("eval"):
        for step, n in enumerate(sizes):
            loss, mean = losses(method.profile, etas, int(n), rng)
            best = int(np.argmin(mean))
            realised.append(loss[best])
            expected.append(mean[best])
            tuned.append(etas[best])
            ctx.log_metrics(
                step,
                {
                    "n": float(n),
                    "loss": float(loss[best]),
                    "expected": float(mean[best]),
                    "eta": etas[best],
                },
            )
    realised_a, expected_a = np.array(realised), np.array(expected)
    ctx.save_arrays("learning_curve", n=sizes, loss=realised_a, expected=expected_a, eta=tuned)
    theory = kernels.theory_exponent(cfg.kappa, cfg.nu, method.qualification)
    return sizes, realised_a, expected_a, theory
