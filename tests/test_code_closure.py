"""Code identity as an import closure: a record stays current when its family grows (a new
method, a new module, a claim, a preset) and goes stale when any code its cell ran changes — a
function it imports, a constant that function reads, its config class, a data file. Where the
imports cannot be read with certainty, the whole package counts."""

from __future__ import annotations

import importlib
import sys
import textwrap

import pytest

from harness.identity import code_identity, forget_sources
from harness.plugins import Registry, build_plugin_manager
from harness.runner import make_cell, run_cell

INIT = """
from dataclasses import dataclass

from harness import MethodConfig, MethodSpec, hookimpl


@dataclass
class LinearConfig(MethodConfig):
    width: int = 3


@hookimpl
def spectral_harness_register_methods():
    return [MethodSpec("closure_linear", "inr_init", LinearConfig, "closure_pkg.methods:build")]
"""
METHODS = """
from closure_pkg.layers import make_linear


def build(cfg, problem):
    return make_linear(problem.in_features, problem.out_features)
"""
LAYERS = """
BIAS = True


def make_linear(n_in, n_out):
    from torch import nn

    return nn.Linear(n_in, n_out, bias=BIAS)


def unrelated():
    return 1
"""
FILES = {
    "__init__.py": INIT,
    "methods.py": METHODS,
    "layers.py": LAYERS,
    "table.json": '{"a": 1}',
    "conf/experiment/closure.yaml": "# @package _global_\nmethod: closure_linear\n",
}


def _load(root) -> Registry:
    forget_sources()  # a running process's code never changes; this test's does
    for name in [m for m in sys.modules if m.split(".")[0] == "closure_pkg"]:
        del sys.modules[name]
    module = importlib.import_module("closure_pkg")
    return Registry.from_plugin_manager(build_plugin_manager([module]))


@pytest.fixture
def package(tmp_path, monkeypatch):
    root = tmp_path / "closure_pkg"
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield root
    for name in [m for m in sys.modules if m.split(".")[0] == "closure_pkg"]:
        del sys.modules[name]


def _method_identity(root) -> dict[str, str]:
    return code_identity(_load(root), "inr_image", "closure_linear")["method"]


def _edit(root, name, old, new):
    path = root / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


GROWTH = [
    # another method registered beside it, in the same __init__, with its own module
    (
        "__init__.py",
        "@hookimpl",
        "@dataclass\nclass OtherConfig(MethodConfig):\n    depth: int = 2\n\n\n@hookimpl",
    ),
    ("layers.py", "def unrelated():\n    return 1", "def unrelated():\n    return 2"),
    ("conf/experiment/closure.yaml", "method: closure_linear", "method: closure_linear\nseed: 3"),
]
CHANGES = [
    ("methods.py", "problem.out_features)", "problem.out_features)  # edited"),
    ("layers.py", "bias=BIAS)", "bias=not BIAS)"),
    ("layers.py", "BIAS = True", "BIAS = False"),  # a constant the imported function reads
    ("__init__.py", "width: int = 3", "width: int = 4"),  # the config class
    ("table.json", '{"a": 1}', '{"a": 2}'),  # package data the code may read
]


@pytest.mark.parametrize(("name", "old", "new"), GROWTH, ids=["new-method", "other-fn", "preset"])
def test_growing_the_family_keeps_the_identity(package, name, old, new):
    before = _method_identity(package)
    assert before["scope"] == "closure"
    (package / "extra.py").write_text("def helper():\n    return 0\n")  # a new module
    _edit(package, name, old, new)
    assert _method_identity(package) == before


@pytest.mark.parametrize(
    ("name", "old", "new"), CHANGES, ids=["entry", "imported-fn", "constant", "config", "data"]
)
def test_changing_code_the_cell_runs_changes_the_identity(package, name, old, new):
    before = _method_identity(package)
    _edit(package, name, old, new)
    after = _method_identity(package)
    assert after["source"] != before["source"]


