"""The ``ms_model`` slot's contract: what the MS task hands to a method and what it gets back.

Torch-free at import (the registry loads it); :func:`check` imports the method module (torch,
numpy) when it runs.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from harness import ContractError, SlotSpec

if TYPE_CHECKING:
    from spectral_harness_ms.data import Covariates, Spectrum


PROBE_QUERIES = 2
PROTOCOL = ("fit", "predict", "clear_cache")


@dataclass(frozen=True)
class MsProblem:
    """What the task hands to an ``ms_model`` method."""

    train: list[Spectrum]
    val: list[Spectrum]
    covariates: Covariates
    epochs: int
    batch_size: int
    max_peaks: int
    library: tuple[str, ...] = ()  # SMILES of every structure a method may be asked about


SLOT_SPEC = SlotSpec(
    name="ms_model",
    summary="MS/MS spectrum predictors from molecular structure",
    problem=(
        "spectral_harness_ms.contract.MsProblem (frozen dataclass, host-side numpy, no device): "
        "train and "
        "val (lists of spectral_harness_ms.data.Spectrum: smiles, key, adduct, instrument, ce, "
        "precursor formula, charge, precursor_mz, peaks mz/intensity (float, intensity sums to "
        "1) and formula annotations), covariates (Covariates: encode(adduct, instrument, ce, "
        "ce_ramp) -> float32 (covariates.dim,)), epochs and batch_size (the shared training "
        "budget), max_peaks (int >= 1) and library (SMILES of every structure a method may be "
        "asked about)"
    ),
    component=(
        "a predictor object (not necessarily an nn.Module) with fit(ctx) -> {name: float} "
        "(trains on problem.train, selects on problem.val, moves itself to ctx.device and "
        "returns extra metrics), predict(queries: Sequence[spectral_harness_ms.methods.Query]) -> "
        "one "
        "(mz, intensity) pair per query, in order, of 1-D floating numpy arrays of one length "
        "<= problem.max_peaks with finite m/z > 0 and finite intensity >= 0 (an empty spectrum "
        "is allowed), and clear_cache() (drops memoised featurisations, so throughput is "
        "measured from SMILES); predict also works before fit"
    ),
    result=(
        "mean Hungarian cosine (matchms) of predicted and measured spectra at 0.1 Da (primary, "
        "cosine_0.1) and 0.01 Da on a structure-disjoint test split, recall@1/5/10 of the true "
        "structure among isomer/mass candidates, spectra_per_s"
    ),
    check="spectral_harness_ms.contract:check",
)


def check(component: Any, problem: Any) -> None:
    """Ask the freshly built predictor for the spectra of the first ``PROBE_QUERIES`` spectra
    of ``problem`` (training split first) and clear its cache afterwards.

    Raises :class:`ContractError` (one line: expected vs. actual) unless it has the slot's
    methods and returns one pair of finite 1-D m/z and intensity arrays per query. NumPy's and
    Python's global RNG states are restored, so the probe changes no later draw.
    """
    from spectral_harness_ms.methods import Query

    missing = [name for name in PROTOCOL if not callable(getattr(component, name, None))]
    if missing:
        raise ContractError(
            f"build returned {type(component).__name__} without {', '.join(missing)}, expected "
            "a predictor with fit(ctx), predict(queries) and clear_cache()"
        )
    queries = [Query.of(s) for s in [*problem.train, *problem.val][:PROBE_QUERIES]]
    with _global_rng_restored():
        predicted = component.predict(queries)
        component.clear_cache()
    if not isinstance(predicted, Sequence):
        raise ContractError(
            f"predict returned a {type(predicted).__name__}, expected a sequence of "
            f"{len(queries)} (mz, intensity) pairs, one per query"
        )
    if len(predicted) != len(queries):
        raise ContractError(
            f"predict returned {len(predicted)} spectra for {len(queries)} queries, expected "
            "one (mz, intensity) pair per query"
        )
    for index, spectrum in enumerate(predicted):
        _spectrum(spectrum, f"spectrum {index}", problem.max_peaks)


def _spectrum(spectrum: Any, what: str, max_peaks: int) -> None:
    """Raise ContractError unless ``spectrum`` is a valid ``(mz, intensity)`` pair."""
    import numpy as np

    if not isinstance(spectrum, tuple | list) or len(spectrum) != 2:
        raise ContractError(
            f"{what} is a {type(spectrum).__name__}, expected an (mz, intensity) pair"
        )
    mz, intensity = spectrum
    for name, array in (("m/z", mz), ("intensity", intensity)):
        if not isinstance(array, np.ndarray):
            raise ContractError(
                f"{what}: {name} is a {type(array).__name__}, expected a numpy array"
            )
        if not np.issubdtype(array.dtype, np.floating):
            raise ContractError(f"{what}: {name} dtype {array.dtype}, expected a floating dtype")
    if mz.ndim != 1 or mz.shape != intensity.shape:
        raise ContractError(
            f"{what}: m/z shape {mz.shape} and intensity shape {intensity.shape}, expected two "
            "1-D arrays of one shape (peaks,)"
        )
    if len(mz) > max_peaks:
        raise ContractError(
            f"{what} has {len(mz)} peaks, expected at most {max_peaks} = problem.max_peaks"
        )
    if not (np.isfinite(mz).all() and np.isfinite(intensity).all()):
        raise ContractError(f"{what} has non-finite m/z or intensity values, expected all finite")
    if (mz <= 0).any() or (intensity < 0).any():
        raise ContractError(
            f"{what} has m/z from {mz.min():g} and intensity from {intensity.min():g}, "
            "expected m/z > 0 and intensity >= 0"
        )


@contextmanager
def _global_rng_restored() -> Iterator[None]:
    """Save NumPy's and Python's global RNG states and put them back on exit."""
    import numpy as np

    numpy_state, python_state = np.random.get_state(), random.getstate()
    try:
        yield
    finally:
        np.random.set_state(numpy_state)
        random.setstate(python_state)
