"""Sequential digits under noise: the data, the noise (σ = 0 is the clean input), the shared-Δ
HiPPO layers of ``ssm_stack`` (PTD starts as the discretised HiPPO-LegS system, at its scale),
the task end to end at smoke scale, its claims and refusals."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import torch

from harness.runner import TrainerOptions, make_cell, run_cell
from harness.testing import assert_refused
from spectral_harness_seq import NOISE_LEVELS, noise_metric
from spectral_harness_seq.digits import accuracy, add_noise, add_sine, digit_sequences
from spectral_harness_seq.hippo import hippo_legs
from spectral_harness_seq.ssm import DiagonalSSM
from spectral_harness_seq.stack import SsmStack, hippo_layer

ONE_THREAD = TrainerOptions(num_threads=1)


def test_digit_sequences_split_the_images_once():
    data = digit_sequences(n_val=100, n_test=200, seed=0)
    (x_train, y_train), (x_val, _), (x_test, _) = (data.splits[s] for s in ("train", "val", "test"))
    assert x_train.shape == (1797 - 300, 64, 1) and x_val.shape[0] == 100
    assert x_test.shape == (200, 64, 1) and x_train.min() >= 0 and x_train.max() <= 1
    assert set(y_train) == set(range(10))
    assert digit_sequences(100, 200, 0).checksum == data.checksum
    assert digit_sequences(100, 200, 1).checksum != data.checksum


def test_noise_is_fixed_by_its_seed_and_zero_noise_is_the_clean_input():
    x = torch.rand(5, 64, 1)
    assert add_noise(x, 0.0, seed=3) is x
    assert torch.equal(add_noise(x, 0.5, seed=3), add_noise(x, 0.5, seed=3))
    assert not torch.equal(add_noise(x, 0.5, seed=3), add_noise(x, 0.5, seed=4))
    assert (add_noise(x, 0.5, seed=3) - x).std() == pytest.approx(0.5, rel=0.1)
    with pytest.raises(ValueError, match="noise level"):
        add_noise(x, -0.1, seed=0)


def test_the_sinusoid_is_high_frequency_fixed_by_its_seed_and_zero_at_amplitude_zero():
    x = torch.zeros(6, 64, 1)
    assert torch.equal(add_sine(x, 0.0, 0.375, seed=1), x)
    noisy = add_sine(x, 0.3, 0.375, seed=1)
    assert torch.equal(noisy, add_sine(x, 0.3, 0.375, seed=1))
    assert noisy.abs().max() <= 0.3 + 1e-6
    power = torch.fft.rfft(noisy[:, :, 0], dim=1).abs() ** 2  # bins k / 64 cycles per step
    assert (power[:, 20:].sum(1) > 0.9 * power.sum(1)).all()  # ≥ 0.31 cycles per step
    with pytest.raises(ValueError, match="min_freq"):
        add_sine(x, 0.3, 0.6, seed=0)


def test_accuracy_at_noise_level_zero_equals_clean_accuracy():
    torch.manual_seed(0)
    model = SsmStack(1, 10, width=8, state_dim=8, layers=1, init="ptd")
    x, y = torch.rand(40, 64, 1), torch.randint(10, (40,))
    assert accuracy(model, add_noise(x, 0.0, seed=7), y) == accuracy(model, x, y)
    perfect = torch.nn.Sequential(torch.nn.Linear(1, 10))
    with torch.no_grad():  # scores = pixel · class index: the mean picks a class from the mean
        perfect[0].weight.copy_(torch.arange(10.0)[:, None])
        perfect[0].bias.zero_()
    assert accuracy(perfect, x, perfect(x).mean(1).argmax(1)) == 1.0


def _dense_kernel(a: np.ndarray, b: np.ndarray, c: np.ndarray, dt: float, length: int):
    """Re c exp(Δa)^s a⁻¹(exp(Δa) − I) b: the zero-order-hold discretisation, densely."""
    step = scipy.linalg.expm(dt * a)
    drive = np.linalg.solve(a, step - np.eye(a.shape[0])) @ b
    out = []
    for _ in range(length):
        out.append((c @ drive).real)
        drive = step @ drive
    return np.array(out)


@pytest.mark.parametrize("dt", [1e-2, 1e-1])
def test_ptd_layer_starts_as_discretised_hippo_at_its_scale(dt):
    n, width, length = 32, 4, 64
    torch.manual_seed(0)
    plain = DiagonalSSM(width, width, n, init="lru")  # the same draws of B, C as hippo_layer's
    b = torch.complex(plain.b[0], plain.b[1]).detach().to(torch.complex128).numpy()
    c = torch.complex(plain.c[0], plain.c[1]).detach().to(torch.complex128).numpy()
    target = _dense_kernel(hippo_legs(n)[0], b, c, dt, length)
    kernels = {}
    for init in ("ptd", "s4d_legs"):
        torch.manual_seed(0)
        layer = hippo_layer(width, n, init, dt, 1e-2, np.random.default_rng(0))
        kernels[init] = layer.kernel(length).detach().double().numpy()
    error = {k: np.linalg.norm(v - target) / np.linalg.norm(target) for k, v in kernels.items()}
    assert error["ptd"] < 1e-2, error  # ε-close to HiPPO-LegS
    assert error["s4d_legs"] > 0.05, error  # the normal part is a different system
    ratio = np.linalg.norm(kernels["ptd"]) / np.linalg.norm(kernels["s4d_legs"])
    assert 0.5 < ratio < 2, ratio


def test_per_mode_steps_blow_up_the_ptd_layer():
    """Why ``ssm_stack`` shares Δ: with a step per mode, PTD's ill-conditioned eigenvectors no
    longer cancel and the layer starts far larger than S4D-LegS's."""
    norms = {}
    for init in ("ptd", "s4d_legs"):
        torch.manual_seed(0)
        norms[init] = float(DiagonalSSM(8, 8, 64, init=init).kernel(64).detach().norm())
    assert norms["ptd"] > 10 * norms["s4d_legs"], norms


