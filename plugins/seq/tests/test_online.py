"""The online asymmetric-LDS task and its predictors: the regret definitions on hand-computed
cases, the oracle against itself, the preconditioner's defining property, causality, the slot's
probe, refusals of bad configs and one smoke cell per method end to end."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from harness import ContractError
from harness.runner import TrainerOptions, make_cell, run_cell
from harness.testing import assert_refused, check_metrics_declared
from spectral_harness_seq import (
    KalmanConfig,
    OnlineArConfig,
    OnlineDiagSsmConfig,
    OnlineSfConfig,
)
from spectral_harness_seq.online import InputLags, LinearOnlinePredictor, preconditioner
from spectral_harness_seq.online_contract import KnownSystem, OnlineProblem, check
from spectral_harness_seq.online_methods import (
    build_kalman,
    build_online_ar,
    build_online_diag_ssm,
    build_online_sf,
)
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
from spectral_harness_seq.online_task import run_online

ONE_THREAD = TrainerOptions(num_threads=1)
BUILDERS = {
    "online_sf": (build_online_sf, OnlineSfConfig()),
    "online_sf_none": (build_online_sf, OnlineSfConfig(precondition="none", ar_output=2)),
    "online_sf_rls": (build_online_sf, OnlineSfConfig(solver="rls")),
    "online_ar": (build_online_ar, OnlineArConfig()),
    "online_ar_ogd": (build_online_ar, OnlineArConfig(solver="ogd")),
    "online_diag_ssm": (build_online_diag_ssm, OnlineDiagSsmConfig()),
    "kalman": (build_kalman, KalmanConfig()),
}


def _system(dim: int = 4, noise: float = 0.0, seed: int = 0) -> KnownSystem:
    return rotation_system(
        dim,
        1,
        1,
        max_eig=0.99,
        max_angle=0.05,
        process_noise=noise,
        obs_noise=noise,
        rng=np.random.default_rng(seed),
    )


# ------------------------------------------------------------------------------------------------
# Regret definitions
# ------------------------------------------------------------------------------------------------


def test_cumulative_regret_on_a_hand_computed_case():
    assert cumulative_regret([1.0, 2.0, 3.0], [0.5, 0.5, 0.5]).tolist() == [0.5, 2.0, 4.5]
    with pytest.raises(ValueError, match="must be"):
        cumulative_regret([1.0, 2.0], [1.0])


def test_run_online_scores_each_prediction_before_it_sees_the_answer():
    """A predictor that repeats the last output: losses (0−1)², (1−3)², (3−2)², averaged over
    the two channels (the second channel is zero)."""

    class Last:
        def __init__(self) -> None:
            self.last = np.zeros(2)

        def predict(self) -> np.ndarray:
            return self.last.copy()

        def observe(self, u: np.ndarray, y: np.ndarray) -> None:
            self.last = y.copy()

    y = np.array([[1.0, 0.0], [3.0, 0.0], [2.0, 0.0]])
    losses = run_online(Last(), Stream(np.zeros((3, 1)), y))
    assert losses.tolist() == [0.5, 2.0, 0.5]


def test_regret_exponent_recovers_a_power_law_and_refuses_nonpositive_regret():
    t = np.arange(1, 4097, dtype=float)
    assert regret_exponent(3.0 * t**0.5) == pytest.approx(0.5, abs=1e-9)
    assert regret_exponent(0.1 * t) == pytest.approx(1.0, abs=1e-9)
    assert regret_exponent(np.zeros(4096)) is None


def test_dimension_slope_and_checkpoints():
    assert dimension_slope([2, 4, 8], [1.0, 2.0, 3.0]) == pytest.approx(1.0)
    assert dimension_slope([2, 8, 32], [0.3, 0.3, 0.3]) == pytest.approx(0.0, abs=1e-12)
    points = checkpoints(1000, 16)
    assert points[0] == 1 and points[-1] == 1000 and (np.diff(points) > 0).all()


# ------------------------------------------------------------------------------------------------
# Systems and oracles
# ------------------------------------------------------------------------------------------------


def test_rotation_system_has_the_asked_spectrum_and_unit_output_variance():
    system = _system(dim=8)
    eig = np.linalg.eigvals(system.a)
    assert np.abs(eig).max() == pytest.approx(0.99)
    assert np.abs(np.angle(eig)).max() <= 0.05 + 1e-9
    stream = simulate(system, 20000, np.random.default_rng(1))
    assert stream.y[2000:].var() == pytest.approx(1.0, rel=0.3)


def test_the_kalman_oracle_has_zero_regret_against_itself_and_predicts_a_noise_free_system():
    system = _system()
    stream = simulate(system, 500, np.random.default_rng(1))
    first = run_online(KalmanPredictor(system), stream)
    again = run_online(KalmanPredictor(system), stream)
    assert cumulative_regret(first, again)[-1] == 0.0
    assert first.max() < 1e-20  # noise-free: the true system predicts exactly
    assert run_online(OpenLoopPredictor(system), stream).max() < 1e-20


def test_the_kalman_oracle_beats_the_open_loop_predictor_and_a_learner_under_noise():
    system = _system(noise=0.3)
    stream = simulate(system, 3000, np.random.default_rng(1))
    kalman = run_online(KalmanPredictor(system), stream).mean()
    assert kalman < run_online(OpenLoopPredictor(system), stream).mean()
    learner = build_online_ar(OnlineArConfig(), OnlineProblem(1, 1, 3000))
    assert kalman < run_online(learner, stream).mean()


# ------------------------------------------------------------------------------------------------
# The preconditioner (Universal Sequence Preconditioning)
# ------------------------------------------------------------------------------------------------


def test_preconditioner_coefficients_are_the_monic_polynomials():
    assert preconditioner("chebyshev", 2).tolist() == [1.0, 0.0, -0.5]
    assert preconditioner("chebyshev", 4).tolist() == [1.0, 0.0, -1.0, 0.0, 0.125]
    assert preconditioner("legendre", 2) == pytest.approx([1.0, 0.0, -1 / 3])
    assert preconditioner("none", 0).tolist() == [1.0]
    x = np.linspace(-1, 1, 2001)
    for n in (3, 8):
        # the monic Chebyshev polynomial's sup norm on [-1, 1] is 2^{1-n} (its minimality)
        assert np.abs(np.polyval(preconditioner("chebyshev", n), x)).max() == pytest.approx(
            2.0 ** (1 - n)
        )
    with pytest.raises(ValueError, match="degree >= 1"):
        preconditioner("chebyshev", 0)


def test_preconditioning_annihilates_a_system_whose_eigenvalues_are_its_roots():
    """Convolving y with c multiplies the hidden transition by p(A): a system whose eigenvalues
    are the Chebyshev nodes has p(A) = 0, so the preconditioned target is a linear function of
    the last n inputs (weights C Σ_{i≤k} c_i A^{k−i} B, k < n), learned exactly by least squares
    on the input lags; without the preconditioner the same features cannot fit it."""
    n = 4
    roots = np.cos((2 * np.arange(1, n + 1) - 1) * np.pi / (2 * n))
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    system = KnownSystem(
        a=q @ np.diag(roots) @ q.T,
        b=rng.standard_normal((n, 1)),
        c=rng.standard_normal((1, n)),
        q=np.zeros((n, n)),
        r=np.zeros((1, 1)),
    )
    stream = simulate(system, 400, rng)

    def learner(kind: str) -> LinearOnlinePredictor:
        return LinearOnlinePredictor(
            [InputLags(n + 1)],
            d_in=1,
            d_out=1,
            horizon=400,
            coefficients=preconditioner(kind, n),
            solver="rls",
            lr=0.5,
            radius=1e3,
            ridge=1e-6,
        )

    assert run_online(learner("chebyshev"), stream)[100:].max() < 1e-10
    assert run_online(learner("none"), stream)[100:].mean() > 1e-3


# ------------------------------------------------------------------------------------------------
# The slot: causality, the probe, the oracle's system
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_predictor_passes_the_slot_probe(name):
    build, cfg = BUILDERS[name]
    problem = OnlineProblem(2, 2, 64, system=_system_2x2())
    check(build(cfg, problem), problem)


def _system_2x2() -> KnownSystem:
    return rotation_system(
        4,
        2,
        2,
        max_eig=0.99,
        max_angle=0.05,
        process_noise=0.1,
        obs_noise=0.1,
        rng=np.random.default_rng(0),
    )


@pytest.mark.parametrize("name", sorted(set(BUILDERS) - {"kalman"}))
def test_learners_are_causal_and_never_read_the_true_system(name):
    """Two streams equal up to step 40: the same predictions up to step 40; and a learner
    built without the system predicts exactly as one built with it."""
    build, cfg = BUILDERS[name]
    system = _system()
    stream = simulate(system, 80, np.random.default_rng(1))
    other = Stream(stream.u.copy(), stream.y.copy())
    other.u[40:] += 1.0
    other.y[40:] -= 2.0

    def predictions(data: Stream, known: KnownSystem | None) -> np.ndarray:
        predictor = build(cfg, OnlineProblem(1, 1, 80, system=known))
        out = []
        for t in range(80):
            out.append(predictor.predict().copy())
            predictor.observe(data.u[t], data.y[t])
        return np.array(out)

    reference = predictions(stream, system)
    assert np.array_equal(predictions(stream, None), reference)
    changed = predictions(other, system)
    assert np.array_equal(changed[:41], reference[:41])
    assert not np.allclose(changed[41:], reference[41:])


def test_the_probe_refuses_a_wrong_shape_and_a_predictor_that_is_not_causal():
    class Wide:
        def predict(self) -> np.ndarray:
            return np.zeros(3)

        def observe(self, u: np.ndarray, y: np.ndarray) -> None:
            pass

    class Peeking:
        """Reads a stream it shares with the world: the future is visible to it."""

        calls = 0

        def predict(self) -> np.ndarray:
            Peeking.calls += 1
            return np.full(1, float(Peeking.calls))

        def observe(self, u: np.ndarray, y: np.ndarray) -> None:
            pass

    problem = OnlineProblem(1, 1, 32)
    with pytest.raises(ContractError, match=r"shape \(3,\), expected \(1,\)"):
        check(Wide(), problem)
    with pytest.raises(ContractError, match="not causal"):
        check(Peeking(), problem)
    with pytest.raises(ContractError, match="without a predict"):
        check(object(), problem)


def test_the_kalman_oracle_is_refused_without_the_system():
    with pytest.raises(Exception, match="oracle"):
        build_kalman(KalmanConfig(), OnlineProblem(1, 1, 10))


# ------------------------------------------------------------------------------------------------
# The task through the harness
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("task_overrides", "method", "method_overrides"),
    [
        ({"max_eig": 1.0}, "online_sf", {}),
        ({"horizon": 4}, "online_sf", {}),
        ({"state_dims": [3, 4]}, "online_sf", {}),
        ({"state_dims": [8]}, "online_sf", {}),
        ({}, "online_sf", {"degree": 0}),
        ({}, "online_sf", {"precondition": "fourier"}),
        ({}, "online_sf", {"lr": 3.0}),
        ({}, "online_ar", {"solver": "adam"}),
    ],
)
def test_bad_config_values_are_refused_in_one_line(
    registry, task_overrides, method, method_overrides
):
    assert_refused(
        "online_lds",
        method,
        task_overrides=task_overrides,
        method_overrides=method_overrides,
        registry=registry,
    )


@pytest.mark.parametrize("method", ["online_sf", "online_ar", "online_diag_ssm", "kalman"])
def test_smoke_cell_end_to_end(registry, settings, method):
    record = run_cell(
        make_cell(registry, "online_lds", method, trainer=ONE_THREAD), registry, settings
    )
    assert record.status == "ok", record.error
    check_metrics_declared(record, registry=registry)
    metrics = record.metrics
    assert math.isfinite(metrics["regret"]) and metrics["oracle_loss"] == 0.0
    assert metrics["regret_growth"] == pytest.approx(
        metrics["regret_max_dim"] - metrics["regret_min_dim"]
    )
    assert len(record.data) == 2, "one generated stream per hidden dimension"
    assert {"curves", "regret"} <= set(record.artifacts)
    folder = settings.runs_dir / "online_lds" / method / record.run_id
    curves = json.loads((folder / "curves.json").read_text())
    assert {"regret_d2", "regret_d4"} <= set(curves)
    with np.load(folder / "regret.npz") as arrays:
        assert arrays["average_regret"].shape == (2, len(arrays["steps"]))
    if method == "kalman":
        assert metrics["regret"] == 0.0 and "regret_exponent" not in metrics
    else:
        assert metrics["params"] > 0


def test_claims_name_registered_methods_and_configs(registry):
    claims = {c.id: c for c in registry.claims.values() if c.task == "online_lds"}
    assert {"usp-regret-dimension-free", "usp-regret-sublinear"} <= set(claims)
    for claim in claims.values():
        assert claim.method == "online_sf"
        assert claim.where["method.precondition"] == "chebyshev"
    assert claims["usp-vs-plain-sf-regret"].baseline_where["method.precondition"] == "none"
