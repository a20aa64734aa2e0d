"""Spectral Harness: a plugin-based benchmarking harness for spectral machine-learning methods.

Plugin authors need only this module: ``hookimpl``, the descriptor classes, ``param`` (a config
field with a range) and the errors a plugin raises.
"""

from __future__ import annotations

import pluggy

from harness.errors import ContractError, UserError
from harness.specs import (
    DatasetSpec,
    MethodConfig,
    MethodSpec,
    MetricSpec,
    PaperReference,
    RemoteFile,
    SlotSpec,
    TaskConfig,
    TaskSpec,
    param,
)

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("spectral_harness")
"""Marker for hook implementations: ``@hookimpl def spectral_harness_register_methods(): ...``."""

__all__ = [
    "ContractError",
    "DatasetSpec",
    "MethodConfig",
    "MethodSpec",
    "MetricSpec",
    "PaperReference",
    "RemoteFile",
    "SlotSpec",
    "TaskConfig",
    "TaskSpec",
    "UserError",
    "hookimpl",
    "param",
]
