"""The family's public API for signal tasks of other plugins: ``Signal``, ``InrProblem`` and
``fit_signal``. A task written against it alone fits any signal with every ``inr_init`` method,
scores exactly as the family's own tasks do, and gets no constants tuned on another kind of
signal."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

import numpy as np
import pytest
import torch

import spectral_harness_inr
from harness import MetricSpec, TaskSpec, UserError, hookimpl, param
from harness.cell import make_cell
from harness.plugins import Registry, build_plugin_manager, get_registry
from harness.runner import run_cell
from spectral_harness_inr import (
    COMMON_METRICS,
    PSNR,
    InrAudioConfig,
    InrProblem,
    InrTaskConfig,
    Signal,
    SirenConfig,
    WinnerConfig,
    fit_signal,
)
from spectral_harness_inr.contract import check
from spectral_harness_inr.methods import build_fourier_features, build_siren, build_winner
from spectral_harness_inr.signals import load_audio

HEAVY = ("torch", "numpy", "scipy", "skimage", "PIL")


def test_importing_the_package_loads_no_heavy_library():
    code = f"import sys, spectral_harness_inr; print([m for m in {HEAVY!r} if m in sys.modules])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


@pytest.mark.parametrize("name", spectral_harness_inr.__all__)
def test_every_public_name_resolves(name):
    assert getattr(spectral_harness_inr, name) is not None


def test_the_lazy_names_are_their_definitions_and_unknown_names_fail():
    from spectral_harness_inr import problem, task

    assert (Signal, InrProblem, fit_signal) == (problem.Signal, problem.InrProblem, task.fit_signal)
    with pytest.raises(AttributeError, match="no attribute 'fit'"):
        spectral_harness_inr.fit  # noqa: B018


def _ramp(n: int = 8) -> np.ndarray:
    return np.linspace(-1, 1, n, dtype=np.float32)[:, None]


@pytest.mark.parametrize(
    ("values", "grid", "fragment"),
    [
        (_ramp().astype(np.float64), (8,), "float32 numpy array, not float64"),
        (_ramp()[:, 0], (8,), "shape (8,), expected (8, channels)"),
        (_ramp(), (3, 3), "shape (8, 1), expected (9, channels) for grid (3, 3)"),
        (_ramp() * np.float32(1.5), (8,), "in [-1, 1] (the PSNR convention), max |value| = 1.5"),
        (np.full((8, 1), np.nan, np.float32), (8,), "must be finite"),
        (_ramp(), (8, 1), "tuple of sizes >= 2"),
        (_ramp(), (), "tuple of sizes >= 2"),
    ],
)
def test_a_malformed_signal_is_refused_in_one_line(values, grid, fragment):
    with pytest.raises(UserError) as info:
        Signal(values, grid)
    assert fragment in str(info.value) and "\n" not in str(info.value)


def test_a_signal_exposes_what_methods_may_rely_on():
    signal = Signal(np.zeros((12, 3), np.float32), (3, 4))
    assert (signal.dims, signal.channels) == (2, 3)
    assert signal.coords.shape == (12, 2) and signal.coords.dtype == np.float32
    assert signal.coords[1] == pytest.approx([-1.0, -1.0 + 2 / 3])  # raster: last axis fastest
    problem = InrProblem(signal, hidden_features=8, hidden_layers=1)
    assert (problem.in_features, problem.out_features) == (2, 3)


def _volume() -> InrProblem:
    rng = np.random.default_rng(0)
    values = rng.uniform(-1, 1, (4 * 5 * 6, 1)).astype(np.float32)
    return InrProblem(Signal(values, (4, 5, 6)), hidden_features=8, hidden_layers=1)


def test_a_grid_without_tuned_constants_is_refused_not_given_others():
    with pytest.raises(UserError, match=r"^siren's first-layer ω0': known for 1-D and 2-D") as info:
        build_siren(SirenConfig(), _volume())
    assert str(info.value).endswith("not 3-D ones; set method.first_omega_0")
    with pytest.raises(UserError, match=r"^winner's noise constants \(A, a, b\): known for 1-D"):
        build_winner(WinnerConfig(), _volume())


def test_methods_without_tuned_constants_fit_any_grid():
    problem = _volume()
    with torch.no_grad():
        check(build_siren(SirenConfig(first_omega_0=30.0), problem), problem)
        check(
            build_fourier_features(spectral_harness_inr.FourierFeaturesConfig(), problem), problem
        )


# A third-party task, written against the public API only: a seeded field on a 2-D or 3-D grid.
@dataclass
class FieldConfig(InrTaskConfig):
    """A smooth random field on a grid of ``side``^``dims`` points, in [-1, 1]."""

    dims: int = param(2, ge=1)
    side: int = param(16, ge=2)


def run_field(cfg: FieldConfig, ctx, build) -> dict[str, float]:
    axes = np.meshgrid(*[np.linspace(0, 2 * np.pi, cfg.side)] * cfg.dims, indexing="ij")
    field = np.sin(sum((k + 1) * axis for k, axis in enumerate(axes)))
    values = (field.reshape(-1, 1) * 0.9).astype(np.float32)
    return fit_signal(cfg, ctx, build, Signal(values, (cfg.side,) * cfg.dims))


def run_audio_copy(cfg: InrAudioConfig, ctx, build) -> dict[str, float]:
    signal = load_audio(ctx.data.resolve(cfg.audio), cfg.start_s, cfg.num_samples)
    return fit_signal(cfg, ctx, build, signal)


SMOKE = dict(hidden_features=16, hidden_layers=1, steps=10, eval_every=5, lr_gamma=0.99)


class _SignalTasks:
    """Tasks of another plugin on the ``inr_init`` slot, fitted through ``fit_signal``."""

    @hookimpl
    def spectral_harness_register_tasks(self) -> list[TaskSpec]:
        snr = MetricSpec("snr", "max")
        return [
            TaskSpec("field", "inr_init", FieldConfig, run_field, (PSNR, *COMMON_METRICS), "psnr",
                     {"smoke": SMOKE}),
            TaskSpec("unsized_field", "inr_init", FieldConfig, run_field, (PSNR,), "psnr",
                     {"smoke": {**SMOKE, "steps": None}}),
            TaskSpec("audio_copy", "inr_init", InrAudioConfig, run_audio_copy,
                     (PSNR, snr, *COMMON_METRICS), "psnr", get_registry().task("inr_audio").scales,
                     datasets=lambda cfg: [cfg.audio]),
        ]  # fmt: skip


@pytest.fixture(scope="module")
def with_tasks() -> Registry:
    return Registry.from_plugin_manager(build_plugin_manager(extra_plugins=[_SignalTasks()]))


def _run(registry: Registry, settings, task: str, method: str, **task_overrides):
    cell = make_cell(registry, task, method, task_overrides=task_overrides)
    return run_cell(cell, registry, settings)


@pytest.mark.parametrize("method", ["siren", "winner", "fourier_features"])
def test_a_2d_field_fits_with_every_method_and_the_image_metrics(with_tasks, settings, method):
    record = _run(with_tasks, settings, "field", method)
    assert record.status == "ok", record.error
    assert record.metrics["psnr_01"] == pytest.approx(record.metrics["psnr"] + 6.0206, abs=1e-4)
    assert "snr" not in record.metrics


def test_a_3d_field_fits_with_fourier_features_and_winner_refuses(with_tasks, settings):
    assert _run(with_tasks, settings, "field", "fourier_features", dims=3, side=6).status == "ok"
    record = _run(with_tasks, settings, "field", "winner", dims=3, side=6)
    assert record.status == "failed"
    assert record.error["message"].startswith("winner's noise constants (A, a, b): known for")


def test_a_protocol_field_left_unset_is_named(with_tasks, settings):
    record = _run(with_tasks, settings, "unsized_field", "siren")
    assert record.status == "failed"
    assert "task 'unsized_field' left steps unset" in record.error["message"]


def test_another_plugins_task_scores_exactly_as_the_familys_own(with_tasks, settings, data_dir):
    ours = _run(with_tasks, settings, "inr_audio", "winner")
    theirs = _run(with_tasks, settings, "audio_copy", "winner")
    assert ours.status == theirs.status == "ok"
    for name in ("psnr", "snr", "mse", "params", "best_step"):
        assert theirs.metrics[name] == ours.metrics[name], name
