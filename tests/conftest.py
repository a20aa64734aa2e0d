"""Fixtures of the host's own tests: the throwaway plugins in a subprocess or a registry."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def plugin_env(plugin_site: Path) -> dict[str, str]:
    """Environment for CLI subprocesses that see the throwaway plugins."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(plugin_site), env.get("PYTHONPATH")]))
    return env


@pytest.fixture
def registry_with_plugins(plugin_site: Path, monkeypatch: pytest.MonkeyPatch):
    """A fresh registry that also holds the throwaway plugins (in this process)."""
    from harness.plugins import Registry, build_plugin_manager

    monkeypatch.syspath_prepend(str(plugin_site))
    return Registry.from_plugin_manager(build_plugin_manager())
