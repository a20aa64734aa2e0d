"""Spectrum similarity as the board scores it: matchms ``CosineHungarian``."""

from __future__ import annotations

from typing import Any

import numpy as np

Peaks = tuple[np.ndarray, np.ndarray]


def matchms_spectrum(mz: np.ndarray, intensity: np.ndarray) -> Any:
    """A metadata-free ``matchms.Spectrum`` of peaks (sorted by m/z)."""
    from matchms import Spectrum as MatchmsSpectrum

    order = np.argsort(mz, kind="stable")
    return MatchmsSpectrum(
        mz=np.asarray(mz, dtype=np.float64)[order],
        intensities=np.asarray(intensity, dtype=np.float64)[order],
        metadata={},
        metadata_harmonization=False,
    )


def cosine(predicted: Peaks, observed: Peaks, tol: float) -> float:
    """matchms ``CosineHungarian`` (intensity power 1, m/z power 0); 0 for an empty spectrum."""
    from matchms.similarity import CosineHungarian

    if len(predicted[0]) == 0 or len(observed[0]) == 0:
        return 0.0
    score = CosineHungarian(tolerance=tol).pair(
        matchms_spectrum(*observed), matchms_spectrum(*predicted)
    )
    return float(score["score"])
