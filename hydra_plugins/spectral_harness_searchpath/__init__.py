"""Puts each installed plugin's Hydra config folder on the search path.

A plugin package that has a ``conf/`` folder beside its ``__init__.py`` (a family's
``experiment/`` presets, for example) contributes it to every composition, the ``run`` command's
and the pre-flight check's alike, so ``pip install`` of a family brings its presets with it.
"""

from __future__ import annotations

from hydra.core.config_search_path import ConfigSearchPath
from hydra.plugins.search_path_plugin import SearchPathPlugin


class PluginConfigSearchPath(SearchPathPlugin):
    """Appends ``<plugin package>/conf`` of every loaded plugin, in plugin-name order."""

    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        """Called by Hydra whenever it builds a config search path."""
        from harness.plugin_conf import plugin_config_dirs
        from harness.plugins import get_registry

        for name, path in plugin_config_dirs(get_registry().pm):
            search_path.append(provider=f"spectral-harness plugin {name}", path=f"file://{path}")
