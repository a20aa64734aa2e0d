"""Loading plugins one by one, so that one broken plugin costs only itself.

Entry points of the ``spectral_harness`` group are loaded in the order of their names. A plugin
that fails (an import error, a syntax error, a misspelt hook, a registration hook that raises)
is unregistered, reported once on stderr in one line, and marked ``failed``; every other plugin
keeps working. :class:`PluginHost` remembers what happened to each plugin for
``spectral-harness plugins``.
"""

from __future__ import annotations

import difflib
import sys
from dataclasses import dataclass
from importlib.metadata import EntryPoint
from typing import Any, Literal

import pluggy

from harness import hookspecs

ENTRY_POINT_GROUP = "spectral_harness"
BLOCK_ENV = "HARNESS_BLOCK_PLUGINS"

PluginState = Literal["loaded", "hookless", "blocked", "failed"]


@dataclass(frozen=True)
class Distribution:
    """The installed distribution a plugin comes from (what pluggy's ``DistFacade`` offers)."""

    project_name: str
    version: str


@dataclass
class PluginStatus:
    """What happened to one plugin: its state, its distribution and, if it failed, why."""

    name: str
    state: PluginState
    distribution: Distribution | None = None
    error: str = ""

    def origin(self) -> str:
        """Where the plugin comes from, as :func:`origin` writes it."""
        return origin(self.distribution)


def origin(dist: Distribution | None) -> str:
    """``distribution NAME VERSION``, or ``no distribution`` for host and test plugins."""
    return f"distribution {dist.project_name} {dist.version}" if dist else "no distribution"


class PluginHost(pluggy.PluginManager):
    """pluggy's plugin manager with the harness's hook specs and each plugin's status."""

    def __init__(self) -> None:
        super().__init__(ENTRY_POINT_GROUP)
        self.add_hookspecs(hookspecs)
        self.statuses: dict[str, PluginStatus] = {}

    def list_plugin_distinfo(self) -> list[tuple[Any, Distribution]]:  # type: ignore[override]
        """``(plugin, distribution)`` of every registered entry-point plugin.

        Overridden because entry points are loaded here, not by pluggy's own loader.
        """
        return [
            (self.get_plugin(name), status.distribution)
            for name, status in self.statuses.items()
            if status.distribution is not None and self.has_plugin(name)
        ]

    def add(self, plugin: Any, name: str | None = None, dist: Distribution | None = None) -> None:
        """Register ``plugin``; refuse it if it implements a hook that does not exist."""
        registered = str(self.register(plugin, name=name))
        unknown = _unknown_hooks(self, plugin)
        if unknown:
            self.unregister(plugin)
            raise pluggy.PluginValidationError(plugin, unknown)
        state: PluginState = "loaded" if self.get_hookcallers(plugin) else "hookless"
        self.statuses[registered] = PluginStatus(registered, state, dist)

    def fail(self, name: str, error: str, dist: Distribution | None = None) -> None:
        """Unregister plugin ``name``, mark it failed and say so once, in one line."""
        if self.has_plugin(name):
            self.unregister(name=name)
        known = self.statuses.get(name)
        dist = dist or (known.distribution if known else None)
        status = PluginStatus(name, "failed", dist, error)
        self.statuses[name] = status
        warn(
            f"plugin {name} ({status.origin()}) failed to load: {error}; "
            f"skip it with {BLOCK_ENV}={name}"
        )


def load_entry_point(host: PluginHost, ep: EntryPoint) -> None:
    """Import and register one entry point, or record why it is blocked or failed."""
    dist = _distribution(ep)
    known = host.statuses.get(ep.name)
    if known is not None:
        if known.distribution != dist:  # two distributions declare the same plugin name
            warn(
                f"plugin name {ep.name!r} is declared by {known.origin()} and by "
                f"{origin(dist)}; the first is used: "
                "rename the other's entry point"
            )
        return
    if host.is_blocked(ep.name):
        host.statuses[ep.name] = PluginStatus(ep.name, "blocked", dist)
        return
    try:
        host.add(ep.load(), name=ep.name, dist=dist)
    except Exception as exc:  # whatever a plugin's import raises costs only that plugin
        host.fail(ep.name, describe(exc), dist)


def describe(exc: BaseException) -> str:
    """``ExcType: message`` on one line."""
    message = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def warn(message: str) -> None:
    """One warning line on stderr."""
    print(f"warning: {message}", file=sys.stderr, flush=True)


def _unknown_hooks(host: PluginHost, plugin: Any) -> str:
    """A one-line description of the hooks ``plugin`` implements that no spec defines."""
    known = [name for name in vars(hookspecs) if name.startswith("spectral_harness_")]
    problems = []
    for caller in host.get_hookcallers(plugin) or []:
        if caller.has_spec():
            continue
        if any(impl.plugin is plugin and not impl.optionalhook for impl in caller.get_hookimpls()):
            close = difflib.get_close_matches(caller.name, known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            problems.append(f"unknown hook {caller.name}{hint}")
    return "; ".join(problems)


def _distribution(ep: EntryPoint) -> Distribution | None:
    dist = ep.dist
    if dist is None:
        return None
    return Distribution(dist.metadata["name"], dist.version)
