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
    from harness.curvature import (
        chebyshev_logdet,
        density_on_grid,
        functional_hvp,
        functional_jvp,
        functional_vjp,
        hutchinson_trace,
        hvp_operator,
        lanczos,
        lanczos_top,
        slq_density,
        spectral_bounds,
    )
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
    from harness.weight_spectra import (
        ActivationTaps,
        PowerLawFit,
        StreamingCovariance,
        esd,
        farms_esd,
        hard_rank,
        hill_alpha,
        mle_alpha,
        mp_singular_edge,
        power_law_fit,
        soft_rank,
        spectrum_snr,
        weight_matrices,
    )

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("spectral_harness")
"""Marker for hook implementations: ``@hookimpl def spectral_harness_register_methods(): ...``."""

# Public name -> the module that defines it, imported on first access (PEP 562).
_LAZY_EXPORTS = {
    "ProbeTarget": "harness.context",
    "RunContext": "harness.context",
    "check_tensor": "harness.contracts",
    "module_device": "harness.contracts",
    "chebyshev_logdet": "harness.curvature",
    "density_on_grid": "harness.curvature",
    "functional_hvp": "harness.curvature",
    "functional_jvp": "harness.curvature",
    "functional_vjp": "harness.curvature",
    "hutchinson_trace": "harness.curvature",
    "hvp_operator": "harness.curvature",
    "lanczos": "harness.curvature",
    "lanczos_top": "harness.curvature",
    "slq_density": "harness.curvature",
    "spectral_bounds": "harness.curvature",
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
    "ActivationTaps": "harness.weight_spectra",
    "PowerLawFit": "harness.weight_spectra",
    "StreamingCovariance": "harness.weight_spectra",
    "esd": "harness.weight_spectra",
    "farms_esd": "harness.weight_spectra",
    "hard_rank": "harness.weight_spectra",
    "hill_alpha": "harness.weight_spectra",
    "mle_alpha": "harness.weight_spectra",
    "mp_singular_edge": "harness.weight_spectra",
    "power_law_fit": "harness.weight_spectra",
    "soft_rank": "harness.weight_spectra",
    "spectrum_snr": "harness.weight_spectra",
    "weight_matrices": "harness.weight_spectra",
}

__all__ = [
    "SAM",
    "ActivationTaps",
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
    "PowerLawFit",
    "ProbeConfig",
    "ProbeSpec",
    "ProbeTarget",
    "RemoteFile",
    "RunContext",
    "SlotSpec",
    "StreamingCovariance",
    "TaskConfig",
    "TaskSpec",
    "UserError",
    "chebyshev_logdet",
    "check_tensor",
    "compute_eigenpairs",
    "count_parameters",
    "dataset_eigenpairs",
    "density_on_grid",
    "esd",
    "farms_esd",
    "fit",
    "functional_hvp",
    "functional_jvp",
    "functional_vjp",
    "graph_eigenpairs",
    "hard_rank",
    "hill_alpha",
    "hookimpl",
    "hutchinson_trace",
    "hvp_operator",
    "lanczos",
    "lanczos_top",
    "laplacian",
    "make_optimizer",
    "mle_alpha",
    "module_device",
    "mp_singular_edge",
    "param",
    "power_law_fit",
    "slq_density",
    "soft_rank",
    "spectral_bounds",
    "spectral_centroid",
    "spectrum_snr",
    "stable_hash",
    "structure_digest",
    "weight_matrices",
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
