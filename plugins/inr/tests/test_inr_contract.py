"""The ``inr_init`` slot contract: every real method passes its probe, broken components fail it
with one line naming what was expected and what came back, and a broken method is a failed cell.
Also the ranges of the INR task and method configs (their presets: tests/test_conformance.py)."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
import torch
from torch import nn

from harness import MethodConfig
from harness.plugins import Registry, get_registry
from harness.specs import resolve
from harness.testing import (
    assert_contract_error,
    assert_failed_record,
    assert_refused,
    broken_method_record,
)
from spectral_harness_inr import InrProblem, Signal
from spectral_harness_inr.contract import PROBE_POINTS, SLOT_SPEC, check
from spectral_harness_inr.signals import load_image

BUILT_IN = (
    "siren",
    "winner",
    "fourier_features",
    "finer",
    "wire",
    "gauss",
    "relu_posenc",
    "siren_rff",
    "relu",
)


def _audio_problem() -> InrProblem:
    t = np.linspace(0.0, 1.0, 256, dtype=np.float32)
    values = np.sin(2 * np.pi * 40 * t)[:, None].astype(np.float32)
    return InrProblem(Signal(values, (256,)), hidden_features=8, hidden_layers=1)


def _image_problem(name: str) -> InrProblem:
    return InrProblem(load_image(f"skimage:{name}", None, 8), hidden_features=8, hidden_layers=1)


PROBLEMS = {
    "audio": _audio_problem,
    "grey": lambda: _image_problem("camera"),
    "rgb": lambda: _image_problem("astronaut"),
}


def _build(registry: Registry, method: str, problem: InrProblem, **overrides) -> nn.Module:
    spec = registry.method(method, SLOT_SPEC.name)
    return resolve(spec.build)(spec.config(name=method, **overrides), problem)


def test_the_slot_is_registered_with_this_contract(registry):
    assert registry.slots["inr_init"] is SLOT_SPEC
    assert resolve(SLOT_SPEC.check) is check
    assert {registry.task(t).slot for t in ("inr_audio", "inr_image")} == {"inr_init"}


@pytest.mark.parametrize("kind", sorted(PROBLEMS))
@pytest.mark.parametrize("method", BUILT_IN)
def test_every_method_passes_the_check(registry, method, kind):
    problem = PROBLEMS[kind]()
    assert problem.out_features == (3 if kind == "rgb" else 1)
    with torch.no_grad():
        check(_build(registry, method, problem), problem)


def test_the_siren_backbone_of_fourier_features_passes(registry):
    problem = PROBLEMS["rgb"]()
    check(_build(registry, "fourier_features", problem, backbone="siren"), problem)


def test_the_check_leaves_the_global_rng_and_the_model_untouched(registry):
    problem = PROBLEMS["audio"]()
    model = _build(registry, "winner", problem)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    rng = torch.get_rng_state()
    check(model, problem)
    assert torch.equal(torch.get_rng_state(), rng)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


class _Reshaped(nn.Module):
    """A linear layer to ``width`` features whose output is then passed through ``post``."""

    def __init__(self, in_features: int, width: int, post=lambda y: y) -> None:
        super().__init__()
        self.linear = nn.Linear(in_features, width)
        self.post = post

    def forward(self, x: torch.Tensor):
        return self.post(self.linear(x))


# The slot's probe refuses (component, problem) in one line holding every fragment.
_probe_refuses = partial(assert_contract_error, SLOT_SPEC.name, registry=get_registry())


def test_wrong_output_shapes_are_named():
    problem = PROBLEMS["audio"]()
    n = PROBE_POINTS
    _probe_refuses(_Reshaped(1, 3), problem, f"output shape ({n}, 3)", f"expected ({n}, 1)")
    flat = _Reshaped(1, 1, lambda y: y[:, 0])
    _probe_refuses(flat, problem, f"output shape ({n},)", f"expected ({n}, 1)")
    grey_for_rgb = _Reshaped(2, 1)
    _probe_refuses(grey_for_rgb, PROBLEMS["rgb"](), f"output shape ({n}, 1)", f"expected ({n}, 3)")


def test_non_finite_and_non_float_outputs_fail():
    problem = PROBLEMS["audio"]()
    nan = _Reshaped(1, 1, lambda y: y * float("nan"))
    _probe_refuses(nan, problem, f"{PROBE_POINTS} non-finite values", "expected all finite")
    inf = _Reshaped(1, 1, lambda y: y.masked_fill(y.abs() >= 0, float("inf")))
    _probe_refuses(inf, problem, "non-finite")
    integer = _Reshaped(1, 1, lambda y: y.round().long())
    _probe_refuses(integer, problem, "dtype torch.int64", "expected a floating dtype")
    complex_out = _Reshaped(1, 1, lambda y: torch.complex(y, y))
    _probe_refuses(complex_out, problem, "dtype torch.complex64")


def test_wrong_component_types_fail():
    problem = PROBLEMS["audio"]()
    _probe_refuses(lambda x: x, problem, "build returned function", "expected a torch.nn.Module")
    _probe_refuses(_Reshaped(1, 1, lambda y: (y,)), problem, "output is a tuple", "(8, 1)")
    frozen = _Reshaped(1, 1)
    frozen.requires_grad_(False)
    _probe_refuses(frozen, problem, "no trainable parameters")


def _wide(cfg: MethodConfig, problem: InrProblem) -> nn.Module:
    return nn.Linear(problem.in_features, problem.out_features + 2)


def _flat(cfg: MethodConfig, problem: InrProblem) -> nn.Module:
    return nn.Sequential(nn.Linear(problem.in_features, 1), nn.Flatten(0))


@pytest.mark.parametrize(
    ("name", "build", "actual"),
    [("wide_output", _wide, "(8, 3)"), ("flat_output", _flat, "(8,)")],
    ids=["wide_output", "flat_output"],
)
def test_a_broken_method_is_a_failed_cell_naming_the_shapes(settings, name, build, actual):
    """The shapes of issue 12 item 1."""
    record = broken_method_record("inr_image", build, settings=settings, name=name)
    assert_failed_record(record, f"method {name!r}", f"output shape {actual}", "expected (8, 1)")


@pytest.mark.parametrize(
    ("task", "override", "value"),
    [
        ("inr_audio", "steps", 0),
        ("inr_audio", "steps", -5),
        ("inr_image", "eval_every", 0),
        ("inr_image", "lr", 0.0),
        ("inr_image", "lr", -1e-3),
        ("inr_image", "hidden_features", 0),
        ("inr_image", "hidden_layers", 0),
        ("inr_image", "lr_gamma", 1.5),
        ("inr_image", "size", -1),
        ("inr_audio", "num_samples", -2),
        ("inr_audio", "start_s", -0.5),
        ("inr_audio", "lr", float("nan")),
    ],
)
def test_out_of_range_task_values_are_one_line(registry, task, override, value):
    assert_refused(task, "siren", task_overrides={override: value}, registry=registry)


@pytest.mark.parametrize(
    ("method", "override", "value"),
    [
        ("siren", "omega_0", 0.0),
        ("winner", "first_omega_0", -30.0),
        ("fourier_features", "num_features", 0),
        ("fourier_features", "sigma_nyquist", 0.0),
        ("fourier_features", "backbone", "tanh"),
    ],
)
def test_out_of_range_method_values_are_one_line(registry, method, override, value):
    assert_refused("inr_image", method, method_overrides={override: value}, registry=registry)