def test_a_computed_import_hashes_the_whole_package(package):
    _edit(package, "methods.py", "def build", "import importlib\n\n\ndef build")
    _edit(
        package,
        "methods.py",
        "    return make_linear",
        "    importlib.import_module('closure_pkg.' + 'layers')\n    return make_linear",
    )
    before = _method_identity(package)
    assert before["scope"] == "package"
    _edit(package, "conf/experiment/closure.yaml", "method: closure_linear", "seed: 3")
    assert _method_identity(package) == before  # presets never count
    _edit(package, "layers.py", "return 1", "return 2")  # now anything else in the package does
    assert _method_identity(package)["source"] != before["source"]


def test_a_legacy_record_stays_current_and_keeps_its_name_until_its_package_changes(
    package, settings
):
    """A record made before closures (whole-package identity, legacy name) is found by resume,
    counted by the board, and replaced in place by a rerun; an edit of its package makes it
    stale like before."""
    import dataclasses

    from harness.cell import identify
    from harness.leaderboard import build_leaderboard
    from harness.records import RecordStore

    registry = _load(package)
    cell = make_cell(registry, "inr_image", "closure_linear")
    resolved = identify(cell, registry)
    legacy = dataclasses.replace(resolved, code=resolved.legacy_code)  # as the old host ran it
    old = run_cell(legacy, registry, settings)
    assert old.run_id == resolved.legacy_run_id("cpu") != resolved.run_id("cpu")
    again = run_cell(cell, registry, settings)
    assert again == old  # resume: already ok, under its legacy name
    board = build_leaderboard(RecordStore(settings.runs_dir).iter_records(), registry)
    assert board.section("inr_image", "smoke")["n_seeds"].tolist() == [1]
    forced = run_cell(cell, registry, settings, force=True)
    assert forced.run_id == old.run_id and forced.attempt == 2  # replaced, not duplicated
    assert forced.code == resolved.code
    seed1 = identify(make_cell(registry, "inr_image", "closure_linear", seed=1), registry)
    run_cell(dataclasses.replace(seed1, code=seed1.legacy_code), registry, settings)
    board = build_leaderboard(RecordStore(settings.runs_dir).iter_records(), registry)
    assert board.section("inr_image", "smoke")["n_seeds"].tolist() == [2]

    _edit(package, "layers.py", "return 1", "return 2")  # outside the closure
    registry = _load(package)
    board = build_leaderboard(RecordStore(settings.runs_dir).iter_records(), registry)
    # the closure record stays current; the legacy one (whole package) goes stale
    assert board.section("inr_image", "smoke")["n_seeds"].tolist() == [1]
    assert any("left out" in note for note in board.notes)


def test_upgrading_a_legacy_record_keeps_it_current_as_the_family_grows(package, settings):
    import dataclasses

    from harness.cell import identify
    from harness.leaderboard import build_leaderboard
    from harness.records import RecordStore
    from harness.upgrade import upgrade_legacy_identities

    store = RecordStore(settings.runs_dir)
    registry = _load(package)
    resolved = identify(make_cell(registry, "inr_image", "closure_linear"), registry)
    old = run_cell(dataclasses.replace(resolved, code=resolved.legacy_code), registry, settings)
    count = upgrade_legacy_identities(store, registry)
    assert (count.upgraded, count.current, count.left) == (1, 0, 0)
    (upgraded,) = store.iter_records()
    assert upgraded.code == resolved.code
    assert dataclasses.replace(upgraded, code=old.code) == old  # nothing else changed
    assert run_cell(make_cell(registry, "inr_image", "closure_linear"), registry, settings) == (
        upgraded
    )  # resume finds it under its name
    assert upgrade_legacy_identities(store, registry).current == 1  # idempotent

    _edit(package, "layers.py", "return 1", "return 2")  # the family grows beside it
    registry = _load(package)
    board = build_leaderboard(store.iter_records(), registry)
    assert board.section("inr_image", "smoke")["n_seeds"].tolist() == [1]

    _edit(package, "layers.py", "BIAS = True", "BIAS = False")  # code it ran changes
    registry = _load(package)
    assert upgrade_legacy_identities(store, registry).left == 1
    assert build_leaderboard(store.iter_records(), registry).table.empty
