"""Test settings for every test folder (tests/ and plugins/<family>/tests/): real data from
../shared/data, never a download, results in temp folders.

Without the shared data (``HARNESS_DATA_DIR`` pointing at a folder that lacks a dataset), a
test that fails only because a dataset is missing is reported as skipped, naming what is
missing (:mod:`harness.data.missing`); ``@pytest.mark.needs_data("name", ...)`` skips a test
up front (no names: every registered dataset)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent
SHARED_DATA = REPO.parent / "shared" / "data"

os.environ.setdefault("HARNESS_DATA_DIR", str(SHARED_DATA))
os.environ["HARNESS_OFFLINE"] = "1"
os.environ["WANDB_MODE"] = "offline"
os.environ["WANDB_SILENT"] = "true"
os.environ.setdefault("TQDM_DISABLE", "1")
# Tests run tiny kernels: one thread each is faster than contending for 2 cores (and also holds
# for the CLI subprocesses, which inherit the environment).
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real datasets (read-only in CI)."""
    path = Path(os.environ["HARNESS_DATA_DIR"])
    if not path.is_dir():
        pytest.skip(f"shared data not found at {path}; set HARNESS_DATA_DIR")
    return path


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path_factory) -> Path:
    """Each test writes results to its own folder; the cache is shared within the session."""
    results = tmp_path / "results"
    monkeypatch.setenv("HARNESS_RESULTS_DIR", str(results))
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(_session_cache(tmp_path_factory)))
    return results


def _session_cache(factory: pytest.TempPathFactory) -> Path:
    path = factory.getbasetemp() / "cache"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture
def settings(isolated_dirs: Path):
    """Settings pointing at the test's folders, without progress bars or W&B."""
    from harness.settings import Settings, WandbSettings

    return Settings.from_env(progress=False, wandb=WandbSettings(enabled=False))


@pytest.fixture
def registry():
    """The process-wide registry of installed plugins."""
    from harness.plugins import get_registry

    return get_registry()


PLUGIN_SOURCES = (
    REPO / "examples" / "relu-pe-plugin",
    REPO / "examples" / "chirp-task-plugin",
    REPO / "tests" / "fixtures" / "faulty-plugin",
)


@pytest.fixture(scope="session")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example plugins and the faulty test plugin, pip-installed into a throwaway folder.

    Installing with ``--target`` exercises the real path (build, dist-info, entry points) without
    touching the environment the tests run in; put the folder on PYTHONPATH / sys.path to use it.
    """
    site = tmp_path_factory.mktemp("plugin-site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(site),
            *map(str, PLUGIN_SOURCES),
        ],
        check=True,
        capture_output=True,
    )
    return site


@pytest.fixture(autouse=True)
def _numeric_state_restored():
    """A test that calls task code directly (e.g. ``fit_signal``, which flushes subnormals while
    it fits) must not change the floating-point behaviour of the tests after it."""
    from harness.runner import restored_numeric_state

    with restored_numeric_state():
        yield


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "needs_data(*datasets): skip unless these registered datasets (default: all) are "
        "complete in HARNESS_DATA_DIR",
    )


def _datasets() -> dict:
    from harness.plugins import get_registry

    return dict(get_registry().datasets)


def pytest_runtest_setup(item: pytest.Item) -> None:
    marker = item.get_closest_marker("needs_data")
    if marker is None:
        return
    from harness.data.missing import incomplete_datasets

    data_dir = Path(os.environ["HARNESS_DATA_DIR"])
    datasets = _datasets()
    wanted = {name: datasets[name] for name in marker.args} if marker.args else datasets
    missing = incomplete_datasets(data_dir, wanted)
    if missing:
        pytest.skip(f"needs {', '.join(missing)}, not in the data directory {data_dir}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """A failure caused only by a dataset missing from the data directory, or by a program a
    task runs missing from PATH, becomes a skip that names it (never when all are present)."""
    outcome = yield
    report = outcome.get_result()
    if not report.failed or call.excinfo is None or hasattr(report, "wasxfail"):
        return
    from harness.data.missing import missing_data_reason

    data_dir = Path(os.environ["HARNESS_DATA_DIR"])
    reason = missing_data_reason(report.longreprtext, data_dir, _datasets())
    if reason is not None:
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: {reason}")
