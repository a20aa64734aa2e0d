"""A record names the code that made it: editing a plugin makes its ok records stale for resume."""

from __future__ import annotations

import importlib
import sys
import textwrap

from harness.identity import code_identity, forget_sources
from harness.plugins import Registry, build_plugin_manager
from harness.records import RecordStore
from harness.runner import make_cell, run_cell

PLUGIN = """
from dataclasses import dataclass

from harness import MethodConfig, MethodSpec, hookimpl


@dataclass
class Config(MethodConfig):
    pass


def build(cfg, problem):
    from torch import nn

    return nn.Linear(problem.in_features, problem.out_features, bias={bias})


@hookimpl
def spectral_harness_register_methods():
    return [MethodSpec("edited_linear", "inr_init", Config, build)]
"""


def _registry(tmp_path, monkeypatch, bias: bool) -> Registry:
    (tmp_path / "edited_plugin.py").write_text(textwrap.dedent(PLUGIN.format(bias=bias)))
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("edited_plugin", None)
    forget_sources()  # a running process's code never changes; this test's does
    module = importlib.import_module("edited_plugin")
    return Registry.from_plugin_manager(build_plugin_manager([module]))


def test_an_edited_plugin_reruns_and_keeps_the_old_record(tmp_path, monkeypatch, settings):
    before = _registry(tmp_path, monkeypatch, bias=True)
    old = run_cell(make_cell(before, "inr_image", "edited_linear"), before, settings)
    assert old.code == code_identity(before, "inr_image", "edited_linear")
    assert run_cell(make_cell(before, "inr_image", "edited_linear"), before, settings) == old

    after = _registry(tmp_path, monkeypatch, bias=False)
    new = run_cell(make_cell(after, "inr_image", "edited_linear"), after, settings)
    assert new.code["method"]["source"] != old.code["method"]["source"]
    assert new.code["task"] == old.code["task"]  # the task's plugin did not change
    assert new.run_id != old.run_id and new.attempt == 1  # rerun, not "already ok"
    stored = {r.run_id for r in RecordStore(settings.runs_dir).iter_records()}
    assert stored == {old.run_id, new.run_id}  # the old code's record is kept, not overwritten


def test_code_identity_names_distribution_version_and_source(registry):
    code = code_identity(registry, "inr_audio", "winner")
    assert code["task"]["plugin"] == code["method"]["plugin"] == "inr"
    assert code["task"]["distribution"] and code["task"]["version"]
    assert len(code["task"]["source"]) == 16
