"""The ``pde_model`` slot contract: every real method passes its probe, broken components fail it
with one line naming what was expected and what came back, and a broken method is a failed cell.
Also the ranges of the PDE task and method configs (their presets: tests/test_conformance.py)."""

from __future__ import annotations

from functools import partial

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
from spectral_harness_pde.contract import PROBE_BATCH, SLOT_SPEC, check
from spectral_harness_pde.methods import PdeProblem

METHODS = ("lsm", "fno", "unet")
TASKS = ("darcy", "burgers", "navier_stokes", "darcy_neuralop", "burgers_neuralop")
# the smoke problems of the tasks: (in_channels incl. 2 coordinates, out, grid, periodic)
PROBLEMS = {
    "darcy": PdeProblem(3, 1, (17, 17), (False, False), width=8, modes=4),
    "burgers": PdeProblem(3, 1, (9, 16), (False, True), width=8, modes=4),
    "navier_stokes": PdeProblem(12, 1, (16, 16), (True, True), width=8, modes=4),
    "two_fields": PdeProblem(4, 2, (12, 20), (False, False), width=8, modes=4),
}
DARCY = PROBLEMS["darcy"]


def _build(registry: Registry, method: str, problem: PdeProblem) -> nn.Module:
    spec = registry.method(method, SLOT_SPEC.name)
    return resolve(spec.build)(spec.config(name=method), problem)


def test_the_slot_is_registered_with_this_contract(registry):
    assert registry.slots["pde_model"] is SLOT_SPEC
    assert resolve(SLOT_SPEC.check) is check
    assert {registry.task(t).slot for t in TASKS} == {"pde_model"}


@pytest.mark.parametrize("kind", sorted(PROBLEMS))
@pytest.mark.parametrize("method", METHODS)
def test_every_method_passes_the_check(registry, method, kind):
    problem = PROBLEMS[kind]
    model = _build(registry, method, problem).eval()
    with torch.no_grad():
        check(model, problem)


def test_the_check_leaves_the_global_rng_and_the_model_untouched(registry):
    model = _build(registry, "lsm", DARCY).eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    rng = torch.get_rng_state()
    with torch.no_grad():
        check(model, DARCY)
    assert torch.equal(torch.get_rng_state(), rng)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


class _Pointwise(nn.Module):
    """A 1×1 convolution to ``channels`` channels whose output then goes through ``post``."""

    def __init__(self, in_channels: int, channels: int, post=lambda y: y) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, channels, 1)
        self.post = post

    def forward(self, x: torch.Tensor):
        return self.post(self.conv(x))


# The slot's probe refuses (component, problem) in one line holding every fragment.
_probe_refuses = partial(assert_contract_error, SLOT_SPEC.name, registry=get_registry())


def test_wrong_output_shapes_are_named():
    b = PROBE_BATCH
    expected = f"expected ({b}, 1, 17, 17)"
    _probe_refuses(_Pointwise(3, 3), DARCY, f"output shape ({b}, 3, 17, 17)", expected)
    _probe_refuses(
        _Pointwise(3, 1, lambda y: y[:, 0]), DARCY, f"output shape ({b}, 17, 17)", expected
    )
    channels_last = _Pointwise(3, 1, lambda y: y.permute(0, 2, 3, 1))
    _probe_refuses(channels_last, DARCY, f"output shape ({b}, 17, 17, 1)", expected)
    cropped = _Pointwise(3, 1, lambda y: y[..., :16, :16])
    _probe_refuses(cropped, DARCY, f"output shape ({b}, 1, 16, 16)", expected)
    one_field = _Pointwise(4, 1)
    _probe_refuses(one_field, PROBLEMS["two_fields"], f"expected ({b}, 2, 12, 20)")


def test_non_finite_and_non_float_outputs_fail():
    nan = _Pointwise(3, 1, lambda y: y * float("nan"))
    _probe_refuses(nan, DARCY, f"{PROBE_BATCH * 17 * 17} non-finite values", "expected all finite")
    first = torch.tensor([0])
    one_inf = _Pointwise(3, 1, lambda y: y.flatten().index_fill(0, first, torch.inf).view(y.shape))
    _probe_refuses(one_inf, DARCY, f"1 non-finite values out of {PROBE_BATCH * 17 * 17}")
    _probe_refuses(
        _Pointwise(3, 1, lambda y: y.long()), DARCY, "dtype torch.int64", "floating dtype"
    )


def test_wrong_component_types_fail():
    _probe_refuses(lambda x: x, DARCY, "build returned function", "expected a torch.nn.Module")
    _probe_refuses(_Pointwise(3, 1, lambda y: [y]), DARCY, "output is a list", "(2, 1, 17, 17)")
    frozen = _Pointwise(3, 1)
    frozen.requires_grad_(False)
    _probe_refuses(frozen, DARCY, "no trainable parameters")


def test_the_probe_has_the_tasks_coordinate_channels():
    seen = []
    model = _Pointwise(3, 1)
    model.register_forward_pre_hook(lambda module, args: seen.append(args[0]))
    check(model, PROBLEMS["burgers"])
    (probe,) = seen
    assert probe.shape == (PROBE_BATCH, 3, 9, 16) and probe.dtype == torch.float32
    y, x = probe[0, 1], probe[0, 2]
    assert torch.allclose(y[:, 0], torch.linspace(0, 1, 9))  # node axis: both ends
    assert torch.allclose(x[0], torch.arange(16) / 16)  # periodic axis: i / n


def _extra_channels(cfg: MethodConfig, problem: PdeProblem) -> nn.Module:
    return nn.Conv2d(problem.in_channels, problem.out_channels + 2, 1)


def test_a_broken_method_is_a_failed_cell_naming_the_shapes(settings):
    """A method that predicts three fields where the task wants one."""
    record = broken_method_record("darcy", _extra_channels, settings=settings, name="extra")
    assert_failed_record(
        record, "method 'extra'", "output shape (2, 3, 17, 17), expected (2, 1, 17, 17)"
    )


@pytest.mark.parametrize(
    ("task", "override", "value"),
    [
        ("darcy", "epochs", 0),
        ("darcy", "batch_size", 0),
        ("darcy", "lr", 0.0),
        ("darcy", "lr_step", 0),
        ("darcy", "eval_every", -1),
        ("darcy", "n_val", 0),
        ("darcy", "weight_decay", -1e-4),
        ("darcy", "lr_gamma", 0.0),
        ("darcy", "resolution", 1),
        ("darcy", "coefficient_low", -3.0),
        ("darcy", "data_seed", -1),
        ("burgers", "snapshots", 1),
        ("burgers", "transfer_resolution", -1),
        ("burgers", "visc", 0.0),
        ("navier_stokes", "t_out", 0),
        ("navier_stokes", "dt", -1e-3),
        ("darcy_neuralop", "n_test", 0),
        ("burgers_neuralop", "width", 0),
    ],
)
def test_out_of_range_task_values_are_one_line(registry, task, override, value):
    assert_refused(task, "fno", task_overrides={override: value}, registry=registry)


@pytest.mark.parametrize(
    ("method", "override", "value"),
    [
        ("lsm", "width", 4),
        ("lsm", "tokens", 0),
        ("lsm", "patch", -1),
        ("lsm", "basis", 0),
        ("fno", "layers", 0),
        ("fno", "modes", 0),
        ("fno", "padding", -2),
        ("unet", "width", 0),
    ],
)
def test_out_of_range_method_values_are_one_line(registry, method, override, value):
    assert_refused("darcy", method, method_overrides={override: value}, registry=registry)
