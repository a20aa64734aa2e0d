"""Spectral Harness: a plugin-based benchmarking harness for spectral machine-learning methods.

Plugin authors need only this module: ``hookimpl`` and the descriptor classes.
"""

from __future__ import annotations

import pluggy

from harness.specs import (
    DatasetSpec,
    MethodConfig,
    MethodSpec,
    MetricSpec,
    PaperReference,
    RemoteFile,
    TaskConfig,
    TaskSpec,
)

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("spectral_harness")
"""Marker for hook implementations: ``@hookimpl def spectral_harness_register_methods(): ...``."""

__all__ = [
    "DatasetSpec",
    "MethodConfig",
    "MethodSpec",
    "MetricSpec",
    "PaperReference",
    "RemoteFile",
    "TaskConfig",
    "TaskSpec",
    "hookimpl",
]
