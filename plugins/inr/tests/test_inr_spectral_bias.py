"""The spectral-bias task (Lazzari & Liu 2023): each measurement against a hand-computable answer,
the trace's summaries, and a smoke cell whose record holds the curves and arrays."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from torch import nn

from harness import MetricSpec, ProbeConfig, ProbeSpec, ProbeTarget, hookimpl
from harness.cell import make_cell
from harness.plugins import Registry, build_plugin_manager
from harness.runner import run_cell
from harness.testing import assert_refused
from spectral_harness_inr.bias_spec import BIAS_FREQUENCIES, spectral_bias_claims
from spectral_harness_inr.bias_task import BiasTrace, probe_steps
from spectral_harness_inr.networks import PositionalEncoding, Siren, relu_mlp
from spectral_harness_inr.spectral_bias import (
    activation_regions,
    frequency_residuals,
    gradient_confusion,
    per_example_gradients,
    periodic_coords,
    sinusoid_target,
)


def test_each_target_frequency_is_one_dft_bin():
    values = sinusoid_target(256, BIAS_FREQUENCIES, 0.25)
    assert values.shape == (256, 1) and values.dtype == np.float32
    spectrum = np.abs(np.fft.rfft(values[:, 0].astype(np.float64)))
    assert set(np.flatnonzero(spectrum > 1e-3)) == set(BIAS_FREQUENCIES)
    np.testing.assert_allclose(spectrum[list(BIAS_FREQUENCIES)], 0.25 * 256 / 2, rtol=1e-6)


def test_the_residual_of_a_single_sinusoid_is_known():
    target = sinusoid_target(512, (16,), 0.5)[:, 0]
    # an untrained (zero) model leaves all of it; a model with 30 % of its amplitude wrong, 0.3
    assert frequency_residuals(target, target, (16,)) == pytest.approx([1.0])
    assert frequency_residuals(0.3 * target, target, (16,)) == pytest.approx([0.3])
    assert frequency_residuals(np.zeros_like(target), target, (16,)) == pytest.approx([0.0])


def test_a_residual_at_one_frequency_leaves_the_others_fit():
    target = sinusoid_target(1024, BIAS_FREQUENCIES, 0.25)[:, 0]
    residual = sinusoid_target(1024, (64,), 0.25)[:, 0]  # everything fit but the 64-cycle part
    np.testing.assert_allclose(
        frequency_residuals(residual, target, BIAS_FREQUENCIES), [0, 0, 0, 1], atol=1e-6
    )
    # a phase error is a residual too: a quarter-period shift leaves |1 − e^{iπ/2}| = √2
    t = np.arange(1024) / 1024
    shifted = 0.25 * np.cos(2 * np.pi * 64 * t)
    got = frequency_residuals(sinusoid_target(1024, (64,), 0.25)[:, 0] - shifted, target, (64,))
    assert got == pytest.approx([np.sqrt(2.0)], rel=1e-6)


def test_a_frequency_the_target_lacks_is_refused():
    target = sinusoid_target(256, (4,), 0.25)[:, 0]
    with pytest.raises(ValueError, match="no energy"):
        frequency_residuals(target, target, (4, 16))


@pytest.mark.parametrize(
    ("grads", "expected"),
    [
        ([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]], 1.0 / 3.0),  # one opposed pair of three
        ([[1.0, 0.0], [-2.0, 0.0]], 1.0),  # opposed, whatever the norms
        ([[1.0, 0.0], [1.0, 1.0], [0.0, 3.0]], 0.0),  # no pair pulls against another
        ([[1.0, 0.0], [-1.0, 1.0]], 1.0 / np.sqrt(2.0)),  # cos = −1/√2
        ([[1.0, 0.0], [0.0, 0.0], [-1.0, 0.0]], 1.0 / 3.0),  # a zero gradient is orthogonal
    ],
)
def test_gradient_confusion_on_hand_computed_cases(grads, expected):
    assert gradient_confusion(torch.tensor(grads)) == pytest.approx(expected, abs=1e-12)


def test_confusion_needs_two_examples():
    with pytest.raises(ValueError, match="two examples"):
        gradient_confusion(torch.ones(1, 3))


@pytest.mark.parametrize("encoded", [False, True])
def test_per_example_gradients_match_one_backward_per_example(encoded):
    torch.manual_seed(0)
    body = relu_mlp(5 if encoded else 1, 8, 1, 1)
    model = nn.Sequential(PositionalEncoding(1, 2), body) if encoded else body
    x, y = periodic_coords(6), torch.randn(6, 1)
    grads = per_example_gradients(model, x, y)
    assert grads.shape == (6, sum(p.numel() for p in model.parameters()))
    for i in range(6):
        model.zero_grad()
        (0.5 * (model(x[i : i + 1]) - y[i : i + 1]) ** 2).sum().backward()
        manual = torch.cat([p.grad.reshape(-1) for p in model.parameters()])
        torch.testing.assert_close(grads[i], manual)


def test_activation_regions_count_the_relu_breakpoints():
    # two units with kinks at x = −0.5 and x = 0.25: three linear pieces along [-1, 1)
    layer = nn.Linear(1, 2)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.0], [-1.0]]))
        layer.bias.copy_(torch.tensor([0.5, 0.25]))
    model = nn.Sequential(layer, nn.ReLU(), nn.Linear(2, 1))
    assert activation_regions(model, periodic_coords(1000)) == 3
    assert activation_regions(model, periodic_coords(1000)[:200]) == 1  # x < −0.6 only


def test_a_sine_network_has_no_activation_regions():
    assert activation_regions(Siren(1, 8, 1, 1, 30.0, 30.0), periodic_coords(64)) is None


def test_the_probe_schedule_covers_the_start_densely():
    assert probe_steps(100, 25) == {
        0,
        1,
        2,
        3,
        4,
        6,
        8,
        12,
        16,
        24,
        25,
        32,
        48,
        50,
        64,
        75,
        96,
        100,
    }


def _trace() -> BiasTrace:
    trace = BiasTrace()
    for step, mse, residual, confusion in [
        (0, 1.0, [1.0, 1.0], 0.5),
        (10, 0.6, [0.05, 0.9], 0.4),
        (20, 0.3, [0.01, 0.5], 0.3),
    ]:
        trace.step.append(step)
        trace.mse.append(mse)
        trace.residual.append(np.asarray(residual))
        trace.confusion.append(confusion)
    return trace


def test_the_trace_finds_the_first_fit_and_censors_a_frequency_never_fit():
    trace = _trace()
    assert trace.fit_fraction(0, 0.1, 40) == 0.25
    assert trace.fit_fraction(1, 0.1, 40) == 1.0  # never below 0.1: censored at the budget
    # MSE 0.5 lies between 0.6 (step 10) and 0.3 (step 20): w = ln(0.6/0.5) / ln(0.6/0.3)
    w = np.log(1.2) / np.log(2.0)
    assert trace.matched(0.5) == pytest.approx((10 + 10 * w, 0.4 - 0.1 * w))
    assert trace.matched(0.3) == pytest.approx((20, 0.3))
    assert trace.matched(1.5) == (0, 0.5)  # already there at the first measurement
    assert trace.matched(0.1) is None


def test_a_dense_grid_no_denser_than_the_sparse_is_refused_before_it_runs(registry):
    assert_refused(
        "inr_spectral_bias",
        "relu",
        task_overrides={"sparse_points": 512, "dense_points": 256},
        match="must exceed task.sparse_points",
        registry=registry,
    )


@pytest.mark.parametrize(
    "overrides",
    [{"sparse_points": 128}, {"dense_points": 100}, {"matched_loss": 1.0}, {"fit_threshold": 0}],
)
def test_out_of_range_protocol_values_are_refused_in_one_line(registry, overrides):
    assert_refused("inr_spectral_bias", "relu", task_overrides=overrides, registry=registry)


@pytest.mark.parametrize("method", ["relu", "siren"])
def test_a_smoke_cell_keeps_curves_and_arrays(registry, settings, method):
    record = run_cell(make_cell(registry, "inr_spectral_bias", method), registry, settings)
    assert record.status == "ok", record.error
    folder = settings.runs_dir / "inr_spectral_bias" / method / record.run_id
    steps = sorted(probe_steps(10, 5))
    for density in ("sparse", "dense"):
        arrays = np.load(folder / f"spectral_bias_{density}.npz")
        assert arrays["step"].tolist() == steps
        assert arrays["residual"].shape == (len(steps), len(BIAS_FREQUENCIES))
        assert arrays["confusion"].shape == (len(steps),)
        assert ("regions" in arrays) == (method == "relu")
        for f in BIAS_FREQUENCIES:
            assert 0.0 <= record.metrics[f"fit_fraction_f{f}_{density}"] <= 1.0
    curves = json.loads((folder / "curves.json").read_text())
    assert curves["dense/probe/residual_f64"]["step"] == steps
    assert ("regions_dense" in record.metrics) == (method == "relu")
    assert record.metrics["residual_f64"] == pytest.approx(
        (record.metrics["residual_f64_sparse"] + record.metrics["residual_f64_dense"]) / 2
    )


def _loss_probe(target: ProbeTarget, cfg: ProbeConfig) -> dict[str, float]:
    assert target.loss is not None
    return {"loss": float(target.loss())}


class _LossProbe:
    @hookimpl
    def spectral_harness_register_probes(self):
        return [
            ProbeSpec(
                "loss_probe",
                "the exposed loss",
                _loss_probe,
                needs=("model", "loss"),
                metrics=(MetricSpec("loss", kind="diagnostic"),),
            )
        ]


@pytest.mark.parametrize(
    ("task", "mse"), [("inr_spectral_bias", "mse_dense"), ("inr_image", "mse")]
)
def test_probes_get_the_trained_model_and_its_loss(settings, task, mse):
    """A probe that needs the loss runs on INR models: the exposed loss is the restored best
    model's MSE (the whole signal is the fixed batch at these sizes)."""
    registry = Registry.from_plugin_manager(build_plugin_manager(extra_plugins=[_LossProbe()]))
    cell = make_cell(registry, task, "winner", probes=["loss_probe"])
    record = run_cell(cell, registry, settings)
    assert record.status == "ok", record.error
    assert record.metrics["loss_probe/loss"] == pytest.approx(record.metrics[mse], rel=1e-5)


def test_the_claims_are_registered_and_judgeable(registry):
    ids = {claim.id for claim in spectral_bias_claims()}
    assert ids <= set(registry.claims)
    assert "denser-sampling-raises-relu-confusion" in ids
    assert len(ids) == 9
