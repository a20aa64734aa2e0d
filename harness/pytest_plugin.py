"""The harness's pytest plugin (entry point group ``pytest11``): fixtures for plugin authors.

pytest loads this module in every session of an environment where the harness is installed, so
it imports nothing but pytest at load time and has no autouse fixture: it changes nothing in a
test that does not request one of its fixtures. The checks themselves are in
:mod:`harness.testing`. Disable the plugin with ``-p no:spectral_harness``.

- ``harness_results_dir``: this test's results folder; the harness is pointed at it
  (``HARNESS_RESULTS_DIR``), at a cache folder shared by the session (``HARNESS_CACHE_DIR``),
  never downloads (``HARNESS_OFFLINE=1``) and W&B is disabled. ``HARNESS_DATA_DIR`` is left as
  it is: it says where the real datasets are.
- ``harness_settings``: :class:`harness.settings.Settings` for that environment, without progress
  bars or the W&B mirror; pass it to the checks.
- ``harness_registry``: a fresh registry of the installed plugins (one that fails to load is one
  line).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from harness.plugins import Registry
    from harness.settings import Settings


@pytest.fixture
def harness_results_dir(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """This test's results folder, with the harness's environment made safe for tests."""
    results = tmp_path / "harness-results"
    cache = tmp_path_factory.getbasetemp() / "harness-cache"
    cache.mkdir(exist_ok=True)
    monkeypatch.setenv("HARNESS_RESULTS_DIR", str(results))
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(cache))
    monkeypatch.setenv("HARNESS_OFFLINE", "1")
    monkeypatch.setenv("WANDB_MODE", "disabled")
    monkeypatch.setenv("WANDB_SILENT", "true")
    return results


@pytest.fixture
def harness_settings(harness_results_dir: Path) -> Settings:
    """Settings for ``harness_results_dir``'s environment, without progress bars or W&B."""
    from harness.settings import Settings, WandbSettings

    return Settings.from_env(progress=False, wandb=WandbSettings(enabled=False))


@pytest.fixture
def harness_registry(harness_results_dir: Path) -> Registry:
    """A fresh registry of the installed plugins."""
    from harness.testing import load_registry

    return load_registry()
