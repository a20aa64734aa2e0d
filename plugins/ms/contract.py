"""The ``ms_model`` slot: what its tasks hand to ``build`` and what a method must return.

Torch-free, so listing and registration stay cheap. The slot has no component probe yet: a
component of the wrong kind fails inside the task's first use of it, as a ``failed`` cell.
"""

from __future__ import annotations

from harness import SlotSpec

SLOT_SPEC = SlotSpec(
    name="ms_model",
    summary="MS/MS spectrum predictors from molecular structure",
    problem=(
        "MsProblem: train and val spectra, covariates, epochs, batch_size, max_peaks, library"
        " (SMILES a method may be asked about)"
    ),
    component=(
        "a predictor that is fitted on the training spectra and predicts a spectrum for a structure"
    ),
    result=(
        "mean Hungarian cosine (matchms, 0.1 Da) of predicted and measured spectra on a "
        "structure-disjoint test split"
    ),
)
