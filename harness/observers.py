"""Call observer hooks so that a failing observer never costs a cell or a board.

Observers (loggers such as the W&B mirror, profilers) may fail: a killed W&B service, a full disk,
a bug in a third-party logger. Each implementation is called on its own; an exception becomes one
warning line naming the plugin and the hook, and the other observers and the cell go on.
"""

from __future__ import annotations

import sys
from typing import Any

import pluggy


def notify(pm: pluggy.PluginManager, hook: str, **kwargs: Any) -> None:
    """Call every implementation of ``hook`` (in pluggy's order), each guarded."""
    caller = getattr(pm.hook, hook)
    for impl in reversed(caller.get_hookimpls()):  # pluggy calls the last registered first
        try:
            impl.function(*(kwargs[name] for name in impl.argnames))
        except Exception as exc:
            print(
                f"warning: observer {impl.plugin_name!r} failed in {hook} "
                f"({type(exc).__name__}: {exc}); the cell and its record are unaffected",
                file=sys.stderr,
                flush=True,
            )
