"""Balancing: the exact n·MSE limits and a Monte-Carlo check; spectral algorithms: the closed-form
expected loss, the profiles and the theory's saturation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness import ContractError
from spectral_harness_eigen import balancing, kernels
from spectral_harness_eigen.stats_contract import (
    BalancingProblem,
    FilterProblem,
    check_estimator,
    check_filter,
)
from spectral_harness_eigen.stats_methods import (
    BalancedEstimator,
    build_gradient_flow,
    build_krr,
    build_spectral_cutoff,
)


@settings(max_examples=20, deadline=None)
@given(dependence=st.floats(0.0, 0.9), seed=st.integers(0, 100))
def test_balancing_limits_are_ordered_and_converge_to_the_additive_residual(dependence, seed):
    p, h = balancing.model(6, dependence, seed)
    empirical = balancing.asymptotic_variance(p, h, 0)
    assert math.isclose(empirical, float((p * h**2).sum() - (p * h).sum() ** 2), rel_tol=1e-9)
    limit = balancing.additive_residual_variance(p, h)
    assert balancing.asymptotic_variance(p, h, 1) <= empirical + 1e-12
    # alternating projections converge at rate ρ per step to the additive residual
    assert math.isclose(balancing.asymptotic_variance(p, h, 300), limit, rel_tol=1e-6, abs_tol=1e-9)


def test_the_joint_has_the_stated_marginals_and_spectral_gap():
    p, _ = balancing.model(7, 0.4, 0)
    marginal = p.sum(axis=1)
    assert np.allclose(p.sum(axis=0), marginal)
    scaled = p / np.sqrt(np.outer(marginal, marginal))
    singular = np.linalg.svd(scaled, compute_uv=False)
    assert np.allclose(singular, [1.0] + [0.4] * 6)


def test_balanced_tables_match_the_last_fitted_marginal():
    p, _ = balancing.model(5, 0.5, 0)
    counts = balancing.sample_counts(p, 500, 10, np.random.default_rng(0))
    q = balancing.balanced(counts, p.sum(1), p.sum(0), 3)  # X, Y, X: X marginal exact
    assert np.allclose(q.sum(axis=2), p.sum(1)[None, :])


def test_monte_carlo_n_mse_matches_the_limit():
    p, h = balancing.model(6, 0.6, 0)
    counts = balancing.sample_counts(p, 2000, 3000, np.random.default_rng(1))
    problem = BalancingProblem(counts, p.sum(1), p.sum(0), h)
    for steps in (0, 2):
        errors = BalancedEstimator(steps)(problem) - (p * h).sum()
        ratio = 2000 * np.mean(errors**2) / balancing.asymptotic_variance(p, h, steps)
        assert 0.85 < ratio < 1.15


def test_expected_kernel_loss_is_the_mean_of_realised_losses():
    etas = np.array([1e-4, 1e-2])
    draws = [
        kernels.losses(kernels.krr, etas, 64, 1.5, 2.0, 0.1, 512, np.random.default_rng(s))
        for s in range(400)
    ]
    realised = np.mean([r for r, _ in draws], axis=0)
    expected = draws[0][1]
    assert np.allclose(realised, expected, rtol=0.05)


def test_noiseless_cutoff_with_all_modes_kept_interpolates_the_grid():
    # η below every λ̂: the cut-off keeps every mode, so the loss is the aliasing error only
    realised, expected = kernels.losses(
        kernels.spectral_cutoff, np.array([1e-12]), 32, 1.5, 2.0, 0.0, 256, np.random.default_rng(0)
    )
    assert realised[0] == pytest.approx(expected[0])
    freq, _, coef = kernels.spectra(1.5, 2.0, 256)
    assert expected[0] > 0 and expected[0] < np.sum(coef[np.abs(freq) >= 16] ** 2) * 4


def test_theory_exponents_saturate_for_krr_only():
    assert kernels.theory_exponent(2.0, 1.5, 1.0) == kernels.theory_exponent(2.0, 1.5, math.inf)
    assert kernels.theory_exponent(6.0, 1.5, 1.0) == pytest.approx(0.75)
    assert kernels.theory_exponent(6.0, 1.5, math.inf) == pytest.approx(6 / 7)


def test_fit_exponent_recovers_a_power_law():
    sizes = 2.0 ** np.arange(4, 10)
    assert kernels.fit_exponent(sizes, 3.0 * sizes**-0.7) == pytest.approx(0.7)


def test_the_probes_accept_the_methods_and_refuse_broken_ones():
    problem = FilterProblem(np.array([1.0, 0.5, 0.1]), np.array([1e-3, 1e-1]))
    for build in (build_krr, build_gradient_flow, build_spectral_cutoff):
        check_filter(build(None, problem), problem)

    class Bad:
        qualification = 1.0

        def profile(self, lam, eta):
            return 2.0 * lam / (lam + eta)

    with pytest.raises(ContractError, match=r"\[0, 1\]"):
        check_filter(Bad(), problem)
    p, h = balancing.model(4, 0.5, 0)
    counts = balancing.sample_counts(p, 50, 3, np.random.default_rng(0))
    estimation = BalancingProblem(counts, p.sum(1), p.sum(0), h)
    check_estimator(BalancedEstimator(2), estimation)
    with pytest.raises(ContractError, match="steps"):
        check_estimator(lambda problem: np.zeros(3), estimation)


def test_wishart_expected_loss_is_the_mean_of_realised_losses_for_a_fixed_design():
    etas = np.array([1e-3, 1e-1])
    draws = []
    for s in range(300):
        rng = np.random.default_rng(0)  # the same X each time (drawn first) ...
        x_state = rng.bit_generator.state
        rng.standard_normal((32, 128))
        noise_rng = np.random.default_rng(1000 + s)
        rng.bit_generator.state = x_state
        combined = _SplitRng(rng, noise_rng)
        draws.append(kernels.wishart_losses(kernels.krr, etas, 32, 1.5, 2.0, 0.5, 128, combined))
    realised = np.mean([r for r, _ in draws], axis=0)
    assert np.allclose(realised, draws[0][1], rtol=0.05)


class _SplitRng:
    """X from one generator, the noise from another (fixes the design, varies the noise)."""

    def __init__(self, design: np.random.Generator, noise: np.random.Generator) -> None:
        self.design, self.noise = design, noise

    def standard_normal(self, shape):
        return self.design.standard_normal(shape)

    def normal(self, loc, scale, size):
        return self.noise.normal(loc, scale, size)


def test_wishart_krr_weights_are_the_ridge_solution():
    # h = λ/(λ+η) gives w = Xᵀ(XXᵀ + Nη)⁻¹y: the loss equals the one from solving the ridge
    n, p, eta = 20, 50, 1e-2
    rng = np.random.default_rng(3)
    realised, _ = kernels.wishart_losses(kernels.krr, np.array([eta]), n, 1.5, 2.0, 0.1, p, rng)
    rng = np.random.default_rng(3)
    index = np.arange(1.0, p + 1.0)
    lam, target = index**-1.5, index ** ((1.5 - 3.0) / 2)
    x = rng.standard_normal((n, p)) * np.sqrt(lam)
    y = x @ target + rng.normal(0.0, np.sqrt(0.1), n)
    w = x.T @ np.linalg.solve(x @ x.T + n * eta * np.eye(n), y)
    assert realised[0] == pytest.approx(np.sum(lam * (w - target) ** 2), rel=1e-8)


@pytest.mark.slow
def test_wishart_exponents_follow_the_theory_and_krr_saturates():
    etas = np.logspace(-10, 0, 31)
    sizes = 2 ** np.arange(5, 9)

    def exponent(profile, kappa):
        rng = np.random.default_rng(0)
        curve = []
        for n in sizes:
            means = np.mean(
                [
                    kernels.wishart_losses(profile, etas, int(n), 1.5, kappa, 1.0, 1024, rng)[1]
                    for _ in range(6)
                ],
                axis=0,
            )
            curve.append(means.min())
        return kernels.fit_exponent(sizes, np.array(curve))

    assert exponent(kernels.krr, 2.0) == pytest.approx(2 / 3, abs=0.1)
    assert exponent(kernels.gradient_flow, 6.0) - exponent(kernels.krr, 6.0) > 0.05
