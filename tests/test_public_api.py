"""The plugin API: every public name comes from ``harness`` itself, and importing it stays cheap."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import harness

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "hydra", "omegaconf", "pandas", "wandb", "numpy", "scipy", "tqdm")


def test_import_harness_loads_no_heavy_library():
    code = (
        "import sys, harness\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
        "print(','.join(m for m in sys.modules if m.startswith('harness.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    heavy, host_modules = result.stdout.splitlines()
    assert heavy == "", f"`import harness` imported {heavy}"
    # Only what registration needs; run-time helpers wait for their first use.
    assert set(host_modules.split(",")) == {"harness.errors", "harness.specs"}


@pytest.mark.parametrize("name", harness.__all__)
def test_every_public_name_resolves_to_its_definition(name):
    value = getattr(harness, name)
    module = harness._LAZY_EXPORTS.get(name)
    if module is not None:
        assert value is getattr(importlib.import_module(module), name)


def test_dir_lists_every_public_name_before_first_use():
    code = "import harness; print(sorted(set(harness.__all__) - set(dir(harness))))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'eigenpairs'"):
        harness.eigenpairs  # noqa: B018
    with pytest.raises(ImportError):
        exec("from harness import not_a_name", {})


def test_type_checkers_see_every_lazy_name():
    """Each lazy name is also imported under ``TYPE_CHECKING``, from the same module."""
    tree = ast.parse(Path(harness.__file__).read_text())
    seen = {
        alias.asname or alias.name: node.module
        for block in tree.body
        if isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING"
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert seen == harness._LAZY_EXPORTS
    assert set(seen) <= set(harness.__all__)


def test_every_host_name_the_plugins_import_is_public():
    """Each ``from harness.<module> import X`` under plugins/ and examples/ can become
    ``from harness import X``: the same object (issue 13)."""
    imported = {
        (node.module, alias.name)
        for folder in ("plugins", "examples")
        for path in (REPO / folder).rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("harness.")
        for alias in node.names
    }
    private = sorted(
        f"{module}.{name}"
        for module, name in imported
        if name not in harness.__all__
        or getattr(harness, name) is not getattr(importlib.import_module(module), name)
    )
    assert private == []
