"""Where a plugin keeps its Hydra configs: a ``conf/`` folder inside its package."""

from __future__ import annotations

from pathlib import Path

import pluggy

CONF_FOLDER = "conf"


def plugin_config_dirs(pm: pluggy.PluginManager) -> list[tuple[str, Path]]:
    """``(plugin name, conf folder)`` of every loaded plugin module that has one, by name."""
    found = []
    for name, plugin in sorted(pm.list_name_plugin(), key=lambda pair: pair[0]):
        file = getattr(plugin, "__file__", None)
        if file is None or Path(file).name != "__init__.py":
            continue  # a single-module plugin or an object has no package folder
        conf = Path(file).resolve().parent / CONF_FOLDER
        if conf.is_dir():
            found.append((name, conf))
    return found
