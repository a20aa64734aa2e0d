"""Probes: measurements of any cell's trained model, asked for per run, landing in its record.

Each test tries to break one promise: a probe's numbers are in the record under its name and
change the record's identity; a probe never changes the training it watches; a probe that cannot
run, fails or is mistyped is one line, and the task's own numbers are kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pytest
import torch

import harness
from harness import MetricSpec, ProbeConfig, ProbeSpec, UserError, hookimpl, param
from harness.cell import TrainerOptions
from harness.plugins import Registry, build_plugin_manager
from harness.records import RecordStore
from harness.runner import make_cell, run_cell

TASK, METHOD = "inr_image", "winner"


@dataclass
class NormOptions(ProbeConfig):
    power: int = param(2, ge=1)


def weight_norm(target: harness.ProbeTarget, cfg: NormOptions) -> dict[str, float]:
    """Every parameter's norm (saved as an array) and their total."""
    with torch.no_grad():
        norms = [
            float(torch.linalg.vector_norm(p, ord=cfg.power)) for p in target.model.parameters()
        ]
    target.ctx.save_arrays("probe_weight_norm", norms=np.array(norms))
    return {"total": sum(norms)}


def loss_value(target: harness.ProbeTarget, cfg: ProbeConfig) -> dict[str, float]:
    assert target.loss is not None
    return {"loss": float(target.loss())}


def meddler(target: harness.ProbeTarget, cfg: ProbeConfig) -> dict[str, float]:
    """A probe that does everything a careless probe might: draws random numbers, leaves
    gradients behind and switches the model to training mode."""
    torch.rand(1000)
    target.model.train()
    out = sum(p.sum() for p in target.model.parameters())
    out.backward()
    return {"step": float(target.step if target.step is not None else -1)}


def broken(target: harness.ProbeTarget, cfg: ProbeConfig) -> dict[str, float]:
    raise ValueError("no spectrum here")


PROBES = [
    ProbeSpec(
        "weight_norm",
        "parameter norms",
        weight_norm,
        metrics=(MetricSpec("total", kind="diagnostic"),),
        config=NormOptions,
    ),
    ProbeSpec(
        "loss_value",
        "the exposed loss",
        loss_value,
        needs=("model", "loss"),
        metrics=(MetricSpec("loss", kind="diagnostic"),),
    ),
    ProbeSpec(
        "meddler",
        "changes what it must not",
        meddler,
        metrics=(MetricSpec("step", kind="diagnostic"),),
        track=True,
    ),
    ProbeSpec("broken", "raises", broken),
]


class ProbePlugin:
    @hookimpl
    def spectral_harness_register_probes(self):
        return PROBES


@pytest.fixture
def probe_registry() -> Registry:
    return Registry.from_plugin_manager(build_plugin_manager(extra_plugins=[ProbePlugin()]))


def _run(registry, settings, probes=(), **trainer):
    cell = make_cell(
        registry, TASK, METHOD, probes=probes, trainer=TrainerOptions(isolate=False, **trainer)
    )
    return run_cell(cell, registry, settings)


def _results(registry, record):
    """The record's metrics other than costs (timings differ between any two runs)."""
    return {
        name: value
        for name, value in record.metrics.items()
        if registry.metric_spec(TASK, name).kind != "cost"
    }


def test_a_probe_lands_in_the_record_with_its_arrays_and_its_own_identity(probe_registry, settings):
    plain = _run(probe_registry, settings)
    probed = _run(probe_registry, settings, probes=["weight_norm"])
    assert probed.status == "ok"
    assert probed.metrics["weight_norm/total"] > 0
    assert "probes" not in plain.config  # records made before probes keep their config hash
    assert probed.config["probes"] == {"weight_norm": {"power": 2}}
    assert probed.run_id != plain.run_id and probed.config_hash != plain.config_hash
    norms = RecordStore(settings.runs_dir).read_artifact(probed, "probe_weight_norm")["norms"]
    assert np.isclose(norms.sum(), probed.metrics["weight_norm/total"], rtol=1e-6)
    # the task's own numbers are those of the same training without the probe
    for name, value in _results(probe_registry, plain).items():
        assert probed.metrics[name] == value


def test_a_probe_never_changes_the_training_it_watches(probe_registry, settings):
    """The meddler runs at every evaluation of the training loop (track=True), consumes random
    numbers, accumulates gradients and flips the model to training mode: the host undoes all of
    it, so the task's numbers are bit-identical to a run without it."""
    plain = _run(probe_registry, settings)
    watched = _run(probe_registry, settings, probes=["meddler"])
    assert watched.status == "ok", watched.error
    for name, value in _results(probe_registry, plain).items():
        assert watched.metrics[name] == value, name
    curves = RecordStore(settings.runs_dir).read_artifact(watched, "curves")
    steps = curves["meddler/step"]["value"]
    assert len(steps) >= 2 and steps == curves["meddler/step"]["step"]
    assert watched.metrics["meddler/step"] == -1  # and once more after training