def test_registered_with_claims(registry):
    spec = registry.task("digits_noise")
    assert spec.slot == "sequence_model" and spec.primary == "accuracy"
    names = {m.name for m in spec.metrics}
    assert {noise_metric(s) for s in NOISE_LEVELS} | {"accuracy_drop"} <= names
    claims = [c for c in registry.claims.values() if c.task == "digits_noise"]
    assert len(claims) == 4
    for claim in claims:
        assert claim.method == claim.baseline == "ssm_stack"
        assert claim.where == {"method.init": "ptd"}
        assert claim.baseline_where == {"method.init": "s4d_legs"}
        assert claim.metric in names


@pytest.mark.parametrize("init", ["ptd", "lru"])
def test_smoke_cell_end_to_end(registry, settings, init):
    cell = make_cell(
        registry, "digits_noise", "ssm_stack", method_overrides={"init": init}, trainer=ONE_THREAD
    )
    record = run_cell(cell, registry, settings)
    assert record.status == "ok", record.error
    for sigma in NOISE_LEVELS:
        assert 0 <= record.metrics[noise_metric(sigma)] <= 1
    clean, worst = record.metrics["accuracy"], record.metrics[noise_metric(NOISE_LEVELS[-1])]
    assert record.metrics["accuracy_drop"] == pytest.approx(clean - worst)
    assert record.metrics["sine_drop"] == pytest.approx(clean - record.metrics["accuracy_sine"])
    assert record.data, "the run must record its data checksum"


@pytest.mark.parametrize(
    ("task_overrides", "method_overrides"),
    [({"n_test": 0}, {}), ({}, {"init": "hippo"}), ({}, {"ptd_epsilon": 0.0})],
)
def test_bad_config_values_are_refused_in_one_line(registry, task_overrides, method_overrides):
    assert_refused(
        "digits_noise",
        "ssm_stack",
        task_overrides=task_overrides,
        method_overrides=method_overrides,
        registry=registry,
    )
