"""T1 in the harness: registration beside the pde family, its claims, a smoke cell per pde task
and the step-time task."""

from __future__ import annotations

import math

import pytest
import torch

from harness.runner import TrainerOptions, make_cell, run_cell
from harness.testing import assert_refused, build_on_task
from spectral_harness_t1 import STEP_TIME_SCALES, StepTimeConfig
from spectral_harness_t1.network import T1
from spectral_harness_t1.speed import step_time_problem, train_step_seconds

ONE_THREAD = TrainerOptions(num_threads=1)
PDE_TASKS = ("darcy", "burgers", "navier_stokes", "darcy_neuralop", "burgers_neuralop")


def test_t1_joins_the_pde_slot_beside_the_family(registry):
    assert {"t1", "fno", "lsm", "unet"} <= set(registry.methods_for_slot("pde_model"))
    assert registry.owners[("method", ("pde_model", "t1"))] == "t1"
    assert registry.task("pde_step_time").slot == "pde_model"


def test_claims_pair_t1_with_fno_and_vp_with_naive(registry):
    claims = registry.claims
    for n in (32, 64, 128):
        speed = claims[f"t1-step-1.5x-fno-{n}"]
        assert (speed.method, speed.baseline, speed.metric) == ("t1", "fno", "log2_step_ms")
        assert speed.margin == pytest.approx(math.log2(1.5), abs=1e-6)
        assert speed.where == {"method.init": "vp", "task.resolution": n}
    for task in ("darcy", "burgers"):
        assert claims[f"t1-not-worse-fno-{task}"].expect == "not_worse"
        vp = claims[f"t1-vp-init-{task}"]
        assert (vp.method, vp.baseline) == ("t1", "t1")
        assert dict(vp.baseline_where) == {"method.init": "naive"}


@pytest.mark.parametrize("task", PDE_TASKS)
def test_t1_builds_a_conforming_model_on_every_pde_task(registry, settings, task):
    built = build_on_task(task, "t1", registry=registry, settings=settings)
    assert isinstance(built.component, T1)
    assert built.component.grid == tuple(built.problem.grid)


@pytest.mark.parametrize(
    ("field", "value"), [("init", "xavier"), ("activation", "relu"), ("layers", 0), ("modes", 0)]
)
def test_bad_method_values_are_refused_in_one_line(registry, field, value):
    assert_refused("darcy", "t1", method_overrides={field: value}, registry=registry)


@pytest.mark.parametrize(("field", "value"), [("resolution", 1), ("steps", 0), ("warmup", -1)])
def test_bad_step_time_values_are_refused_in_one_line(registry, field, value):
    assert_refused("pde_step_time", "t1", task_overrides={field: value}, registry=registry)


def _smoke(registry, settings, task: str, method: str = "t1", **overrides):
    cell = make_cell(registry, task, method, trainer=ONE_THREAD, method_overrides=overrides)
    record = run_cell(cell, registry, settings)
    assert record.status == "ok", record.error
    return record


@pytest.mark.parametrize("init", ["vp", "naive"])
def test_darcy_smoke_cell(registry, settings, init):
    record = _smoke(registry, settings, "darcy", init=init)
    assert 0 < record.metrics["rel_l2"] < 2 and math.isfinite(record.metrics["transfer_rel_l2"])


@pytest.mark.parametrize("task", PDE_TASKS[1:])
def test_other_pde_tasks_smoke_cell(registry, settings, task):
    record = _smoke(registry, settings, task)
    assert 0 < record.metrics["rel_l2"] < 2


def test_step_time_cell_times_t1_and_fno(registry, settings):
    for method in ("t1", "fno"):
        record = _smoke(registry, settings, "pde_step_time", method)
        assert record.metrics["step_ms"] > 0
        assert record.metrics["log2_step_ms"] == pytest.approx(math.log2(record.metrics["step_ms"]))


def test_train_step_seconds_times_every_step_after_warmup():
    cfg = StepTimeConfig(**STEP_TIME_SCALES["smoke"])
    problem = step_time_problem(cfg)
    net = T1(problem.in_channels, 1, cfg.width, cfg.modes, problem.grid)
    before = [p.detach().clone() for p in net.parameters()]
    x, y = torch.randn(2, 3, 16, 16), torch.randn(2, 1, 16, 16)
    seconds = train_step_seconds(net, x, y, steps=3, warmup=2)
    assert seconds.shape == (3,) and (seconds > 0).all()
    assert any(not torch.equal(a, b) for a, b in zip(before, net.parameters(), strict=True))