def test_a_probe_that_needs_a_loss_the_task_does_not_expose_fails_before_training(
    probe_registry, settings
):
    record = _run(probe_registry, settings, probes=["loss_value"])
    assert record.status == "failed"
    assert "needs the training loss" in record.error["message"]
    assert "loss_value" in record.error["message"]
    assert record.train_seconds == 0  # refused when the loop starts, not after it


def test_a_failing_probe_fails_the_cell_names_itself_and_keeps_the_task_metrics(
    probe_registry, settings
):
    record = _run(probe_registry, settings, probes=["broken"])
    assert record.status == "failed"
    assert "probe 'broken' failed" in record.error["message"]
    assert "no spectrum here" in record.error["message"]
    assert "psnr" in record.metrics


def test_unknown_probe_and_out_of_range_option_are_one_line(probe_registry):
    with pytest.raises(UserError, match=r"unknown probe 'weight_nrom'.*did you mean 'weight_norm'"):
        make_cell(probe_registry, TASK, METHOD, probes=["weight_nrom"])
    cell = make_cell(probe_registry, TASK, METHOD, probes={"weight_norm": NormOptions(power=0)})
    from harness.cell import identify

    with pytest.raises(UserError, match=r"probe_options\.weight_norm\.power=0"):
        identify(cell, probe_registry)


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"metrics": (MetricSpec("x", "max"),)}, "diagnostics"),
        ({"needs": ("loss",)}, "needs"),
        ({"needs": ("model", "labels")}, "needs"),
        ({"config": dict}, "ProbeConfig"),
    ],
)
def test_a_malformed_probe_spec_is_refused(kwargs, problem):
    with pytest.raises(UserError, match=problem):
        ProbeSpec("p", "s", broken, **kwargs)


def test_probe_metrics_count_as_declared_diagnostics(probe_registry):
    spec = probe_registry.metric_spec(TASK, "weight_norm/total")
    assert spec is not None and spec.kind == "diagnostic"
    assert probe_registry.metric_spec(TASK, "weight_norm/other") is None
    assert probe_registry.metric_spec(TASK, "psnr").kind == "score"


def test_an_optimizer_the_task_never_uses_is_refused_not_recorded(probe_registry, settings):
    record = _run(probe_registry, settings, optimizer="sam")
    assert record.status == "failed"
    assert "does not reach task" in record.error["message"]


def test_the_default_optimizer_keeps_record_names_and_sam_changes_them(probe_registry):
    from harness.cell import identify

    plain = identify(make_cell(probe_registry, TASK, METHOD), probe_registry)
    sam = identify(
        make_cell(probe_registry, TASK, METHOD, trainer=TrainerOptions(optimizer="sam")),
        probe_registry,
    )
    assert TrainerOptions().optimizer_identity() == {}
    assert plain.run_id("cpu") != sam.run_id("cpu")


def _compose(registry, overrides):
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from harness.app import CONF_DIR, HYDRA_VERSION_BASE, cell_from_config
    from harness.config import register_configs

    register_configs(registry)
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base=HYDRA_VERSION_BASE):
            cfg = compose("config", overrides=[f"task={TASK}", f"method={METHOD}", *overrides])
    finally:
        GlobalHydra.instance().clear()
    return cell_from_config(cfg, registry)


def test_probes_and_their_options_come_from_the_command_line(probe_registry):
    cell = _compose(
        probe_registry, ["probes=[weight_norm,meddler]", "probe_options.weight_norm.power=3"]
    )
    assert [spec.name for spec, _ in cell.probes] == ["weight_norm", "meddler"]
    assert cell.config["probes"]["weight_norm"] == {"power": 3}
    assert "probes" not in _compose(probe_registry, []).config
    with pytest.raises(Exception, match="nope"):
        _compose(probe_registry, ["probes=[weight_norm]", "probe_options.weight_norm.nope=1"])
    with pytest.raises(Exception, match="power"):
        _compose(probe_registry, ["probes=[weight_norm]", "probe_options.weight_norm.power=x"])


def test_the_probes_command_lists_each_probe_with_what_it_reads(probe_registry, capsys):
    from harness.cli import _probes

    _probes(probe_registry)
    out = capsys.readouterr().out
    assert re.search(r"^loss_value +reads model\+loss: the exposed loss", out, re.M)
    assert re.search(r"^meddler +reads model, also during training", out, re.M)
    assert "probe_options.weight_norm.power=2" in out
    assert "weight_norm/total" in out
