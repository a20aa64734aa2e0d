"""Where a plugin keeps its Hydra configs: a ``conf/`` folder inside its package."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pluggy

from harness.identity import package_root

CONF_FOLDER = "conf"


def plugin_config_dirs(pm: pluggy.PluginManager) -> list[tuple[str, Path]]:
    """``(plugin name, conf folder)`` of every loaded plugin module that has one, by name."""
    found = []
    for name, plugin in sorted(pm.list_name_plugin(), key=lambda pair: pair[0]):
        root = package_root(plugin) if isinstance(plugin, ModuleType) else None
        if root is None or not root.is_dir():
            continue  # an object, or a single-module plugin, has no package folder
        if (root / CONF_FOLDER).is_dir():
            found.append((name, root / CONF_FOLDER))
    return found
