"""The contract: every hook documented (call semantics and parameters), implemented, listed."""

import inspect

import pluggy
import pytest
from support import REPO

from harness import hookimpl, hookspecs
from harness.plugins import build_plugin_manager

HOOKS = [name for name, fn in vars(hookspecs).items() if name.startswith("spectral_harness_")]


def test_there_are_registration_and_lifecycle_hooks():
    assert {
        "spectral_harness_register_methods",
        "spectral_harness_register_tasks",
        "spectral_harness_run_start",
        "spectral_harness_run_end",
    } <= set(HOOKS)


@pytest.mark.parametrize("name", HOOKS)
def test_hook_is_documented(name):
    fn = getattr(hookspecs, name)
    doc = inspect.getdoc(fn) or ""
    assert "Called" in doc, f"{name}: say when the host calls it"
    for param in inspect.signature(fn).parameters:
        assert f":param {param}:" in doc, f"{name}: document parameter {param!r}"
    returns = inspect.signature(fn).return_annotation
    if returns not in ("None", None):
        assert ":returns:" in doc, f"{name}: document what it returns"
    assert name in (REPO / "README.md").read_text(), f"{name}: mention it in the README"


@pytest.mark.parametrize("name", HOOKS)
def test_hook_has_a_builtin_implementation(name):
    pm = build_plugin_manager()
    assert getattr(pm.hook, name).get_hookimpls(), f"no built-in plugin implements {name}"


def test_a_misspelt_hook_fails_loudly():
    class Typo:
        @hookimpl
        def spectral_harness_register_method(self):  # missing "s"
            return []

    with pytest.raises(pluggy.PluginValidationError, match="unknown hook"):
        build_plugin_manager(extra_plugins=[Typo()])
