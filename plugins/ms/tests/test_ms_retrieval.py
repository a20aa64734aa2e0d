"""Retrieval candidate sets, recall@k (ties against the truth) and annotation ambiguity."""

from __future__ import annotations

import numpy as np
import pytest

from spectral_harness_ms.chem import ion_mz, parse_formula, precursor_ion
from spectral_harness_ms.data import Spectrum
from spectral_harness_ms.retrieval import (
    Library,
    large_candidates,
    nearest_candidates,
    retrieval_recall,
)
from spectral_harness_ms.task import candidates_per_annotated_peak

# key: (neutral formula, peak m/z); B is an isomer of A, C is lighter, D heavier
STRUCTURES = {
    "A": ("C8H8O2", 105.0),
    "B": ("C8H8O2", 91.0),
    "C": ("C7H6O2", 77.0),
    "D": ("C9H10O2", 119.0),
    "E": ("C8H8O2", 65.0),
}


def _spectrum(key: str) -> Spectrum:
    formula, peak = STRUCTURES[key]
    ion, charge = precursor_ion(parse_formula(formula), "[M+H]+")
    return Spectrum(
        accession=key,
        smiles=f"smiles-{key}",
        key=key,
        adduct="[M+H]+",
        instrument="ESI-QTOF|X",
        ce=20.0,
        ce_ramp=False,
        ce_text="20",
        precursor=ion,
        charge=charge,
        precursor_mz=float(ion_mz(ion, charge)),
        mz=np.array([peak]),
        intensity=np.array([1.0]),
    )


class Oracle:
    """Predicts each structure's own spectrum (its one peak); ``constant``: the same for all."""

    def __init__(self, constant: bool = False) -> None:
        self.constant = constant
        self.calls = 0

    def predict(self, queries):
        self.calls += len(queries)
        peaks = [105.0 if self.constant else STRUCTURES[q.key][1] for q in queries]
        return [(np.array([p]), np.array([1.0])) for p in peaks]


def test_nearest_candidates_put_the_truth_then_isomers_then_the_nearest_mass():
    library = Library.of([_spectrum(k) for k in "ABCDE"])
    keys = [c[0] for c in nearest_candidates(library, _spectrum("A"), 4)]
    assert keys[0] == "A" and set(keys[1:3]) == {"B", "E"}
    assert keys[3] == "C"  # C7H6O2 is 14 Da lighter, C9H10O2 14 Da heavier: C sorts first


def test_large_candidates_hold_every_test_structure_and_only_isomers_from_the_pool():
    test = Library.of([_spectrum("A"), _spectrum("C")])
    pool = Library.of([_spectrum(k) for k in "BDE"])
    keys = [c[0] for c in large_candidates(test, pool, _spectrum("C"))]
    assert keys == ["C", "A"]  # no pool structure is an isomer of C
    keys = [c[0] for c in large_candidates(test, pool, _spectrum("A"))]
    assert keys[0] == "A" and set(keys) == {"A", "C", "B", "E"}  # D is not an isomer


def test_a_perfect_predictor_ranks_the_truth_first_and_ties_count_against_it():
    library = Library.of([_spectrum(k) for k in "ABCDE"])
    queries = [_spectrum(k) for k in "ABC"]
    oracle = Oracle()
    recall = retrieval_recall(
        oracle, queries, lambda s: nearest_candidates(library, s, 5), "r", "n"
    )
    assert recall == {"r_at_1": 1.0, "r_at_5": 1.0, "r_at_10": 1.0, "n": 5.0}
    assert oracle.calls == 5  # one prediction per structure and covariates, reused
    tied = retrieval_recall(
        Oracle(constant=True), queries, lambda s: nearest_candidates(library, s, 5), "r", "n"
    )
    assert tied["r_at_1"] == 0.0 and tied["r_at_5"] == 1.0


def test_ambiguity_is_candidates_per_annotated_peak():
    s = _spectrum("A")
    s.mz, s.intensity = np.array([77.0, 91.0, 105.0]), np.full(3, 1 / 3)
    s.ann_peak = np.array([0, 0, 0, 2])  # peak 0: 3 candidates, peak 1: none, peak 2: one
    s.ann_formula = np.zeros((4, 10), dtype=np.int64)
    s.ann_iso = np.zeros(4, dtype=np.int64)
    assert candidates_per_annotated_peak([s]) == pytest.approx(2.0)
    assert np.isnan(candidates_per_annotated_peak([_spectrum("B")]))
