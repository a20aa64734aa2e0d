"""Each family is its own distribution: blocking any one leaves every other family's tasks,
methods, datasets and presets working, and the host's config names no family."""

from __future__ import annotations

import re

import pytest
from support import REPO

from harness.cell import dataset_entries, identify, make_cell
from harness.errors import UserError
from harness.plugin_conf import plugin_config_dirs
from harness.plugins import Registry, build_plugin_manager, get_registry
from harness.specs import TaskSpec

# every built-in family: a folder plugins/<family>/ with its own pyproject.toml
FAMILIES = tuple(sorted(p.parent.name for p in (REPO / "plugins").glob("*/pyproject.toml")))


def _dependents(family: str) -> set[str]:
    """The families whose distribution depends on ``family``'s (a method plugin for another
    family's slot, e.g. t1 for pde): they go when it is blocked."""
    import tomllib

    wanted = f"spectral-harness-{family.replace('_', '-')}"
    found = set()
    for other in FAMILIES:
        meta = tomllib.loads((REPO / "plugins" / other / "pyproject.toml").read_text())
        names = {
            re.split(r"[<>=!~ \[;]", dep, maxsplit=1)[0] for dep in meta["project"]["dependencies"]
        }
        if wanted in names:
            found.add(other)
    return found


def _registry_without(monkeypatch: pytest.MonkeyPatch, blocked: str) -> Registry:
    monkeypatch.setenv("HARNESS_BLOCK_PLUGINS", blocked)
    return Registry.from_plugin_manager(build_plugin_manager())


def _owned(registry: Registry, kind: str, family: str) -> set[object]:
    return {key for (k, key), owner in registry.owners.items() if k == kind and owner == family}


def test_every_builtin_family_is_a_plugin_of_its_own_distribution(registry):
    loaded = _distributions(registry)
    for family in FAMILIES:
        assert loaded[family] == f"spectral-harness-{family.replace('_', '-')}"


@pytest.mark.parametrize("blocked", FAMILIES)
def test_blocking_one_family_leaves_the_others_whole(monkeypatch, blocked):
    full = get_registry()
    rest = _registry_without(monkeypatch, blocked)
    gone = {blocked} | _dependents(blocked)
    for family in set(FAMILIES) - gone:
        for kind in ("slot", "task", "method", "dataset"):
            assert _owned(full, kind, family) == _owned(rest, kind, family), (family, kind)
    assert not any(owner in gone for owner in rest.owners.values())  # left out whole
    for task in rest.tasks.values():
        method = rest.methods_for_slot(task.slot)[0]
        for scale in task.scales:
            ident = identify(make_cell(rest, task.name, method, scale=scale), rest)
            _check_datasets(ident, rest, blocked)


def _check_datasets(ident, registry: Registry, blocked: str) -> None:
    """A task's datasets resolve, or are refused in one line naming the blocked family's
    distribution when they are borrowed from it."""
    task: TaskSpec = ident.task
    try:
        entries = dataset_entries(ident, registry)
    except UserError as exc:
        lender = f"spectral-harness-{blocked.replace('_', '-')}"
        assert lender in task.borrowed_datasets.values() and lender in str(exc)
        return
    for entry in entries:
        name = entry.split("/", 1)[0]
        assert name in registry.datasets or ":" in entry, (task.name, entry)


def test_borrowed_datasets_name_their_lender(registry):
    for task in registry.tasks.values():
        for dataset, lender in task.borrowed_datasets.items():
            owner = registry.owners[("dataset", dataset)]
            assert _distributions(registry)[owner] == lender, (task.name, dataset)


@pytest.mark.parametrize("blocked", FAMILIES)
def test_presets_travel_with_their_family(monkeypatch, blocked):
    rest = _registry_without(monkeypatch, blocked)
    assert blocked not in {name for name, _ in plugin_config_dirs(rest.pm)}
    expected = set(FAMILIES) - {blocked} - _dependents(blocked)
    assert {name for name, _ in plugin_config_dirs(rest.pm)} == expected


def _distributions(registry: Registry) -> dict[str, str]:
    by_id = {id(plugin): dist.project_name for plugin, dist in registry.pm.list_plugin_distinfo()}
    return {name: by_id[id(p)] for name, p in registry.pm.list_name_plugin() if id(p) in by_id}
