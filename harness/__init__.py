"""Spectral Harness: a plugin-based benchmarking harness for spectral machine-learning methods.

This module is the plugin API. Plugins (the built-in families included) import only from
``harness`` itself, never from ``harness.<submodule>``: everything else in ``harness.*`` is
internal and may change without notice. It offers

* registration: ``hookimpl``, the descriptor classes (``TaskSpec``, ``MethodSpec``, ``SlotSpec``,
  ``DatasetSpec`` …), the config base classes and ``param`` (a config field with a range);
* the errors a plugin raises;
* run-time helpers: ``RunContext``, the shared training loop ``fit``, ``count_parameters``
  (a model's size as boards report it), slot-probe checks (``check_tensor``, ``module_device``),
  the content cache and ``stable_hash``, spectral utilities and Laplacian eigenpairs.

Importing ``harness`` stays cheap and torch-free, because registration and listing commands do
it: only what registration needs is imported with it; the run-time helpers (some need torch,
numpy or tqdm) are imported on first attribute access.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import pluggy

from harness.errors import ContractError, DataCorruptError, UserError
from harness.specs import (
    Claim,
    DatasetSpec,
    MethodConfig,
    MethodSpec,
    MetricSpec,
    PaperReference,
    ProbeConfig,
    ProbeSpec,
    RemoteFile,
    SlotSpec,
    TaskConfig,
    TaskSpec,
    param,
)

if TYPE_CHECKING:
    from harness.context import ProbeTarget, RunContext
    from harness.contracts import check_tensor, module_device
    from harness.data.cache import ContentCache
    from harness.eigen import (
        Eigenpairs,
        compute_eigenpairs,
        dataset_eigenpairs,
        graph_eigenpairs,
        laplacian,
        structure_digest,
    )
    from harness.optim import SAM, make_optimizer
    from harness.spectral import spectral_centroid
    from harness.storage import stable_hash
    from harness.train import FitResult, count_parameters, fit

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("spectral_harness")
"""Marker for hook implementations: ``@hookimpl def spectral_harness_register_methods(): ...``."""

# Public name -> the module that defines it, imported on first access (PEP 562).
_LAZY_EXPORTS = {
    "ProbeTarget": "harness.context",
    "RunContext": "harness.context",
    "check_tensor": "harness.contracts",
    "module_device": "harness.contracts",
    "ContentCache": "harness.data.cache",
    "Eigenpairs": "harness.eigen",
    "compute_eigenpairs": "harness.eigen",
    "dataset_eigenpairs": "harness.eigen",
    "graph_eigenpairs": "harness.eigen",
    "laplacian": "harness.eigen",
    "structure_digest": "harness.eigen",
    "spectral_centroid": "harness.spectral",
    "stable_hash": "harness.storage",
    "SAM": "harness.optim",
    "make_optimizer": "harness.optim",
    "FitResult": "harness.train",
    "count_parameters": "harness.train",
    "fit": "harness.train",
}

__all__ = [
    "SAM",
    "Claim",
    "ContentCache",
    "ContractError",
    "DataCorruptError",
    "DatasetSpec",
    "Eigenpairs",
    "FitResult",
    "MethodConfig",
    "MethodSpec",
    "MetricSpec",
    "PaperReference",
    "ProbeConfig",
    "ProbeSpec",
    "ProbeTarget",
    "RemoteFile",
    "RunContext",
    "SlotSpec",
    "TaskConfig",
    "TaskSpec",
    "UserError",
    "check_tensor",
    "compute_eigenpairs",
    "count_parameters",
    "dataset_eigenpairs",
    "fit",
    "graph_eigenpairs",
    "hookimpl",
    "laplacian",
    "make_optimizer",
    "module_device",
    "param",
    "spectral_centroid",
    "stable_hash",
    "structure_digest",
]


def __getattr__(name: str) -> Any:
    """Import a heavy public name on first access and keep it as a module attribute."""
    module = _LAZY_EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's attributes, lazy public names included."""
    return sorted(set(globals()) | set(__all__))
