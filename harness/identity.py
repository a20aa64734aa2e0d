"""Code identity: which version of a plugin's code produced a record.

A record is only as current as the code behind it. Each record carries, for the plugin that owns
its task and the plugin that owns its method, the distribution and version plus a sha256 over the
plugin package's source files (``*.py`` and package data such as ``*.yaml``), so editing a plugin
without bumping its version still makes its old records stale. Resume skips a cell only when its
stored record has the same code identity; the leaderboard shows current-code rows by default.
"""

from __future__ import annotations

import hashlib
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.storage import stable_hash

if TYPE_CHECKING:
    from harness.plugins import Registry
    from harness.specs import MethodSpec, TaskSpec

SOURCE_SUFFIXES = (".py", ".yaml", ".yml", ".json", ".toml")


def code_identity(registry: Registry, task: str, method: str) -> dict[str, dict[str, str]]:
    """``{"task": {...}, "method": {...}}`` for the plugins that own ``task`` and ``method``.

    Each part holds ``plugin``, ``distribution``, ``version`` and ``source`` (sha256 of the
    plugin package's source files, first 16 hex digits).
    """
    return code_identity_of(registry, *registry.check_pair(task, method))


def code_identity_of(
    registry: Registry, task: TaskSpec, method: MethodSpec
) -> dict[str, dict[str, str]]:
    """:func:`code_identity` of a task and a method already looked up."""
    task_owner = registry.owners[("task", task.name)]
    method_owner = registry.owners[("method", (method.slot, method.name))]
    return {
        "task": plugin_identity(registry, task_owner),
        "method": plugin_identity(registry, method_owner),
    }


def plugin_identity(registry: Registry, plugin_name: str) -> dict[str, str]:
    """Distribution, version and source hash of one loaded plugin."""
    plugin = registry.pm.get_plugin(plugin_name)
    dist = _distributions(registry).get(plugin_name)
    return {
        "plugin": plugin_name,
        "distribution": dist[0] if dist else "",
        "version": dist[1] if dist else "",
        "source": source_hash(package_root(plugin)),
    }


def code_hash(code: dict[str, dict[str, str]]) -> str:
    """One short hash of a record's code identity (enters the run id)."""
    return stable_hash(code)


def _distributions(registry: Registry) -> dict[str, tuple[str, str]]:
    by_id = {id(plugin): dist for plugin, dist in registry.pm.list_plugin_distinfo()}
    found = {}
    for name, plugin in registry.pm.list_name_plugin():
        dist = by_id.get(id(plugin))
        if dist is not None:
            found[name] = (dist.project_name, dist.version)
    return found


def package_root(plugin: Any) -> Path | None:
    """The folder of the package that holds ``plugin`` (a module), or its file if it is a
    single module; ``None`` for objects that are not modules (e.g. registered in a test)."""
    module = plugin if hasattr(plugin, "__file__") else sys.modules.get(type(plugin).__module__)
    file = getattr(module, "__file__", None)
    if file is None:
        return None
    path = Path(file).resolve()
    if path.name == "__init__.py":
        return path.parent
    return path


@cache
def source_hash(root: Path | None) -> str:
    """sha256 over the relative paths and bytes of a package's source files (memoised per
    process: the code of a running process does not change under it)."""
    if root is None:
        return ""
    files = [root] if root.is_file() else sorted(_source_files(root))
    digest = hashlib.sha256()
    for path in files:
        rel = path.name if root.is_file() else path.relative_to(root).as_posix()
        digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _source_files(root: Path) -> list[Path]:
    return [
        p
        for p in root.rglob("*")
        if p.suffix in SOURCE_SUFFIXES and p.is_file() and "__pycache__" not in p.parts
    ]
